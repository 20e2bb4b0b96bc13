"""Regression metrics of SageMaker's model-quality statistics (pure math).

- mae = mean |y - p|; mse = mean (y - p)^2; rmse = sqrt(mse). The sums run left to right, as Spark
  sums a partition, which reproduces SageMaker's values bit for bit; scikit-learn's
  ``mean_absolute_error``/``mean_squared_error`` sum pairwise and can differ in the last digit.
- r2 = 1 - sum (y - p)^2 / sum (y - mean y)^2, as ``sklearn.metrics.r2_score`` computes it, to the
  last bit (numpy's sums over a column; 1.0 for a perfect fit of constant labels, 0.0 for an imperfect
  one, NaN below two rows); numpy, not scikit-learn, for the reason in ``stats.classification``

``variant="sagemaker"`` gives SageMaker's r2 instead, which divides by the spread of the
*predictions*: 1 - sum (y - p)^2 / sum (p - mean p)^2 (NaN when the predictions are constant). It is
what SageMaker's statistics.json holds (reproduced bit for bit on a real file), and it is wrong: a model
that predicts the mean label scores -infinity, and the value changes when predictions are shifted by a
constant that leaves the errors' spread unchanged (docs/compatibility.md). Standard deviations:
``stats.bootstrap``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from modelmonitor.formats.model_quality import RegressionMetrics
from modelmonitor.stats.bootstrap import Indices, estimate_metrics
from modelmonitor.stats.classification import MetricVariant

__all__ = ["regression_metrics"]

FloatArray = npt.NDArray[np.float64]


def _sum(values: FloatArray) -> float:
    # cumsum adds strictly left to right; np.sum adds pairwise
    return float(np.cumsum(values)[-1]) if len(values) else 0.0


def _sagemaker_r2(actual: FloatArray, predicted: FloatArray) -> float:
    mean = _sum(predicted) / len(predicted)
    spread = _sum((predicted - mean) ** 2)
    if spread == 0.0:
        return math.nan
    return 1.0 - _sum((actual - predicted) ** 2) / spread


def _r2(actual: FloatArray, predicted: FloatArray, variant: MetricVariant) -> float:
    if variant == "sagemaker":
        return _sagemaker_r2(actual, predicted)
    if len(actual) < 2:
        return math.nan
    # summed as columns, as scikit-learn sums them: the same additions in the same order
    labels = actual.reshape(-1, 1)
    residual = float(np.sum((labels - predicted.reshape(-1, 1)) ** 2, axis=0)[0])
    spread = float(np.sum((labels - labels.mean(axis=0)) ** 2, axis=0)[0])
    if residual == 0.0:
        return 1.0
    if spread == 0.0:
        return 0.0
    return 1.0 - residual / spread


def _scalars(actual: FloatArray, predicted: FloatArray, variant: MetricVariant) -> dict[str, float]:
    n = len(actual)
    mse = _sum((actual - predicted) ** 2) / n
    return {
        "mae": _sum(np.abs(actual - predicted)) / n,
        "mse": mse,
        "rmse": math.sqrt(mse),
        "r2": _r2(actual, predicted, variant),
    }


def regression_metrics(
    actual: npt.ArrayLike,
    predicted: npt.ArrayLike,
    *,
    variant: MetricVariant = "modelmonitor",
    seed: int = 0,
) -> RegressionMetrics:
    """mae, mse, rmse and r2 of predictions against labels, each with its standard deviation."""
    labels = np.asarray(actual, dtype=np.float64)
    predictions = np.asarray(predicted, dtype=np.float64)
    if len(labels) != len(predictions):
        raise ValueError("actual and predicted must have the same length")

    def compute(rows: Indices | None) -> Mapping[str, float]:
        if rows is None:
            return _scalars(labels, predictions, variant)
        return _scalars(labels[rows], predictions[rows], variant)

    return RegressionMetrics.model_validate(estimate_metrics(len(labels), compute, seed=seed))
