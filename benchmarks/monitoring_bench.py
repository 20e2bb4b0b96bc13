"""Scheduled data-quality monitoring over one hour of capture, against a bare DuckDB parse of the same files.

``python -m benchmarks.monitoring_bench --records 1000000 --repeats 3`` generates the capture
(``benchmarks.capture_data``: SageMaker JSON Lines, CSV payloads, 32 columns, 2% nulls) and its baseline
once, then runs, in interleaved rounds, (1) the built-in monitoring job exactly as the scheduler starts
it (``python -m modelmonitor.jobs.monitoring`` with the container environment contract: read the window,
profile, check against the baseline, write the reports) and (2) ``peers/duckdb_capture_parse.py``
(read_json + string_split + casts into a typed table). Each run is measured by ``benchmarks.measure``
(wall, CPU, peak RSS of the process tree, other processes' CPU and hypervisor steal meanwhile). The
target (issue 14): the execution within 3x DuckDB's wall time, peak RSS under 1 GiB. Results go to
``benchmarks/results/monitoring-<time>.json`` and a Markdown table on stdout for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.capture_data import ENDPOINT, HOUR, generate
from benchmarks.measure import RunResult, run_once
from modelmonitor.jobs.contract import JobContract

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PEER = Path(__file__).resolve().parent / "peers" / "duckdb_capture_parse.py"
GIB = 2**30


def _job_env(root: Path, out: Path) -> dict[str, str]:
    contract = JobContract(
        dataset_source=str(root),
        output_path=str(out / "results"),
        start_time=HOUR,
        end_time=HOUR + timedelta(hours=1),
        dataset_format={"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}},
        output_message_file=str(out / "message"),
        cloudwatch_metrics_directory=str(out / "metrics"),
        endpoint_name=ENDPOINT,
        schedule_name="bench-hourly",
        baseline_statistics=str(root / "baseline" / "statistics.json"),
        baseline_constraints=str(root / "baseline" / "constraints.json"),
    )
    return {**os.environ, **contract.to_env()}


def _check_job(out: Path, records: int) -> str | None:
    """None when the execution completed over every record; otherwise what went wrong."""
    message = (out / "message").read_text().strip() if (out / "message").exists() else "(no message)"
    if not message.startswith("Completed"):
        return message
    items = json.loads((out / "results" / "statistics.json").read_text())["dataset"]["item_count"]
    return None if items == records else f"item_count {items}, expected {records}"


def _summary(runs: list[RunResult]) -> dict[str, Any]:
    return {
        "wall_s": statistics.median(run.wall_s for run in runs),
        "cpu_s": statistics.median(run.cpu_s for run in runs),
        "peak_rss_mib": max(run.peak_rss_bytes for run in runs) / 2**20,
        "others_cpu_and_steal_s": max(run.others_cpu_s + run.steal_s for run in runs),
        "runs": [
            {
                "wall_s": r.wall_s,
                "cpu_s": r.cpu_s,
                "peak_rss_mib": r.peak_rss_bytes / 2**20,
                "others_cpu_s": r.others_cpu_s,
                "steal_s": r.steal_s,
                "exit_code": r.exit_code,
            }
            for r in runs
        ],
    }


def measure(records: int, repeats: int) -> dict[str, Any]:
    """Interleaved runs of both; the figures as data (``error`` set when a run failed)."""
    root = generate(records)
    python = sys.executable
    job: list[RunResult] = []
    duckdb: list[RunResult] = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="monitoring-bench-") as folder:
            out = Path(folder)
            run = run_once([python, "-m", "modelmonitor.jobs.monitoring"], env=_job_env(root, out))
            problem = _check_job(out, records)
            if run.exit_code or problem:
                return {"error": f"monitoring job failed: {problem} {run.stderr_tail}"}
            job.append(run)
        run = run_once([python, str(PEER), str(root)])
        if run.exit_code or int(run.reported.get("rows", -1)) != records:
            return {"error": f"duckdb parse failed: {run.reported} {run.stderr_tail}"}
        duckdb.append(run)
    result: dict[str, Any] = {
        "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "records": records,
        "repeats": repeats,
        "command": f"python -m benchmarks.monitoring_bench --records {records} --repeats {repeats}",
        "monitoring_job": _summary(job),
        "duckdb_parse": _summary(duckdb),
    }
    result["wall_ratio"] = result["monitoring_job"]["wall_s"] / result["duckdb_parse"]["wall_s"]
    result["cpu_ratio"] = result["monitoring_job"]["cpu_s"] / result["duckdb_parse"]["cpu_s"]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    result = measure(args.records, args.repeats)
    if "error" in result:
        print(result["error"], file=sys.stderr)
        return 1
    ratio, cpu_ratio = result["wall_ratio"], result["cpu_ratio"]
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / f"monitoring-{result['when'].replace(':', '')}.json").write_text(
        json.dumps(result, indent=2)
    )
    print("| what | wall s (median) | CPU s (median) | peak RSS MiB (max) | others' CPU + steal s (max) |")
    print("|---|---|---|---|---|")
    for name, key in (
        ("scheduled monitoring execution", "monitoring_job"),
        ("bare DuckDB parse", "duckdb_parse"),
    ):
        row = result[key]
        print(
            f"| {name} | {row['wall_s']:.2f} | {row['cpu_s']:.2f} | {row['peak_rss_mib']:.0f} | "
            f"{row['others_cpu_and_steal_s']:.1f} |"
        )
    print(
        f"\nwall ratio {ratio:.2f}x (target <= 3), CPU ratio {cpu_ratio:.2f}x; "
        f"peak RSS {result['monitoring_job']['peak_rss_mib']:.0f} MiB (target < {GIB // 2**20})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
