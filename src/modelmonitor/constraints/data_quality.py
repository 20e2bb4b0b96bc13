"""Data-quality constraints: ``suggest`` them from baseline statistics, ``check`` current data against them.

SageMaker's files and checks: docs/sagemaker.md#constraints. API for jobs::

    constraints = suggest(baseline_statistics)                       # ConstraintsFile
    violations = check(current, baseline_statistics, constraints)    # ViolationsFile
    report = evaluate(current, baseline_statistics, constraints)     # the same, plus per-feature numbers

``current`` is either a ``StatisticsFile`` or anything with ``to_statistics()`` and ``type_counts``
(the analyzer's ``DataQualityProfile``); the per-type counts make the data-type check exact, while a
bare statistics file only tells whether the current type matches (100 % or 0 %). ``baseline_statistics``
may be ``None``: drift checks are then skipped. Pure: no files, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from modelmonitor.formats.constraints import (
    CategoricalDriftMethod,
    ConstraintsFile,
    DistributionConstraints,
    FeatureConstraints,
    MonitoringConfig,
    NumConstraints,
    StringConstraints,
)
from modelmonitor.formats.jackson import java_double
from modelmonitor.formats.statistics import FeatureStatistics, InferredType, StatisticsFile
from modelmonitor.formats.violations import ConstraintCheckType, DataQualityViolation, ViolationsFile
from modelmonitor.stats.distance import (
    categorical_linf_distance,
    chi_squared_p_value,
    chi_squared_two_sample_p_value,
    numerical_linf_distance,
)
from modelmonitor.stats.kll import KLLSketch
from modelmonitor.stats.types import TypeCounts, match_fraction

__all__ = [
    "CheckReport",
    "DriftCheck",
    "ProfiledData",
    "check",
    "evaluate",
    "suggest",
]

DEFAULT_COMPARISON_THRESHOLD = 0.1
DEFAULT_TYPE_THRESHOLD = 1.0
DEFAULT_DOMAIN_THRESHOLD = 1.0
# Deequ's profiler keeps a histogram only below this many distinct values (lowCardinalityHistogramThreshold)
DOMAIN_MAX_DISTINCT = 120
# Deequ's CategoricalRangeRule: at most this share of the values may be seen only once.
DOMAIN_MAX_UNIQUE_RATIO = 0.1


@runtime_checkable
class ProfiledData(Protocol):
    """What the checker needs from a profile: its statistics and Deequ's per-type value counts."""

    def to_statistics(self) -> StatisticsFile: ...

    @property
    def type_counts(self) -> Mapping[str, TypeCounts]: ...


def _percent(fraction: float) -> str:
    return java_double(fraction * 100.0).strip('"')


def _number(value: float) -> str:
    return java_double(value).strip('"')


# suggest ---------------------------------------------------------------------------------------


def _domains(feature: FeatureStatistics) -> list[str] | None:
    stats = feature.string_statistics
    if stats is None or stats.distribution is None:
        return None
    buckets = stats.distribution.categorical.buckets
    if not buckets or stats.distinct_count > DOMAIN_MAX_DISTINCT or len(buckets) < stats.distinct_count:
        return None
    seen_once = sum(1 for bucket in buckets if bucket.count == 1)
    if seen_once / len(buckets) > DOMAIN_MAX_UNIQUE_RATIO:
        return None
    ranked = sorted(buckets, key=lambda bucket: (-bucket.count, bucket.value))
    return [bucket.value for bucket in ranked]


def _suggest_feature(feature: FeatureStatistics, item_count: int) -> FeatureConstraints:
    common = feature.common
    completeness = common.num_present / item_count if common is not None and item_count else 0.0
    constraints = FeatureConstraints(
        name=feature.name, inferred_type=feature.inferred_type, completeness=completeness
    )
    numbers = feature.numerical_statistics
    if numbers is not None:
        non_negative = not (numbers.min < 0) if not math.isnan(numbers.min) else True
        constraints.num_constraints = NumConstraints(is_non_negative=non_negative)
    domains = _domains(feature)
    if domains is not None:
        constraints.string_constraints = StringConstraints(domains=domains)
    return constraints


