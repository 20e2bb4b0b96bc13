"""Executions with owners: two schedulers (different homes) on one catalog, SQLite and PostgreSQL.

Each scheduler is a real ``Scheduler`` starting real job processes; an owner "dies" by its lease renewals
stopping (``leases.close()``) while its job runs on, which is what the catalog sees of a ``kill -9``.
Leases are short (0.6 s) and real time. The process-level versions (kill -9, SIGINT): tests/e2e.
"""

from __future__ import annotations

import os
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from modelmonitor.errors import ConflictError
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.scheduler.clock import Clock, SteppingClock, SystemClock
from modelmonitor.scheduler.loop import Scheduler
from modelmonitor.service import MonitoringService
from modelmonitor.storage.catalog import Catalog
from tests.daemons import alive, wait_until

LEASE_SECONDS = 0.6
T0 = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)

# A custom monitor that runs ``JOB_SECONDS`` and then writes ``JOB_MESSAGE`` (empty: writes nothing).
JOB = textwrap.dedent(
    """
    import os, pathlib, time
    time.sleep(float(os.environ["JOB_SECONDS"]))
    if os.environ["JOB_MESSAGE"]:
        pathlib.Path(os.environ["output_message_file"]).write_text(os.environ["JOB_MESSAGE"])
    """
)
WITH_VIOLATIONS = (
    "CompletedWithViolations: Job completed successfully with 2 violations.\n" + '{"violation_count": 2}\n'
)


def _service(url: str, home: Path, clock: Clock | None = None) -> MonitoringService:
    return MonitoringService(Catalog(url), home, clock or SystemClock(), lease_seconds=LEASE_SECONDS)


@pytest.fixture
def two(catalog_url: str, tmp_path: Path) -> Iterator[tuple[MonitoringService, MonitoringService]]:
    first, second = _service(catalog_url, tmp_path / "home-a"), _service(catalog_url, tmp_path / "home-b")
    yield first, second
    first.close()
    second.close()


def _schedule(service: MonitoringService, tmp_path: Path, seconds: float, message: str) -> None:
    service.register_endpoint("ep", str(tmp_path / "capture"))
    service.create_schedule(
        "job",
        "NOW",
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="ep",
            output_uri=str(tmp_path / "out"),
            data_analysis_start_time="-PT1H",
            data_analysis_end_time="-PT0H",
            command=(sys.executable, "-c", JOB),
            environment={"JOB_SECONDS": str(seconds), "JOB_MESSAGE": message},
        ),
    )


def _die(owner: Scheduler) -> None:
    """The owner stops renewing (as after kill -9) and is never polled again; its job runs on."""
    owner.leases.close()
    owner.running.clear()


def _recovered(scheduler: Scheduler) -> float:
    text = generate_latest(scheduler.exporter.registry).decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    samples = families["modelmonitor_recovered_executions"].samples
    return sum(s.value for s in samples if s.name.endswith("_total"))


def test_a_live_owners_execution_is_left_alone_and_adopted_with_its_result_when_the_owner_dies(
    two: tuple[MonitoringService, MonitoringService], tmp_path: Path
) -> None:
    first, second = two
    _schedule(first, tmp_path, seconds=3 * LEASE_SECONDS + 1.0, message=WITH_VIOLATIONS)
    owner, survivor = first.scheduler(poll_seconds=0.05), second.scheduler(poll_seconds=0.05)
    (execution_id,) = owner.tick().started
    pid = first.describe_execution(execution_id).pid
    assert pid is not None

    # Three leases long, the other scheduler's passes (start-up recovery included) leave it alone.
    begin = time.monotonic()
    while time.monotonic() - begin < 3 * LEASE_SECONDS:
        assert survivor.tick().recovered == []
        time.sleep(0.05)
    running = second.describe_execution(execution_id)
    assert (running.status, running.owner) == ("InProgress", owner.owner.id)
    assert alive(pid)

    _die(owner)
    time.sleep(LEASE_SECONDS + 0.1)
    assert survivor.tick().recovered == [execution_id]
    assert second.describe_execution(execution_id).owner == survivor.owner.id
    assert alive(pid)  # adopted, not killed
    wait_until(
        lambda: bool(survivor.tick().finished or survivor.running == {}),
        20,
        "the adopted job to end",
        poll_seconds=0.05,
    )
    done = second.describe_execution(execution_id)
    assert (done.status, done.violation_count) == ("CompletedWithViolations", 2), done.failure_reason
    assert _recovered(survivor) == 1
    assert _recovered(owner) == 0


