"""Distances between a baseline distribution and a current one, as Deequ's ``Distance`` computes them.

SageMaker's ``baseline_drift_check`` compares distributions with these
(docs/sagemaker.md#how-each-check-is-computed):

- numerical features: the L∞ distance between the CDFs of two KLL sketches, evaluated at every item
  either sketch holds (`numerical_linf_distance`);
- ``Robust`` subtracts the two-sample Kolmogorov–Smirnov critical value
  ``c_α · sqrt((n + m) / (n · m))`` and floors at 0 (`robust_linf`); ``Simple`` does not.
  Deequ's c_α is 1.8 (α ≈ 0.003) unless an α is given, then ``sqrt(-ln(α/2) / 2)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from modelmonitor.stats.kll import KLLSketch

__all__ = [
    "DEFAULT_C_ALPHA",
    "c_alpha",
    "categorical_linf_distance",
    "chi_squared_p_value",
    "chi_squared_two_sample_p_value",
    "numerical_linf_distance",
    "robust_linf",
]

# Deequ's default; Knuth, TAOCP vol. 2, 3rd ed., §3.3.1 eq. (15).
DEFAULT_C_ALPHA = 1.8


def c_alpha(alpha: float | None = None) -> float:
    """The KS critical coefficient: Deequ's 1.8 by default, else ``sqrt(-ln(alpha / 2) / 2)``."""
    if alpha is None:
        return DEFAULT_C_ALPHA
    if not 0.0 < alpha < 2.0:
        raise ValueError(f"alpha must be in (0, 2), got {alpha}")
    return math.sqrt(-math.log(alpha / 2) * 1 / 2)


def robust_linf(linf_simple: float, n: float, m: float, alpha: float | None = None) -> float:
    """``max(0, linf_simple - c_α · sqrt((n + m) / (n · m)))`` for sample sizes n and m.

    Deequ ``selectMetrics`` with ``correctForLowNumberOfSamples = false`` (the name reads backwards:
    Deequ applies the correction when that flag is false).
    """
    return max(0.0, linf_simple - c_alpha(alpha) * math.sqrt((n + m) / (n * m)))


def numerical_linf_distance(
    base: KLLSketch, current: KLLSketch, robust: bool, alpha: float | None = None
) -> float:
    """L∞ distance between the CDFs of two sketches (Deequ ``Distance.numericalDistance``).

    Both CDFs (weight <= x over total weight) are evaluated at the union of the two sketches'
    items; n and m are the sketches' total weights. Raises ValueError if either sketch is empty,
    where Deequ fails on the max of an empty rank map.
    """
    n, m = base.count, current.count
    if n == 0 or m == 0:
        side = "base" if n == 0 else "current"
        raise ValueError(f"cannot compare distributions: the {side} KLL sketch is empty")
    points = np.union1d(base.items(), current.items())
    linf_simple = float(np.max(np.abs(base.cdf(points) - current.cdf(points))))
    if robust:
        return robust_linf(linf_simple, float(n), float(m), alpha)
    return linf_simple


# Categorical distances (appended by the data-quality checker's owner) --------------------------------


def categorical_linf_distance(
    base: Mapping[str, float], current: Mapping[str, float], robust: bool, alpha: float | None = None
) -> float:
    """L∞ distance between two categorical frequency tables (Deequ ``categoricalLInfinityDistance``).

    ``max_v |base(v)/N − current(v)/M|`` over the union of values; ``robust`` applies the same KS
    correction as the numerical distance. Raises ValueError if either table is empty.
    """
    n = float(sum(base.values()))
    m = float(sum(current.values()))
    if n == 0 or m == 0:
        side = "base" if n == 0 else "current"
        raise ValueError(f"cannot compare distributions: the {side} value counts are empty")
    linf_simple = 0.0
    for value in base.keys() | current.keys():
        linf_simple = max(linf_simple, abs(base.get(value, 0.0) / n - current.get(value, 0.0) / m))
    if robust:
        return robust_linf(linf_simple, n, m, alpha)
    return linf_simple