def suggest(
    statistics: StatisticsFile, categorical_drift_method: CategoricalDriftMethod | None = None
) -> ConstraintsFile:
    """Constraints the way SageMaker's analyzer suggests them, with its defaults.

    Its defaults: docs/sagemaker.md#suggested-constraints.

    The categorical keys of ``distribution_constraints`` are written when the data has String features
    or a method is given (real files of all-numeric data leave them out).
    """
    features = [_suggest_feature(f, statistics.dataset.item_count) for f in statistics.features]
    distribution = DistributionConstraints(
        perform_comparison="Enabled",
        comparison_threshold=DEFAULT_COMPARISON_THRESHOLD,
        comparison_method="Robust",
    )
    if categorical_drift_method is not None or any(f.inferred_type == "String" for f in features):
        distribution.categorical_comparison_threshold = DEFAULT_COMPARISON_THRESHOLD
        distribution.categorical_drift_method = categorical_drift_method or "LInfinity"
    config = MonitoringConfig(
        evaluate_constraints="Enabled",
        emit_metrics="Enabled",
        datatype_check_threshold=DEFAULT_TYPE_THRESHOLD,
        domain_content_threshold=DEFAULT_DOMAIN_THRESHOLD,
        distribution_constraints=distribution,
    )
    return ConstraintsFile(features=features, monitoring_config=config)


# check -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Settings:
    """The monitoring config in force for one feature (global, then the feature's overrides)."""

    evaluate: bool
    type_threshold: float
    domain_threshold: float
    compare: bool
    threshold: float
    robust: bool
    categorical_threshold: float
    categorical_method: CategoricalDriftMethod

    @classmethod
    def of(cls, config: MonitoringConfig | None, feature: FeatureConstraints) -> _Settings:
        layers = [c for c in (config, feature.overrides()) if c is not None]

        def pick(name: str, default: object) -> object:
            value = default
            for layer in layers:
                found = getattr(layer, name)
                value = found if found is not None else value
            return value

        def pick_distribution(name: str, default: object) -> object:
            value = default
            for layer in layers:
                section = layer.distribution_constraints
                found = getattr(section, name) if section is not None else None
                value = found if found is not None else value
            return value

        threshold = float(str(pick_distribution("comparison_threshold", DEFAULT_COMPARISON_THRESHOLD)))
        return cls(
            evaluate=pick("evaluate_constraints", "Enabled") == "Enabled",
            type_threshold=float(str(pick("datatype_check_threshold", DEFAULT_TYPE_THRESHOLD))),
            domain_threshold=float(str(pick("domain_content_threshold", DEFAULT_DOMAIN_THRESHOLD))),
            compare=pick_distribution("perform_comparison", "Enabled") == "Enabled",
            threshold=threshold,
            robust=pick_distribution("comparison_method", "Robust") == "Robust",
            categorical_threshold=float(
                str(pick_distribution("categorical_comparison_threshold", threshold))
            ),
            categorical_method=_drift_method(pick_distribution("categorical_drift_method", "LInfinity")),
        )


def _drift_method(value: object) -> CategoricalDriftMethod:
    if value == "ChiSquared":
        return "ChiSquared"
    if value == "ChiSquaredTwoSample":
        return "ChiSquaredTwoSample"
    return "LInfinity"


@dataclass(frozen=True)
class DriftCheck:
    """One feature's drift check: the measured value against its threshold.

    ``LInfinity``: ``value`` is a distance, drifted above ``threshold``; ``ChiSquared``: a p-value
    (of either chi-squared test, ``ChiSquared`` or ``ChiSquaredTwoSample``), drifted below it.
    """

    value: float
    threshold: float
    method: CategoricalDriftMethod

    @property
    def drifted(self) -> bool:
        return self.value < self.threshold if self.method == "ChiSquared" else self.value > self.threshold


