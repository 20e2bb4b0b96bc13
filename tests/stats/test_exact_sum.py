"""Exact sums of doubles and squares: equal to rational arithmetic, whatever the magnitudes."""

from __future__ import annotations

import math
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from modelmonitor.stats.exact_sum import SQUARE_EXPONENT, SUM_EXPONENT, exact_sums, to_float

LARGEST = sys.float_info.max
EXTREMES = [LARGEST, -LARGEST, 5e-324, -5e-324, 2.0**-1022, 1e300, 1e-300, 2.0**400, 0.0]


def _assert_exact(values: np.ndarray) -> None:
    total, squares = exact_sums(values)
    exact = [Fraction(value) for value in values.tolist()]
    assert Fraction(total, 2**-SUM_EXPONENT) == sum(exact)
    assert Fraction(squares, 2**-SQUARE_EXPONENT) == sum(x * x for x in exact)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(0, 300), elements=st.floats(allow_nan=False, allow_infinity=False)))
def test_sums_equal_rational_arithmetic(values: np.ndarray) -> None:
    _assert_exact(values)


def test_extreme_magnitudes_and_blocks_are_exact() -> None:
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.normal(size=70_000) * 10.0 ** rng.integers(-30, 30, 70_000), EXTREMES])
    _assert_exact(rng.permutation(values))


@pytest.mark.parametrize(
    ("values", "expected"),
    [([sys.float_info.max, sys.float_info.max], math.inf), ([-sys.float_info.max] * 2, -math.inf)],
)
def test_a_sum_beyond_the_largest_double_rounds_to_infinity(values: list[float], expected: float) -> None:
    assert to_float(exact_sums(np.array(values))[0], SUM_EXPONENT) == expected


def test_rounding_is_correct() -> None:
    values = np.array([1.0, 1e-16, 1e-16, -1.0, 1e100, 1.0, -1e100])
    assert to_float(exact_sums(values)[0], SUM_EXPONENT) == math.fsum(values.tolist()) == 1.0 + 2e-16
