"""Alerts: "violations in N of the last M executions" (SageMaker's model-dashboard monitoring alerts).

A rule has ``datapoints_to_alert`` (N) and ``evaluation_period`` (M). After each execution of its schedule
the rule is evaluated on the latest M finished executions: InAlert when at least N of them found
violations, OK otherwise (a failed execution is not a violation; its status is its own metric).
Only a change of state fires: the webhook gets one POST when the
rule enters InAlert and one when it returns to OK, never one per execution, so a rule that stays in alert
does not page again. Delivery retries with backoff; a delivery that still fails is kept in the history
as undelivered (and logged), never raised into the scheduler. Webhook URLs are checked when a rule is
stored (``check_webhook_url``); one stored by other means that httpx cannot use is a failed delivery.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.statuses import FINISHED_STATUSES, ExecutionStatus
from modelmonitor.storage.catalog import AlertEvent, AlertRule, Catalog, Execution

__all__ = ["AlertDispatcher", "AlertNotice", "breaches", "check_webhook_url"]

logger = logging.getLogger("modelmonitor.alerts")

IN_ALERT = "InAlert"
OK = "OK"


def check_webhook_url(url: str) -> str:
    """``url`` when alerts can be posted to it (http or https, a host, a port 1-65535).

    Otherwise a ConfigurationError saying what is wrong.
    """
    expected = "expected http://host[:port]/path or https://..."
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ConfigurationError(f"webhook URL {url!r}: {exc}; {expected}") from exc
    if parsed.scheme not in ("http", "https"):
        got = f"scheme {parsed.scheme!r}" if parsed.scheme else "no scheme"
        raise ConfigurationError(f"webhook URL {url!r}: {got}; {expected}")
    if not parsed.host:
        raise ConfigurationError(f"webhook URL {url!r}: no host; {expected}")
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise ConfigurationError(f"webhook URL {url!r}: port {parsed.port} is not 1-65535")
    return url


def breaches(executions: list[Execution]) -> int:
    """How many of ``executions`` found violations."""
    return sum(1 for e in executions if e.status == ExecutionStatus.COMPLETED_WITH_VIOLATIONS)


@dataclass(frozen=True)
class AlertNotice:
    """The JSON body posted to a webhook; ``delivered`` is False when the rule's webhook did not take it."""

    rule: AlertRule
    event: AlertEvent
    breaching: int
    latest: Execution
    delivered: bool = False

    def body(self) -> dict[str, Any]:
        return {
            "MonitoringAlertName": self.rule.name,
            "AlertStatus": self.event.status,
            "MonitoringScheduleName": self.rule.schedule_name,
            "EndpointName": self.latest.endpoint_name,
            "DatapointsToAlert": self.rule.datapoints_to_alert,
            "EvaluationPeriod": self.rule.evaluation_period,
            "BreachingDatapoints": self.breaching,
            "LatestExecution": {
                "Id": self.latest.id,
                "ScheduledTime": self.latest.scheduled_time.isoformat(),
                "MonitoringExecutionStatus": self.latest.status,
                "FailureReason": self.latest.failure_reason,
                "OutputUri": self.latest.output_uri,
            },
            "Time": self.event.created_at.isoformat(),
        }


class AlertDispatcher:
    """Evaluates a schedule's rules and posts state changes to their webhooks."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        attempts: int = 3,
        backoff_seconds: float = 0.5,
        timeout_seconds: float = 5.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.catalog = catalog
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds
        self.client = client or httpx.Client(timeout=timeout_seconds)

    def evaluate(self, schedule_name: str, now: datetime) -> list[AlertNotice]:
        """Evaluate every rule of ``schedule_name``; return (and deliver) the notices of state changes."""
        notices: list[AlertNotice] = []
        for rule in self.catalog.list_alert_rules(schedule_name=schedule_name):
            recent = self.catalog.list_executions(
                schedule_name=schedule_name,
                statuses=[str(s) for s in FINISHED_STATUSES],
                newest_first=True,
                limit=rule.evaluation_period,
            )
            if not recent:
                continue
            count = breaches(recent)
            state = IN_ALERT if count >= rule.datapoints_to_alert else OK
            if state == rule.status:
                continue
            detail = (
                f"{count} of the last {len(recent)} executions breached (rule: {rule.datapoints_to_alert})"
            )
            event = self.catalog.set_alert_status(
                rule.name, state, execution_id=recent[0].id, detail=detail, now=now
            )
            notice = AlertNotice(rule=rule, event=event, breaching=count, latest=recent[0])
            if rule.webhook_url and self._deliver(rule.webhook_url, notice.body()):
                self.catalog.mark_alert_delivered(event.id)
                notice = AlertNotice(rule, event, count, recent[0], delivered=True)
            notices.append(notice)
        return notices

    def _deliver(self, url: str, body: dict[str, Any]) -> bool:
        for attempt in range(1, self.attempts + 1):
            try:
                response = self.client.post(url, json=body)
                if response.status_code < 500 and response.status_code != 429:
                    if response.is_success:
                        return True
                    logger.error("alert webhook %s refused the alert: HTTP %s", url, response.status_code)
                    return False
                problem = f"HTTP {response.status_code}"
            except httpx.InvalidURL as exc:
                # Retrying cannot make the URL valid.
                logger.error("alert webhook %s: not a usable URL (%s)", url, exc)
                return False
            except httpx.HTTPError as exc:
                problem = repr(exc)
            logger.warning("alert webhook %s attempt %d/%d failed: %s", url, attempt, self.attempts, problem)
            if attempt < self.attempts:
                time.sleep(self.backoff_seconds * 2 ** (attempt - 1))
        logger.error("alert webhook %s: giving up after %d attempts", url, self.attempts)
        return False

    def close(self) -> None:
        self.client.close()
