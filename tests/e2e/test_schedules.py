"""The scheduler daemon as users run it: a separate process, killed and restarted, scraped over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.scheduler.clock import SystemClock
from modelmonitor.service import MonitoringService
from modelmonitor.storage.catalog import Catalog, Execution
from tests.capture.servers import free_port
from tests.daemons import CLI_MAIN, alive, wait_until
from tests.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.e2e

T0 = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)

# A custom monitor ("bring your own container"): reads the contract, is slow on the first window only.
CUSTOM_MONITOR = textwrap.dedent(
    """
    import json, os, pathlib, sys, time
    window = os.environ["start_time"]
    slow = "SLOW_EVERY_WINDOW" in os.environ or window == os.environ.get("SLOW_WINDOW_START")
    if slow:
        time.sleep(float(os.environ.get("SLOW_SECONDS", "120")))
    metrics = pathlib.Path(os.environ["cloudwatch_metrics_directory"])
    metrics.mkdir(parents=True, exist_ok=True)
    (metrics / "custom.jsonl").write_text(json.dumps({
        "MetricName": "custom_score", "Timestamp": os.environ["end_time"], "Value": 0.25,
        "Dimensions": [{"Name": "MonitoringSchedule",
                        "Value": os.environ["sagemaker_monitoring_schedule_name"]}]}) + "\\n")
    out = pathlib.Path(os.environ["output_path"]); out.mkdir(parents=True, exist_ok=True)
    (out / "constraint_violations.json").write_text('{"violations": []}')
    pathlib.Path(os.environ["output_message_file"]).write_text(
        'CompletedWithViolations: Job completed successfully with 1 violations.\\n{"violation_count": 1}\\n'
        if slow and os.environ.get("SLOW_VIOLATES") else
        "Completed: Job completed successfully with no violations.")
    print("custom monitor done", os.environ["start_time"], os.environ["end_time"])
    """
)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def service(home: Path, tmp_path: Path) -> Iterator[MonitoringService]:
    svc = MonitoringService(Catalog(f"sqlite:///{home / 'catalog.sqlite'}"), home, SystemClock())
    yield svc
    svc.close()


# Leases of the daemons under test: a dead owner's executions are taken over after one second.
LEASE_SECONDS = "1"


def _daemon(home: Path, log: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MODELMONITOR_HOME": str(home), "MODELMONITOR_LEASE_SECONDS": LEASE_SECONDS}
    env.pop("MODELMONITOR_CATALOG_URL", None)
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", CLI_MAIN, "scheduler", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _custom(tmp_path: Path, **kwargs: object) -> JobDefinition:
    script = tmp_path / "custom_monitor.py"
    script.write_text(CUSTOM_MONITOR)
    values: dict[str, object] = {
        "input_kind": "endpoint",
        "endpoint_name": "ep",
        "output_uri": str(tmp_path / "results"),
        "command": (sys.executable, str(script)),
    }
    values.update(kwargs)
    return JobDefinition(**values)  # type: ignore[arg-type]


def test_daemon_killed_while_its_job_runs_on_keeps_the_result_the_job_reached(
    service: MonitoringService, home: Path, tmp_path: Path
) -> None:
    service.register_endpoint("ep", str(tmp_path / "capture"))
    definition = _custom(
        tmp_path,
        environment={"SLOW_WINDOW_START": "2026-11-21T00:00:00Z", "SLOW_SECONDS": "3", "SLOW_VIOLATES": "1"},
    )
    # Created before T0 + 1h on the catalog's clock: the first slot is 01:00 (window 00:00-01:00).
    service.catalog.add_schedule(
        "hourly",
        status="Scheduled",
        monitoring_type="DataQuality",
        expression="cron(0 * ? * * *)",
        endpoint_name="ep",
        definition=definition.to_dict(),
        now=T0 + timedelta(minutes=5),
        last_slot=T0 + timedelta(minutes=5),
    )
    log = tmp_path / "daemon.log"
    with webhook_receiver() as hook:
        service.put_alert("drift", "hourly", datapoints_to_alert=1, evaluation_period=1, webhook_url=hook.url)
        first = _daemon(home, log, "--metrics-port", "0", "--virtual-start", "2026-11-21T00:59:00Z")
        try:
            wait_until(
                lambda: any(e.status == "InProgress" and e.pid for e in service.list_executions("hourly")),
                60,
                "the first execution to start",
            )
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
        (in_flight,) = service.list_executions("hourly")
        assert in_flight.status == "InProgress"
        assert in_flight.pid is not None
        # The job runs on without its scheduler and completes, finding a violation.
        wait_until(lambda: not alive(in_flight.pid or 0), 30, "the orphaned job to complete")
        assert service.describe_execution(in_flight.id).status == "InProgress"

        second = _daemon(
            home,
            log,
            "--metrics-port",
            "0",
            "--virtual-start",
            "2026-11-21T05:30:00Z",
            "--until",
            "2026-11-21T05:31:00Z",
        )
        assert second.wait(60) == 0, log.read_text()
        bodies = list(hook.bodies)
    runs: list[Execution] = service.list_executions("hourly")
    assert [r.scheduled_time.hour for r in runs] == [1, 5]  # 02:00-04:00 missed; 05:00 runs once
    kept, latest = runs
    assert (kept.status, kept.violation_count) == ("CompletedWithViolations", 1), kept.failure_reason
    assert kept.failure_reason is None
    text = log.read_text()
    assert f"execution {kept.id} taken over from a dead owner ended CompletedWithViolations" in text
    assert latest.status == "Completed", latest.failure_reason
    assert "3 run(s) missed (2026-11-21T02:00:00Z ... 2026-11-21T04:00:00Z)" in text
    assert "custom monitor done 2026-11-21T04:00:00Z 2026-11-21T05:00:00Z" in service.execution_log(latest.id)
    # The violation the orphan found raised the alert; the clean 05:00 run cleared it.
    assert [(b["AlertStatus"], b["LatestExecution"]["ScheduledTime"]) for b in bodies] == [
        ("InAlert", (T0 + timedelta(hours=1)).isoformat()),
        ("OK", (T0 + timedelta(hours=5)).isoformat()),
    ]


def test_max_runtime_and_custom_metrics_scraped_from_the_daemon(
    service: MonitoringService, home: Path, tmp_path: Path
) -> None:
    service.register_endpoint("ep", str(tmp_path / "capture"))
    one_time = {"data_analysis_start_time": "-PT1H", "data_analysis_end_time": "-PT0H"}
    # Slow whatever its window: a NOW schedule's window starts at its creation second, which a start
    # computed here beforehand could miss by one.
    service.create_schedule(
        "too-slow",
        "NOW",
        _custom(tmp_path, max_runtime_seconds=2, environment={"SLOW_EVERY_WINDOW": "1"}, **one_time),
    )
    service.create_schedule("byoc", "NOW", _custom(tmp_path, **one_time))
    port = free_port()
    daemon = _daemon(home, tmp_path / "daemon.log", "--metrics-port", str(port), "--poll-seconds", "0.2")
    try:

        def finished() -> bool:
            runs = service.list_executions()
            return len(runs) == 2 and all(r.status not in ("Pending", "InProgress") for r in runs)

        wait_until(finished, 60, "both executions to finish")
        (slow,) = service.list_executions("too-slow")
        assert slow.status == "Failed"
        assert slow.failure_reason is not None
        assert "MaxRuntimeInSeconds=2" in slow.failure_reason
        (byoc,) = service.list_executions("byoc")
        assert byoc.status == "Completed"

        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        samples = [s for f in text_string_to_metric_families(text) for s in f.samples]
        score = [s for s in samples if s.name == "custom_score"]
        assert [(s.labels["monitoring_schedule"], s.value) for s in score] == [("byoc", 0.25)]
        status = {
            (s.labels["monitoring_schedule"], s.labels["status"]): s.value
            for s in samples
            if s.name == "modelmonitor_execution_status"
        }
        assert status[("too-slow", "Failed")] == 1.0
        assert status[("byoc", "Completed")] == 1.0
        assert status[("byoc", "Failed")] == 0.0
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(30) == 0
