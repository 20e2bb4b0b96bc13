"""Distances between a baseline distribution and a current one, as Deequ's ``Distance`` computes them.

SageMaker's ``baseline_drift_check`` compares distributions with these (reference §4.2):

- numerical features: the L∞ distance between the CDFs of two KLL sketches, evaluated at every item
  either sketch holds (`numerical_linf_distance`);
- ``Robust`` subtracts the two-sample Kolmogorov–Smirnov critical value
  ``c_α · sqrt((n + m) / (n · m))`` and floors at 0 (`robust_linf`); ``Simple`` does not.
  Deequ's c_α is 1.8 (α ≈ 0.003) unless an α is given, then ``sqrt(-ln(α/2) / 2)``.
"""

from __future__ import annotations

import math

import numpy as np

from modelmonitor.stats.kll import KLLSketch

__all__ = ["DEFAULT_C_ALPHA", "c_alpha", "numerical_linf_distance", "robust_linf"]

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
