"""Feature-attribution drift: an execution's global SHAP values judged against the baseline analysis.json
(the explainability monitor's constraints).

Per model output (``label0``, ...) of the baseline, the drift score is the NDCG of the current feature
ranking against the baseline attributions (stats/ranking.py); below the threshold, 0.9 as SageMaker fixes
it, is a ``feature_attribution_drift_check`` violation. Wording verbatim from SageMaker's documentation,
including its "exceeds" for a score that is *below* the threshold: ``Feature attribution drift {score}
exceeds threshold {threshold}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.clarify import AnalysisFile, AttributionViolation, AttributionViolationsFile
from modelmonitor.stats.ranking import attribution_ndcg

__all__ = [
    "DRIFT_THRESHOLD",
    "AttributionDrift",
    "CheckReport",
    "attribution_drift",
    "attribution_drift_violations",
    "evaluate",
]

DRIFT_THRESHOLD = 0.9


@dataclass(frozen=True)
class AttributionDrift:
    """The NDCG drift score of one model output."""

    label: str
    score: float


def attribution_drift(baseline: AnalysisFile, current: AnalysisFile) -> list[AttributionDrift]:
    """One score per model output of the baseline, in the baseline's order."""
    if baseline.explanations is None or not baseline.explanations.kernel_shap:
        raise ConfigurationError("the baseline analysis.json has no explanations.kernel_shap")
    now = current.explanations.kernel_shap if current.explanations is not None else {}
    scores = []
    for label, explanation in baseline.explanations.kernel_shap.items():
        if label not in now:
            raise ConfigurationError(
                f"the current analysis.json has no explanations for {label!r}; it has {sorted(now)}"
            )
        scores.append(
            AttributionDrift(
                label, attribution_ndcg(explanation.global_shap_values, now[label].global_shap_values)
            )
        )
    return scores


def attribution_drift_violations(
    scores: list[AttributionDrift], threshold: float = DRIFT_THRESHOLD
) -> AttributionViolationsFile:
    """A violation for every score below ``threshold``."""
    return AttributionViolationsFile(
        violations=[
            AttributionViolation(
                label=drift.label,
                description=f"Feature attribution drift {drift.score!r} exceeds threshold {threshold!r}",
            )
            for drift in scores
            if drift.score < threshold
        ]
    )


@dataclass(frozen=True)
class CheckReport:
    """An execution's check: the drift score of each model output and the violations they make."""

    scores: tuple[AttributionDrift, ...] = ()
    threshold: float = DRIFT_THRESHOLD

    def to_violations(self) -> AttributionViolationsFile:
        return attribution_drift_violations(list(self.scores), self.threshold)


def evaluate(current: AnalysisFile, constraints: AnalysisFile) -> CheckReport:
    """The current analysis.json judged against the baseline analysis.json (the constraints)."""
    return CheckReport(tuple(attribution_drift(constraints, current)))
