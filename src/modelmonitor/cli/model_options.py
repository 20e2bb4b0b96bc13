"""The model-quality, bias and explainability options ``baseline`` and ``schedule create`` share.

Declared once so both commands take the same flag with the same help; the help names which monitoring
types read each option.
"""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = [
    "AnalysisConfigOption",
    "InferenceAttributeOption",
    "ProbabilityAttributeOption",
    "ProbabilityThresholdOption",
    "ProblemTypeOption",
]

ProblemTypeOption = Annotated[
    str | None,
    typer.Option(
        "--problem-type",
        help="ModelQuality: BinaryClassification, MulticlassClassification or Regression.",
    ),
]
InferenceAttributeOption = Annotated[
    str | None,
    typer.Option(
        "--inference-attribute",
        help="ModelQuality (and a ModelBias schedule): the prediction, a CSV column or a JMESPath.",
    ),
]
ProbabilityAttributeOption = Annotated[
    str | None,
    typer.Option(
        "--probability-attribute",
        help="ModelQuality (and a ModelBias schedule): the probability, a CSV column or a JMESPath.",
    ),
]
ProbabilityThresholdOption = Annotated[
    float | None,
    typer.Option(
        "--probability-threshold",
        help="ModelQuality: a probability >= this predicts 1; a ModelBias schedule: a score above it "
        "is the positive label (default 0.5).",
    ),
]
AnalysisConfigOption = Annotated[
    str | None,
    typer.Option(
        "--analysis-config",
        help="ModelBias, ModelExplainability: the Clarify analysis_config.json (ConfigUri): label, "
        "facet, headers, predicted_label; explainability's methods.shap and predictor.",
    ),
]
