"""Starting an execution through the service: non-blocking start, a wait on the injected clock, its files."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modelmonitor.errors import ConflictError, JobError
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.scheduler.clock import SteppingClock
from modelmonitor.service import MonitoringService
from modelmonitor.storage.catalog import Catalog
from tests.monitoring_data import write_baseline, write_capture

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def _service(tmp_path: Path, clock: SteppingClock) -> MonitoringService:
    service = MonitoringService(Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}"), tmp_path / "home", clock)
    service.register_endpoint("ep", str(tmp_path / "capture"))
    return service


def _hourly_schedule(service: MonitoringService, tmp_path: Path) -> None:
    """Schedule "hourly" of endpoint ep against a baseline written under ``tmp_path``."""
    statistics, constraints = write_baseline(tmp_path / "baseline")
    service.create_schedule(
        "hourly",
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="ep",
            output_uri=str(tmp_path / "out"),
            baseline_statistics=str(statistics),
            baseline_constraints=str(constraints),
        ),
    )


def test_start_returns_at_once_and_the_wait_runs_on_the_services_clock(tmp_path: Path) -> None:
    write_capture(tmp_path / "capture", "ep", T0 - timedelta(hours=1), hours=1, per_hour=10)
    clock = SteppingClock(T0, real_pause_seconds=0.02)
    service = _service(tmp_path, clock)
    _hourly_schedule(service, tmp_path)
    started = service.start_execution("hourly")
    assert started.status == "InProgress"
    assert started.scheduled_time == T0
    with pytest.raises(ConflictError, match="already has execution"):
        service.start_execution("hourly")  # executions of one schedule never overlap
    ended = service.wait_for_execution(started.id)
    assert ended.status == "Completed", ended.failure_reason
    assert clock.now() > T0  # the wait slept on the injected (stepping) clock, not in real time
    uri, text = service.read_execution_output(ended.id, "statistics.json")
    assert uri.startswith(str(tmp_path / "out" / "ep" / "hourly"))
    assert '"item_count" : 10' in text
    service.close()


def test_outputs_of_an_execution_that_never_started(tmp_path: Path) -> None:
    clock = SteppingClock(T0)
    service = _service(tmp_path, clock)
    service.create_schedule(
        "custom",
        None,
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="ep",
            output_uri=str(tmp_path / "out"),
            command=(sys.executable, "-c", "pass"),
        ),
    )
    execution = service.run_now("custom")
    assert execution.status == "Failed"  # exit 0 without an exit message is not Completed
    with pytest.raises(JobError, match=r"is Failed, and .*statistics.json does not exist"):
        service.read_execution_output(execution.id, "statistics.json")
    service.close()


def test_a_second_run_in_the_same_hour_keeps_the_first_runs_files(tmp_path: Path) -> None:
    write_capture(tmp_path / "capture", "ep", T0 - timedelta(hours=1), hours=1, per_hour=10)
    write_capture(tmp_path / "capture", "ep", T0 - timedelta(hours=3), hours=1, per_hour=4)
    clock = SteppingClock(T0, real_pause_seconds=0.02)
    service = _service(tmp_path, clock)
    _hourly_schedule(service, tmp_path)
    hour_folder = tmp_path / "out" / "ep" / "hourly" / "2026" / "11" / "21" / "10"
    first = service.run_now("hourly")
    first_uri, first_text = service.read_execution_output(first.id, "statistics.json")
    # A later window of the same hour (offsets), so its statistics differ from the first's.
    second = service.run_now("hourly", start_offset="-PT4H", end_offset="-PT2H")
    second_uri, second_text = service.read_execution_output(second.id, "statistics.json")
    assert first.output_uri == str(hour_folder), first.output_uri
    assert second.output_uri == str(hour_folder / f"execution-{second.id}"), second.output_uri
    assert second_uri != first_uri
    assert service.read_execution_output(first.id, "statistics.json") == (first_uri, first_text)
    assert '"item_count" : 10' in first_text
    assert '"item_count" : 4' in second_text
    service.close()
