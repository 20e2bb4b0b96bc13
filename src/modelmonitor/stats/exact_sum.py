"""Exact sums of doubles and of their squares, kept as integers so that merging them is exact.

Every finite double is a whole multiple of 2**-1074 and its square a whole multiple of 2**-2148, so
``exact_sums`` returns Σx as an integer count of 2**-1074 and Σx² as a count of 2**-2148. Adding two
such integers is exact: however a data set is cut into batches and partitions, and in whatever order
their states are merged, the totals are the same integers, and ``to_float`` rounds them once
(correctly) at the end. Plain floating-point sums change in their last bits with the addition order.

The summation is vectorised (Rump, Ogita and Oishi's error-free extraction): with ``σ`` a power of two
above twice the array's length times its largest magnitude, ``q = (σ + p) - σ`` is ``p`` rounded to a
multiple of ``σ·2**-53``, ``p - q`` is exact, and ``Σq`` is exact in any order (every partial sum is
such a multiple below ``σ``). Each pass takes about ``52 - log2(n)`` bits off the top; the residuals
are summed the same way until they are all zero — two or three passes for most data. Squares are
split exactly into three products of 26-bit halves (Veltkamp and Dekker) summed the same way. Values
beyond 2**±400 (whose squares or splits would overflow or underflow) are added one by one as Python
integers; there are rarely any.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["SQUARE_EXPONENT", "SUM_EXPONENT", "exact_sums", "to_float"]

SUM_EXPONENT = -1074
SQUARE_EXPONENT = 2 * SUM_EXPONENT
_LOW = 2.0**-400
_HIGH = 2.0**400
_SPLITTER = 2.0**27 + 1.0  # Veltkamp: x * (2**27 + 1) splits a double into two 26-bit halves
# Blocks of this many values keep the passes' arrays in the CPU cache (about three times faster at
# 1M values) and take more bits per pass (a pass takes 52 - log2(n) bits).
_BLOCK = 32_768
# Residual arrays are compacted once fewer than this share of them is non-zero.
_COMPACT_SHARE = 4


def _units(value: float) -> int:
    """``value`` as an exact count of 2**-1074."""
    numerator, denominator = value.as_integer_ratio()
    return (numerator << -SUM_EXPONENT) // denominator


def _exact_sum(residual: np.ndarray, bound: float) -> int:
    """Σ ``residual`` (overwritten) as an exact count of 2**-1074; every |value| <= ``bound`` <= 2**802."""
    total = 0
    rounded = np.empty_like(residual)
    while residual.size and bound > 0.0:
        exponent = math.frexp(bound)[1] + residual.size.bit_length() + 1
        sigma = math.ldexp(1.0, exponent)
        np.add(residual, sigma, out=rounded)
        np.subtract(rounded, sigma, out=rounded)
        total += _units(float(rounded.sum()))
        np.subtract(residual, rounded, out=residual)
        # What is left is at most half of the grid's step, sigma * 2**-53.
        bound = math.ldexp(1.0, exponent - 54)
        nonzero = np.count_nonzero(residual)
        if nonzero == 0:
            break
        if nonzero * _COMPACT_SHARE < residual.size:
            residual = residual[residual != 0.0]
            rounded = rounded[: residual.size]
    return total


def exact_sums(values: np.ndarray) -> tuple[int, int]:
    """(Σx as a count of 2**-1074, Σx² as a count of 2**-2148), exactly, for finite float64 ``values``."""
    total = squares = 0
    for start in range(0, values.size, _BLOCK):
        block_total, block_squares = _block_sums(values[start : start + _BLOCK])
        total += block_total
        squares += block_squares
    return total, squares


def _block_sums(values: np.ndarray) -> tuple[int, int]:
    magnitudes = np.abs(values)
    largest = float(magnitudes.max())
    outside_total = outside_squares = 0
    if largest > _HIGH or float(magnitudes.min(where=magnitudes > 0.0, initial=1.0)) < _LOW:
        outside = (magnitudes > _HIGH) | ((magnitudes < _LOW) & (magnitudes > 0.0))
        for value in values[outside].tolist():
            units = _units(value)
            outside_total += units
            outside_squares += units * units
        values = values[~outside]
        largest = min(largest, _HIGH)
    high = values * _SPLITTER
    high -= high - values
    low = values - high
    # |high| <= |x| (1 + 2**-26) and |low| <= |x| 2**-26: generous bounds for the three products.
    square = 2.0 * largest * largest
    squares = (
        _exact_sum(high * high, square)
        + _exact_sum(2.0 * high * low, square * 2.0**-24)
        + _exact_sum(low * low, square * 2.0**-50)
    )
    return (
        _exact_sum(np.array(values, dtype=np.float64), largest) + outside_total,
        (squares << -SUM_EXPONENT) + outside_squares,
    )


def to_float(count: int, exponent: int) -> float:
    """``count * 2**exponent`` correctly rounded to a double (±inf beyond the largest double)."""
    try:
        return count / (1 << -exponent)  # Python's integer division rounds correctly
    except OverflowError:
        return math.inf if count > 0 else -math.inf
