"""The metrics of a finished model-quality, bias-drift or attribution-drift execution, each against the
constraint it was held to: what the dashboard draws over time for these monitors (data quality has its
per-feature numbers instead, ``scheduler.feature_metrics``).

The verdicts are the checkers' own (``constraints.model_quality.evaluate``, ``constraints.bias``,
``constraints.attribution.evaluate``), so a breached metric is one the execution's
``constraint_violations.json`` names. Values that JSON cannot hold (NaN, infinities: a standard deviation
not estimated, a bias ratio with an empty group) are kept as None; the verdict is taken on the real value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from modelmonitor.constraints import attribution, model_quality
from modelmonitor.constraints.bias import NEUTRAL_VALUES, is_bias_drift
from modelmonitor.formats.clarify import AnalysisFile, BiasMetricsSection, metric_number
from modelmonitor.formats.model_quality import ModelQualityConstraintsFile, ModelQualityStatisticsFile

__all__ = [
    "ATTRIBUTION_DRIFT",
    "BIAS_DRIFT_CHECK",
    "MonitorMetric",
    "attribution_metrics",
    "bias_metrics",
    "model_quality_metrics",
]

# ``comparison`` of a bias metric: breached when farther from its neutral value than the baseline's value.
BIAS_DRIFT_CHECK = "bias_drift_check"
# ``metric`` of an attribution-drift score (the NDCG of a model output's ranking against the baseline's).
ATTRIBUTION_DRIFT = "feature_attribution_drift"


@dataclass(frozen=True)
class MonitorMetric:
    """One metric of one execution against its constraint; ``breached`` is the checker's verdict.

    - model quality: ``metric`` is the statistics key (``accuracy``, ``f1``, ``mae``, ...) with its
      ``standard_deviation``; ``threshold`` and ``comparison`` (``LessThanThreshold``, ...) are the
      baseline constraint's, both None for a metric without one;
    - bias drift: ``metric`` is Clarify's name (``DPPL``, ``DI``, ...) of the group ``facet`` =
      ``facet_value``; ``threshold`` is the baseline's value and ``comparison`` ``bias_drift_check``:
      breached when farther from ``neutral`` (1 for DI, else 0) than the threshold is;
    - attribution drift: ``metric`` is ``feature_attribution_drift``, the NDCG score of model output
      ``label`` against the baseline's attributions; ``LessThanThreshold`` 0.9 (SageMaker's fixed value).
    """

    metric: str
    value: float | None
    threshold: float | None = None
    comparison: str | None = None
    breached: bool = False
    standard_deviation: float | None = None
    facet: str | None = None
    facet_value: str | None = None
    label: str | None = None
    neutral: float | None = None

    @property
    def series(self) -> str:
        """The name of its line over time: ``accuracy``, ``Age=40 DPPL``, ``label0``."""
        if self.facet is not None:
            return f"{self.facet}={self.facet_value} {self.metric}"
        return self.label if self.label is not None else self.metric


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def model_quality_metrics(
    current: ModelQualityStatisticsFile, constraints: ModelQualityConstraintsFile | None
) -> tuple[MonitorMetric, ...]:
    """Every model metric (not the best-constant-classifier ones: they describe the data) in file order."""
    constrained = constraints.constraints if constraints is not None else {}
    breached: set[str] = set()
    if constraints is not None:
        violations = model_quality.evaluate(current, constraints).violations.violations
        breached = {v.metric_name for v in violations}
    metrics = []
    for name, metric in current.metrics.scalar_metrics().items():
        if name.endswith("_best_constant_classifier"):
            continue
        constraint = constrained.get(name)
        metrics.append(
            MonitorMetric(
                metric=name,
                value=_finite(metric.value),
                threshold=None if constraint is None else constraint.threshold,
                comparison=None if constraint is None else constraint.comparison_operator,
                breached=model_quality.metric_display_name(name) in breached,
                standard_deviation=_finite(metric.standard_deviation),
            )
        )
    return tuple(metrics)


def _baseline_values(section: BiasMetricsSection | None) -> dict[tuple[str, str, str], float | None]:
    if section is None:
        return {}
    return {
        (facet, group.value_or_threshold, metric.name): metric_number(metric)
        for facet, groups in section.facets.items()
        for group in groups
        for metric in group.metrics
    }


def bias_metrics(current: AnalysisFile, baseline: AnalysisFile | None) -> tuple[MonitorMetric, ...]:
    """Every bias metric of every facet value, post-training first (as the checker goes)."""
    metrics = []
    for stage in ("post_training_bias_metrics", "pre_training_bias_metrics"):
        section: BiasMetricsSection | None = getattr(current, stage)
        if section is None:
            continue
        thresholds = _baseline_values(getattr(baseline, stage) if baseline is not None else None)
        for facet, groups in section.facets.items():
            for group in groups:
                for metric in group.metrics:
                    value = metric_number(metric)
                    threshold = thresholds.get((facet, group.value_or_threshold, metric.name))
                    judged = value is not None and threshold is not None
                    breached = (
                        value is not None
                        and threshold is not None
                        and is_bias_drift(metric.name, value, threshold)
                    )
                    metrics.append(
                        MonitorMetric(
                            metric=metric.name,
                            value=_finite(value),
                            threshold=_finite(threshold),
                            comparison=BIAS_DRIFT_CHECK if judged else None,
                            breached=breached,
                            facet=facet,
                            facet_value=group.value_or_threshold,
                            neutral=NEUTRAL_VALUES.get(metric.name, 0.0),
                        )
                    )
    return tuple(metrics)


def attribution_metrics(current: AnalysisFile, baseline: AnalysisFile | None) -> tuple[MonitorMetric, ...]:
    """The drift score of each model output of the baseline (none without a baseline).

    ConfigurationError when the files do not match (a label of the baseline missing now).
    """
    if baseline is None:
        return ()
    report = attribution.evaluate(current, baseline)
    return tuple(
        MonitorMetric(
            metric=ATTRIBUTION_DRIFT,
            value=_finite(score.score),
            threshold=report.threshold,
            comparison="LessThanThreshold",
            breached=score.score < report.threshold,
            label=score.label,
        )
        for score in report.scores
    )
