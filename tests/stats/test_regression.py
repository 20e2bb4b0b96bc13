"""Regression metrics equal scikit-learn's on random data; SageMaker's r2 behind its option."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from modelmonitor.errors import DatasetError
from modelmonitor.stats.regression import regression_metrics


@pytest.mark.parametrize("size", [2, 10, 199, 200, 5000], ids=lambda s: f"n{s}")
@pytest.mark.parametrize("seed", [0, 1, 2, 3], ids=lambda s: f"seed{s}")
def test_regression_metrics_equal_scikit_learn(seed: int, size: int) -> None:
    rng = np.random.default_rng(seed)
    actual = rng.normal(10, 3, size)
    predicted = actual + rng.normal(0.5, 2, size)
    m = regression_metrics(actual, predicted)
    # left-to-right sums (SageMaker's) against scikit-learn's pairwise sums: equal to the last few digits
    assert m.mae.value == pytest.approx(mean_absolute_error(actual, predicted), rel=1e-12)
    assert m.mse.value == pytest.approx(mean_squared_error(actual, predicted), rel=1e-12)
    assert m.rmse.value == pytest.approx(math.sqrt(mean_squared_error(actual, predicted)), rel=1e-12)
    assert m.r2.value == r2_score(actual, predicted)


def test_sagemaker_r2_divides_by_the_predictions_spread() -> None:
    actual = np.array([1.0, 2.0, 3.0, 4.0])
    predicted = np.array([1.5, 1.5, 3.5, 3.5])
    sse = float(np.sum((actual - predicted) ** 2))
    assert regression_metrics(actual, predicted, variant="sagemaker").r2.value == 1 - sse / 4.0
    assert regression_metrics(actual, predicted).r2.value == 1 - sse / 5.0


def test_constant_labels_and_constant_predictions() -> None:
    perfect = regression_metrics([2.0, 2.0, 2.0], [2.0, 2.0, 2.0])
    assert perfect.r2.value == 1.0
    assert perfect.mae.value == 0.0
    assert regression_metrics([2.0, 2.0, 2.0], [1.0, 2.0, 3.0]).r2.value == 0.0
    assert math.isnan(regression_metrics([1.0, 2.0, 3.0], [2.0, 2.0, 2.0], variant="sagemaker").r2.value)


def test_single_row() -> None:
    m = regression_metrics([3.0], [1.0])
    assert m.mae.value == 2.0
    assert m.mse.value == 4.0
    assert m.rmse.value == 2.0
    assert math.isnan(m.r2.value)


def test_empty_is_a_clear_error() -> None:
    with pytest.raises(DatasetError, match="no rows with both a prediction and a label"):
        regression_metrics([], [])


def test_standard_deviations_from_200_rows_seeded() -> None:
    rng = np.random.default_rng(7)
    actual = rng.normal(0, 1, 627)
    predicted = actual + rng.normal(0, 1, 627)
    first = regression_metrics(actual, predicted, seed=3)
    assert first == regression_metrics(actual, predicted, seed=3)
    assert first != regression_metrics(actual, predicted, seed=4)
    # an 80 % subsample of n rows varies the mean error by about sd/sqrt(n) * sqrt(0.2)
    assert 0.001 < first.mae.standard_deviation < 0.05
    assert math.isnan(regression_metrics(actual[:199], predicted[:199]).mae.standard_deviation)
