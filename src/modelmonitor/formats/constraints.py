"""``constraints.json`` of data-quality baselines, SageMaker's keys exactly.

Shape: docs/sagemaker.md#constraints.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from modelmonitor.formats.base import SageMakerFile, SageMakerModel
from modelmonitor.formats.statistics import InferredType

__all__ = [
    "CategoricalDriftMethod",
    "ComparisonMethod",
    "ConstraintsFile",
    "DistributionConstraints",
    "EnabledFlag",
    "FeatureConstraints",
    "MonitoringConfig",
    "MonitoringConfigOverrides",
    "NumConstraints",
    "StringConstraints",
]

EnabledFlag = Literal["Enabled", "Disabled"]
ComparisonMethod = Literal["Simple", "Robust"]
# ChiSquaredTwoSample is ours (SageMaker knows the other two): docs/compatibility.md, "Checks".
CategoricalDriftMethod = Literal["LInfinity", "ChiSquared", "ChiSquaredTwoSample"]
# A threshold bound to fail (completeness 1.5: every column violates; NaN: no comparison is ever true) is
# refused when the file is read, naming the field, rather than silently deciding every check.
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class DistributionConstraints(SageMakerModel):
    perform_comparison: EnabledFlag | None = None
    comparison_threshold: NonNegative | None = None
    comparison_method: ComparisonMethod | None = None
    categorical_comparison_threshold: NonNegative | None = None
    categorical_drift_method: CategoricalDriftMethod | None = None


class MonitoringConfig(SageMakerModel):
    evaluate_constraints: EnabledFlag | None = None
    emit_metrics: EnabledFlag | None = None
    datatype_check_threshold: Fraction | None = None
    domain_content_threshold: Fraction | None = None
    distribution_constraints: DistributionConstraints | None = None


class MonitoringConfigOverrides(MonitoringConfig):
    """Per-feature overrides: any key of ``monitoring_config``."""


class NumConstraints(SageMakerModel):
    is_non_negative: bool | None = None
    monitoring_config_overrides: MonitoringConfigOverrides | None = None


class StringConstraints(SageMakerModel):
    domains: list[str] | None = None
    monitoring_config_overrides: MonitoringConfigOverrides | None = None


class FeatureConstraints(SageMakerModel):
    name: str
    inferred_type: InferredType
    completeness: Fraction | None = None
    num_constraints: NumConstraints | None = None
    string_constraints: StringConstraints | None = None
    monitoringConfigOverrides: MonitoringConfigOverrides | None = None

    def overrides(self) -> MonitoringConfigOverrides | None:
        """The per-feature overrides wherever the file puts them (SDK and docs disagree on the place)."""
        for section in (self.num_constraints, self.string_constraints):
            if section is not None and section.monitoring_config_overrides is not None:
                return section.monitoring_config_overrides
        return self.monitoringConfigOverrides


class ConstraintsFile(SageMakerFile):
    """A whole data-quality ``constraints.json``."""

    version: float = 0.0
    features: list[FeatureConstraints] = Field(default_factory=list)
    monitoring_config: MonitoringConfig | None = None

    def feature(self, name: str) -> FeatureConstraints | None:
        return next((f for f in self.features if f.name == name), None)
