"""``DataQualityMonitoringConfig`` and ``DataQualityDistributionConstraints`` (SDK names and checks).

Only ``categorical_drift_method`` is honoured at baselining time, as in SageMaker.
"""

from __future__ import annotations

from typing import Any

from modelmonitor.errors import ConfigurationError

__all__ = ["DataQualityDistributionConstraints", "DataQualityMonitoringConfig"]

# ChiSquaredTwoSample is ours: a two-sample test whose false alarms stay near the threshold
# (docs/compatibility.md).
_METHODS = ("ChiSquared", "LInfinity", "ChiSquaredTwoSample")


class DataQualityDistributionConstraints:
    """How categorical features are compared with the baseline: ``LInfinity``, ``ChiSquared`` or
    ``ChiSquaredTwoSample``."""

    def __init__(self, categorical_drift_method: str | None = None) -> None:
        if categorical_drift_method is not None and categorical_drift_method not in _METHODS:
            raise ConfigurationError(
                f"categorical_drift_method: got {categorical_drift_method!r}, "
                f"expected one of {', '.join(_METHODS)}"
            )
        self.categorical_drift_method = categorical_drift_method

    def to_dict(self) -> dict[str, Any]:
        if self.categorical_drift_method is None:
            return {}
        return {"categorical_drift_method": self.categorical_drift_method}


class DataQualityMonitoringConfig:
    """Overrides for a data-quality baselining job (``monitoring_config_override``)."""

    def __init__(self, distribution_constraints: DataQualityDistributionConstraints | None = None) -> None:
        self.distribution_constraints = distribution_constraints

    @property
    def categorical_drift_method(self) -> str | None:
        constraints = self.distribution_constraints
        return constraints.categorical_drift_method if constraints is not None else None

    def to_dict(self) -> dict[str, Any]:
        if self.distribution_constraints is None:
            return {}
        return {"distribution_constraints": self.distribution_constraints.to_dict()}
