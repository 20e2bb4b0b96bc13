"""Standard deviations of model-quality metrics by subsampling, as SageMaker estimates them.

SageMaker's rule (docs/model-quality.md#standard-deviation): with at least 200 rows, draw 80 % of the
rows 5 times, compute every metric on each draw, and report the standard deviation of the 5 values;
with fewer rows the standard deviation is NaN (written ``"NaN"``). All metrics share the same 5 draws,
so metrics that are complements (true positive rate, false negative rate) get the same deviation.

Ours is seeded and deterministic: draws of exactly ``round(0.8 n)`` rows without replacement from
``numpy.random.default_rng(seed)``, and the sample standard deviation (``ddof=1``, as Spark's
``stddev``). SageMaker's Spark draws are random per run, so its deviations cannot be reproduced
digit for digit; only the method is the same.

The draws are one matrix, a row per draw, each row's indices in increasing order: a draw keeps the
order of the rows it takes, so data sorted once (by score, for AUC) stays sorted in every draw. Each
row is picked in linear time (the ``round(0.8 n)`` smallest of ``n`` uniform keys, by partition, read
back in index order), not by sorting.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import numpy.typing as npt

from modelmonitor.errors import DatasetError
from modelmonitor.formats.model_quality import MetricValue

__all__ = [
    "BOOTSTRAP_FRACTION",
    "BOOTSTRAP_MIN_ROWS",
    "BOOTSTRAP_ROUNDS",
    "Indices",
    "estimate_metrics",
    "subsample_indices",
]

BOOTSTRAP_MIN_ROWS = 200
BOOTSTRAP_ROUNDS = 5
BOOTSTRAP_FRACTION = 0.8

Indices = npt.NDArray[np.int64]


def subsample_indices(row_count: int, seed: int) -> Indices:
    """The draws' row indices, ``BOOTSTRAP_ROUNDS`` rows of ``round(0.8 n)`` increasing indices; no
    rows below ``BOOTSTRAP_MIN_ROWS`` rows."""
    if row_count < BOOTSTRAP_MIN_ROWS:
        return np.empty((0, 0), dtype=np.int64)
    rng = np.random.default_rng(seed)
    size = round(row_count * BOOTSTRAP_FRACTION)
    draws = np.empty((BOOTSTRAP_ROUNDS, size), dtype=np.int64)
    taken = np.empty(row_count, dtype=bool)
    for draw in draws:
        keys = rng.random(row_count)
        taken[:] = False
        taken[np.argpartition(keys, size - 1)[:size]] = True
        draw[:] = np.flatnonzero(taken)
    return draws


def estimate_metrics(
    row_count: int,
    compute: Callable[[Indices | None], Mapping[str, float]],
    *,
    seed: int,
) -> dict[str, MetricValue]:
    """Each metric of ``compute`` on all rows (``None``) with its standard deviation over the draws.

    A metric that is undefined (NaN) in any draw gets a NaN deviation. No rows at all is an error:
    the caller names the window or file that had none.
    """
    if row_count == 0:
        raise DatasetError(
            "no rows with both a prediction and a label; model-quality metrics need at least one"
        )
    full = compute(None)
    draws = [compute(indices) for indices in subsample_indices(row_count, seed)]
    estimates: dict[str, MetricValue] = {}
    for name, value in full.items():
        sd = float(np.std([draw[name] for draw in draws], ddof=1)) if draws else math.nan
        estimates[name] = MetricValue(value=value, standard_deviation=sd)
    return estimates
