"""A scheduler on a stepping clock runs 24 hourly executions (real subprocesses) over capture-writer files."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.scheduler.clock import SteppingClock, SystemClock
from modelmonitor.service import MonitoringService
from modelmonitor.storage.catalog import Catalog
from tests.monitoring_data import write_baseline, write_capture
from tests.webhook_receiver import webhook_receiver

T0 = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
DRIFT = T0 + timedelta(hours=18)


# Tens of seconds: 24 real job subprocesses. e2e so the quick loop can leave it out; make test runs it.
@pytest.mark.e2e
def test_a_day_of_hourly_executions(tmp_path: Path) -> None:
    write_capture(tmp_path / "capture", "ep", T0, hours=24, per_hour=10, drift_from=DRIFT)
    statistics, constraints = write_baseline(tmp_path / "baseline")
    clock = SteppingClock(T0 + timedelta(seconds=30), real_pause_seconds=0.01)
    service = MonitoringService(Catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}"), tmp_path / "home", clock)
    service.register_endpoint("ep", str(tmp_path / "capture"))
    service.create_schedule(
        "hourly",
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="ep",
            output_uri=str(tmp_path / "results"),
            baseline_statistics=str(statistics),
            baseline_constraints=str(constraints),
        ),
    )
    with webhook_receiver() as hook:
        service.put_alert("drift", "hourly", datapoints_to_alert=2, evaluation_period=3, webhook_url=hook.url)
        scheduler = service.scheduler(poll_seconds=0.1, max_idle_seconds=3600)
        scheduler.run(until=T0 + timedelta(hours=24, minutes=1))
        bodies = list(hook.bodies)

    runs = service.list_executions(schedule_name="hourly")
    assert [r.scheduled_time for r in runs] == [T0 + timedelta(hours=h) for h in range(1, 25)]
    statuses = [r.status for r in runs]
    # Hours 1-18 read undrifted hours 0-17; hours 19-24 read the drifted ones.
    assert statuses == ["Completed"] * 18 + ["CompletedWithViolations"] * 6, [r.failure_reason for r in runs]
    assert all(r.violation_count == 1 for r in runs[18:])
    first = tmp_path / "results" / "ep" / "hourly" / "2026" / "11" / "21" / "01"
    assert sorted(p.name for p in first.iterdir()) == [
        "constraint_violations.json",
        "constraints.json",
        "log.txt",
        "statistics.json",
    ]
    assert '"item_count" : 10' in (first / "statistics.json").read_text()

    # The alert entered InAlert once (at the second violating run) and never fired again.
    assert [b["AlertStatus"] for b in bodies] == ["InAlert"]
    assert bodies[0]["LatestExecution"]["ScheduledTime"] == (T0 + timedelta(hours=20)).isoformat()
    assert [e.delivered for e in service.alert_history("drift")] == [True]

    families = {
        f.name: f
        for f in text_string_to_metric_families(generate_latest(scheduler.exporter.registry).decode())
    }
    drift = {s.labels["monitoring_schedule"]: s.value for s in families["feature_baseline_drift_f1"].samples}
    assert drift["hourly"] > 0.1
    non_null = [s for s in families["feature_non_null_f2"].samples if s.labels["endpoint"] == "ep"]
    assert [s.value for s in non_null] == [1.0]

    # A restarted daemon shows the latest execution's metrics before it runs anything.
    restarted = service.scheduler()
    restarted.prime_metrics()
    text = generate_latest(restarted.exporter.registry).decode()
    primed = {f.name: f for f in text_string_to_metric_families(text)}
    assert [s.value for s in primed["feature_baseline_drift_f1"].samples] == [drift["hourly"]]
    assert [s.value for s in primed["modelmonitor_execution_violations"].samples] == [1.0]
    service.close()


def test_stop_request_stops_a_running_execution(tmp_path: Path) -> None:
    service = MonitoringService(
        Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}"), tmp_path / "home", SystemClock()
    )
    service.register_endpoint("ep", str(tmp_path / "capture"))
    service.create_schedule(
        "slow",
        "NOW",
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="ep",
            output_uri=str(tmp_path / "out"),
            data_analysis_start_time="-PT1H",
            data_analysis_end_time="-PT0H",
            command=(sys.executable, "-c", "import time; time.sleep(60)"),
        ),
    )
    scheduler = service.scheduler(poll_seconds=0.05)
    started = scheduler.tick().started
    assert len(started) == 1
    assert service.describe_execution(started[0]).status == "InProgress"
    service.stop_execution(started[0])
    begin = time.monotonic()
    finished = scheduler.tick().finished
    assert finished == [(started[0], "Stopped")]
    assert time.monotonic() - begin < 10
    stopped = service.describe_execution(started[0])
    assert stopped.failure_reason == "stopped on request (modelmonitor executions stop)"
    assert scheduler.tick().started == []  # NOW ran once
    service.close()


def test_a_schedule_whose_definition_is_invalid_fails(tmp_path: Path) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}")
    catalog.add_schedule(
        "broken",
        status="Scheduled",
        monitoring_type="DataQuality",
        expression="NOW",
        endpoint_name=None,
        definition={"input_kind": "batch_transform", "output_uri": "/out", "max_runtime_seconds": 0},
        now=T0,
    )
    service = MonitoringService(catalog, tmp_path / "home", SteppingClock(T0 + timedelta(minutes=1)))
    report = service.scheduler().tick()
    assert report.started == []
    schedule = service.describe_schedule("broken")
    assert schedule.status == "Failed"
    assert schedule.failure_reason is not None
    assert "data_captured_destination_s3_uri" in schedule.failure_reason
    service.close()


def test_a_slot_waits_for_an_execution_started_elsewhere(tmp_path: Path) -> None:
    statistics, constraints = write_baseline(tmp_path / "baseline")
    clock = SteppingClock(T0 + timedelta(hours=1, seconds=30), real_pause_seconds=0.01)
    service = MonitoringService(Catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}"), tmp_path / "home", clock)
    service.create_schedule(
        "hourly",
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="batch_transform",
            capture_uri=str(tmp_path / "batch"),
            output_uri=str(tmp_path / "results"),
            baseline_statistics=str(statistics),
            baseline_constraints=str(constraints),
        ),
    )
    scheduler = service.scheduler(poll_seconds=0.1, max_idle_seconds=3600)
    # e.g. `modelmonitor run-now` in another process, alive (its lease holds): the daemon must neither
    # start a second execution nor take this one over.
    elsewhere = service.catalog.add_execution(
        schedule_name="hourly",
        endpoint_name=None,
        monitoring_type="DataQuality",
        scheduled_time=T0,
        status="InProgress",
        now=T0,
        owner="elsewhere:1:token",
        host="elsewhere",
        lease_expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    clock.advance(3600)  # the 02:00 slot is due
    assert scheduler.tick().started == []
    service.catalog.update_execution(elsewhere.id, T0, status="Completed")
    assert len(scheduler.tick().started) == 1
