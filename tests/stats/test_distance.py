"""Distances as Deequ's Distance computes them (expected values from Deequ's KLLDistanceTest)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelmonitor.stats.distance import c_alpha, numerical_linf_distance, robust_linf
from modelmonitor.stats.kll import KLLSketch


def sketch_of(values: list[float] | np.ndarray) -> KLLSketch:
    sketch = KLLSketch.empty()
    sketch.update(np.asarray(values, dtype=np.float64))
    return sketch


def test_deequ_numerical_distance_fixture() -> None:
    base = KLLSketch.from_compactor_items([[1.0, 2.0, 3.0, 4.0]], 4, 0.64)
    current = KLLSketch.from_compactor_items([[2.0, 3.0, 4.0, 5.0]], 4, 0.64)
    assert numerical_linf_distance(base, current, robust=False) == 0.25
    assert numerical_linf_distance(base, current, robust=True) == 0.0


def test_robust_correction_with_alpha_matches_deequ() -> None:
    # Deequ's categorical L∞ fixtures: the same selectMetrics correction, with α 0.1 and 0.003.
    baseline = {"a": 207, "b": 20, "c": 25, "d": 14, "e": 25, "g": 13}
    current = {"a": 22, "b": 20, "c": 25, "d": 12, "e": 13, "f": 15}
    n, m = float(sum(baseline.values())), float(sum(current.values()))
    linf = max(abs(baseline.get(key, 0) / n - current.get(key, 0) / m) for key in baseline.keys() | current)
    assert robust_linf(linf, n, m, alpha=0.1) == 0.33774199396969184
    assert robust_linf(linf, n, m, alpha=0.003) == pytest.approx(0.2726338046550349, abs=1e-14)
    assert robust_linf(linf, n, m) == max(0.0, linf - 1.8 * math.sqrt((n + m) / (n * m)))
    assert c_alpha() == 1.8


@settings(max_examples=60, deadline=None)
@given(
    base=st.lists(st.integers(-30, 30).map(float), min_size=1, max_size=400),
    current=st.lists(st.integers(-30, 30).map(float), min_size=1, max_size=400),
)
def test_without_compaction_simple_distance_is_the_exact_ks_statistic(
    base: list[float], current: list[float]
) -> None:
    points = np.union1d(base, current)
    base_cdf = np.searchsorted(np.sort(base), points, side="right") / len(base)
    current_cdf = np.searchsorted(np.sort(current), points, side="right") / len(current)
    expected = float(np.max(np.abs(base_cdf - current_cdf)))
    assert numerical_linf_distance(sketch_of(base), sketch_of(current), robust=False) == expected
    robust = numerical_linf_distance(sketch_of(base), sketch_of(current), robust=True)
    assert robust == robust_linf(expected, len(base), len(current))


def test_shifted_large_samples_are_far_apart_and_same_samples_are_not() -> None:
    rng = np.random.default_rng(3)
    base, current = rng.normal(size=20_000), rng.normal(loc=1.0, size=20_000)
    shifted = numerical_linf_distance(sketch_of(base), sketch_of(current), robust=True)
    assert 0.3 < shifted < 0.45  # the true KS distance of N(0,1) vs N(1,1) is 0.383
    same = numerical_linf_distance(sketch_of(base), sketch_of(base), robust=False)
    assert same == 0.0


def test_empty_sketch_is_an_error() -> None:
    with pytest.raises(ValueError, match="current KLL sketch is empty"):
        numerical_linf_distance(sketch_of([1.0]), KLLSketch.empty(), robust=False)