def test_an_orphan_whose_job_died_is_failed_with_the_reason_and_unblocks_the_schedule(
    two: tuple[MonitoringService, MonitoringService], tmp_path: Path
) -> None:
    first, second = two
    _schedule(first, tmp_path, seconds=30, message="")
    owner, survivor = first.scheduler(poll_seconds=0.05), second.scheduler(poll_seconds=0.05)
    (execution_id,) = owner.tick().started
    pid = first.describe_execution(execution_id).pid
    assert pid is not None
    _die(owner)
    os.killpg(pid, 9)  # the whole host went down: the job too
    with pytest.raises(ConflictError, match="never overlap"):
        second.start_execution("job")  # blocked while the orphan is InProgress...
    time.sleep(LEASE_SECONDS + 0.1)
    assert survivor.tick().recovered == [execution_id]  # ...until its lease expires
    failed = second.describe_execution(execution_id)
    assert failed.status == "Failed"
    assert failed.failure_reason is not None
    assert f"its owner {owner.owner.id} stopped renewing its lease" in failed.failure_reason
    assert "the job wrote no exit message" in failed.failure_reason
    assert "no exit status was recorded" in failed.failure_reason  # the shell recording it was killed too
    assert _recovered(survivor) == 1
    retried = second.start_execution("job")
    assert retried.status == "InProgress"
    second.stop_execution(retried.id)  # owned by a live scheduler (this service's): Stopping
    assert second.wait_for_execution(retried.id).status == "Stopped"


def test_stop_of_an_orphan_kills_its_group_and_marks_it_stopped_without_a_daemon(
    two: tuple[MonitoringService, MonitoringService], tmp_path: Path
) -> None:
    first, second = two
    _schedule(first, tmp_path, seconds=60, message="")
    owner = first.scheduler(poll_seconds=0.05)
    (execution_id,) = owner.tick().started
    pid = first.describe_execution(execution_id).pid
    assert pid is not None
    # While its owner lives, a stop is a request to the owner.
    assert second.stop_execution(execution_id).status == "Stopping"
    first.catalog.update_execution(execution_id, T0, status="InProgress")
    _die(owner)
    time.sleep(LEASE_SECONDS + 0.1)
    stopped = second.stop_execution(execution_id)
    assert stopped.status == "Stopped"
    assert stopped.failure_reason is not None
    assert "stopped on request (modelmonitor executions stop)" in stopped.failure_reason
    assert f"its owner {owner.owner.id} stopped renewing its lease" in stopped.failure_reason
    wait_until(lambda: not alive(pid), 10, "the orphan's process group to be killed", poll_seconds=0.05)


class _InterruptingClock(SystemClock):
    """Ctrl-C arrives during the third wait between polls (KeyboardInterrupt, as Python raises it)."""

    def __init__(self) -> None:
        super().__init__()
        self.sleeps = 0

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        if self.sleeps == 3:
            raise KeyboardInterrupt
        super().sleep(seconds)


def test_an_interrupted_wait_stops_the_job_and_marks_it_stopped(catalog_url: str, tmp_path: Path) -> None:
    service = _service(catalog_url, tmp_path / "home", _InterruptingClock())
    _schedule(service, tmp_path, seconds=60, message="")
    started = service.start_execution("job")
    pid = started.pid
    assert pid is not None
    with pytest.raises(KeyboardInterrupt):
        service.wait_for_execution(started.id)
    stopped = service.describe_execution(started.id)
    assert stopped.status == "Stopped"
    assert stopped.failure_reason is not None
    assert "interrupted (SIGINT)" in stopped.failure_reason
    assert not alive(pid)
    service.close()


