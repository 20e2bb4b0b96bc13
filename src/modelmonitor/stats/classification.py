"""Binary and multiclass classification metrics of SageMaker's model-quality statistics (pure math).

Counts come from ``sklearn.metrics.confusion_matrix``; every rate is the count ratio scikit-learn uses,
with 0 where the denominator is 0 (scikit-learn's ``zero_division=0``):

- recall = true positive rate = TP / (TP + FN); precision = TP / (TP + FP); accuracy = (TP + TN) / n
- true negative rate = TN / (TN + FP); false positive rate = 1 - true negative rate;
  false negative rate = 1 - true positive rate (SageMaker's complements, equal to FP / (FP + TN) and
  FN / (FN + TP) up to the last digit; 0 when there are no negatives, resp. positives)
- F_beta = (1 + beta^2) TP / ((1 + beta^2) TP + beta^2 FN + FP), for beta in 0.5, 1, 2
- binary best constant classifier: always predicts the positive label 1 (as SageMaker)
- multiclass ``weighted_*``: the per-class metric weighted by the class's share of the actual labels, so
  ``weighted_recall == accuracy``; the best constant classifier predicts the most frequent actual class
  (``variant="sagemaker"``: the least frequent one, matching SageMaker's documented example)
- AUC: ``sklearn.metrics.roc_auc_score`` of the scores (NaN when only one class is present);
  ROC and precision-recall curves from ``roc_curve`` and ``precision_recall_curve``, ordered by
  increasing recall as SageMaker writes them, thinned to ``max_curve_points`` evenly spaced points.

``variant="sagemaker"`` reproduces SageMaker's curves: its analyzer counts every row as a positive when
it builds them, so the ROC curve runs up the y axis (false positive rates all 0), precision is 1
everywhere and AUC is 1.0 whatever the model (docs/compatibility.md). Standard deviations:
``stats.bootstrap``.

scikit-learn is imported where it is used (here and in ``stats.regression``): with SciPy and pandas it
takes longer to import than a data-quality execution over a million records takes to run, and every
job imports this module through the monitor registry.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
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


def _binary_scalars(
    actual: IntArray, predicted: IntArray, scores: FloatArray, variant: MetricVariant
) -> dict[str, float]:
    from sklearn.metrics import confusion_matrix  # scikit-learn on first use: see the module's note

    (tn, fp), (fn, tp) = confusion_matrix(actual, predicted, labels=[0, 1]).tolist()
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
        "auc": _auc(actual, scores, variant),
    }
    for name, beta in _BETAS.items():
        metrics[name] = _f_beta(beta, tp, fp, fn)
    for name, beta in _BETAS.items():
        # always predicting 1: every positive is found, every negative is a false positive
        metrics[f"{name}_best_constant_classifier"] = _f_beta(beta, positives, negatives, 0)
    return metrics


def _auc(actual: IntArray, scores: FloatArray, variant: MetricVariant) -> float:
    from sklearn.metrics import auc as area_under_curve
    from sklearn.metrics import roc_auc_score

    if variant == "sagemaker":
        fpr, tpr = _sagemaker_roc(scores)
        return float(area_under_curve(fpr, tpr))
    if len(np.unique(actual)) < 2:
        return math.nan
    return float(roc_auc_score(actual, scores))


def _sagemaker_roc(scores: FloatArray) -> tuple[FloatArray, FloatArray]:
    # One point per distinct score, highest first, every row counted as a positive.
    _, counts = np.unique(-scores, return_counts=True)
    tpr = np.cumsum(counts) / len(scores)
    fpr = np.zeros_like(tpr)
    return np.concatenate(([0.0], fpr, [1.0])), np.concatenate(([0.0], tpr, [1.0]))


def _sagemaker_pr(scores: FloatArray) -> tuple[FloatArray, FloatArray]:
    _, counts = np.unique(-scores, return_counts=True)
    recall = np.concatenate(([0.0], np.cumsum(counts) / len(scores)))
    return np.ones_like(recall), recall


def _thin(first: FloatArray, second: FloatArray, limit: int) -> tuple[list[float], list[float]]:
    if len(first) > limit:
        keep = np.unique(np.linspace(0, len(first) - 1, limit).round().astype(np.int64))
        first, second = first[keep], second[keep]
    return [float(v) for v in first], [float(v) for v in second]


def _curves(
    actual: IntArray, scores: FloatArray, variant: MetricVariant, limit: int
) -> tuple[ReceiverOperatingCharacteristicCurve, PrecisionRecallCurve]:
    if variant == "sagemaker":
        fpr, tpr = _sagemaker_roc(scores)
        precision, recall = _sagemaker_pr(scores)
    else:
        from sklearn.metrics import precision_recall_curve, roc_curve

        with warnings.catch_warnings():
            # One class only: scikit-learn returns NaN rates and warns; the NaN is written as "NaN".
            warnings.simplefilter("ignore")
            fpr, tpr, _ = roc_curve(actual, scores, pos_label=1)
            precision, recall, _ = precision_recall_curve(actual, scores, pos_label=1)
        precision, recall = precision[::-1], recall[::-1]
    fprs, tprs = _thin(np.asarray(fpr, dtype=np.float64), np.asarray(tpr, dtype=np.float64), limit)
    precisions, recalls = _thin(
        np.asarray(precision, dtype=np.float64), np.asarray(recall, dtype=np.float64), limit
    )
    return (
        ReceiverOperatingCharacteristicCurve(false_positive_rates=fprs, true_positive_rates=tprs),
        PrecisionRecallCurve(precisions=precisions, recalls=recalls),
    )


def _as_binary(values: npt.ArrayLike, what: str) -> IntArray:
    array = np.asarray(values)
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

    def compute(rows: Indices | None) -> Mapping[str, float]:
        if rows is None:
            return _binary_scalars(actual_labels, predicted_labels, score_values, variant)
        return _binary_scalars(actual_labels[rows], predicted_labels[rows], score_values[rows], variant)

    from sklearn.metrics import confusion_matrix

    estimates = estimate_metrics(len(actual_labels), compute, seed=seed)
    counts = confusion_matrix(actual_labels, predicted_labels, labels=[0, 1]).tolist()
    matrix: ConfusionMatrix = {str(a): {str(p): int(counts[a][p]) for p in (0, 1)} for a in (0, 1)}
    roc, pr = _curves(actual_labels, score_values, variant, max_curve_points)
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
    actual_text = np.asarray([str(v) for v in np.asarray(actual).tolist()], dtype=object)
    predicted_text = np.asarray([str(v) for v in np.asarray(predicted).tolist()], dtype=object)
    if len(actual_text) != len(predicted_text):
        raise ValueError("actual and predicted must have the same length")
    labels = class_labels(actual_text, predicted_text)
    from sklearn.metrics import confusion_matrix

    def counts_of(rows: Indices | None) -> IntArray:
        chosen_actual = actual_text if rows is None else actual_text[rows]
        chosen_predicted = predicted_text if rows is None else predicted_text[rows]
        return np.asarray(confusion_matrix(chosen_actual, chosen_predicted, labels=labels), dtype=np.int64)

    estimates = estimate_metrics(
        len(actual_text), lambda rows: _multiclass_scalars(counts_of(rows), variant), seed=seed
    )
    counts = counts_of(None).tolist()
    matrix: ConfusionMatrix = {
        a: {p: int(counts[i][j]) for j, p in enumerate(labels)} for i, a in enumerate(labels)
    }
    return MulticlassClassificationMetrics.model_validate({"confusion_matrix": matrix, **estimates})
