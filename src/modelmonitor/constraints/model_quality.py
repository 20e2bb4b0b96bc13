"""Model-quality constraints: ``suggest`` them from baseline statistics, ``check`` statistics against them.

Suggested thresholds are the baseline values: ``LessThanThreshold`` for metrics where higher is better
(a violation when the current value is below), ``GreaterThanThreshold`` for error rates and errors
(false positive/negative rates, mae, mse, rmse). The best-constant-classifier metrics describe the data,
not the model, and get no constraint (as in SageMaker's suggested files). Violations read as SageMaker's::

    {"metric_name": "truePositiveRate", "constraint_check_type": "LessThanThreshold",
     "description": "Metric truePositiveRate with 0.115 +/- 5.09E-4 was LessThanThreshold '0.571'"}

with the metric named in camelCase and numbers written as Java doubles. Pure: no files, no clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.jackson import java_double
from modelmonitor.formats.model_quality import (
    ComparisonOperator,
    MetricConstraint,
    MetricValue,
    ModelQualityConstraintsFile,
    ModelQualityStatisticsFile,
    ModelQualityViolation,
    ModelQualityViolationsFile,
)

__all__ = ["CheckReport", "check", "evaluate", "metric_display_name", "suggest"]

_LOWER_IS_BETTER = frozenset({"false_positive_rate", "false_negative_rate", "mae", "mse", "rmse"})
_NOT_CONSTRAINED = frozenset(
    {"confusion_matrix", "receiver_operating_characteristic_curve", "precision_recall_curve"}
)


def suggest(statistics: ModelQualityStatisticsFile) -> ModelQualityConstraintsFile:
    """One constraint per model metric of the baseline, its threshold the baseline value."""
    constraints: dict[str, MetricConstraint] = {}
    for name, metric in statistics.metrics.scalar_metrics().items():
        if name.endswith("_best_constant_classifier") or name in _NOT_CONSTRAINED:
            continue
        operator: ComparisonOperator = (
            "GreaterThanThreshold" if name in _LOWER_IS_BETTER else "LessThanThreshold"
        )
        constraints[name] = MetricConstraint(threshold=metric.value, comparison_operator=operator)
    return ModelQualityConstraintsFile.for_problem(statistics.problem_type, constraints)


def metric_display_name(name: str) -> str:
    """SageMaker's camelCase name of a statistics key: ``true_positive_rate`` -> ``truePositiveRate``.

    A part that starts with a digit keeps its underscore (``f0_5`` stays ``f0_5``), since the statistics
    key is the snake_case form of that very name.
    """
    first, *rest = name.split("_")
    for part in rest:
        first += f"_{part}" if part[:1].isdigit() else part[:1].upper() + part[1:]
    return first


def _breached(operator: ComparisonOperator, value: float, threshold: float) -> bool:
    if operator == "LessThanThreshold":
        return value < threshold
    if operator == "GreaterThanThreshold":
        return value > threshold
    if operator == "LessThanOrEqualToThreshold":
        return value <= threshold
    return value >= threshold


def _number(value: float) -> str:
    return java_double(value).strip('"')


def _violation(name: str, metric: MetricValue, constraint: MetricConstraint) -> ModelQualityViolation:
    display = metric_display_name(name)
    description = (
        f"Metric {display} with {_number(metric.value)} +/- {_number(metric.standard_deviation)} "
        f"was {constraint.comparison_operator} '{_number(constraint.threshold)}'"
    )
    return ModelQualityViolation(
        metric_name=display, constraint_check_type=constraint.comparison_operator, description=description
    )


@dataclass(frozen=True)
class CheckReport:
    """The violations, and the constrained metrics that could not be judged, with the reason."""

    violations: ModelQualityViolationsFile
    not_evaluated: dict[str, str] = field(default_factory=dict)

    def to_violations(self) -> ModelQualityViolationsFile:
        return self.violations


def evaluate(statistics: ModelQualityStatisticsFile, constraints: ModelQualityConstraintsFile) -> CheckReport:
    """Check every constraint; a missing or NaN metric goes to ``not_evaluated``, never skipped silently."""
    if statistics.problem_type != constraints.problem_type:
        raise ConfigurationError(
            f"model-quality constraints are for {constraints.problem_type}, "
            f"but the statistics are for {statistics.problem_type}; baseline with the same problem type"
        )
    metrics = statistics.metrics.scalar_metrics()
    violations: list[ModelQualityViolation] = []
    not_evaluated: dict[str, str] = {}
    for name, constraint in constraints.constraints.items():
        metric = metrics.get(name)
        if metric is None:
            not_evaluated[name] = f"no metric {name!r} in the statistics"
        elif math.isnan(metric.value):
            not_evaluated[name] = f"metric {name!r} is NaN (undefined for this data)"
        elif _breached(constraint.comparison_operator, metric.value, constraint.threshold):
            violations.append(_violation(name, metric, constraint))
    return CheckReport(ModelQualityViolationsFile(violations=violations), not_evaluated)


def check(
    statistics: ModelQualityStatisticsFile, constraints: ModelQualityConstraintsFile
) -> ModelQualityViolationsFile:
    """The violations of ``constraints`` by ``statistics`` (see ``evaluate`` for the metrics not judged)."""
    return evaluate(statistics, constraints).violations
