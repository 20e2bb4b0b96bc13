"""A monitor's metrics over time: its executions (status, violations, duration) and, per feature, the
drift measured at each execution against the threshold it was held to, with the missing share.

The execution timeline comes straight from the catalog. The per-feature numbers come from each finished
execution's ``statistics.json`` checked against the schedule's baseline statistics and constraints (the
data-quality check's own ``evaluate``); they are computed once per execution and kept in the catalog
(``execution_metrics``), so a page of a thousand executions reads the catalog, not a thousand files.
An execution whose files cannot be read gets its reason recorded (``ExecutionDrift.error``) instead of
numbers; it never hides the others.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from modelmonitor.constraints.data_quality import evaluate
from modelmonitor.errors import ConfigurationError, ModelMonitorError
from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.statistics import FeatureStatistics, StatisticsFile
from modelmonitor.formats.statuses import ExecutionStatus, MonitoringType, is_terminal
from modelmonitor.service import Execution, MonitoringService
from modelmonitor.service.files import read_text

__all__ = [
    "MAX_POINTS",
    "ExecutionDrift",
    "ExecutionPoint",
    "FeatureMetrics",
    "TimeRange",
    "drift_over_time",
    "duration_seconds",
    "executions_over_time",
    "feature_history",
]

logger = logging.getLogger("modelmonitor.service")

# Points one request may ask for: a year of hourly runs fits in two pages.
MAX_POINTS = 5000
_WITH_OUTPUTS = (ExecutionStatus.COMPLETED, ExecutionStatus.COMPLETED_WITH_VIOLATIONS)
# Bumped when the stored shape changes: older rows are recomputed rather than misread.
_STORED_VERSION = 1


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


@dataclass(frozen=True)
class FeatureMetrics:
    """One feature at one execution. ``drift`` is the L-infinity distance (``method`` LInfinity) or the
    chi-squared p-value (ChiSquared) against ``threshold``; None when no drift check ran on it."""

    feature: str
    inferred_type: str
    missing_share: float | None
    drift: float | None = None
    threshold: float | None = None
    method: str | None = None
    drifted: bool = False


@dataclass(frozen=True)
class ExecutionDrift:
    """The per-feature numbers of one finished execution, or why there are none (``error``)."""

    execution_id: int
    scheduled_time: datetime
    status: str
    features: tuple[FeatureMetrics, ...]
    error: str | None = None

    def feature(self, name: str) -> FeatureMetrics | None:
        return next((f for f in self.features if f.feature == name), None)


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


@dataclass(frozen=True)
class _Baseline:
    statistics: StatisticsFile | None
    constraints: ConstraintsFile | None
    error: str | None = None


def _baseline(definition: JobDefinition) -> _Baseline:
    try:
        statistics = (
            StatisticsFile.from_json_text(read_text(uri), source=uri)
            if (uri := definition.baseline_statistics)
            else None
        )
        constraints = (
            ConstraintsFile.from_json_text(read_text(uri), source=uri)
            if (uri := definition.baseline_constraints)
            else None
        )
    except (ModelMonitorError, OSError) as exc:
        return _Baseline(None, None, f"the schedule's baseline cannot be read: {exc}")
    return _Baseline(statistics, constraints)


def drift_over_time(
    service: MonitoringService, schedule: str, window: TimeRange | None = None
) -> list[ExecutionDrift]:
    """Per-feature drift and missing share of the schedule's finished executions in the window.

    Data-quality schedules only (other monitor types have no per-feature drift: an empty list). Numbers
    not yet in the catalog are computed from the execution's statistics against the schedule's baseline
    and stored, so each execution's files are read once.
    """
    window = window or TimeRange()
    described = service.describe_schedule(schedule)
    if described.monitoring_type != MonitoringType.DATA_QUALITY.value:
        return []
    finished = [e for e in _executions(service, schedule, window) if is_terminal(e.status)]
    stored = service.catalog.execution_metrics([e.id for e in finished])
    baseline: _Baseline | None = None
    result: list[ExecutionDrift] = []
    for execution in finished:
        known = _parse(execution, stored.get(execution.id))
        if known is None:
            if baseline is None:
                baseline = _baseline(JobDefinition.from_dict(described.definition))
            if baseline.error is not None:
                # Not stored: the baseline may be fixed, and these executions read again.
                result.append(_failed(execution, baseline.error))
                continue
            known = _measure(service, execution, baseline)
            service.catalog.put_execution_metrics(execution.id, _dump(known), service.clock.now())
        result.append(known)
    return result


def _failed(execution: Execution, error: str) -> ExecutionDrift:
    return ExecutionDrift(execution.id, execution.scheduled_time, execution.status, (), error)


def _measure(service: MonitoringService, execution: Execution, baseline: _Baseline) -> ExecutionDrift:
    if execution.status not in _WITH_OUTPUTS:
        reason = execution.failure_reason or "it wrote no statistics"
        return _failed(execution, f"{execution.status}: {reason}")
    try:
        source, text = service.read_execution_output(execution.id, "statistics.json")
        current = StatisticsFile.from_json_text(text, source=source)
    except (ModelMonitorError, OSError) as exc:
        logger.warning("execution %d: no drift numbers: %s", execution.id, exc)
        return _failed(execution, str(exc))
    checks = (
        evaluate(current, baseline.statistics, baseline.constraints).drift_checks
        if baseline.constraints is not None
        else {}
    )
    features = []
    for feature in current.features:
        check = checks.get(feature.name)
        features.append(
            FeatureMetrics(
                feature=feature.name,
                inferred_type=feature.inferred_type,
                missing_share=_missing_share(feature),
                drift=None if check is None else check.value,
                threshold=None if check is None else check.threshold,
                method=None if check is None else check.method,
                drifted=check is not None and check.drifted,
            )
        )
    return ExecutionDrift(execution.id, execution.scheduled_time, execution.status, tuple(features))


def _missing_share(feature: FeatureStatistics) -> float | None:
    common = feature.common
    if common is None:
        return None
    total = common.num_present + common.num_missing
    return common.num_missing / total if total else None


def _dump(drift: ExecutionDrift) -> str:
    return json.dumps(
        {
            "version": _STORED_VERSION,
            "error": drift.error,
            "features": [
                [f.feature, f.inferred_type, f.missing_share, f.drift, f.threshold, f.method, f.drifted]
                for f in drift.features
            ],
        },
    )


def _parse(execution: Execution, text: str | None) -> ExecutionDrift | None:
    if text is None:
        return None
    try:
        stored: dict[str, Any] = json.loads(text)
        if stored.get("version") != _STORED_VERSION:
            return None
        features = tuple(FeatureMetrics(*values) for values in stored["features"])
    except (ValueError, TypeError, KeyError):
        logger.warning("execution %d: stored metrics unreadable, computing them again", execution.id)
        return None
    return ExecutionDrift(
        execution.id, execution.scheduled_time, execution.status, features, stored.get("error")
    )


def feature_history(
    drifts: Sequence[ExecutionDrift], feature: str
) -> list[tuple[ExecutionDrift, FeatureMetrics]]:
    """The executions of ``drifts`` that measured ``feature``, with its numbers."""
    return [(d, m) for d in drifts if (m := d.feature(feature)) is not None]
