"""Suggesting constraints and the six data-quality checks."""

from __future__ import annotations

import pyarrow as pa
import pytest

from modelmonitor.analyzers.data_quality import DataQualityProfile, profile_batches
from modelmonitor.constraints.data_quality import check, evaluate, suggest
from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.statistics import StatisticsFile


def _profile(**columns: list[str | None]) -> DataQualityProfile:
    return profile_batches([pa.record_batch({k: pa.array(v, pa.string()) for k, v in columns.items()})])


BASE = _profile(
    num=[str(i % 50) for i in range(500)],
    frac=[f"{i / 7:.3f}" for i in range(500)],
    cat=["a", "b", "c", "a", "b"] * 100,
)


def _baseline() -> tuple[StatisticsFile, ConstraintsFile]:
    statistics = BASE.to_statistics()
    return statistics, suggest(statistics)


def _kinds(current: DataQualityProfile, constraints: ConstraintsFile | None = None) -> list[tuple[str, str]]:
    statistics, suggested = _baseline()
    violations = check(current, statistics, constraints or suggested)
    return [(v.feature_name, v.constraint_check_type) for v in violations.violations]


def test_suggest_writes_the_analyzer_defaults() -> None:
    _, constraints = _baseline()
    data = constraints.to_dict()
    assert data["features"][0] == {
        "name": "num",
        "inferred_type": "Integral",
        "completeness": 1.0,
        "num_constraints": {"is_non_negative": True},
    }
    assert data["features"][2]["string_constraints"] == {"domains": ["a", "b", "c"]}
    assert data["monitoring_config"] == {
        "evaluate_constraints": "Enabled",
        "emit_metrics": "Enabled",
        "datatype_check_threshold": 1.0,
        "domain_content_threshold": 1.0,
        "distribution_constraints": {
            "perform_comparison": "Enabled",
            "comparison_threshold": 0.1,
            "comparison_method": "Robust",
            "categorical_comparison_threshold": 0.1,
            "categorical_drift_method": "LInfinity",
        },
    }


def test_suggest_leaves_out_categorical_keys_for_numeric_data() -> None:
    constraints = suggest(_profile(x=["1", "-2"]).to_statistics())
    distribution = constraints.to_dict()["monitoring_config"]["distribution_constraints"]
    assert "categorical_drift_method" not in distribution
    assert constraints.features[0].num_constraints is not None
    assert constraints.features[0].num_constraints.is_non_negative is False


def test_high_cardinality_strings_get_no_domain() -> None:
    constraints = suggest(_profile(id=[f"id{i}" for i in range(200)]).to_statistics())
    assert constraints.features[0].string_constraints is None


def test_same_data_has_no_violations() -> None:
    assert _kinds(BASE) == []


def test_data_type_check_uses_type_counts() -> None:
    current = _profile(num=[*(str(i % 50) for i in range(499)), "1.5"], frac=["1.0"] * 500, cat=["a"] * 500)
    statistics, constraints = _baseline()
    report = evaluate(current, statistics, constraints)
    described = {
        v.feature_name: v.description
        for v in report.violations
        if v.constraint_check_type == "data_type_check"
    }
    assert described["num"] == (
        "Data type match requirement is not met. Expected data type: Integral, Expected match: 100.0%. "
        "Observed: Only 99.8% of data is Integral."
    )
    assert "frac" not in described  # integers are fractional too


def test_data_type_check_from_a_statistics_file_alone() -> None:
    current = _profile(num=["0.5"] * 500, frac=["1.0"] * 500, cat=["a", "b", "c", "a", "b"] * 100)
    statistics, constraints = _baseline()
    violations = check(current.to_statistics(), statistics, constraints).violations
    descriptions = [v.description for v in violations if v.constraint_check_type == "data_type_check"]
    assert len(descriptions) == 1
    assert descriptions[0].endswith("Observed: Only 0.0% of data is Integral.")


