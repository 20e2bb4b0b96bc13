"""Every real Clarify file (analysis_config.json, analysis.json, bias-drift violations) round-trips through
our models: as equal JSON values always, byte for byte where Clarify's ``json.dumps(indent=4)`` wrote it."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from modelmonitor.formats.base import SageMakerFile, UnknownKeyWarning
from modelmonitor.formats.clarify import (
    AnalysisConfig,
    AnalysisFile,
    BiasViolationsFile,
    metric_number,
)

pytestmark = pytest.mark.conformance

# (file, model, written by Clarify's json.dumps(indent=4), so comes back byte for byte)
CLARIFY_FILES: list[tuple[str, type[SageMakerFile], bool]] = [
    ("sdk-clarify-check-step/data_bias/good_cases/analysis.json", AnalysisFile, True),
    ("sdk-clarify-check-step/data_bias/bad_cases/analysis.json", AnalysisFile, False),  # hand-edited KS
    ("ex-mm-fairness-json/notebook-output-extracts/bias-baseline-analysis.json", AnalysisFile, True),
    ("ex-fraud-detection/clarify_output/bias_1/analysis.json", AnalysisFile, True),
    ("ex-fraud-detection/clarify_output/bias_2/analysis.json", AnalysisFile, True),
    ("ex-fraud-detection/clarify_output/explainability/analysis.json", AnalysisFile, True),
    ("sdk-model-card/clarify_bias.json", AnalysisFile, False),  # hand-written fixture
    ("sdk-model-card/clarify_explanability.json", AnalysisFile, False),
    ("ex-fraud-detection/config/analysis_config.json", AnalysisConfig, False),  # compact user file
    (
        "ex-mm-fairness-json/notebook-output-extracts/bias-constraint-violations.converted-from-pprint.json",
        BiasViolationsFile,
        False,
    ),
]


@pytest.mark.parametrize(("name", "model", "byte_exact"), CLARIFY_FILES, ids=[c[0] for c in CLARIFY_FILES])
def test_round_trip_without_loss(
    conformance_dir: Path, name: str, model: type[SageMakerFile], byte_exact: bool
) -> None:
    path = conformance_dir / name
    text = path.read_text(encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownKeyWarning)
        if "model-card/clarify_explanability" in name:  # carries text/PDP parts we keep but do not model
            warnings.simplefilter("ignore", UnknownKeyWarning)
        loaded = model.from_json_text(text, source=str(path))
    assert loaded.to_dict() == json.loads(text)
    if byte_exact:
        assert loaded.to_json_text() == text.removesuffix("\n")


def test_error_metrics_keep_their_null_value_and_message(conformance_dir: Path) -> None:
    path = conformance_dir / "ex-fraud-detection/clarify_output/bias_1/analysis.json"
    analysis = AnalysisFile.from_path(path)
    assert analysis.pre_training_bias_metrics is not None
    [facet_value] = analysis.pre_training_bias_metrics.facets["customer_gender_female"]
    cddl = next(m for m in facet_value.metrics if m.name == "CDDL")
    assert cddl.value is None
    assert metric_number(cddl) is None
    assert cddl.error == "Group variable is empty or not provided"
    assert '"value": null' in analysis.to_json_text()


def test_explanations_are_read_per_label(conformance_dir: Path) -> None:
    analysis = AnalysisFile.from_path(
        conformance_dir / "ex-fraud-detection/clarify_output/explainability/analysis.json"
    )
    assert analysis.explanations is not None
    label0 = analysis.explanations.kernel_shap["label0"]
    assert len(label0.global_shap_values) == 45
    assert label0.global_shap_values["months_as_customer"] == 0.009051137766037649
    assert label0.expected_value == 0.021365880966186523


def test_infinite_values_are_read_from_clarify_strings() -> None:
    text = json.dumps(
        {
            "version": "1.0",
            "post_training_bias_metrics": {
                "label": "y",
                "facets": {
                    "f": [
                        {
                            "value_or_threshold": "1",
                            "metrics": [
                                {"name": "TE", "description": "Treatment Equality (TE)", "value": "-Infinity"}
                            ],
                        }
                    ]
                },
                "label_value_or_threshold": "1",
            },
        }
    )
    section = AnalysisFile.from_json_text(text).post_training_bias_metrics
    assert section is not None
    assert metric_number(section.facets["f"][0].metrics[0]) == float("-inf")
