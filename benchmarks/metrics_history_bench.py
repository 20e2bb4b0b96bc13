"""Metrics over time: what a monitor page costs over N finished executions of one schedule.

    .venv/bin/python -m benchmarks.metrics_history_bench [--executions 2000] [--features 30]

Builds a SQLite catalog with one data-quality schedule, its baseline (statistics and constraints of
``--features`` columns, a fifth of them strings) and N finished executions, each with its own
``statistics.json`` (every third one drifted). Then times, in this process:

- ``executions_over_time`` over all N (catalog only);
- ``drift_over_time`` the first time (each execution's statistics read, checked against the baseline,
  the numbers stored in the catalog) and the second time (catalog only);
- one page of 500 of each, as the REST routes answer by default.

This is why the numbers are kept: the first ``drift_over_time`` reads N files, every later one none (the
scheduler pays the per-execution share once, when each execution ends). Measured (docs/api.md): 500
executions × 30 features, 39.8 s the first time, 0.13 s stored.
Prints the figures as one JSON line; writes nothing else.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pyarrow as pa

from modelmonitor.analyzers.data_quality import profile_batches
from modelmonitor.constraints.data_quality import suggest
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.scheduler.clock import SteppingClock
from modelmonitor.service import MonitoringService
from modelmonitor.service.metrics_history import TimeRange, drift_over_time, executions_over_time
from modelmonitor.storage.catalog import Catalog

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
T = TypeVar("T")


def _statistics(features: int, rows: int, shift: float, seed: int) -> StatisticsFile:
    rng = random.Random(seed)
    columns: dict[str, list[str]] = {}
    for index in range(features):
        if index % 5 == 4:
            columns[f"s{index}"] = [rng.choice("abcdefgh") for _ in range(rows)]
        else:
            columns[f"n{index}"] = [f"{rng.gauss(shift + index, 1.0):.4f}" for _ in range(rows)]
    return profile_batches(pa.table(columns).to_batches()).to_statistics()


def _build(folder: Path, executions: int, features: int) -> MonitoringService:
    service = MonitoringService(
        Catalog(f"sqlite:///{folder / 'c.sqlite'}"), folder / "home", SteppingClock(NOW)
    )
    baseline = _statistics(features, 2000, 0.0, 1)
    (folder / "baseline").mkdir()
    baseline.write(folder / "baseline" / "statistics.json")
    suggest(baseline).write(folder / "baseline" / "constraints.json")
    service.create_schedule(
        "bench",
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="batch_transform",
            capture_uri=str(folder / "capture"),
            output_uri=str(folder / "out"),
            baseline_statistics=str(folder / "baseline" / "statistics.json"),
            baseline_constraints=str(folder / "baseline" / "constraints.json"),
        ),
    )
    samples = [
        _statistics(features, 2000, 0.0, 2).to_json_text(),
        _statistics(features, 2000, 3.0, 3).to_json_text(),
    ]
    for index in range(executions):
        scheduled = NOW - timedelta(hours=executions - index)
        row = service.catalog.add_execution(
            schedule_name="bench",
            endpoint_name=None,
            monitoring_type="DataQuality",
            scheduled_time=scheduled,
            status="InProgress",
            now=scheduled,
        )
        output = folder / "out" / str(index)
        output.mkdir(parents=True)
        (output / "statistics.json").write_text(samples[index % 3 == 2], "utf-8")
        service.catalog.update_execution(
            row.id,
            scheduled + timedelta(seconds=40),
            status="Completed",
            violation_count=0,
            output_uri=str(output),
        )
    return service


def _timed(what: str, figures: dict[str, float], call: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = call()
    figures[what] = round(time.perf_counter() - started, 4)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--executions", type=int, default=2000)
    parser.add_argument("--features", type=int, default=30)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="metrics-history-bench-"))
    try:
        figures: dict[str, float] = {}
        service = _timed("build_seconds", figures, lambda: _build(folder, args.executions, args.features))
        everything = TimeRange(limit=5000)
        page = TimeRange(limit=500)
        _timed("executions_all_seconds", figures, lambda: executions_over_time(service, "bench", everything))
        _timed("executions_page_seconds", figures, lambda: executions_over_time(service, "bench", page))
        first = _timed("drift_first_seconds", figures, lambda: drift_over_time(service, "bench", everything))
        second = _timed(
            "drift_stored_seconds", figures, lambda: drift_over_time(service, "bench", everything)
        )
        _timed("drift_stored_page_seconds", figures, lambda: drift_over_time(service, "bench", page))
        assert first == second, "the stored numbers differ from the computed ones"
        service.close()
        print(json.dumps({"executions": args.executions, "features": args.features, **figures}))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
