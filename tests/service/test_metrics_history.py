"""A monitor's metrics over time: executions from the catalog, per-feature drift computed once per
execution from its files and kept in the catalog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modelmonitor.errors import ConfigurationError, NotFoundError
from modelmonitor.scheduler.clock import SteppingClock, SystemClock
from modelmonitor.service import MonitoringService
from modelmonitor.service.metrics_history import (
    TimeRange,
    drift_over_time,
    executions_over_time,
    feature_history,
)
from modelmonitor.storage.catalog import Catalog
from tests.monitor_history import SCHEDULE, write_history

NOW = datetime(2026, 11, 21, 10, 30, tzinfo=UTC)


@pytest.fixture
def service(tmp_path: Path) -> MonitoringService:
    return MonitoringService(
        Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}"), tmp_path / "home", SteppingClock(NOW)
    )


def test_executions_over_time_come_from_the_catalog_in_pages(
    service: MonitoringService, tmp_path: Path
) -> None:
    history = write_history(tmp_path, service, NOW, count=10)
    points = executions_over_time(service, SCHEDULE)
    assert [p.execution_id for p in points] == [e.id for e in history.executions]
    assert [p.status for p in points].count("Failed") == 2
    assert points[2].status == "CompletedWithViolations"
    assert points[2].violation_count
    assert points[0].duration_seconds == 30.0  # created a minute after its slot, ended 30 s later
    assert points[4].failure_reason == "Job inputs had no data: test"

    first_hour = history.executions[3].scheduled_time
    window = TimeRange(start=first_hour, end=first_hour + timedelta(hours=3))
    assert [p.execution_id for p in executions_over_time(service, SCHEDULE, window)] == [
        e.id for e in history.executions[3:6]
    ]
    page = executions_over_time(service, SCHEDULE, TimeRange(limit=4, offset=4))
    assert [p.execution_id for p in page] == [e.id for e in history.executions[4:8]]


def test_drift_over_time_measures_each_feature_against_its_threshold(
    service: MonitoringService, tmp_path: Path
) -> None:
    history = write_history(tmp_path, service, NOW, count=6)
    drifts = drift_over_time(service, SCHEDULE)
    assert [d.execution_id for d in drifts] == [e.id for e in history.executions]
    failed = drifts[4]
    assert failed.features == ()
    assert failed.error == "Failed: Job inputs had no data: test"
    f1 = feature_history(drifts, "f1")
    assert [d.execution_id for d, _ in f1] == [history.executions[i].id for i in (0, 1, 2, 3, 5)]
    quiet, drifted = f1[0][1], f1[2][1]
    assert quiet.method == "LInfinity"
    assert quiet.threshold == 0.1
    assert quiet.drift is not None
    assert quiet.drift < 0.1
    assert not quiet.drifted
    assert drifted.drift is not None
    assert drifted.drift > 0.5
    assert drifted.drifted
    assert quiet.inferred_type == "Fractional"
    assert quiet.missing_share == 0.0
    # The violation the execution's own check wrote is the one the numbers explain.
    violations = (tmp_path / "out" / "run-2" / "constraint_violations.json").read_text("utf-8")
    assert f"Baseline drift distance: {drifted.drift} exceeds threshold: 0.1" in violations
    label = drifts[0].feature("label")
    assert label is not None
    assert label.method == "LInfinity"
    assert label.drift is not None


def test_numbers_are_read_once_then_kept_in_the_catalog(service: MonitoringService, tmp_path: Path) -> None:
    write_history(tmp_path, service, NOW, count=4)
    first = drift_over_time(service, SCHEDULE)
    for statistics in (tmp_path / "out").glob("run-*/statistics.json"):
        statistics.unlink()
    assert drift_over_time(service, SCHEDULE) == first  # no file read the second time


def test_one_unreadable_execution_is_named_and_the_others_are_measured(
    service: MonitoringService, tmp_path: Path
) -> None:
    history = write_history(tmp_path, service, NOW, count=3)
    broken = tmp_path / "out" / "run-1" / "statistics.json"
    broken.write_text('{"dataset": ', "utf-8")
    drifts = drift_over_time(service, SCHEDULE)
    assert [bool(d.features) for d in drifts] == [True, False, True]
    assert drifts[1].execution_id == history.executions[1].id
    assert drifts[1].error is not None
    assert str(broken) in drifts[1].error


def test_an_unreadable_baseline_is_reported_and_not_kept(service: MonitoringService, tmp_path: Path) -> None:
    history = write_history(tmp_path, service, NOW, count=2)
    saved = history.baseline.read_bytes()
    history.baseline.write_text("not json", "utf-8")
    drifts = drift_over_time(service, SCHEDULE)
    assert all(d.error and "the schedule's baseline cannot be read" in d.error for d in drifts)
    history.baseline.write_bytes(saved)
    assert all(d.features for d in drift_over_time(service, SCHEDULE))


def test_bad_ranges_and_unknown_schedules_are_refused(service: MonitoringService, tmp_path: Path) -> None:
    write_history(tmp_path, service, NOW, count=1)
    with pytest.raises(ConfigurationError, match=r"start .* is not before end"):
        TimeRange(start=NOW, end=NOW - timedelta(hours=1))
    with pytest.raises(ConfigurationError, match="limit 0: expected 1 to 5000"):
        TimeRange(limit=0)
    with pytest.raises(NotFoundError, match="nightly"):
        executions_over_time(service, "nightly")
    with pytest.raises(NotFoundError, match="nightly"):
        drift_over_time(service, "nightly")


def test_the_scheduler_records_the_numbers_when_an_execution_ends(tmp_path: Path) -> None:
    # A real execution (run-now: the scheduler's start and finalize) over the captured hours.
    service = MonitoringService(
        Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}"), tmp_path / "home", SystemClock()
    )
    write_history(tmp_path, service, datetime.now(UTC), count=0)
    execution = service.run_now(SCHEDULE)
    assert execution.status == "Completed", execution.failure_reason
    stored = service.catalog.execution_metrics([execution.id])
    assert execution.id in stored  # before any request read its files
    (drift,) = drift_over_time(service, SCHEDULE)
    assert drift.execution_id == execution.id
    assert {f.feature for f in drift.features} == {"label", "f1", "f2", "f3"}
    f1 = drift.feature("f1")
    assert f1 is not None
    assert f1.threshold == 0.1
    assert f1.method == "LInfinity"
