"""The same rows give the same statistics through baseline, check and a scheduled execution over capture."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelmonitor.jobs.monitoring import run
from modelmonitor.service.baselines import run_baseline, run_check
from tests.monitoring_data import capture_job_contract

T0 = datetime(2026, 11, 21, 9, tzinfo=UTC)
NAMES = ["label", "f1", "f2", "f3"]
# Numbers, words and empty fields (null); the label (the model's output) is never empty, since an
# empty output payload has no fields at all and the input's columns would move left.
FIELD = st.from_regex(r"-?[0-9]{1,3}(\.[0-9]{0,2})?|[a-c]{1,2}|true|", fullmatch=True)
LABEL = st.from_regex(r"[0-9](\.[0-9])?|yes|no", fullmatch=True)
ROW = st.tuples(LABEL, FIELD, FIELD, FIELD)


def _capture_line(row: tuple[str, ...], second: int) -> bytes:
    def section(mode: str, data: str) -> dict[str, str]:
        return {"observedContentType": "text/csv", "mode": mode, "data": data, "encoding": "CSV"}

    record = {
        "captureData": {
            "endpointInput": section("INPUT", ",".join(row[1:])),
            "endpointOutput": section("OUTPUT", row[0]),
        },
        "eventMetadata": {
            "eventId": f"e{second}",
            "inferenceTime": (T0 + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "eventVersion": "0",
    }
    return orjson.dumps(record) + b"\n"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=1, max_size=40))
def test_baseline_check_and_scheduled_execution_agree(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, ...]]
) -> None:
    root = tmp_path_factory.mktemp("same-rows")
    lines = [",".join(row) for row in rows]
    (root / "train.csv").write_text(",".join(NAMES) + "\n" + "\n".join(lines) + "\n")
    baseline = run_baseline(str(root / "train.csv"), {"csv": {"header": True}}, str(root / "baseline"))

    (root / "today.csv").write_text("\n".join(lines) + "\n")
    check = run_check(str(root / "today.csv"), {"csv": {"header": False}}, str(root / "baseline"), None)

    hour = root / "capture" / "ep" / "AllTraffic" / "2026" / "11" / "21" / "09"
    hour.mkdir(parents=True)
    (hour / "a.jsonl").write_bytes(b"".join(_capture_line(row, second) for second, row in enumerate(rows)))
    contract = capture_job_contract(root, root, T0)
    scheduled = run(contract, logging.getLogger("same-rows"), 0.1).statistics

    expected = baseline.statistics.to_json_text()
    assert check.statistics.to_json_text() == expected
    assert scheduled.to_json_text() == expected
