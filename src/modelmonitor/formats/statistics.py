"""``statistics.json`` of data-quality baselines and executions, SageMaker's keys exactly.

Shape: docs/sagemaker.md#statistics.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from modelmonitor.formats.base import SageMakerFile, SageMakerModel

__all__ = [
    "CategoricalBucket",
    "CategoricalDistribution",
    "CommonStatistics",
    "DatasetSummary",
    "FeatureStatistics",
    "InferredType",
    "KLLBucket",
    "KLLDistribution",
    "KLLParameters",
    "KLLSketchData",
    "NumericalDistribution",
    "NumericalStatistics",
    "StatisticsFile",
    "StringDistribution",
    "StringStatistics",
]

InferredType = Literal["Integral", "Fractional", "String", "Unknown"]


class CommonStatistics(SageMakerModel):
    num_present: int
    num_missing: int


class KLLBucket(SageMakerModel):
    lower_bound: float
    upper_bound: float
    count: float


class KLLParameters(SageMakerModel):
    c: float
    k: float


class KLLSketchData(SageMakerModel):
    parameters: KLLParameters
    data: list[list[float]]


class KLLDistribution(SageMakerModel):
    buckets: list[KLLBucket]
    sketch: KLLSketchData


class NumericalDistribution(SageMakerModel):
    kll: KLLDistribution


class NumericalStatistics(SageMakerModel):
    common: CommonStatistics
    mean: float
    sum: float
    std_dev: float
    min: float
    max: float
    distribution: NumericalDistribution | None = None


class CategoricalBucket(SageMakerModel):
    value: str
    count: int


class CategoricalDistribution(SageMakerModel):
    buckets: list[CategoricalBucket]


class StringDistribution(SageMakerModel):
    categorical: CategoricalDistribution


class StringStatistics(SageMakerModel):
    common: CommonStatistics
    distinct_count: float
    distribution: StringDistribution | None = None


class FeatureStatistics(SageMakerModel):
    name: str
    inferred_type: InferredType
    numerical_statistics: NumericalStatistics | None = None
    string_statistics: StringStatistics | None = None

    @property
    def common(self) -> CommonStatistics | None:
        section = self.numerical_statistics or self.string_statistics
        return section.common if section is not None else None


class DatasetSummary(SageMakerModel):
    item_count: int


class StatisticsFile(SageMakerFile):
    """A whole ``statistics.json``."""

    version: float = 0.0
    dataset: DatasetSummary
    features: list[FeatureStatistics] = Field(default_factory=list)

    def feature(self, name: str) -> FeatureStatistics | None:
        return next((f for f in self.features if f.name == name), None)
