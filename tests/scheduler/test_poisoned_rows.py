"""One bad row never stops the scheduler daemon: the other schedules and alerts go on, the failure is counted.

The bad rows are written straight into the catalog (as an older version, a hand edit or another tool
could leave them), bypassing the checks that refuse them at creation.
"""

from __future__ import annotations

import signal
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.scheduler.clock import SystemClock
from modelmonitor.service import MonitoringService
from modelmonitor.storage.catalog import Catalog
from tests.capture.servers import free_port
from tests.daemons import wait_until
from tests.e2e.test_schedules import _daemon
from tests.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.e2e

T0 = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)

# A custom monitor that always finds two violations, so every execution can raise an alert.
VIOLATING_MONITOR = textwrap.dedent(
    """
    import os, pathlib
    out = pathlib.Path(os.environ["output_path"]); out.mkdir(parents=True, exist_ok=True)
    (out / "constraint_violations.json").write_text('{"violations": []}')
    pathlib.Path(os.environ["output_message_file"]).write_text(
        "CompletedWithViolations: Job completed successfully with 2 violations.")
    """
)


def _add(service: MonitoringService, name: str, expression: str, definition: JobDefinition) -> None:
    created = T0 + timedelta(minutes=5)
    service.catalog.add_schedule(
        name,
        status="Scheduled",
        monitoring_type="DataQuality",
        expression=expression,
        endpoint_name="ep",
        definition=definition.to_dict(),
        now=created,
        last_slot=created,
    )


def test_poisoned_schedules_and_alerts_leave_the_others_running(tmp_path: Path) -> None:
    home = tmp_path / "home"
    service = MonitoringService(Catalog(f"sqlite:///{home / 'catalog.sqlite'}"), home, SystemClock())
    service.register_endpoint("ep", str(tmp_path / "capture"))
    script = tmp_path / "monitor.py"
    script.write_text(VIOLATING_MONITOR)
    definition = JobDefinition(
        input_kind="endpoint",
        endpoint_name="ep",
        output_uri=str(tmp_path / "results"),
        command=(sys.executable, str(script)),
    )
    # Listed before the healthy one, so a pass that stopped at them would never reach it.
    _add(service, "a-never-runs", "cron(0 0 31 2 ? *)", definition)
    _add(service, "b-not-cron", "cron(every hour)", definition)
    _add(service, "c-healthy", "cron(0 * ? * * *)", definition)

    port = free_port()
    log = tmp_path / "daemon.log"
    with webhook_receiver() as hook:
        for name, url in [("a-bad-port", "http://127.0.0.1:abc/"), ("b-file", "file:///etc/passwd")]:
            service.catalog.put_alert_rule(
                name,
                schedule_name="c-healthy",
                datapoints_to_alert=1,
                evaluation_period=1,
                webhook_url=url,
                now=T0,
            )
        service.catalog.put_alert_rule(
            "c-good",
            schedule_name="c-healthy",
            datapoints_to_alert=1,
            evaluation_period=1,
            webhook_url=hook.url,
            now=T0,
        )
        daemon = _daemon(
            home,
            log,
            "--metrics-port",
            str(port),
            "--poll-seconds",
            "0.1",
            "--virtual-start",
            "2026-11-21T00:59:00Z",
        )
        try:

            def three_runs() -> bool:
                runs = service.list_executions("c-healthy")
                return len([r for r in runs if r.status == "CompletedWithViolations"]) >= 3

            wait_until(three_runs, 120, f"three runs of the healthy schedule; daemon log:\n{log.read_text()}")
            assert daemon.poll() is None, log.read_text()
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        finally:
            daemon.send_signal(signal.SIGTERM)
            assert daemon.wait(30) == 0, log.read_text()
        bodies = list(hook.bodies)

    never, not_cron = service.describe_schedule("a-never-runs"), service.describe_schedule("b-not-cron")
    assert never.status == "Failed"
    assert "would never run" in (never.failure_reason or "")
    assert not_cron.status == "Failed"
    assert "cron(every hour)" in (not_cron.failure_reason or "")
    assert service.list_executions("a-never-runs") == []

    # The good webhook got the alert although two bad ones of the same schedule came first (stopping the
    # daemon stops a running execution, which may add an OK notice after it).
    assert [(b["MonitoringAlertName"], b["AlertStatus"]) for b in bodies][:1] == [("c-good", "InAlert")]
    assert {b["MonitoringAlertName"] for b in bodies} == {"c-good"}
    delivered = {(e.alert_name, e.delivered) for e in service.alert_history()}
    assert delivered == {("a-bad-port", False), ("b-file", False), ("c-good", True)}

    errors = {
        (s.labels["monitoring_schedule"], s.labels["stage"]): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "modelmonitor_scheduler_errors_total"
    }
    assert errors[("a-never-runs", "schedule")] == 1.0
    assert errors[("b-not-cron", "schedule")] == 1.0
    assert errors[("c-healthy", "alert")] == 2.0  # the two undeliverable alerts, each entering InAlert once
    assert "schedule a-never-runs: the schedule expression is invalid" in log.read_text()
    service.close()
