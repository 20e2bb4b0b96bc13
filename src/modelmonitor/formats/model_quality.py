"""Model-quality ``statistics.json``, ``constraints.json``, ``constraint_violations.json``: SageMaker's keys.

Exactly one metrics section per statistics file (``binary_classification_metrics``,
``multiclass_classification_metrics`` or ``regression_metrics``) and one matching constraints section.
Every scalar metric is ``{"value": v, "standard_deviation": sd}``; ``sd`` is written as ``"NaN"`` when
it was not estimated (fewer than 200 rows). The confusion matrix is keyed actual label -> predicted
label -> count. Fields are declared in the order SageMaker writes them, so files come back byte for byte.
Shapes: docs/model-quality.md#files.
"""

from __future__ import annotations

from typing import Literal, Self, get_args

from pydantic import Field, model_validator

from modelmonitor.formats.base import SageMakerFile, SageMakerModel

__all__ = [
    "PROBLEM_TYPES",
    "BinaryClassificationMetrics",
    "ComparisonOperator",
    "ConfusionMatrix",
    "MetricConstraint",
    "MetricValue",
    "ModelQualityConstraintsFile",
    "ModelQualityDataset",
    "ModelQualityStatisticsFile",
    "ModelQualityViolation",
    "ModelQualityViolationsFile",
    "MulticlassClassificationMetrics",
    "PrecisionRecallCurve",
    "ProblemType",
    "ReceiverOperatingCharacteristicCurve",
    "RegressionMetrics",
]

ProblemType = Literal["BinaryClassification", "MulticlassClassification", "Regression"]
PROBLEM_TYPES: tuple[ProblemType, ...] = get_args(ProblemType)
ComparisonOperator = Literal[
    "LessThanThreshold",
    "GreaterThanThreshold",
    "LessThanOrEqualToThreshold",
    "GreaterThanOrEqualToThreshold",
]
# actual label -> predicted label -> count
ConfusionMatrix = dict[str, dict[str, int]]


class MetricValue(SageMakerModel):
    value: float
    standard_deviation: float


class ReceiverOperatingCharacteristicCurve(SageMakerModel):
    false_positive_rates: list[float]
    true_positive_rates: list[float]


class PrecisionRecallCurve(SageMakerModel):
    precisions: list[float]
    recalls: list[float]


class _MetricsSection(SageMakerModel):
    def scalar_metrics(self) -> dict[str, MetricValue]:
        """Every ``{value, standard_deviation}`` metric by its key, in file order."""
        found = {name: getattr(self, name) for name in type(self).model_fields}
        return {name: value for name, value in found.items() if isinstance(value, MetricValue)}


class BinaryClassificationMetrics(_MetricsSection):
    confusion_matrix: ConfusionMatrix
    recall: MetricValue
    precision: MetricValue
    accuracy: MetricValue
    recall_best_constant_classifier: MetricValue
    precision_best_constant_classifier: MetricValue
    accuracy_best_constant_classifier: MetricValue
    true_positive_rate: MetricValue
    true_negative_rate: MetricValue
    false_positive_rate: MetricValue
    false_negative_rate: MetricValue
    receiver_operating_characteristic_curve: ReceiverOperatingCharacteristicCurve
    precision_recall_curve: PrecisionRecallCurve
    auc: MetricValue
    f0_5: MetricValue
    f1: MetricValue
    f2: MetricValue
    f0_5_best_constant_classifier: MetricValue
    f1_best_constant_classifier: MetricValue
    f2_best_constant_classifier: MetricValue


class MulticlassClassificationMetrics(_MetricsSection):
    confusion_matrix: ConfusionMatrix
    accuracy: MetricValue
    weighted_recall: MetricValue
    weighted_precision: MetricValue
    weighted_f0_5: MetricValue
    weighted_f1: MetricValue
    weighted_f2: MetricValue
    accuracy_best_constant_classifier: MetricValue
    weighted_recall_best_constant_classifier: MetricValue
    weighted_precision_best_constant_classifier: MetricValue
    weighted_f0_5_best_constant_classifier: MetricValue
    weighted_f1_best_constant_classifier: MetricValue
    weighted_f2_best_constant_classifier: MetricValue


