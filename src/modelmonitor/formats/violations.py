"""``constraint_violations.json`` of data-quality executions.

Shape: docs/sagemaker.md#violations-and-the-exit-message.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from modelmonitor.formats.base import SageMakerFile, SageMakerModel

__all__ = ["ConstraintCheckType", "DataQualityViolation", "ViolationsFile"]

ConstraintCheckType = Literal[
    "data_type_check",
    "completeness_check",
    "baseline_drift_check",
    "missing_column_check",
    "extra_column_check",
    "categorical_values_check",
]


class DataQualityViolation(SageMakerModel):
    feature_name: str
    constraint_check_type: ConstraintCheckType
    description: str


class ViolationsFile(SageMakerFile):
    """A whole data-quality ``constraint_violations.json``; empty is ``{"violations": []}``."""

    violations: list[DataQualityViolation] = Field(default_factory=list)
