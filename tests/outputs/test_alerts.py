from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modelmonitor.errors import ConfigurationError
from modelmonitor.outputs.alerts import AlertDispatcher, check_webhook_url
from modelmonitor.storage.catalog import Catalog
from tests.webhook_receiver import webhook_receiver

T0 = datetime(2026, 11, 21, tzinfo=UTC)


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}")


def _finish(catalog: Catalog, hour: int, status: str) -> None:
    run = catalog.add_execution(
        schedule_name="s",
        endpoint_name="ep",
        monitoring_type="DataQuality",
        scheduled_time=T0 + timedelta(hours=hour),
        status="InProgress",
        now=T0,
    )
    catalog.update_execution(run.id, T0, status=status)


def test_fires_once_on_entering_and_once_on_leaving_alert(catalog: Catalog) -> None:
    with webhook_receiver() as hook:
        catalog.put_alert_rule(
            "a", schedule_name="s", datapoints_to_alert=2, evaluation_period=3, webhook_url=hook.url, now=T0
        )
        dispatcher = AlertDispatcher(catalog, backoff_seconds=0.01)
        sequence = [
            "Completed",
            "CompletedWithViolations",
            "Failed",
            "CompletedWithViolations",
            "CompletedWithViolations",
            "Completed",
            "Completed",
            "Completed",
        ]
        fired = []
        for hour, status in enumerate(sequence):
            _finish(catalog, hour, status)
            fired.append([n.event.status for n in dispatcher.evaluate("s", T0 + timedelta(hours=hour))])
        dispatcher.close()
        bodies = list(hook.bodies)
    # 2 of the last 3 with violations first at hour 3; back to OK when at most 1 of 3 (hour 6).
    assert fired == [[], [], [], ["InAlert"], [], [], ["OK"], []]
    assert [(b["AlertStatus"], b["BreachingDatapoints"]) for b in bodies] == [("InAlert", 2), ("OK", 1)]
    assert bodies[0]["LatestExecution"]["MonitoringExecutionStatus"] == "CompletedWithViolations"


def test_delivery_retries_server_errors(catalog: Catalog) -> None:
    with webhook_receiver(fail_first=2) as hook:
        catalog.put_alert_rule(
            "a", schedule_name="s", datapoints_to_alert=1, evaluation_period=1, webhook_url=hook.url, now=T0
        )
        _finish(catalog, 0, "CompletedWithViolations")
        dispatcher = AlertDispatcher(catalog, attempts=3, backoff_seconds=0.01)
        dispatcher.evaluate("s", T0)
        dispatcher.close()
        attempts, bodies = hook.attempts, list(hook.bodies)
    assert attempts == 3
    assert len(bodies) == 1
    assert [e.delivered for e in catalog.list_alert_events()] == [True]


def test_undeliverable_alerts_are_kept_as_undelivered(catalog: Catalog) -> None:
    with webhook_receiver(fail_first=10) as hook:
        catalog.put_alert_rule(
            "a", schedule_name="s", datapoints_to_alert=1, evaluation_period=1, webhook_url=hook.url, now=T0
        )
        _finish(catalog, 0, "CompletedWithViolations")
        dispatcher = AlertDispatcher(catalog, attempts=2, backoff_seconds=0.01)
        notices = dispatcher.evaluate("s", T0)
        dispatcher.close()
        attempts = hook.attempts
    assert attempts == 2
    assert [n.event.status for n in notices] == ["InAlert"]
    assert [e.delivered for e in catalog.list_alert_events()] == [False]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:abc/", "Invalid port"),
        ("notaurl", "no scheme"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("ftp://example.com/hook", "scheme 'ftp'"),
        ("http:///hook", "no host"),
        ("http://127.0.0.1:99999/", "port 99999 is not 1-65535"),
        ("", "no scheme"),
    ],
    ids=["port-not-a-number", "no-scheme", "file", "ftp", "no-host", "port-too-big", "empty"],
)
def test_webhook_urls_alerts_cannot_use_are_refused(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        check_webhook_url(url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hook", "https://alerts.example.com/x?y=1", "http://[::1]:9/"]
)
def test_usable_webhook_urls_are_kept(url: str) -> None:
    assert check_webhook_url(url) == url


def test_a_stored_url_httpx_cannot_parse_is_an_undelivered_alert_not_an_exception(catalog: Catalog) -> None:
    # Written straight into the catalog, as a rule stored before URLs were checked would be.
    catalog.put_alert_rule(
        "a",
        schedule_name="s",
        datapoints_to_alert=1,
        evaluation_period=1,
        webhook_url="http://h:abc/",
        now=T0,
    )
    _finish(catalog, 0, "CompletedWithViolations")
    dispatcher = AlertDispatcher(catalog, attempts=3, backoff_seconds=0.01)
    notices = dispatcher.evaluate("s", T0)
    dispatcher.close()
    assert [(n.event.status, n.delivered) for n in notices] == [("InAlert", False)]
    assert [e.delivered for e in catalog.list_alert_events()] == [False]