@dataclass
class CheckReport:
    """Violations plus the per-feature numbers behind them (for metrics and reports)."""

    violations: list[DataQualityViolation] = field(default_factory=list)
    completeness: dict[str, float] = field(default_factory=dict)
    baseline_drift: dict[str, float] = field(default_factory=dict)
    # The same drift values with the threshold each was held against (for drift over time).
    drift_checks: dict[str, DriftCheck] = field(default_factory=dict)

    def add(self, feature: str, check_type: ConstraintCheckType, description: str) -> None:
        self.violations.append(
            DataQualityViolation(
                feature_name=feature, constraint_check_type=check_type, description=description
            )
        )

    def to_violations(self) -> ViolationsFile:
        return ViolationsFile(violations=list(self.violations))


def _observed_type_match(
    expected: InferredType, current: FeatureStatistics, counts: TypeCounts | None
) -> float | None:
    if counts is not None:
        return match_fraction(counts, expected)
    if expected == "Unknown" or current.inferred_type == "Unknown":
        return None
    accepted = {"Integral": ("Integral",), "Fractional": ("Integral", "Fractional"), "String": ("String",)}
    return 1.0 if current.inferred_type in accepted[expected] else 0.0


def _sketch(feature: FeatureStatistics | None) -> KLLSketch | None:
    stats = feature.numerical_statistics if feature is not None else None
    if stats is None or stats.distribution is None:
        return None
    sketch = stats.distribution.kll.sketch
    built = KLLSketch.from_compactor_items(sketch.data, sketch.parameters.k, sketch.parameters.c)
    return built if built.count > 0 else None


def _value_counts(feature: FeatureStatistics | None) -> dict[str, float] | None:
    stats = feature.string_statistics if feature is not None else None
    if stats is None or stats.distribution is None:
        return None
    return {bucket.value: float(bucket.count) for bucket in stats.distribution.categorical.buckets}


def _check_drift(
    report: CheckReport,
    rule: FeatureConstraints,
    settings: _Settings,
    baseline: FeatureStatistics | None,
    current: FeatureStatistics,
) -> None:
    if baseline is None or not settings.compare:
        return
    name = rule.name
    base_sketch, current_sketch = _sketch(baseline), _sketch(current)
    if base_sketch is not None and current_sketch is not None:
        distance = numerical_linf_distance(base_sketch, current_sketch, settings.robust)
        _record_distance(report, name, distance, settings.threshold)
        return
    base_counts, current_counts = _value_counts(baseline), _value_counts(current)
    if not base_counts or not current_counts:
        return
    if settings.categorical_method != "LInfinity":
        # ChiSquared is SageMaker's (Deequ's) goodness of fit, the baseline's shares taken as exact;
        # ChiSquaredTwoSample tests both as samples, so its false alarms stay near the threshold.
        two_sample = settings.categorical_method == "ChiSquaredTwoSample"
        test = chi_squared_two_sample_p_value if two_sample else chi_squared_p_value
        p_value = test(base_counts, current_counts)
        if math.isnan(p_value):
            return
        report.baseline_drift[name] = p_value
        report.drift_checks[name] = DriftCheck(p_value, settings.categorical_threshold, "ChiSquared")
        if p_value < settings.categorical_threshold:
            report.add(
                name,
                "baseline_drift_check",
                f"Baseline drift {'two-sample ' if two_sample else ''}chi-squared test p-value: "
                f"{_number(p_value)} is below threshold: {_number(settings.categorical_threshold)}",
            )
        return
    distance = categorical_linf_distance(base_counts, current_counts, settings.robust)
    _record_distance(report, name, distance, settings.categorical_threshold)


def _record_distance(report: CheckReport, name: str, distance: float, threshold: float) -> None:
    """An L-infinity drift distance, and SageMaker's violation when it is above the threshold."""
    report.baseline_drift[name] = distance
    report.drift_checks[name] = DriftCheck(distance, threshold, "LInfinity")
    if distance > threshold:
        report.add(
            name,
            "baseline_drift_check",
            f"Baseline drift distance: {_number(distance)} exceeds threshold: {_number(threshold)}",
        )


