"""An execution's details for its page: the window and counts from the job's exit message, its files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modelmonitor.errors import NotFoundError
from modelmonitor.scheduler.clock import SteppingClock
from modelmonitor.service import MonitoringService
from modelmonitor.service.execution_details import execution_details
from modelmonitor.storage.catalog import Catalog
from tests.monitor_history import write_history

NOW = datetime(2026, 11, 21, 10, 30, tzinfo=UTC)


@pytest.fixture
def service(tmp_path: Path) -> MonitoringService:
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}")
    return MonitoringService(catalog, tmp_path / "home", SteppingClock(NOW))


def test_a_completed_execution_has_what_its_job_read(service: MonitoringService, tmp_path: Path) -> None:
    history = write_history(tmp_path, service, NOW, count=5)
    execution = history.executions[1]
    details = execution_details(service, execution.id)
    assert (details.records, details.bad_records) == (20, 1)
    assert details.window == (execution.scheduled_time - timedelta(hours=3), execution.scheduled_time)
    assert details.window_from == "job"
    assert [name for name, _ in details.files] == [
        "statistics.json",
        "constraints.json",
        "constraint_violations.json",
    ]
    assert details.files[0][1] == str(tmp_path / "out" / "run-1" / "statistics.json")
    assert details.duration_seconds == 31.0


def test_a_failed_execution_has_its_schedules_window_and_no_counts(
    service: MonitoringService, tmp_path: Path
) -> None:
    history = write_history(tmp_path, service, NOW, count=5)
    failed = history.executions[4]
    details = execution_details(service, failed.id)
    assert (details.records, details.bad_records, details.files) == (None, None, ())
    assert details.window == (failed.scheduled_time - timedelta(hours=3), failed.scheduled_time)
    assert details.window_from == "schedule"
    with pytest.raises(NotFoundError, match="monitoring execution 99 does not exist"):
        execution_details(service, 99)
