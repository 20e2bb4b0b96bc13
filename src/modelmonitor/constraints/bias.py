"""Bias drift: an execution's bias metrics judged against the baseline analysis.json, which is the bias
monitor's constraints file (SageMaker reads a Clarify baseline's ``analysis.json`` as its constraints).

For every (section, facet, facet value, metric) that has a value in the baseline, the current value
violates when it is *farther from the metric's neutral value* than the baseline value: 1 for DI (a ratio),
0 for every other metric. So a baseline of 0.2 allows 0.1 and -0.2 but not -0.3; documented by AWS, and
all nine violations of the bias-monitor notebook's real execution follow it. The DI neutral value 1 is our
reading (unverified). A metric without a value now (an error) or missing from the current file is not
judged. Wording, verbatim from real files: ``Metric value {current} doesn't meet the baseline constraint
requirement {baseline}``, numbers as Python prints them, infinities as ``Infinity``.
"""

from __future__ import annotations

import math

from modelmonitor.formats.clarify import (
    AnalysisFile,
    BiasMetricsSection,
    BiasViolation,
    BiasViolationsFile,
    MetricValue,
    metric_number,
)

__all__ = ["NEUTRAL_VALUES", "bias_drift_violations", "is_bias_drift", "violation_description"]

# The value a metric takes when the groups are treated alike; 0 for metrics not listed.
NEUTRAL_VALUES: dict[str, float] = {"DI": 1.0}


def is_bias_drift(metric: str, current: float, baseline: float) -> bool:
    """True when ``current`` is farther than ``baseline`` from the metric's neutral value."""
    neutral = NEUTRAL_VALUES.get(metric, 0.0)
    return abs(current - neutral) > abs(baseline - neutral)


def _number_text(value: float) -> str:
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(float(value))


def violation_description(current: float, baseline: float) -> str:
    return (
        f"Metric value {_number_text(current)} doesn't meet the baseline constraint requirement "
        f"{_number_text(baseline)}"
    )


def _metrics_by_name(metrics: list[MetricValue]) -> dict[str, MetricValue]:
    return {metric.name: metric for metric in metrics}


def _section_violations(baseline: BiasMetricsSection, current: BiasMetricsSection) -> list[BiasViolation]:
    violations = []
    for facet, baseline_groups in baseline.facets.items():
        current_groups = {group.value_or_threshold: group for group in current.facets.get(facet, [])}
        for baseline_group in baseline_groups:
            current_group = current_groups.get(baseline_group.value_or_threshold)
            if current_group is None:
                continue
            now = _metrics_by_name(current_group.metrics)
            for metric in baseline_group.metrics:
                baseline_value = metric_number(metric)
                current_value = metric_number(now[metric.name]) if metric.name in now else None
                if baseline_value is None or current_value is None:
                    continue
                if is_bias_drift(metric.name, current_value, baseline_value):
                    violations.append(
                        BiasViolation(
                            facet=facet,
                            facet_value=baseline_group.value_or_threshold,
                            metric_name=metric.name,
                            description=violation_description(current_value, baseline_value),
                        )
                    )
    return violations


def bias_drift_violations(baseline: AnalysisFile, current: AnalysisFile) -> BiasViolationsFile:
    """Every bias_drift_check violation of ``current`` against ``baseline`` (post-training first)."""
    violations: list[BiasViolation] = []
    for baseline_section, current_section in (
        (baseline.post_training_bias_metrics, current.post_training_bias_metrics),
        (baseline.pre_training_bias_metrics, current.pre_training_bias_metrics),
    ):
        if baseline_section is not None and current_section is not None:
            violations += _section_violations(baseline_section, current_section)
    return BiasViolationsFile(violations=violations)
