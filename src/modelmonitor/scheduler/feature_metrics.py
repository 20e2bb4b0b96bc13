"""The numbers of a finished execution the dashboard draws over time, measured once and kept in the
catalog: for data quality each feature's drift against the threshold it was held to, its missing share and
type; for model quality, bias drift and attribution drift each metric against its constraint
(``scheduler.model_metrics``).

The numbers are the checkers' own (``constraints.data_quality.evaluate`` of the execution's
``statistics.json`` against the schedule's baseline statistics and constraints, and the other monitors'
checks of their files against the baseline constraints). The scheduler records them when an execution
ends (``record``); ``service.metrics_history`` measures the executions that have none yet (ended before
this was recorded, or recorded elsewhere) on first read. Stored as JSON text in the catalog's
``execution_metrics`` table; a stored shape of another version is measured again.
"""

from __future__ import annotations

import json
import logging
from dataclasses import astuple, dataclass
from datetime import datetime
from typing import Any, TypeVar

from modelmonitor.constraints.data_quality import evaluate
from modelmonitor.errors import ConfigurationError, ModelMonitorError
from modelmonitor.formats.base import SageMakerFile
from modelmonitor.formats.clarify import AnalysisFile
from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.model_quality import ModelQualityConstraintsFile, ModelQualityStatisticsFile
from modelmonitor.formats.statistics import FeatureStatistics, StatisticsFile
from modelmonitor.formats.statuses import ExecutionStatus, MonitoringType
from modelmonitor.jobs.monitors import monitor_for
from modelmonitor.outputs.files import read_document
from modelmonitor.scheduler.model_metrics import (
    MonitorMetric,
    attribution_metrics,
    bias_metrics,
    model_quality_metrics,
)
from modelmonitor.storage.catalog import Catalog, Execution

F = TypeVar("F", bound=SageMakerFile)

__all__ = [
    "Baseline",
    "ExecutionDrift",
    "FeatureMetrics",
    "MonitorMetric",
    "baseline_of",
    "measure",
    "parse",
    "record",
    "store",
]

logger = logging.getLogger("modelmonitor.scheduler")

_WITH_OUTPUTS = (ExecutionStatus.COMPLETED, ExecutionStatus.COMPLETED_WITH_VIOLATIONS)
# Bumped when the stored shape changes: older rows are measured again rather than misread.
_STORED_VERSION = 2


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
    """The numbers of one finished execution, or why there are none (``error``): ``features`` for data
    quality, ``metrics`` for the other monitors."""

    execution_id: int
    scheduled_time: datetime
    status: str
    features: tuple[FeatureMetrics, ...]
    error: str | None = None
    metrics: tuple[MonitorMetric, ...] = ()

    def feature(self, name: str) -> FeatureMetrics | None:
        return next((f for f in self.features if f.feature == name), None)


@dataclass(frozen=True)
class Baseline:
    """The schedule's baseline files, of its monitor's types, or why they cannot be read (``error``)."""

    monitoring_type: MonitoringType
    statistics: SageMakerFile | None
    constraints: SageMakerFile | None
    error: str | None = None


def baseline_of(definition: JobDefinition) -> Baseline:
    monitor = monitor_for(definition.monitoring_type)
    kind = definition.monitoring_type
    try:
        statistics = (
            read_document(uri, monitor.statistics_name, monitor.statistics_file)
            if (uri := definition.baseline_statistics)
            else None
        )
        constraints = (
            read_document(uri, monitor.constraints_name, monitor.constraints_file)
            if (uri := definition.baseline_constraints)
            else None
        )
    except (ModelMonitorError, OSError) as exc:
        return Baseline(kind, None, None, f"the schedule's baseline cannot be read: {exc}")
    return Baseline(kind, statistics, constraints)


def failed(execution: Execution, error: str) -> ExecutionDrift:
    return ExecutionDrift(execution.id, execution.scheduled_time, execution.status, (), error)


