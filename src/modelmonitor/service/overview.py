"""The one-glance overview of every monitor (the dashboard's home page): results as data, no HTML.

For each endpoint — and the batch-transform schedules, which have none — each schedule's latest
execution status, the violations its executions found in the last 24 hours and 7 days, and its next
scheduled run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from modelmonitor.errors import ScheduleError
from modelmonitor.formats.statuses import ScheduleStatus
from modelmonitor.scheduler.cron import next_run, parse_expression
from modelmonitor.service import Execution, MonitoringService, Schedule

__all__ = ["BATCH_GROUP", "MonitorOverview", "TargetOverview", "monitor_overview", "overview"]

# Executions looked at per schedule: a week of runs every 5 minutes fits.
RECENT_EXECUTIONS = 2016
BATCH_GROUP = "batch transform"


@dataclass(frozen=True)
class MonitorOverview:
    schedule: str
    endpoint: str | None
    expression: str
    monitoring_type: str
    schedule_status: str
    last_status: str | None
    last_run: datetime | None
    violations_24h: int
    violations_7d: int
    next_run: datetime | None


@dataclass(frozen=True)
class TargetOverview:
    """An endpoint (or the batch-transform group, ``endpoint`` None) and its monitors."""

    name: str
    endpoint: str | None
    monitors: tuple[MonitorOverview, ...]

    @property
    def broken(self) -> bool:
        return any(
            m.violations_24h or m.last_status in ("Failed", "CompletedWithViolations") for m in self.monitors
        )


def _next(schedule: Schedule, now: datetime) -> datetime | None:
    if schedule.status not in (ScheduleStatus.SCHEDULED, ScheduleStatus.PENDING):
        return None
    try:
        expression = parse_expression(schedule.expression)
    except ScheduleError:
        return None
    if expression.is_one_time:
        return None if schedule.last_slot is not None else schedule.created_at
    return next_run(expression, max(schedule.last_slot or schedule.created_at, now - timedelta(seconds=1)))


def _violations(executions: list[Execution], since: datetime) -> int:
    return sum(e.violation_count or 0 for e in executions if e.scheduled_time >= since)


def _monitor(service: MonitoringService, schedule: Schedule, now: datetime) -> MonitorOverview:
    recent = service.list_executions(schedule_name=schedule.name, newest_first=True, limit=RECENT_EXECUTIONS)
    latest = recent[0] if recent else None
    return MonitorOverview(
        schedule=schedule.name,
        endpoint=schedule.endpoint_name,
        expression=schedule.expression,
        monitoring_type=schedule.monitoring_type,
        schedule_status=schedule.status,
        last_status=latest.status if latest else None,
        last_run=latest.scheduled_time if latest else None,
        violations_24h=_violations(recent, now - timedelta(hours=24)),
        violations_7d=_violations(recent, now - timedelta(days=7)),
        next_run=_next(schedule, now),
    )


def overview(service: MonitoringService) -> list[TargetOverview]:
    """Every endpoint (by name), then the batch-transform schedules, each with its monitors."""
    now = service.clock.now()
    schedules = service.list_schedules()
    targets = [
        TargetOverview(
            endpoint.name,
            endpoint.name,
            tuple(_monitor(service, s, now) for s in schedules if s.endpoint_name == endpoint.name),
        )
        for endpoint in service.list_endpoints()
    ]
    batch = tuple(_monitor(service, s, now) for s in schedules if s.endpoint_name is None)
    if batch:
        targets.append(TargetOverview(BATCH_GROUP, None, batch))
    return targets


def monitor_overview(service: MonitoringService, name: str) -> MonitorOverview:
    """One monitor's line of the overview (NotFoundError for an unknown schedule)."""
    return _monitor(service, service.describe_schedule(name), service.clock.now())