def _regroup(observed: list[float], expected: list[float]) -> tuple[list[float], list[float]]:
    """Merge the smallest expected category into the next smallest until the test's rules of thumb hold.

    Cochran for two categories (every expected count >= 10); Yates for more (at most 20 % of the
    categories, rounded down, may have an expected count below 5).
    """
    pairs = sorted(zip(expected, observed, strict=True))
    while len(pairs) >= 2:
        counts = [e for e, _ in pairs]
        if len(pairs) == 2:
            if min(counts) >= 10:
                break
        elif sum(1 for e in counts if e < 5) <= math.floor(0.2 * len(pairs)):
            break
        (e1, o1), (e2, o2) = pairs[0], pairs[1]
        pairs = sorted([(e1 + e2, o1 + o2), *pairs[2:]])
    return [o for _, o in pairs], [e for e, _ in pairs]


def chi_squared_p_value(base: Mapping[str, float], current: Mapping[str, float]) -> float:
    """p-value of Pearson's goodness-of-fit test of ``current`` against ``base`` (Deequ ChisquareMethod).

    Baseline counts are rescaled to the current total over the baseline's categories; current values
    the baseline never saw are left out (as Deequ does). Small categories are regrouped first
    (`_regroup`); fewer than two categories left gives NaN (no test).
    """
    from scipy.stats import chi2  # scikit-learn's dependency; imported here to keep import time low

    categories = [value for value, count in base.items() if count > 0]
    observed = [float(current.get(value, 0.0)) for value in categories]
    base_total = float(sum(base[value] for value in categories))
    sample_total = sum(observed)
    if base_total == 0 or sample_total == 0:
        return math.nan
    expected = [base[value] / base_total * sample_total for value in categories]
    observed, expected = _regroup(observed, expected)
    if len(observed) < 2:
        return math.nan
    statistic = sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True))
    return float(chi2.sf(statistic, len(observed) - 1))


def _merge_small_columns(table: np.ndarray) -> np.ndarray:
    """Merge the categories (columns) with the fewest values, smallest first, until Cochran's rule holds
    for the 2×k table: no expected count below 1 and at most 20 % of them below 5."""
    table = table[:, np.argsort(table.sum(axis=0), kind="stable")]
    while table.shape[1] > 2:
        expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
        if expected.min() >= 1 and np.count_nonzero(expected < 5) <= 0.2 * expected.size:
            break
        merged = table[:, :2].sum(axis=1, keepdims=True)
        table = np.hstack([merged, table[:, 2:]])
        table = table[:, np.argsort(table.sum(axis=0), kind="stable")]
    return table


def chi_squared_two_sample_p_value(base: Mapping[str, float], current: Mapping[str, float]) -> float:
    """p-value of Pearson's chi-squared test that ``base`` and ``current`` are samples of one distribution.

    Unlike `chi_squared_p_value` (Deequ's, which takes the baseline's shares as exact and so raises
    false alarms well above the threshold when both samples are of similar size), both tables are
    samples: the test of homogeneity of the 2×k contingency table of their counts, over the union of
    their values (a value only one side saw counts). Small categories are merged first
    (`_merge_small_columns`); fewer than two categories left gives NaN (no test).
    """
    from scipy.stats import chi2_contingency

    values = sorted(
        value for value in base.keys() | current.keys() if base.get(value, 0) + current.get(value, 0) > 0
    )
    table = np.array(
        [
            [float(base.get(value, 0.0)) for value in values],
            [float(current.get(value, 0.0)) for value in values],
        ]
    )
    if table.shape[1] < 2 or table.sum(axis=1).min() == 0:
        return math.nan
    table = _merge_small_columns(table)
    if table.shape[1] < 2:
        return math.nan
    return float(chi2_contingency(table, correction=False).pvalue)
