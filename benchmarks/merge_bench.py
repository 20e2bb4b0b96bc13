"""Model-quality benchmark: merge + metrics over N captured records and N labels, against DuckDB.

    .venv/bin/python -m benchmarks.merge_bench [--records 1000000] [--repeats 1] [--keep DIR]

Writes N capture records (binary classifier, CSV output holding the probability, an ``inferenceId``
each) in SageMaker's capture layout and N ground-truth records in its ground-truth layout: 5 % of the
predictions never get a label, 5 % of the labels belong to no prediction, 2 % of the ids are labelled
twice. Then, each in its own process measured by benchmarks/measure.py:

- ours: what a model-quality execution on the local engine runs (jobs/pipeline.py):
  ``dataset.merge.merge_ground_truth`` (join, counts, merged records written under merge/ on a thread
  while the analysis runs), then ``analyzers.merged_columns`` over the merged records' columns and
  ``statistics_of`` (every binary metric with its bootstrap standard deviations, the curves), ending
  when the files are written;
- the reference: one DuckDB statement that reads the same capture and label files, hash-joins them on
  the same key and writes the joined records (no metrics, no duplicate resolution, no counting).

Targets (issue 9): ours within 2× the reference's wall time (the best of the repeats; CPU time is
printed too, as other work on a shared machine moves wall time), peak RSS under 1 GiB. Prints the
figures and a JSON line; writes nothing else.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from benchmarks.measure import RunResult, run_once

MEMORY_LIMIT_BYTES = 2**30
TARGET_RATIO = 2.0
RECORDS_PER_FILE = 100_000
CAPTURE_HOUR = "2026/11/26/10"
LABEL_HOUR = "2026/11/26/12"


def _write(path: Path, lines: list[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\n".join(lines) + b"\n")


def generate(root: Path, records: int, seed: int = 7) -> None:
    """Capture and label files for ``records`` predictions (see the module docstring for the mix)."""
    rng = random.Random(seed)
    captures: list[bytes] = []
    labels: list[bytes] = []
    part = 0
    for index in range(records):
        probability = rng.random()
        minute, second = divmod(index * 3600 // max(records, 1), 60)
        captures.append(
            orjson.dumps(
                {
                    "captureData": {
                        "endpointInput": {
                            "observedContentType": "text/csv",
                            "mode": "INPUT",
                            "data": f"{index % 97},{rng.random():.6f},{index % 13}",
                            "encoding": "CSV",
                        },
                        "endpointOutput": {
                            "observedContentType": "text/csv",
                            "mode": "OUTPUT",
                            "data": repr(probability),
                            "encoding": "CSV",
                        },
                    },
                    "eventMetadata": {
                        "eventId": f"e-{index}",
                        "inferenceId": str(index),
                        "inferenceTime": f"2026-11-26T10:{minute:02d}:{second:02d}Z",
                    },
                    "eventVersion": "0",
                }
            )
        )
        draw = rng.random()
        if draw >= 0.05:  # 5 % never labelled
            label = "1" if rng.random() < probability else "0"
            labels.append(_label(str(index), label))
            if draw < 0.07:  # 2 % labelled twice
                labels.append(_label(str(index), label))
        if rng.random() < 0.05:
            labels.append(_label(f"orphan-{index}", "1"))
        if len(captures) == RECORDS_PER_FILE or index == records - 1:
            _write(root / "capture/ep/AllTraffic" / CAPTURE_HOUR / f"{part:02d}-00-000-bench.jsonl", captures)
            _write(root / "gt" / LABEL_HOUR / f"{part:02d}-00-000-bench.jsonl", labels)
            captures, labels = [], []
            part += 1


def _label(event_id: str, label: str) -> bytes:
    return orjson.dumps(
        {
            "groundTruthData": {"data": label, "encoding": "CSV"},
            "eventMetadata": {"eventId": event_id},
            "eventVersion": "0",
        }
    )


def run_ours(root: Path) -> None:
    from modelmonitor.analyzers.merged_columns import observations_from_merged_records
    from modelmonitor.analyzers.model_quality import ModelQualitySettings, statistics_of
    from modelmonitor.dataset.merge import merge_ground_truth
    from modelmonitor.dataset.report import ReadReport
    from modelmonitor.dataset.window import AnalysisWindow
    from modelmonitor.engine.local import keep_freed_arrow_memory

    keep_freed_arrow_memory()  # as jobs.monitoring.main does first in an execution's process
    window = AnalysisWindow(datetime(2026, 11, 26, 10, tzinfo=UTC), datetime(2026, 11, 26, 11, tzinfo=UTC))
    out = root / "out-ours"
    merged = merge_ground_truth(
        str(root / "capture"),
        "ep",
        window,
        str(root / "gt"),
        datetime(2026, 11, 26, 13, tzinfo=UTC),
        str(out / "merge"),
        write_in_background=True,
    )
    settings = ModelQualitySettings("BinaryClassification")
    assert merged.records is not None
    statistics = statistics_of(observations_from_merged_records(merged.records, settings, ReadReport()))
    merged.written_files()  # as the pipeline: the outputs are written once the merged files are
    statistics.write(out / "statistics.json")
    print(
        json.dumps(
            {"matched": merged.matched, "accuracy": statistics.metrics.scalar_metrics()["accuracy"].value}
        )
    )


def run_duckdb(root: Path) -> None:
    import duckdb

    out = root / "out-duckdb"
    out.mkdir(exist_ok=True)
    captures = str(root / "capture/ep/AllTraffic/*/*/*/*/*.jsonl")
    labels = str(root / "gt/*/*/*/*/*.jsonl")
    with duckdb.connect() as db:
        db.execute(
            f"""COPY (
                SELECT g.groundTruthData, c.captureData, c.eventMetadata, c.eventVersion
                FROM read_json('{captures}', format = 'newline_delimited') c
                JOIN read_json('{labels}', format = 'newline_delimited') g
                  ON coalesce(c.eventMetadata.inferenceId, c.eventMetadata.eventId) = g.eventMetadata.eventId
            ) TO '{out / "merged.jsonl"}' (FORMAT json)"""
        )
        matched = db.execute(f"SELECT count(*) FROM read_json('{out / 'merged.jsonl'}')").fetchone()
    print(json.dumps({"matched": matched[0] if matched else 0}))


def _describe(name: str, result: RunResult) -> str:
    return (
        f"{name:<8} wall {result.wall_s:7.2f} s  cpu {result.cpu_s:7.2f} s  "
        f"peak {result.peak_rss_bytes / 2**20:6.0f} MiB  others' cpu {result.others_cpu_s:5.1f} s  "
        f"exit {result.exit_code}  {result.reported}"
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; the summary (also printed as the last JSON line), or ``{"error": ...}``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="generate into (and keep) this folder")
    parser.add_argument("--run", choices=["ours", "duckdb", "generate"], help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run == "generate":
        generate(args.root, args.records)
        return {}
    if args.run is not None:
        (run_ours if args.run == "ours" else run_duckdb)(args.root)
        return {}
    root = args.keep or Path(tempfile.mkdtemp(prefix="merge-bench-"))
    try:
        print(f"generating {args.records} captures and their labels in {root}", flush=True)
        # in a child, so that the measured processes do not inherit a large parent's resident memory
        made = run_once(
            [sys.executable, "-m", "benchmarks.merge_bench", "--run", "generate", "--root", str(root),
             "--records", str(args.records)]
        )  # fmt: skip
        if made.exit_code:
            return {"error": f"generating the data failed: {made.stderr_tail[-400:]}"}
        results: dict[str, list[RunResult]] = {"ours": [], "duckdb": []}
        for _ in range(args.repeats):
            for name in results:
                shutil.rmtree(root / f"out-{name}", ignore_errors=True)
                result = run_once(
                    [sys.executable, "-m", "benchmarks.merge_bench", "--run", name, "--root", str(root)]
                )
                results[name].append(result)
                print(_describe(name, result), flush=True)
        ours = min(r.wall_s for r in results["ours"])
        reference = min(r.wall_s for r in results["duckdb"])
        peak = max(r.peak_rss_bytes for r in results["ours"])
        summary: dict[str, Any] = {
            "records": args.records,
            "ours_wall_s": round(ours, 3),
            "duckdb_wall_s": round(reference, 3),
            "ratio": round(ours / reference, 2),
            "ours_peak_rss_mib": round(peak / 2**20, 1),
            "ratio_target_met": ours / reference <= TARGET_RATIO,
            "memory_target_met": peak < MEMORY_LIMIT_BYTES,
        }
        failed = [r.stderr_tail[-400:] for runs in results.values() for r in runs if r.exit_code]
        if failed:
            summary["error"] = failed[0]
        print(json.dumps(summary))
        return summary
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(1 if "error" in main() else 0)
