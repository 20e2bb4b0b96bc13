"""Feature-attribution drift checks against a real Clarify explainability analysis.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelmonitor.constraints.attribution import attribution_drift, attribution_drift_violations, evaluate
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.clarify import AnalysisFile, KernelShapExplanations, LabelExplanation

EXPLAINABILITY = "ex-fraud-detection/clarify_output/explainability/analysis.json"


def _with_values(values: dict[str, float], label: str = "label0") -> AnalysisFile:
    explanation = LabelExplanation(global_shap_values=values, expected_value=0.0)
    return AnalysisFile(explanations=KernelShapExplanations(kernel_shap={label: explanation}))


def test_unchanged_attributions_do_not_violate(conformance_dir: Path) -> None:
    baseline = AnalysisFile.from_path(conformance_dir / EXPLAINABILITY)
    [drift] = attribution_drift(baseline, baseline)
    assert drift.label == "label0"
    assert drift.score == pytest.approx(1.0)
    assert attribution_drift_violations([drift]).violations == []


def test_reversed_ranking_violates_with_sagemaker_wording(conformance_dir: Path) -> None:
    baseline = AnalysisFile.from_path(conformance_dir / EXPLAINABILITY)
    assert baseline.explanations is not None
    values = baseline.explanations.kernel_shap["label0"].global_shap_values
    reversed_values = {name: 1.0 / value for name, value in values.items()}  # most important now least
    [drift] = attribution_drift(baseline, _with_values(reversed_values))
    assert drift.score < 0.9
    violations = attribution_drift_violations([drift])
    [violation] = violations.to_dict()["violations"]
    assert violation == {
        "label": "label0",
        "metric_name": "shap",
        "constraint_check_type": "feature_attribution_drift_check",
        "description": f"Feature attribution drift {drift.score!r} exceeds threshold 0.9",
    }
    assert violations.to_dict()["version"] == "1.0"


def test_threshold_is_strict_and_configurable() -> None:
    baseline = _with_values({"SAT": 0.70, "GPA": 0.50, "Rank": 0.05})
    [drift] = attribution_drift(baseline, _with_values({"SAT": 0.1, "GPA": 0.5, "Rank": 0.9}))
    assert len(attribution_drift_violations([drift]).violations) == 1
    assert attribution_drift_violations([drift], threshold=drift.score).violations == []


def test_missing_label_or_explanations_is_a_clear_error() -> None:
    baseline = _with_values({"a": 1.0, "b": 0.5})
    with pytest.raises(ConfigurationError, match="no explanations for 'label0'; it has \\['label1'\\]"):
        attribution_drift(baseline, _with_values({"a": 1.0, "b": 0.5}, label="label1"))
    with pytest.raises(ConfigurationError, match=r"baseline analysis\.json has no explanations"):
        attribution_drift(AnalysisFile(), baseline)


def test_evaluate_reports_every_label_score_and_the_violations_of_those_below_the_threshold() -> None:
    baseline = AnalysisFile(
        explanations=KernelShapExplanations(
            kernel_shap={
                "yes": LabelExplanation(global_shap_values={"SAT": 0.70, "GPA": 0.50, "Rank": 0.05}),
                "no": LabelExplanation(global_shap_values={"SAT": 0.70, "GPA": 0.50, "Rank": 0.05}),
            }
        )
    )
    current = AnalysisFile(
        explanations=KernelShapExplanations(
            kernel_shap={
                "yes": LabelExplanation(global_shap_values={"SAT": 0.01, "GPA": 0.2, "Rank": 0.3}),
                "no": LabelExplanation(global_shap_values={"SAT": 0.9, "GPA": 0.3, "Rank": 0.1}),
            }
        )
    )
    report = evaluate(current, baseline)
    assert [(s.label, round(s.score, 4)) for s in report.scores] == [("yes", 0.6876), ("no", 1.0)]
    [violation] = report.to_violations().violations
    assert violation.label == "yes"
    assert violation.description.startswith("Feature attribution drift 0.687")