class RegressionMetrics(_MetricsSection):
    mae: MetricValue
    mse: MetricValue
    rmse: MetricValue
    r2: MetricValue


MetricsSection = BinaryClassificationMetrics | MulticlassClassificationMetrics | RegressionMetrics


class ModelQualityDataset(SageMakerModel):
    item_count: int
    # ISO-8601 UTC with milliseconds ("2023-03-30T21:08:34.729Z"), as newer analyzers write it.
    evaluation_time: str | None = None


def _exactly_one(sections: dict[str, object | None], what: str) -> str:
    present = [key for key, section in sections.items() if section is not None]
    if len(present) != 1:
        raise ValueError(
            f"expected exactly one of {', '.join(sections)} in a model-quality {what}, got {present}"
        )
    return present[0]


_PROBLEM_TYPES: dict[str, ProblemType] = {
    "binary_classification": "BinaryClassification",
    "multiclass_classification": "MulticlassClassification",
    "regression": "Regression",
}


class ModelQualityStatisticsFile(SageMakerFile):
    """A whole model-quality ``statistics.json``."""

    version: float = 0.0
    dataset: ModelQualityDataset
    binary_classification_metrics: BinaryClassificationMetrics | None = None
    multiclass_classification_metrics: MulticlassClassificationMetrics | None = None
    regression_metrics: RegressionMetrics | None = None

    @model_validator(mode="after")
    def _one_section(self) -> Self:
        _exactly_one(
            {f"{prefix}_metrics": getattr(self, f"{prefix}_metrics") for prefix in _PROBLEM_TYPES}, "file"
        )
        return self

    @property
    def problem_type(self) -> ProblemType:
        key = _exactly_one({prefix: getattr(self, f"{prefix}_metrics") for prefix in _PROBLEM_TYPES}, "file")
        return _PROBLEM_TYPES[key]

    @property
    def metrics(self) -> MetricsSection:
        section: MetricsSection | None = (
            self.binary_classification_metrics
            or self.multiclass_classification_metrics
            or self.regression_metrics
        )
        assert section is not None  # the validator guarantees one
        return section


class MetricConstraint(SageMakerModel):
    threshold: float
    comparison_operator: ComparisonOperator


class ModelQualityConstraintsFile(SageMakerFile):
    """A whole model-quality ``constraints.json``: metric name -> threshold and comparison operator."""

    version: float = 0.0
    binary_classification_constraints: dict[str, MetricConstraint] | None = None
    multiclass_classification_constraints: dict[str, MetricConstraint] | None = None
    regression_constraints: dict[str, MetricConstraint] | None = None

    @model_validator(mode="after")
    def _one_section(self) -> Self:
        _exactly_one(
            {f"{prefix}_constraints": getattr(self, f"{prefix}_constraints") for prefix in _PROBLEM_TYPES},
            "file",
        )
        return self

    @property
    def problem_type(self) -> ProblemType:
        key = _exactly_one(
            {prefix: getattr(self, f"{prefix}_constraints") for prefix in _PROBLEM_TYPES}, "file"
        )
        return _PROBLEM_TYPES[key]

    @property
    def constraints(self) -> dict[str, MetricConstraint]:
        section = (
            self.binary_classification_constraints
            or self.multiclass_classification_constraints
            or self.regression_constraints
        )
        return section if section is not None else {}

    @classmethod
    def for_problem(cls, problem_type: ProblemType, constraints: dict[str, MetricConstraint]) -> Self:
        prefix = next(key for key, value in _PROBLEM_TYPES.items() if value == problem_type)
        return cls.model_validate({f"{prefix}_constraints": constraints})


class ModelQualityViolation(SageMakerModel):
    # SageMaker names the metric in camelCase here ("truePositiveRate"), unlike the statistics keys.
    metric_name: str
    constraint_check_type: ComparisonOperator
    description: str


class ModelQualityViolationsFile(SageMakerFile):
    """A whole model-quality ``constraint_violations.json``; empty is ``{"violations": []}``."""

    violations: list[ModelQualityViolation] = Field(default_factory=list)
