"""Categorical drift distances: L∞ between frequency tables and the chi-squared p-value."""

from __future__ import annotations

import math

import pytest

from modelmonitor.stats.distance import categorical_linf_distance, chi_squared_p_value


def test_linf_is_the_largest_frequency_gap() -> None:
    base = {"a": 50.0, "b": 50.0}
    current = {"a": 80.0, "b": 10.0, "c": 10.0}
    assert categorical_linf_distance(base, current, robust=False) == pytest.approx(0.4)


def test_robust_linf_subtracts_the_ks_allowance() -> None:
    base = {"a": 50.0, "b": 50.0}
    current = {"a": 80.0, "b": 20.0}
    expected = max(0.0, 0.3 - 1.8 * math.sqrt(200 / (100 * 100)))
    assert categorical_linf_distance(base, current, robust=True) == pytest.approx(expected)


def test_linf_of_empty_tables_is_an_error() -> None:
    with pytest.raises(ValueError, match="current value counts are empty"):
        categorical_linf_distance({"a": 1.0}, {}, robust=False)


def test_chi_squared_matches_scipy_for_well_filled_categories() -> None:
    from scipy.stats import chisquare

    base = {"a": 300.0, "b": 300.0, "c": 400.0}
    current = {"a": 40.0, "b": 25.0, "c": 35.0, "unseen": 5.0}
    observed = [40.0, 25.0, 35.0]
    expected = [30.0, 30.0, 40.0]
    assert chi_squared_p_value(base, current) == pytest.approx(chisquare(observed, expected).pvalue)


def test_small_categories_are_regrouped_and_too_few_give_nan() -> None:
    # Two categories with an expected count below 10 merge into one: no test is possible.
    assert math.isnan(chi_squared_p_value({"a": 95.0, "b": 5.0}, {"a": 50.0, "b": 0.0}))
    same = chi_squared_p_value({"a": 10.0, "b": 10.0, "c": 80.0}, {"a": 10.0, "b": 10.0, "c": 80.0})
    assert same == pytest.approx(1.0)
