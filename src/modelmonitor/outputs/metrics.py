"""Metrics with SageMaker's names: CloudWatch-style metric files and Prometheus gauges.

The names and records: docs/sagemaker.md#metrics.

A monitoring job (built-in or custom) writes CloudWatch metric records, one JSON object per line, to
``{cloudwatch_metrics_directory}/*.jsonl``; SageMaker publishes those to CloudWatch. Here the scheduler
reads them back after the execution and sets Prometheus gauges of the same names, labelled
``endpoint`` and ``monitoring_schedule`` — so custom monitors get metrics the same way built-in ones do.

Data-quality names: ``feature_data_{feature}`` (numeric features; the value is the mean, with
SampleCount/Sum/Minimum/Maximum as statistic values), ``feature_non_null_{feature}`` (completeness, 0–1),
``feature_baseline_drift_{feature}`` (the distance to the baseline distribution). Model-quality names:
the statistics keys of the scalar metrics (``accuracy``, ``f2``, ``auc``, ``mae``, ``r2``, ...). Bias
names: ``bias_metric_{NAME}`` (``bias_metric_DPPL``), one record per stage, facet and facet value, with
SageMaker's extra dimensions ``BiasStage``, ``Label``, ``LabelValue``, ``Facet``, ``FacetValue``, which
become gauge labels (snake case: ``bias_stage``, ``label``, ...). Explainability names: ``feature_{name}``
(global SHAP value) and ``ExpectedValue`` per model output, dimensions ``ExplainabilityMethod``
(``KernelShap``), ``Label`` and ``ValueType``; and ours, ``feature_attribution_drift`` (the NDCG score).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge

from modelmonitor.formats.clarify import AnalysisFile, BiasMetricsSection, metric_number
from modelmonitor.formats.model_quality import ModelQualityStatisticsFile
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.formats.statuses import FINISHED_STATUSES

__all__ = [
    "BIAS_NAMESPACE",
    "DATA_QUALITY_NAMESPACE",
    "EXPLAINABILITY_NAMESPACE",
    "MODEL_QUALITY_NAMESPACE",
    "MetricPoint",
    "MetricsExporter",
    "bias_metric_records",
    "data_quality_metric_records",
    "explainability_metric_records",
    "metric_record",
    "model_quality_metric_records",
    "read_cloudwatch_metrics",
    "write_cloudwatch_metrics",
]

_log = logging.getLogger(__name__)
DATA_QUALITY_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"
MODEL_QUALITY_NAMESPACE = "aws/sagemaker/Endpoints/model-metrics"
BIAS_NAMESPACE = "aws/sagemaker/Endpoints/bias-metrics"
EXPLAINABILITY_NAMESPACE = "aws/sagemaker/Endpoints/explainability-metrics"
# What SageMaker sends for an infinite bias metric (CloudWatch takes no infinity).
CLOUDWATCH_INFINITY = 2.348543e108
METRICS_FILE = "cloudwatch_metrics.jsonl"
_INVALID = re.compile(r"[^a-zA-Z0-9_:]")


def _dimensions(endpoint: str | None, schedule: str | None) -> list[dict[str, str]]:
    dims = []
    if endpoint:
        dims.append({"Name": "Endpoint", "Value": endpoint})
    if schedule:
        dims.append({"Name": "MonitoringSchedule", "Value": schedule})
    return dims


def metric_record(
    name: str,
    *,
    endpoint: str | None,
    schedule: str | None,
    timestamp: datetime,
    unit: str | None = None,
    **value: Any,
) -> dict[str, Any]:
    """One CloudWatch metric record with the Endpoint/MonitoringSchedule dimensions; ``value`` is
    ``Value=x`` or ``StatisticValues={...}``. Built-in and custom monitors write records made here."""
    record: dict[str, Any] = {
        "MetricName": name,
        "Timestamp": timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Dimensions": _dimensions(endpoint, schedule),
        **value,
    }
    if unit:
        record["Unit"] = unit
    return record


def data_quality_metric_records(
    statistics: StatisticsFile,
    drift: Mapping[str, float],
    *,
    endpoint: str | None,
    schedule: str | None,
    timestamp: datetime,
) -> list[dict[str, Any]]:
    """CloudWatch metric records of one data-quality execution (docs/sagemaker.md#metrics)."""
    records: list[dict[str, Any]] = []

    def add(name: str, **value: Any) -> None:
        records.append(
            metric_record(name, endpoint=endpoint, schedule=schedule, timestamp=timestamp, **value)
        )

    for feature in statistics.features:
        numeric = feature.numerical_statistics
        common = (
            numeric.common
            if numeric
            else feature.string_statistics.common
            if feature.string_statistics
            else None
        )
        if numeric is not None and numeric.common.num_present > 0:
            add(
                f"feature_data_{feature.name}",
                StatisticValues={
                    "SampleCount": float(numeric.common.num_present),
                    "Sum": float(numeric.sum),
                    "Minimum": float(numeric.min),
                    "Maximum": float(numeric.max),
                },
            )
        if common is not None:
            total = common.num_present + common.num_missing
            add(f"feature_non_null_{feature.name}", Value=common.num_present / total if total else 0.0)
        if feature.name in drift:
            add(f"feature_baseline_drift_{feature.name}", Value=float(drift[feature.name]))
    return records


def model_quality_metric_records(
    statistics: ModelQualityStatisticsFile,
    *,
    endpoint: str | None,
    schedule: str | None,
    timestamp: datetime,
) -> list[dict[str, Any]]:
    """CloudWatch metric records of one model-quality execution: one per scalar metric, named by its
    statistics key (``accuracy``, ``f2``, ``mse``, ...) as SageMaker names them. NaN values (a metric
    undefined for the window) are left out: CloudWatch refuses them."""
    return [
        metric_record(name, endpoint=endpoint, schedule=schedule, timestamp=timestamp, Value=metric.value)
        for name, metric in statistics.metrics.scalar_metrics().items()
        if not math.isnan(metric.value)
    ]


def _bias_records(
    section: BiasMetricsSection,
    stage: str,
    *,
    endpoint: str | None,
    schedule: str | None,
    timestamp: datetime,
) -> list[dict[str, Any]]:
    records = []
    for facet, groups in section.facets.items():
        for group in groups:
            for metric in group.metrics:
                value = metric_number(metric)
                if value is None or math.isnan(value):
                    continue  # an undefined metric is not sent, as SageMaker does
                if math.isinf(value):
                    value = math.copysign(CLOUDWATCH_INFINITY, value)
                record = metric_record(
                    f"bias_metric_{metric.name}",
                    endpoint=endpoint,
                    schedule=schedule,
                    timestamp=timestamp,
                    Value=value,
                )
                record["Dimensions"] += [
                    {"Name": "BiasStage", "Value": stage},
                    {"Name": "Label", "Value": section.label},
                    {"Name": "LabelValue", "Value": section.label_value_or_threshold},
                    {"Name": "Facet", "Value": facet},
                    {"Name": "FacetValue", "Value": group.value_or_threshold},
                ]
                records.append(record)
    return records


def bias_metric_records(
    analysis: AnalysisFile,
    *,
    endpoint: str | None,
    schedule: str | None,
    timestamp: datetime,
) -> list[dict[str, Any]]:
    """CloudWatch metric records of one bias execution: ``bias_metric_{NAME}`` per stage, facet and facet
    value, with SageMaker's dimensions (``BiasStage`` is ``Pre-training`` or ``Post-Training``, as
    documented); errors are left out, infinities sent as ±2.348543e108."""
    records = []
    for section, stage in (
        (analysis.pre_training_bias_metrics, "Pre-training"),
        (analysis.post_training_bias_metrics, "Post-Training"),
    ):
        if section is not None:
            records += _bias_records(
                section, stage, endpoint=endpoint, schedule=schedule, timestamp=timestamp
            )
    return records


def explainability_metric_records(
    analysis: AnalysisFile,
    drift: Mapping[str, float],
    *,
    endpoint: str | None,
    schedule: str | None,
    timestamp: datetime,
) -> list[dict[str, Any]]:
    """CloudWatch metric records of one explainability execution, per model output (``Label``):
    ``feature_{name}`` (its global SHAP value, ``ValueType`` ``GlobalShapValues``) and ``ExpectedValue``
    (``ValueType`` ``ExpectedValue``), with ``ExplainabilityMethod`` ``KernelShap``, as SageMaker names
    them; and ours, ``feature_attribution_drift`` (the NDCG score of the label against the baseline, which
    SageMaker only writes into the violation)."""
    records: list[dict[str, Any]] = []
    explanations = analysis.explanations.kernel_shap if analysis.explanations is not None else {}

    def add(name: str, label: str, value: float, value_type: str | None) -> None:
        if math.isnan(value):
            return
        record = metric_record(name, endpoint=endpoint, schedule=schedule, timestamp=timestamp, Value=value)
        record["Dimensions"] += [
            {"Name": "ExplainabilityMethod", "Value": "KernelShap"},
            {"Name": "Label", "Value": label},
        ]
        if value_type is not None:
            record["Dimensions"].append({"Name": "ValueType", "Value": value_type})
        records.append(record)

    for label, explanation in explanations.items():
        for feature, value in explanation.global_shap_values.items():
            add(f"feature_{feature}", label, float(value), "GlobalShapValues")
        if explanation.expected_value is not None:
            add("ExpectedValue", label, float(explanation.expected_value), "ExpectedValue")
        if label in drift:
            add("feature_attribution_drift", label, float(drift[label]), None)
    return records


def write_cloudwatch_metrics(
    directory: Path,
    records: Iterable[Mapping[str, Any]],
    file_name: str = METRICS_FILE,
    *,
    append: bool = False,
) -> Path:
    """Write (or append) records as JSON Lines to ``directory/file_name``; the scheduler reads every
    ``*.jsonl`` there back (``read_cloudwatch_metrics``)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / file_name
    with path.open("a" if append else "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(dict(record), sort_keys=True) + "\n")
    return path


@dataclass(frozen=True)
class MetricPoint:
    """One metric value read back from a CloudWatch metric file."""

    name: str
    value: float
    dimensions: tuple[tuple[str, str], ...]


def read_cloudwatch_metrics(directory: Path) -> tuple[list[MetricPoint], list[str]]:
    """Points from every ``*.jsonl`` in ``directory``; malformed lines are returned as ``file:line: why``."""
    points: list[MetricPoint] = []
    problems: list[str] = []
    if not directory.is_dir():
        return points, problems
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                name = str(record["MetricName"])
                if "Value" in record:
                    value = float(record["Value"])
                else:
                    stats = record["StatisticValues"]
                    value = float(stats["Sum"]) / float(stats["SampleCount"])
                dims = tuple((str(d["Name"]), str(d["Value"])) for d in record.get("Dimensions", []))
            except (ValueError, KeyError, TypeError, ZeroDivisionError) as exc:
                problems.append(f"{path}:{number}: not a CloudWatch metric record ({exc!r})")
                continue
            points.append(MetricPoint(name, value, dims))
    return points, problems


def _label_name(dimension: str) -> str:
    """A CloudWatch dimension as a Prometheus label: ``BiasStage`` → ``bias_stage``."""
    return _INVALID.sub("_", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", dimension)).lower()


class MetricsExporter:
    """Prometheus gauges, one per SageMaker metric name, labelled ``endpoint`` and ``monitoring_schedule``.

    Also ``modelmonitor_execution_violations`` and ``modelmonitor_executions_total``-style gauges of the
    latest execution of each schedule. A metric name that is not a valid Prometheus name is sanitised
    (``feature_data_Account Length`` → ``feature_data_Account_Length``).
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        # name → its gauge and the labels beyond endpoint and monitoring_schedule
        self._gauges: dict[str, tuple[Gauge, tuple[str, ...]]] = {}
        # Every labelled series set, by schedule, so a deleted schedule's series can be removed.
        self._series: dict[str, set[tuple[Gauge | Counter, tuple[str, ...]]]] = {}
        self.violations = Gauge(
            "modelmonitor_execution_violations",
            "Constraint violations found by the latest execution of a schedule",
            ["endpoint", "monitoring_schedule"],
            registry=self.registry,
        )
        self.status = Gauge(
            "modelmonitor_execution_status",
            "1 for the status of the latest execution of a schedule, 0 for the others",
            ["endpoint", "monitoring_schedule", "status"],
            registry=self.registry,
        )
        self.missed_slots = Gauge(
            "modelmonitor_missed_slots",
            "Scheduled runs skipped because the scheduler was not running at their time",
            ["monitoring_schedule"],
            registry=self.registry,
        )
        self.scheduler_errors = Counter(
            "modelmonitor_scheduler_errors",
            "Failures the scheduler isolated to one schedule (stage: schedule, execution or alert)",
            ["monitoring_schedule", "stage"],
            registry=self.registry,
        )
        self.recovered = Counter(
            "modelmonitor_recovered_executions",
            "Executions taken over from an owner (scheduler or run-now) whose lease expired",
            ["monitoring_schedule"],
            registry=self.registry,
        )

    def _series_of(self, metric: Gauge | Counter, schedule: str, *labels: str) -> Any:
        """The child of ``metric`` with these label values (in the metric's label order), remembered."""
        self._series.setdefault(schedule, set()).add((metric, labels))
        return metric.labels(*labels)

    def keep_schedules(self, names: set[str]) -> None:
        """Remove the series of every schedule not in ``names`` (deleted ones)."""
        for schedule in sorted(set(self._series) - names):
            for metric, labels in self._series.pop(schedule):
                metric.remove(*labels)

    def record_missed_slots(self, schedule: str, count: int) -> None:
        self._series_of(self.missed_slots, schedule, schedule).set(count)

    def record_scheduler_error(self, schedule: str, stage: str) -> None:
        self._series_of(self.scheduler_errors, schedule, schedule, stage).inc()

    def record_recovered(self, schedule: str) -> None:
        self._series_of(self.recovered, schedule, schedule).inc()

    def _gauge(self, name: str, extra: tuple[str, ...]) -> Gauge | None:
        """The gauge of ``name``, labelled endpoint, monitoring_schedule and the ``extra`` dimensions; None
        when the name already has a gauge with other dimensions (one metric name, one label set)."""
        safe = _INVALID.sub("_", name)
        if safe not in self._gauges:
            gauge = Gauge(
                safe,
                f"SageMaker Model Monitor metric {name}",
                ["endpoint", "monitoring_schedule", *extra],
                registry=self.registry,
            )
            self._gauges[safe] = (gauge, extra)
        gauge, labels = self._gauges[safe]
        return gauge if labels == extra else None

    def record_points(self, points: Iterable[MetricPoint], endpoint: str | None, schedule: str) -> None:
        for point in points:
            dims = dict(point.dimensions)
            # Dimensions beyond the two every record has (a bias metric's stage, facet, ...) are labels.
            extra = {
                _label_name(key): value
                for key, value in point.dimensions
                if key not in ("Endpoint", "MonitoringSchedule")
            }
            gauge = self._gauge(point.name, tuple(extra))
            if gauge is None:
                _log.warning(
                    "metric %s of schedule %s not exported: its dimensions %s differ from the gauge's",
                    point.name,
                    schedule,
                    ", ".join(extra) or "(none)",
                )
                continue
            self._series_of(
                gauge,
                schedule,
                dims.get("Endpoint", endpoint or ""),
                dims.get("MonitoringSchedule", schedule),
                *extra.values(),
            ).set(point.value)

    def record_execution(
        self, endpoint: str | None, schedule: str, status: str, violations: int | None
    ) -> None:
        labels = (endpoint or "", schedule)
        if violations is not None:
            self._series_of(self.violations, schedule, *labels).set(violations)
        for known in FINISHED_STATUSES:
            self._series_of(self.status, schedule, *labels, known.value).set(1 if known == status else 0)
