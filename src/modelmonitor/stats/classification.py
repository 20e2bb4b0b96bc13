"""Binary and multiclass classification metrics of SageMaker's model-quality statistics (pure math).

Counts are the confusion matrix's; every rate is the count ratio scikit-learn uses, with 0 where the
denominator is 0 (scikit-learn's ``zero_division=0``):

- recall = true positive rate = TP / (TP + FN); precision = TP / (TP + FP); accuracy = (TP + TN) / n
- true negative rate = TN / (TN + FP); false positive rate = 1 - true negative rate;
  false negative rate = 1 - true positive rate (SageMaker's complements, equal to FP / (FP + TN) and
  FN / (FN + TP) up to the last digit; 0 when there are no negatives, resp. positives)
- F_beta = (1 + beta^2) TP / ((1 + beta^2) TP + beta^2 FN + FP), for beta in 0.5, 1, 2
- binary best constant classifier: always predicts the positive label 1 (as SageMaker)
- multiclass ``weighted_*``: the per-class metric weighted by the class's share of the actual labels, so
  ``weighted_recall == accuracy``; the best constant classifier predicts the most frequent actual class
  (``variant="sagemaker"``: the least frequent one, matching SageMaker's documented example)
- AUC: the area under the ROC curve, by the trapezoid rule over one point per distinct score (ties
  count half, as scikit-learn's ``roc_auc_score``; NaN when only one class is present); the ROC and
  precision-recall curves are the points of scikit-learn's ``roc_curve`` (collinear points dropped)
  and ``precision_recall_curve``, ordered by increasing recall as SageMaker writes them, thinned to
  ``max_curve_points`` evenly spaced points.

``variant="sagemaker"`` reproduces SageMaker's curves: its analyzer counts every row as a positive when
it builds them, so the ROC curve runs up the y axis (false positive rates all 0), precision is 1
everywhere and AUC is 1.0 whatever the model (docs/compatibility.md). Standard deviations:
``stats.bootstrap``.

Written in numpy, not with scikit-learn: scikit-learn (with SciPy) takes longer to import than a
model-quality execution over a million records takes to run, and every job imports this module through
the monitor registry (tests/jobs/test_job_imports.py). tests/stats compare every value with
scikit-learn's. The binary metrics sort the rows by score once: the bootstrap's draws keep that order
(``stats.bootstrap``), so each draw's AUC is a cumulative sum, not another sort.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from modelmonitor.errors import DatasetError
from modelmonitor.formats.model_quality import (
    BinaryClassificationMetrics,
    ConfusionMatrix,
    MulticlassClassificationMetrics,
    PrecisionRecallCurve,
    ReceiverOperatingCharacteristicCurve,
)
from modelmonitor.stats.bootstrap import Indices, estimate_metrics

__all__ = [
    "DEFAULT_MAX_CURVE_POINTS",
    "MetricVariant",
    "binary_classification_metrics",
    "class_labels",
    "multiclass_classification_metrics",
]

MetricVariant = Literal["modelmonitor", "sagemaker"]
DEFAULT_MAX_CURVE_POINTS = 1000
_BETAS = {"f0_5": 0.5, "f1": 1.0, "f2": 2.0}

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _f_beta(beta: float, tp: float, fp: float, fn: float) -> float:
    weight = 1.0 + beta * beta
    return _ratio(weight * tp, weight * tp + beta * beta * fn + fp)


# binary ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ranked:
    """Rows ordered by decreasing score (equal scores side by side), or a subset of them in that order."""

    actual: IntArray
    predicted: IntArray
    scores: FloatArray

    def take(self, rows: Indices) -> _Ranked:
        return _Ranked(self.actual[rows], self.predicted[rows], self.scores[rows])

    def confusion(self) -> tuple[int, int, int, int]:
        """(TN, FP, FN, TP)."""
        tn, fp, fn, tp = np.bincount(self.actual * 2 + self.predicted, minlength=4).tolist()
        return tn, fp, fn, tp

    def thresholds(self) -> tuple[FloatArray, FloatArray]:
        """(false positives, true positives) counted down to each distinct score, highest first."""
        last = np.flatnonzero(np.diff(self.scores))  # the last row of each run of equal scores
        ends = np.append(last, len(self.scores) - 1)
        tps = np.cumsum(self.actual)[ends].astype(np.float64)
        return 1.0 + ends.astype(np.float64) - tps, tps


def _rank(actual: IntArray, predicted: IntArray, scores: FloatArray) -> _Ranked:
    # the order among equal scores does not matter: every count is taken at the end of a run of them
    order = np.argsort(scores)[::-1]
    return _Ranked(actual[order], predicted[order], scores[order])


def _binary_scalars(rows: _Ranked, variant: MetricVariant) -> dict[str, float]:
    tn, fp, fn, tp = rows.confusion()
    n = tn + fp + fn + tp
    positives, negatives = tp + fn, tn + fp
    metrics = {
        "recall": _ratio(tp, positives),
        "precision": _ratio(tp, tp + fp),
        "accuracy": _ratio(tp + tn, n),
        "recall_best_constant_classifier": _ratio(positives, positives),
        "precision_best_constant_classifier": _ratio(positives, n),
        "accuracy_best_constant_classifier": _ratio(positives, n),
        "true_positive_rate": _ratio(tp, positives),
        "true_negative_rate": _ratio(tn, negatives),
        # complements, as SageMaker computes them (1 - 4/7 is not 3/7 in the last digit)
        "false_positive_rate": 1.0 - _ratio(tn, negatives) if negatives else 0.0,
        "false_negative_rate": 1.0 - _ratio(tp, positives) if positives else 0.0,
        "auc": _auc(rows, variant),
    }
    for name, beta in _BETAS.items():
        metrics[name] = _f_beta(beta, tp, fp, fn)
    for name, beta in _BETAS.items():
        # always predicting 1: every positive is found, every negative is a false positive
        metrics[f"{name}_best_constant_classifier"] = _f_beta(beta, positives, negatives, 0)
    return metrics


def _auc(rows: _Ranked, variant: MetricVariant) -> float:
    if variant == "sagemaker":
        fpr, tpr = _sagemaker_roc(rows)
        return float(np.trapezoid(tpr, fpr))
    fps, tps = rows.thresholds()
    negatives, positives = float(fps[-1]), float(tps[-1])
    if not negatives or not positives:
        return math.nan
    # trapezoids between consecutive points from (0, 0); the sums are of whole numbers below 2^53: exact
    heights = tps + np.concatenate(([0.0], tps[:-1]))
    widths = np.diff(fps, prepend=0.0)
    return float(widths @ heights) / (2.0 * negatives * positives)


def _roc_curve(rows: _Ranked) -> tuple[FloatArray, FloatArray]:
    fps, tps = rows.thresholds()
    if len(fps) > 2:
        # drop the points in the middle of a straight segment, as scikit-learn's roc_curve does
        bends = np.logical_or(np.diff(fps, 2), np.diff(tps, 2))
        keep = np.flatnonzero(np.concatenate(([True], bends, [True])))
        fps, tps = fps[keep], tps[keep]
    fps, tps = np.concatenate(([0.0], fps)), np.concatenate(([0.0], tps))
    fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, math.nan)
    tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, math.nan)
    return fpr, tpr


def _precision_recall_curve(rows: _Ranked) -> tuple[FloatArray, FloatArray]:
    """(precisions, recalls) by increasing recall, from (1, 0)."""
    fps, tps = rows.thresholds()
    precision = tps / (tps + fps)  # every point counts at least one row
    recall = tps / tps[-1] if tps[-1] else np.ones_like(tps)
    return np.concatenate(([1.0], precision)), np.concatenate(([0.0], recall))


def _sagemaker_roc(rows: _Ranked) -> tuple[FloatArray, FloatArray]:
    # One point per distinct score, highest first, every row counted as a positive.
    ends = np.append(np.flatnonzero(np.diff(rows.scores)), len(rows.scores) - 1)
    tpr = (ends + 1) / len(rows.scores)
    fpr = np.zeros_like(tpr)
    return np.concatenate(([0.0], fpr, [1.0])), np.concatenate(([0.0], tpr, [1.0]))


def _sagemaker_pr(rows: _Ranked) -> tuple[FloatArray, FloatArray]:
    ends = np.append(np.flatnonzero(np.diff(rows.scores)), len(rows.scores) - 1)
    recall = np.concatenate(([0.0], (ends + 1) / len(rows.scores)))
    return np.ones_like(recall), recall


def _thin(first: FloatArray, second: FloatArray, limit: int) -> tuple[list[float], list[float]]:
    if len(first) > limit:
        keep = np.unique(np.linspace(0, len(first) - 1, limit).round().astype(np.int64))
        first, second = first[keep], second[keep]
    return first.tolist(), second.tolist()


def _curves(
    rows: _Ranked, variant: MetricVariant, limit: int
) -> tuple[ReceiverOperatingCharacteristicCurve, PrecisionRecallCurve]:
    if variant == "sagemaker":
        fpr, tpr = _sagemaker_roc(rows)
        precision, recall = _sagemaker_pr(rows)
    else:
        fpr, tpr = _roc_curve(rows)
        precision, recall = _precision_recall_curve(rows)
    fprs, tprs = _thin(fpr, tpr, limit)
    precisions, recalls = _thin(precision, recall, limit)
    return (
        ReceiverOperatingCharacteristicCurve(false_positive_rates=fprs, true_positive_rates=tprs),
        PrecisionRecallCurve(precisions=precisions, recalls=recalls),
    )


def _as_binary(values: npt.ArrayLike, what: str) -> IntArray:
    array = np.asarray(values)
    if array.dtype.kind in "iub" and (not array.size or (array.min() >= 0 and array.max() <= 1)):
        return array.astype(np.int64)  # whole numbers: the bounds say it all
    if array.size and not np.isin(array, (0, 1)).all():
        bad = array[~np.isin(array, (0, 1))][0].item()
        raise DatasetError(f"{what}: binary classification needs labels 0 or 1, got {bad!r}")
    return array.astype(np.int64)


def binary_classification_metrics(
    actual: npt.ArrayLike,
    predicted: npt.ArrayLike,
    scores: npt.ArrayLike | None = None,
    *,
    variant: MetricVariant = "modelmonitor",
    seed: int = 0,
    max_curve_points: int = DEFAULT_MAX_CURVE_POINTS,
) -> BinaryClassificationMetrics:
    """Every binary metric of SageMaker's statistics from labels and predictions in {0, 1}.

    ``scores`` (the probability of label 1) drive AUC and the curves; without them the predicted
    labels are the scores.
    """
    actual_labels = _as_binary(actual, "actual labels")
    predicted_labels = _as_binary(predicted, "predicted labels")
    score_values = (
        predicted_labels.astype(np.float64) if scores is None else np.asarray(scores, dtype=np.float64)
    )
    if not len(actual_labels) == len(predicted_labels) == len(score_values):
        raise ValueError("actual, predicted and scores must have the same length")
    if np.isnan(score_values).any():
        raise DatasetError("binary classification scores must be numbers, got NaN")
    ranked = _rank(actual_labels, predicted_labels, score_values)

    def compute(rows: Indices | None) -> Mapping[str, float]:
        return _binary_scalars(ranked if rows is None else ranked.take(rows), variant)

    estimates = estimate_metrics(len(actual_labels), compute, seed=seed)
    tn, fp, fn, tp = ranked.confusion()
    matrix: ConfusionMatrix = {"0": {"0": tn, "1": fp}, "1": {"0": fn, "1": tp}}
    roc, pr = _curves(ranked, variant, max_curve_points)
    return BinaryClassificationMetrics.model_validate(
        {
            "confusion_matrix": matrix,
            "receiver_operating_characteristic_curve": roc,
            "precision_recall_curve": pr,
            **estimates,
        }
    )


# multiclass ------------------------------------------------------------------------------------


def class_labels(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> list[str]:
    """Every label seen, numerically ordered when all are numbers (``"2"`` before ``"10"``), else by text."""
    labels = {str(v) for v in np.asarray(actual).tolist()} | {str(v) for v in np.asarray(predicted).tolist()}
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(labels)


def _multiclass_scalars(counts: IntArray, variant: MetricVariant) -> dict[str, float]:
    n = float(counts.sum())
    tp = np.diag(counts).astype(np.float64)
    support = counts.sum(axis=1).astype(np.float64)
    predicted = counts.sum(axis=0).astype(np.float64)
    weights = support / n
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    metrics = {
        "accuracy": float(tp.sum() / n),
        "weighted_recall": float(weights @ recall),
        "weighted_precision": float(weights @ precision),
    }
    for name, beta in _BETAS.items():
        f = [_f_beta(beta, tp[i], predicted[i] - tp[i], support[i] - tp[i]) for i in range(len(tp))]
        metrics[f"weighted_{name}"] = float(weights @ np.asarray(f))
    present = np.flatnonzero(support)
    chosen = present[np.argmin(support[present])] if variant == "sagemaker" else int(np.argmax(support))
    share = support[chosen] / n
    metrics["accuracy_best_constant_classifier"] = float(share)
    metrics["weighted_recall_best_constant_classifier"] = float(share)
    metrics["weighted_precision_best_constant_classifier"] = float(share * share)
    for name, beta in _BETAS.items():
        f_chosen = _f_beta(beta, support[chosen], n - support[chosen], 0.0)
        metrics[f"weighted_{name}_best_constant_classifier"] = float(share * f_chosen)
    ordered = [
        "accuracy", "weighted_recall", "weighted_precision", "weighted_f0_5", "weighted_f1", "weighted_f2",
        "accuracy_best_constant_classifier", "weighted_recall_best_constant_classifier",
        "weighted_precision_best_constant_classifier", "weighted_f0_5_best_constant_classifier",
        "weighted_f1_best_constant_classifier", "weighted_f2_best_constant_classifier",
    ]  # fmt: skip
    return {name: metrics[name] for name in ordered}


def multiclass_classification_metrics(
    actual: npt.ArrayLike,
    predicted: npt.ArrayLike,
    *,
    variant: MetricVariant = "modelmonitor",
    seed: int = 0,
) -> MulticlassClassificationMetrics:
    """Every multiclass metric of SageMaker's statistics; labels are compared as text (``1`` is ``"1"``)."""
    actual_text = np.asarray([str(v) for v in np.asarray(actual).tolist()], dtype=np.str_)
    predicted_text = np.asarray([str(v) for v in np.asarray(predicted).tolist()], dtype=np.str_)
    if len(actual_text) != len(predicted_text):
        raise ValueError("actual and predicted must have the same length")
    labels = class_labels(actual_text, predicted_text)
    # each row's (actual, predicted) pair as one number: the cell of the confusion matrix
    position = np.asarray(labels, dtype=np.str_)
    order = np.argsort(position)
    size = len(labels)

    def codes(text: npt.NDArray[np.str_]) -> IntArray:
        return np.asarray(order[np.searchsorted(position[order], text)], dtype=np.int64)

    cells = codes(actual_text) * size + codes(predicted_text)

    def counts_of(rows: Indices | None) -> IntArray:
        chosen = cells if rows is None else cells[rows]
        return np.bincount(chosen, minlength=size * size).reshape(size, size)

    estimates = estimate_metrics(
        len(actual_text), lambda rows: _multiclass_scalars(counts_of(rows), variant), seed=seed
    )
    counts = counts_of(None).tolist()
    matrix: ConfusionMatrix = {
        a: {p: int(counts[i][j]) for j, p in enumerate(labels)} for i, a in enumerate(labels)
    }
    return MulticlassClassificationMetrics.model_validate({"confusion_matrix": matrix, **estimates})
