"""SageMaker's standard-deviation rule: 5 draws of 80 % from 200 rows on, NaN below, NaN if a draw is NaN."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pytest

from modelmonitor.errors import DatasetError
from modelmonitor.stats.bootstrap import Indices, estimate_metrics, subsample_indices


def test_draws_are_five_distinct_80_percent_subsets() -> None:
    draws = subsample_indices(1000, seed=1)
    assert draws.shape == (5, 800)
    for draw in draws:
        assert len(np.unique(draw)) == 800
        assert draw.min() >= 0
        assert draw.max() < 1000
        # in increasing order: a draw keeps the order of the rows it takes (sorted data stays sorted)
        assert (np.diff(draw) > 0).all()
    assert not np.array_equal(draws[0], draws[1])
    assert abs(draws.mean() - 499.5) < 20  # spread over all rows, not a block of them
    assert np.array_equal(draws, subsample_indices(1000, seed=1))
    assert len(subsample_indices(199, seed=1)) == 0
    assert len(subsample_indices(200, seed=1)) == 5


def test_estimate_is_the_sample_standard_deviation_of_the_draws() -> None:
    values = np.arange(300, dtype=float)

    def mean(rows: Indices | None) -> Mapping[str, float]:
        chosen = values if rows is None else values[rows]
        return {
            "mean": float(chosen.mean()),
            "undefined": math.nan if rows is not None and rows[0] == 0 else 1.0,
        }

    estimates = estimate_metrics(300, mean, seed=2)
    expected = np.std([values[d].mean() for d in subsample_indices(300, seed=2)], ddof=1)
    assert estimates["mean"].value == values.mean()
    assert estimates["mean"].standard_deviation == expected
    draws_with_row_0 = sum(1 for d in subsample_indices(300, seed=2) if d[0] == 0)
    assert draws_with_row_0 > 0  # so the NaN below comes from a draw, not from nothing
    assert math.isnan(estimates["undefined"].standard_deviation)


def test_no_rows_is_an_error() -> None:
    with pytest.raises(DatasetError, match="no rows"):
        estimate_metrics(0, lambda rows: {}, seed=0)