def test_completeness_check() -> None:
    current = _profile(num=[None, *("1" for _ in range(499))], frac=BASE_FRAC, cat=BASE_CAT)
    kinds = _kinds(current)
    assert ("num", "completeness_check") in kinds


BASE_FRAC = [f"{i / 7:.3f}" for i in range(500)]
BASE_CAT = ["a", "b", "c", "a", "b"] * 100


def test_numeric_drift_check() -> None:
    current = _profile(num=[str(40 + i % 10) for i in range(500)], frac=BASE_FRAC, cat=BASE_CAT)
    assert _kinds(current) == [("num", "baseline_drift_check")]


def test_categorical_drift_and_domain_checks() -> None:
    current = _profile(num=[str(i % 50) for i in range(500)], frac=BASE_FRAC, cat=["c"] * 450 + ["z"] * 50)
    kinds = _kinds(current)
    assert ("cat", "baseline_drift_check") in kinds
    assert ("cat", "categorical_values_check") in kinds


def test_chi_squared_method_compares_the_p_value() -> None:
    statistics, constraints = _baseline()
    distribution = constraints.monitoring_config.distribution_constraints  # type: ignore[union-attr]
    distribution.categorical_drift_method = "ChiSquared"  # type: ignore[union-attr]
    current = _profile(num=[str(i % 50) for i in range(500)], frac=BASE_FRAC, cat=["a"] * 400 + ["b"] * 100)
    report = evaluate(current, statistics, constraints)
    assert report.baseline_drift["cat"] < 1e-6
    assert any("p-value" in v.description for v in report.violations)
    same = evaluate(BASE, statistics, constraints)
    assert same.baseline_drift["cat"] == pytest.approx(1.0)


def test_missing_and_extra_columns() -> None:
    current = _profile(num=[str(i % 50) for i in range(500)], cat=BASE_CAT, new=["1"] * 500)
    kinds = _kinds(current)
    assert ("frac", "missing_column_check") in kinds
    assert ("new", "extra_column_check") in kinds


def test_disabled_globally_or_per_feature() -> None:
    current = _profile(num=[str(40 + i % 10) for i in range(500)], frac=BASE_FRAC, cat=BASE_CAT)
    _, constraints = _baseline()
    rule = constraints.features[0].model_copy(deep=True)
    per_feature = ConstraintsFile.from_data(
        {
            **constraints.to_dict(),
            "features": [
                {
                    **rule.to_dict(),
                    "num_constraints": {
                        "is_non_negative": True,
                        "monitoring_config_overrides": {"evaluate_constraints": "Disabled"},
                    },
                },
                *[f.to_dict() for f in constraints.features[1:]],
            ],
        }
    )
    assert _kinds(current, per_feature) == []
    off = ConstraintsFile.from_data(
        {**constraints.to_dict(), "monitoring_config": {"evaluate_constraints": "Disabled"}}
    )
    assert _kinds(current, off) == []


def test_comparison_can_be_turned_off_or_loosened() -> None:
    current = _profile(num=[str(40 + i % 10) for i in range(500)], frac=BASE_FRAC, cat=BASE_CAT)
    _, constraints = _baseline()
    data = constraints.to_dict()
    data["monitoring_config"]["distribution_constraints"]["comparison_threshold"] = 0.99
    assert _kinds(current, ConstraintsFile.from_data(data)) == []
    data["monitoring_config"]["distribution_constraints"]["perform_comparison"] = "Disabled"
    data["monitoring_config"]["distribution_constraints"]["comparison_threshold"] = 0.0
    assert _kinds(current, ConstraintsFile.from_data(data)) == []


def test_without_baseline_statistics_drift_is_skipped() -> None:
    current = _profile(num=[str(40 + i % 10) for i in range(500)], frac=BASE_FRAC, cat=BASE_CAT)
    _, constraints = _baseline()
    assert check(current, None, constraints).violations == []