def measure(execution: Execution, baseline: Baseline) -> ExecutionDrift:
    """The numbers of a finished execution, or why it has none (``error``); reads its statistics."""
    if baseline.error is not None:
        return failed(execution, baseline.error)
    if execution.status not in _WITH_OUTPUTS or execution.output_uri is None:
        reason = execution.failure_reason or "it wrote no statistics"
        return failed(execution, f"{execution.status}: {reason}")
    monitor = monitor_for(baseline.monitoring_type)
    try:
        current = read_document(execution.output_uri, monitor.statistics_name, monitor.statistics_file)
        if isinstance(current, StatisticsFile):
            return _data_quality(execution, current, baseline)
        return ExecutionDrift(
            execution.id,
            execution.scheduled_time,
            execution.status,
            (),
            metrics=_metrics(current, baseline),
        )
    except (ModelMonitorError, OSError) as exc:
        logger.warning("execution %d: no numbers over time: %s", execution.id, exc)
        return failed(execution, str(exc))


def _of_type(document: SageMakerFile | None, kind: type[F]) -> F | None:
    if document is not None and not isinstance(document, kind):
        raise ConfigurationError(f"the baseline is a {type(document).__name__}, expected a {kind.__name__}")
    return document


def _metrics(current: SageMakerFile, baseline: Baseline) -> tuple[MonitorMetric, ...]:
    if isinstance(current, ModelQualityStatisticsFile):
        return model_quality_metrics(current, _of_type(baseline.constraints, ModelQualityConstraintsFile))
    if not isinstance(current, AnalysisFile):
        raise ConfigurationError(f"no numbers over time for a {type(current).__name__}")
    constraints = _of_type(baseline.constraints, AnalysisFile)
    if baseline.monitoring_type == MonitoringType.MODEL_BIAS:
        return bias_metrics(current, constraints)
    return attribution_metrics(current, constraints)


def _data_quality(execution: Execution, current: StatisticsFile, baseline: Baseline) -> ExecutionDrift:
    constraints = _of_type(baseline.constraints, ConstraintsFile)
    checks = (
        evaluate(current, _of_type(baseline.statistics, StatisticsFile), constraints).drift_checks
        if constraints is not None
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


def store(catalog: Catalog, drift: ExecutionDrift, now: datetime) -> None:
    text = json.dumps(
        {
            "version": _STORED_VERSION,
            "error": drift.error,
            "features": [
                [f.feature, f.inferred_type, f.missing_share, f.drift, f.threshold, f.method, f.drifted]
                for f in drift.features
            ],
            "metrics": [astuple(m) for m in drift.metrics],
        }
    )
    catalog.put_execution_metrics(drift.execution_id, text, now)


def parse(execution: Execution, text: str | None) -> ExecutionDrift | None:
    """Stored numbers back, or None when there are none (or of another version, or unreadable)."""
    if text is None:
        return None
    try:
        stored: dict[str, Any] = json.loads(text)
        if stored.get("version") != _STORED_VERSION:
            return None
        features = tuple(FeatureMetrics(*values) for values in stored["features"])
        metrics = tuple(MonitorMetric(*values) for values in stored["metrics"])
    except (ValueError, TypeError, KeyError):
        logger.warning("execution %d: stored metrics unreadable, measuring them again", execution.id)
        return None
    return ExecutionDrift(
        execution.id, execution.scheduled_time, execution.status, features, stored.get("error"), metrics
    )


def record(catalog: Catalog, execution: Execution, now: datetime) -> None:
    """Measure and store the numbers of an execution that just ended.

    Never raises: the execution's end is recorded already, and its numbers can be measured on first read.
    """
    try:
        definition = JobDefinition.from_dict(catalog.get_schedule(execution.schedule_name).definition)
        baseline = baseline_of(definition)
        if baseline.error is None:
            store(catalog, measure(execution, baseline), now)
    except Exception:
        logger.exception("execution %d: its per-feature numbers were not recorded", execution.id)
