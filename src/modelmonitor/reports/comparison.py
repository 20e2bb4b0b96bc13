"""Baseline against current, feature by feature: the numbers an HTML report and the dashboard show.

`compare` pairs an execution's ``statistics.json`` with the baseline's statistics and constraints and
the execution's ``constraint_violations.json``. Drift distances and their thresholds are the checker's
own (``constraints.data_quality.evaluate``), so a report never disagrees with the violations a check
wrote; the violations shown are the file's, as the job wrote them. Pure: no files, no clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from modelmonitor.constraints.data_quality import DriftCheck, evaluate
from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.statistics import FeatureStatistics, InferredType, StatisticsFile
from modelmonitor.formats.violations import DataQualityViolation, ViolationsFile

__all__ = ["Comparison", "DatasetSide", "FeatureComparison", "compare"]


@dataclass(frozen=True)
class DatasetSide:
    """One feature in one data set (baseline or current), as its statistics.json tells it."""

    statistics: FeatureStatistics
    item_count: int

    @property
    def inferred_type(self) -> InferredType:
        return self.statistics.inferred_type

    @property
    def missing_share(self) -> float | None:
        """Missing values over all rows (present + missing); None for a feature with no rows."""
        common = self.statistics.common
        if common is None or common.num_present + common.num_missing == 0:
            return None
        return common.num_missing / (common.num_present + common.num_missing)

    @property
    def num_present(self) -> int | None:
        common = self.statistics.common
        return common.num_present if common is not None else None


@dataclass(frozen=True)
class FeatureComparison:
    """A feature's baseline and current sides, its drift against its threshold, and its violations."""

    name: str
    baseline: DatasetSide | None
    current: DatasetSide | None
    drift: DriftCheck | None = None
    violations: list[DataQualityViolation] = field(default_factory=list)

    @property
    def drifted(self) -> bool:
        """Whether the drift crossed its threshold (above for a distance, below for a p-value)."""
        return self.drift is not None and self.drift.drifted

    @property
    def drift_ratio(self) -> float | None:
        """How far the drift went toward its threshold: 1 at the threshold, above 1 past it.

        Distance over threshold; for a p-value, threshold over p-value (a p-value of 0 is infinitely far).
        """
        if self.drift is None:
            return None
        value, threshold = self.drift.value, self.drift.threshold
        if self.drift.method == "ChiSquared":
            return math.inf if value == 0 else threshold / value
        if threshold <= 0:
            return math.inf if value > 0 else 0.0
        return value / threshold


@dataclass(frozen=True)
class Comparison:
    """Every feature of a baseline/current pair, most drifted first, and all the violations."""

    features: list[FeatureComparison]
    violations: list[DataQualityViolation]
    baseline_item_count: int | None
    current_item_count: int

    def feature(self, name: str) -> FeatureComparison | None:
        return next((f for f in self.features if f.name == name), None)


def _sort_key(feature: FeatureComparison) -> tuple[int, float, str]:
    """Features with violations first, then by drift ratio (largest first), then by name."""
    ratio = feature.drift_ratio
    return (0 if feature.violations else 1, -(ratio if ratio is not None else -1.0), feature.name)


def compare(
    current: StatisticsFile,
    baseline: StatisticsFile | None,
    constraints: ConstraintsFile | None,
    violations: ViolationsFile | None,
) -> Comparison:
    """Pair each feature of ``current`` with the baseline's, sorted by drift (see `FeatureComparison`).

    Features only in the baseline (missing columns) or named only by a violation are kept, with the
    side they lack as None. Without constraints no drift is computed (the thresholds live there).
    """
    report = evaluate(current, baseline, constraints) if constraints is not None else None
    found = list(violations.violations) if violations is not None else []
    names = list(
        dict.fromkeys(
            [
                *(f.name for f in current.features),
                *(f.name for f in (baseline.features if baseline is not None else [])),
                *(v.feature_name for v in found),
            ]
        )
    )
    features: list[FeatureComparison] = []
    for name in names:
        current_feature = current.feature(name)
        baseline_feature = baseline.feature(name) if baseline is not None else None
        features.append(
            FeatureComparison(
                name=name,
                baseline=DatasetSide(baseline_feature, baseline.dataset.item_count)
                if baseline is not None and baseline_feature is not None
                else None,
                current=DatasetSide(current_feature, current.dataset.item_count)
                if current_feature is not None
                else None,
                drift=report.drift_checks.get(name) if report is not None else None,
                violations=[v for v in found if v.feature_name == name],
            )
        )
    return Comparison(
        features=sorted(features, key=_sort_key),
        violations=found,
        baseline_item_count=baseline.dataset.item_count if baseline is not None else None,
        current_item_count=current.dataset.item_count,
    )
