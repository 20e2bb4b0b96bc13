"""A custom monitor written only against SageMaker's documented container contract.

It uses nothing of modelmonitor and only Python's standard library, so the same file runs as a
SageMaker Model Monitor container and here, as a schedule's ``--command`` or in a container image:

- reads the captured records under ``dataset_source`` (``{endpoint}/{variant}/yyyy/mm/dd/hh/*.jsonl``)
  whose ``eventMetadata.inferenceTime`` lies in ``[start_time, end_time)``;
- counts the records whose first CSV input feature is above ``F1_LIMIT`` (the schedule's ``env``);
- writes ``constraint_violations.json`` (SageMaker's schema) to ``output_path``.

It writes no exit message: the scheduler takes the execution's status and violation count from
``constraint_violations.json``.
"""

from __future__ import annotations

import json
import os
import pathlib
from datetime import datetime


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def main() -> None:
    source = pathlib.Path(os.environ["dataset_source"])
    start, end = moment(os.environ["start_time"]), moment(os.environ["end_time"])
    limit = float(os.environ.get("F1_LIMIT", "20"))
    files = sorted(source.rglob("*.jsonl"))
    records = above = 0
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if not start <= moment(record["eventMetadata"]["inferenceTime"]) < end:
                continue
            records += 1
            first = record["captureData"]["endpointInput"]["data"].split(",")[0]
            above += float(first) > limit
    print(f"{len(files)} files, {records} records in the window, {above} with f1 above {limit}")
    violations = []
    if above:
        violations.append(
            {
                "feature_name": "f1",
                "constraint_check_type": "baseline_drift_check",
                "description": f"{above} of {records} records have f1 above {limit}",
            }
        )
    output = pathlib.Path(os.environ["output_path"])
    output.mkdir(parents=True, exist_ok=True)
    (output / "constraint_violations.json").write_text(json.dumps({"violations": violations}, indent=4))


if __name__ == "__main__":
    main()