def _check_domain(
    report: CheckReport, rule: FeatureConstraints, settings: _Settings, current: FeatureStatistics
) -> None:
    domains = rule.string_constraints.domains if rule.string_constraints is not None else None
    counts = _value_counts(current)
    if not domains or not counts:
        return
    allowed = set(domains)
    total = sum(counts.values())
    inside = sum(count for value, count in counts.items() if value in allowed)
    fraction = inside / total
    if fraction < settings.domain_threshold:
        report.add(
            rule.name,
            "categorical_values_check",
            f"Data domain requirement is not met. Expected match: {_percent(settings.domain_threshold)}%. "
            f"Observed: Only {_percent(fraction)}% of data is within the baseline domain.",
        )


def _check_feature(
    report: CheckReport,
    rule: FeatureConstraints,
    settings: _Settings,
    current: FeatureStatistics,
    item_count: int,
    counts: TypeCounts | None,
    baseline: FeatureStatistics | None,
) -> None:
    expected = rule.inferred_type
    match = _observed_type_match(expected, current, counts)
    if match is not None and match < settings.type_threshold:
        report.add(
            rule.name,
            "data_type_check",
            f"Data type match requirement is not met. Expected data type: {expected}, "
            f"Expected match: {_percent(settings.type_threshold)}%. "
            f"Observed: Only {_percent(match)}% of data is {expected}.",
        )
    common = current.common
    if common is not None and item_count > 0:
        completeness = common.num_present / item_count
        report.completeness[rule.name] = completeness
        if rule.completeness is not None and completeness < rule.completeness:
            report.add(
                rule.name,
                "completeness_check",
                f"Data completeness requirement is not met. Expected completeness: "
                f"{_percent(rule.completeness)}%. "
                f"Observed: Only {_percent(completeness)}% of data is present.",
            )
    _check_drift(report, rule, settings, baseline, current)
    _check_domain(report, rule, settings, current)


def evaluate(
    current: StatisticsFile | ProfiledData,
    baseline_statistics: StatisticsFile | None,
    constraints: ConstraintsFile,
) -> CheckReport:
    """Run the six data-quality checks and collect violations and numbers.

    The checks: docs/sagemaker.md#how-each-check-is-computed.
    """
    type_counts: Mapping[str, TypeCounts] | None = None
    if isinstance(current, StatisticsFile):
        statistics = current
    else:
        statistics = current.to_statistics()
        type_counts = current.type_counts
    report = CheckReport()
    config = constraints.monitoring_config
    if config is not None and config.evaluate_constraints == "Disabled":
        return report
    current_by_name = {feature.name: feature for feature in statistics.features}
    expected_names = [rule.name for rule in constraints.features]
    for rule in constraints.features:
        feature = current_by_name.get(rule.name)
        settings = _Settings.of(config, rule)
        if feature is None or not settings.evaluate:
            continue
        baseline = baseline_statistics.feature(rule.name) if baseline_statistics is not None else None
        counts = type_counts.get(rule.name) if type_counts is not None else None
        _check_feature(report, rule, settings, feature, statistics.dataset.item_count, counts, baseline)
    current_count, baseline_count = len(statistics.features), len(expected_names)
    sizes = f"current dataset has {current_count} columns, the baseline constraints have {baseline_count}"
    missing = [name for name in expected_names if name not in current_by_name]
    extra = [name for name in current_by_name if name not in set(expected_names)]
    check: Literal["missing_column_check", "extra_column_check"]
    for check, names, what in (
        ("missing_column_check", missing, "is missing from the current dataset"),
        ("extra_column_check", extra, "is not in the baseline constraints"),
    ):
        for name in names:
            report.add(name, check, f"Column {name} {what}: {sizes}.")
    return report


def check(
    current: StatisticsFile | ProfiledData,
    baseline_statistics: StatisticsFile | None,
    constraints: ConstraintsFile,
) -> ViolationsFile:
    """``constraint_violations.json`` for ``current`` (see `evaluate`)."""
    return evaluate(current, baseline_statistics, constraints).to_violations()
