"""The dashboard's overview: last status, violations in 24 h / 7 d and the next run of every monitor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.scheduler.clock import SteppingClock
from modelmonitor.service import MonitoringService
from modelmonitor.service.overview import BATCH_GROUP, overview
from modelmonitor.storage.catalog import Catalog

T0 = datetime(2026, 11, 21, 10, 30, tzinfo=UTC)


def _execution(
    service: MonitoringService, schedule: str, hours_ago: float, status: str, violations: int
) -> None:
    execution = service.catalog.add_execution(
        schedule_name=schedule,
        endpoint_name="ep" if schedule != "batch" else None,
        monitoring_type="DataQuality",
        scheduled_time=T0 - timedelta(hours=hours_ago),
        status="InProgress",
        now=T0,
    )
    service.catalog.update_execution(execution.id, T0, status=status, violation_count=violations)


def test_overview_counts_violations_by_window_and_names_the_next_run(tmp_path: Path) -> None:
    service = MonitoringService(
        Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}"), tmp_path / "home", SteppingClock(T0)
    )
    service.register_endpoint("ep", str(tmp_path / "capture"))
    service.register_endpoint("quiet", str(tmp_path / "capture2"))
    endpoint = JobDefinition(input_kind="endpoint", endpoint_name="ep", output_uri=str(tmp_path / "out"))
    batch = JobDefinition(
        input_kind="batch_transform", capture_uri=str(tmp_path / "b"), output_uri=str(tmp_path / "o")
    )
    service.create_schedule("hourly", "cron(0 * ? * * *)", endpoint)
    service.create_schedule("batch", "cron(0 0 ? * * *)", batch)
    service.create_schedule("paused", "cron(0 * ? * * *)", endpoint)
    service.stop_schedule("paused")
    _execution(service, "hourly", 200, "CompletedWithViolations", 100)  # older than 7 days: not counted
    _execution(service, "hourly", 48, "CompletedWithViolations", 5)
    _execution(service, "hourly", 2, "CompletedWithViolations", 3)
    _execution(service, "hourly", 1, "Completed", 0)
    _execution(service, "batch", 30, "Failed", 0)

    targets = overview(service)
    assert [t.name for t in targets] == ["ep", "quiet", BATCH_GROUP]
    ep, quiet, batch_group = targets
    hourly, paused = ep.monitors
    assert (hourly.schedule, hourly.last_status, hourly.violations_24h, hourly.violations_7d) == (
        "hourly",
        "Completed",
        3,
        8,
    )
    assert hourly.next_run == datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
    assert (paused.schedule_status, paused.last_status, paused.next_run) == ("Stopped", None, None)
    assert ep.broken  # violations in the last 24 h
    assert quiet.monitors == ()
    assert not quiet.broken
    [nightly] = batch_group.monitors
    assert (nightly.last_status, nightly.next_run) == ("Failed", datetime(2026, 11, 22, 0, 0, tzinfo=UTC))
    assert batch_group.broken
    service.close()
