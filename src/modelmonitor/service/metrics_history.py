"""A monitor's metrics over time: its executions (status, violations, duration) and the numbers of each
finished execution: per feature, the drift against the threshold it was held to, with the missing share
(data quality); each metric against its constraint (model quality, bias drift, attribution drift).

The execution timeline comes straight from the catalog. The per-feature numbers
(``scheduler.feature_metrics``) are recorded by the scheduler when an execution ends; one without them
(ended before they were recorded) is measured here on first read and stored, so a page of a thousand
executions reads the catalog, not a thousand files. An execution whose files cannot be read gets its
reason (``ExecutionDrift.error``) instead of numbers; it never hides the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.statuses import is_terminal
from modelmonitor.scheduler.feature_metrics import (
    Baseline,
    ExecutionDrift,
    FeatureMetrics,
    MonitorMetric,
    baseline_of,
    measure,
    parse,
    store,
)
from modelmonitor.service import Execution, MonitoringService

__all__ = [
    "MAX_POINTS",
    "ExecutionDrift",
    "ExecutionPoint",
    "FeatureMetrics",
    "MonitorMetric",
    "TimeRange",
    "drift_over_time",
    "duration_seconds",
    "execution_numbers",
    "executions_over_time",
    "feature_history",
    "metric_history",
]

# Points one request may ask for: a year of hourly runs fits in two pages.
MAX_POINTS = 5000


@dataclass(frozen=True)
class TimeRange:
    """Executions scheduled at or after ``start`` and before ``end`` (either open), a page of them."""

    start: datetime | None = None
    end: datetime | None = None
    limit: int = 500
    offset: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_POINTS:
            raise ConfigurationError(f"limit {self.limit}: expected 1 to {MAX_POINTS} executions")
        if self.offset < 0:
            raise ConfigurationError(f"offset {self.offset}: expected a number of executions to skip >= 0")
        if self.start is not None and self.end is not None and _utc(self.start) >= _utc(self.end):
            raise ConfigurationError(
                f"time range: start {self.start.isoformat()} is not before end {self.end.isoformat()}"
            )


@dataclass(frozen=True)
class ExecutionPoint:
    """One execution on a monitor's timeline; ``duration_seconds`` once it has ended."""

    execution_id: int
    scheduled_time: datetime
    status: str
    violation_count: int | None
    duration_seconds: float | None
    failure_reason: str | None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _executions(service: MonitoringService, schedule: str, window: TimeRange) -> list[Execution]:
    service.describe_schedule(schedule)  # NotFoundError names an unknown schedule
    return service.catalog.list_executions(
        schedule_name=schedule,
        scheduled_from=None if window.start is None else _utc(window.start),
        scheduled_before=None if window.end is None else _utc(window.end),
        limit=window.limit,
        offset=window.offset,
    )


def executions_over_time(
    service: MonitoringService, schedule: str, window: TimeRange | None = None
) -> list[ExecutionPoint]:
    """The schedule's executions in the window, oldest first, from the catalog alone."""
    return [_point(e) for e in _executions(service, schedule, window or TimeRange())]


def duration_seconds(execution: Execution) -> float | None:
    """From the row's creation (its process starting) to its last change (its end recorded); None while
    it runs."""
    if not is_terminal(execution.status):
        return None
    return (execution.modified_at - execution.created_at).total_seconds()


def _point(execution: Execution) -> ExecutionPoint:
    duration = duration_seconds(execution)
    return ExecutionPoint(
        execution_id=execution.id,
        scheduled_time=execution.scheduled_time,
        status=execution.status,
        violation_count=execution.violation_count,
        duration_seconds=duration,
        failure_reason=execution.failure_reason,
    )


def drift_over_time(
    service: MonitoringService, schedule: str, window: TimeRange | None = None
) -> list[ExecutionDrift]:
    """The numbers of the schedule's finished executions in the window: per-feature drift and missing
    share (data quality), each metric against its constraint (model quality, bias and attribution drift).

    Numbers not yet in the catalog are computed from the execution's files against the schedule's
    baseline and stored, so each execution's files are read once.
    """
    window = window or TimeRange()
    described = service.describe_schedule(schedule)
    finished = [e for e in _executions(service, schedule, window) if is_terminal(e.status)]
    return _numbers(service, JobDefinition.from_dict(described.definition), finished)


def execution_numbers(service: MonitoringService, execution_id: int) -> ExecutionDrift | None:
    """The numbers of one execution (as ``drift_over_time`` has them); None while it runs.

    NotFoundError for an unknown execution or one whose schedule was deleted.
    """
    execution = service.describe_execution(execution_id)
    if not is_terminal(execution.status):
        return None
    definition = service.schedule_definition(execution.schedule_name)
    return _numbers(service, definition, [execution])[0]


def _numbers(
    service: MonitoringService, definition: JobDefinition, finished: list[Execution]
) -> list[ExecutionDrift]:
    stored = service.catalog.execution_metrics([e.id for e in finished])
    baseline: Baseline | None = None
    result: list[ExecutionDrift] = []
    for execution in finished:
        known = parse(execution, stored.get(execution.id))
        if known is None:
            if baseline is None:
                baseline = baseline_of(definition)
            known = measure(execution, baseline)
            if baseline.error is None:
                # Not stored when the baseline is unreadable: once fixed, these are measured again.
                store(service.catalog, known, service.clock.now())
        result.append(known)
    return result


def metric_history(
    drifts: Sequence[ExecutionDrift], series: str
) -> list[tuple[ExecutionDrift, MonitorMetric]]:
    """The executions of ``drifts`` that measured the metric named ``series`` (``MonitorMetric.series``)."""
    return [(d, m) for d in drifts for m in d.metrics if m.series == series]


def feature_history(
    drifts: Sequence[ExecutionDrift], feature: str
) -> list[tuple[ExecutionDrift, FeatureMetrics]]:
    """The executions of ``drifts`` that measured ``feature``, with its numbers."""
    return [(d, m) for d in drifts if (m := d.feature(feature)) is not None]
