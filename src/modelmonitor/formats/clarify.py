"""Clarify's files: ``analysis_config.json`` (what to compute), ``analysis.json`` (bias metrics and SHAP
explanations) and the bias-drift / attribution-drift ``constraint_violations.json``.

Shapes: docs/clarify.md. Clarify's container is Python: it writes ``json.dumps(..., indent=4)`` (no final
newline), not the Jackson layout of the data-quality analyzer, so these files are written the same way and
the real ones come back byte for byte. A metric Clarify could not compute carries ``"value": null`` and an
``error`` string; an infinite value is the string ``"Infinity"`` / ``"-Infinity"``.
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal

from pydantic import Field

from modelmonitor.formats.base import SageMakerFile, SageMakerModel

__all__ = [
    "AGG_METHODS",
    "ANALYSIS_CONFIG_FILE",
    "ANALYSIS_FILE",
    "AggMethod",
    "AnalysisConfig",
    "AnalysisFile",
    "AttributionViolation",
    "AttributionViolationsFile",
    "BiasMethods",
    "BiasMetricsSection",
    "BiasViolation",
    "BiasViolationsFile",
    "ClarifyFile",
    "FacetConfig",
    "FacetMetrics",
    "KernelShapExplanations",
    "LabelExplanation",
    "MethodsConfig",
    "MetricValue",
    "PredictorConfig",
    "ReportConfig",
    "ShapConfig",
    "metric_number",
    "metric_value",
]

Scalar = bool | int | float | str
# The file names Clarify reads and writes.
ANALYSIS_CONFIG_FILE = "analysis_config.json"
ANALYSIS_FILE = "analysis.json"
AggMethod = Literal["mean_abs", "median", "mean_sq"]
AGG_METHODS: tuple[AggMethod, ...] = ("mean_abs", "median", "mean_sq")


class ClarifyFile(SageMakerFile):
    """A file Clarify writes from Python: ``json.dumps(indent=4)``."""

    def to_json_text(self) -> str:
        return json.dumps(self.to_dict(), indent=4)


# --- analysis_config.json -------------------------------------------------------------------------


class FacetConfig(SageMakerModel):
    """One sensitive attribute: a column name (or index) and the values (or one exclusive lower bound)
    that make its sensitive group; no values means one group per distinct value."""

    name_or_index: str | int
    value_or_threshold: list[Scalar] | Scalar | None = None  # the SDK passes a lone value through as is


class BiasMethods(SageMakerModel):
    methods: Literal["all"] | list[str] = "all"


class ShapConfig(SageMakerModel):
    """``methods.shap``: Kernel SHAP settings."""

    baseline: str | list[list[Any]] | dict[str, Any] | None = None
    num_samples: int | None = None
    agg_method: AggMethod | None = None
    use_logit: bool | None = None
    save_local_shap_values: bool | None = None
    seed: int | None = None
    num_clusters: int | None = None
    features_to_explain: list[str | int] | None = None


class ReportConfig(SageMakerModel):
    name: str = "report"
    title: str = "Analysis Report"


class MethodsConfig(SageMakerModel):
    shap: ShapConfig | None = None
    pre_training_bias: BiasMethods | None = None
    post_training_bias: BiasMethods | None = None
    report: ReportConfig | None = None


class PredictorConfig(SageMakerModel):
    """``predictor``: how Clarify reaches the model (a shadow endpoint or an existing one)."""

    endpoint_name: str | None = None
    endpoint_name_prefix: str | None = None
    model_name: str | None = None
    target_model: str | None = None
    instance_type: str | None = None
    initial_instance_count: int | None = None
    accelerator_type: str | None = None
    content_type: str | None = None
    accept_type: str | None = None
    content_template: str | None = None
    record_template: str | None = None
    custom_attributes: str | None = None
    label: str | int | None = None
    probability: str | int | None = None
    label_headers: list[str] | None = None
    # Ours (not SageMaker's): the URL the explainability monitor calls the model at. The model server's
    # own, not the capture proxy's, so SHAP's synthetic rows are never captured.
    endpoint_url: str | None = None


class AnalysisConfig(ClarifyFile):
    """``analysis_config.json``: Clarify's job configuration (bias and explainability monitors read it)."""

    version: str | None = None
    dataset_type: str | None = None
    dataset_uri: str | None = None
    headers: list[str] | None = None
    label: str | int | None = None
    predicted_label: str | int | None = None
    features: str | None = None
    label_values_or_threshold: list[Scalar] | None = None
    probability_threshold: float | None = None
    facet: list[FacetConfig] | None = None
    group_variable: str | int | None = None
    excluded_columns: list[str] | list[int] | None = None
    joinsource_name_or_index: str | int | None = None
    facet_dataset_uri: str | None = None
    facet_headers: list[str] | None = None
    predicted_label_dataset_uri: str | None = None
    predicted_label_headers: list[str] | None = None
    methods: MethodsConfig | None = None
    predictor: PredictorConfig | None = None


# --- analysis.json --------------------------------------------------------------------------------


class MetricValue(SageMakerModel):
    """One bias metric of one facet value. ``value`` is null (with ``error``) when it cannot be computed."""

    name: str
    description: str
    value: float | int | str | None = None
    error: str | None = None


class FacetMetrics(SageMakerModel):
    value_or_threshold: str
    metrics: list[MetricValue]


class BiasMetricsSection(SageMakerModel):
    """``pre_training_bias_metrics`` / ``post_training_bias_metrics``: facet -> one entry per facet value."""

    label: str
    facets: dict[str, list[FacetMetrics]]
    label_value_or_threshold: str


class LabelExplanation(SageMakerModel):
    """Global SHAP values of one model output (``label0``, ... or a name from ``label_headers``)."""

    global_shap_values: dict[str, float]
    expected_value: float | None = None


class KernelShapExplanations(SageMakerModel):
    kernel_shap: dict[str, LabelExplanation] = Field(default_factory=dict)


class AnalysisFile(ClarifyFile):
    """``analysis.json``: bias metrics (a bias baseline is also the bias monitor's constraints) and/or
    SHAP explanations (an explainability baseline is the attribution monitor's constraints)."""

    version: str | None = "1.0"
    post_training_bias_metrics: BiasMetricsSection | None = None
    pre_training_bias_metrics: BiasMetricsSection | None = None
    explanations: KernelShapExplanations | None = None


def metric_value(value: float) -> float | str:
    """A float as Clarify writes it in ``analysis.json``: infinities as the strings it uses."""
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def metric_number(metric: MetricValue) -> float | None:
    """The value of a metric as a float (``"Infinity"`` strings included); None when it has none."""
    value = metric.value
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return float(value)


# --- constraint_violations.json of the bias and attribution monitors ----------------------------------


class BiasViolation(SageMakerModel):
    facet: str
    facet_value: str
    metric_name: str
    constraint_check_type: Literal["bias_drift_check"] = "bias_drift_check"
    description: str


class BiasViolationsFile(ClarifyFile):
    version: str = "1.0"
    violations: list[BiasViolation] = Field(default_factory=list)


class AttributionViolation(SageMakerModel):
    label: str
    metric_name: str = "shap"
    constraint_check_type: Literal["feature_attribution_drift_check"] = "feature_attribution_drift_check"
    description: str


class AttributionViolationsFile(ClarifyFile):
    version: str = "1.0"
    violations: list[AttributionViolation] = Field(default_factory=list)