def test_missed_slots_survive_a_restart_and_deleted_schedules_leave_the_metrics(
    catalog_url: str, tmp_path: Path
) -> None:
    clock = SteppingClock(T0 + timedelta(minutes=30))
    service = _service(catalog_url, tmp_path / "home", clock)
    service.create_schedule(
        "hourly",
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="batch_transform",
            capture_uri=str(tmp_path / "batch"),
            output_uri=str(tmp_path / "out"),
            command=(sys.executable, "-c", JOB),
            environment={"JOB_SECONDS": "0", "JOB_MESSAGE": "Completed: Job completed successfully."},
        ),
    )
    clock.advance(3 * 3600)  # 01:00, 02:00 and 03:00 are due: two missed, 03:00 runs
    report = service.scheduler(poll_seconds=0.05).tick()
    assert len(report.missed["hourly"]) == 2
    assert service.wait_for_execution(report.started[0]).status == "Completed"
    service.close()

    restarted = _service(catalog_url, tmp_path / "home-2", clock)
    daemon = restarted.scheduler()
    daemon.prime_metrics()

    def missed() -> list[tuple[str, float]]:
        text = generate_latest(daemon.exporter.registry).decode()
        families = {f.name: f for f in text_string_to_metric_families(text)}
        samples = families["modelmonitor_missed_slots"].samples
        return [(s.labels["monitoring_schedule"], s.value) for s in samples]

    assert missed() == [("hourly", 2.0)]
    daemon.tick()
    restarted.delete_schedule("hourly")
    daemon.tick()
    assert missed() == []
    text = generate_latest(daemon.exporter.registry).decode()
    assert 'monitoring_schedule="hourly"' not in text
    restarted.close()


def _orphan_row(service: MonitoringService, status: str, **columns: object) -> int:
    """An execution left by an owner on host ``other`` whose lease expired a minute ago."""
    execution = service.catalog.add_execution(
        schedule_name="job",
        endpoint_name="ep",
        monitoring_type="DataQuality",
        scheduled_time=T0,
        status=status,
        now=T0,
        owner="other:77:dead",
        host="other",
        lease_expires_at=datetime.now(UTC) - timedelta(minutes=1),
    )
    if columns:
        service.catalog.update_execution(execution.id, T0, **columns)
    return execution.id


def test_an_orphan_from_another_host_is_finished_from_the_files_it_left(
    catalog_url: str, tmp_path: Path
) -> None:
    service = _service(catalog_url, tmp_path / "home")
    _schedule(service, tmp_path, seconds=0, message="")
    root = tmp_path / "shared-home" / "executions" / "7"
    root.mkdir(parents=True)
    (root / "message").write_text(WITH_VIOLATIONS)
    (root / "exit_status").write_text("0\n")
    (root / "log.txt").write_text("done\n")
    orphan = _orphan_row(
        service, "InProgress", pid=1, log_path=str(root / "log.txt"), output_uri=str(tmp_path / "out-7")
    )
    never_started = _orphan_row(service, "Pending")
    scheduler = service.scheduler()
    assert scheduler.recover() == [orphan, never_started]
    kept = service.describe_execution(orphan)
    assert (kept.status, kept.violation_count, kept.failure_reason) == ("CompletedWithViolations", 2, None)
    assert (tmp_path / "out-7" / "log.txt").read_text() == "done\n"  # its log joined its outputs
    failed = service.describe_execution(never_started)
    assert failed.status == "Failed"
    assert failed.failure_reason is not None
    assert "its owner other:77:dead stopped renewing its lease" in failed.failure_reason
    assert "the execution never started" in failed.failure_reason
    assert _recovered(scheduler) == 2
    service.close()


def test_an_orphan_whose_job_exited_non_zero_after_completing_is_failed(
    catalog_url: str, tmp_path: Path
) -> None:
    service = _service(catalog_url, tmp_path / "home")
    _schedule(service, tmp_path, seconds=0, message="")
    root = tmp_path / "shared-home" / "executions" / "8"
    root.mkdir(parents=True)
    (root / "message").write_text("Completed: Job completed successfully with no violations.\n")
    (root / "exit_status").write_text("3\n")
    orphan = _orphan_row(
        service, "InProgress", log_path=str(root / "log.txt"), output_uri=str(tmp_path / "o")
    )
    assert service.scheduler().recover() == [orphan]
    failed = service.describe_execution(orphan)
    assert failed.status == "Failed"
    assert failed.failure_reason is not None
    assert "exited with code 3 after writing 'Completed" in failed.failure_reason
    service.close()
