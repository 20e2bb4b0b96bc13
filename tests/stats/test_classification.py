"""Classification metrics equal scikit-learn's on random data, with SageMaker's edge cases pinned."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    fbeta_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

from modelmonitor.errors import DatasetError
from modelmonitor.stats.classification import (
    binary_classification_metrics,
    class_labels,
    multiclass_classification_metrics,
)

SEEDS = [0, 1, 2, 3, 4, 5]
SIZES = [1, 7, 199, 200, 1000]


def _binary_data(seed: int, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    actual = rng.integers(0, 2, size)
    scores = np.clip(actual * 0.3 + rng.random(size) * 0.7, 0, 1)
    predicted = (scores >= 0.5).astype(int)
    return actual, predicted, scores


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"n{s}")
@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed{s}")
def test_binary_metrics_equal_scikit_learn(seed: int, size: int) -> None:
    actual, predicted, scores = _binary_data(seed, size)
    m = binary_classification_metrics(actual, predicted, scores).scalar_metrics()
    expected = {
        "recall": recall_score(actual, predicted, zero_division=0),
        "precision": precision_score(actual, predicted, zero_division=0),
        "accuracy": accuracy_score(actual, predicted),
        "true_positive_rate": recall_score(actual, predicted, zero_division=0),
        "true_negative_rate": recall_score(actual, predicted, pos_label=0, zero_division=0),
        "false_positive_rate": 1 - recall_score(actual, predicted, pos_label=0, zero_division=1),
        "false_negative_rate": 1 - recall_score(actual, predicted, zero_division=1),
        "f0_5": fbeta_score(actual, predicted, beta=0.5, zero_division=0),
        "f1": fbeta_score(actual, predicted, beta=1, zero_division=0),
        "f2": fbeta_score(actual, predicted, beta=2, zero_division=0),
    }
    always_positive = np.ones_like(actual)
    expected |= {
        "recall_best_constant_classifier": recall_score(actual, always_positive, zero_division=0),
        "precision_best_constant_classifier": precision_score(actual, always_positive, zero_division=0),
        "accuracy_best_constant_classifier": accuracy_score(actual, always_positive),
        "f0_5_best_constant_classifier": fbeta_score(actual, always_positive, beta=0.5, zero_division=0),
        "f1_best_constant_classifier": fbeta_score(actual, always_positive, beta=1, zero_division=0),
        "f2_best_constant_classifier": fbeta_score(actual, always_positive, beta=2, zero_division=0),
    }
    for name, value in expected.items():
        assert m[name].value == pytest.approx(value, rel=1e-12, abs=1e-15), name
    if len(set(actual)) == 2:
        assert m["auc"].value == pytest.approx(roc_auc_score(actual, scores), rel=1e-12)
    else:
        assert math.isnan(m["auc"].value)


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed{s}")
def test_binary_curves_are_scikit_learns_in_recall_order(seed: int) -> None:
    actual, predicted, scores = _binary_data(seed, 300)
    metrics = binary_classification_metrics(actual, predicted, scores)
    fpr, tpr, _ = roc_curve(actual, scores)
    precision, recall, _ = precision_recall_curve(actual, scores)
    assert metrics.receiver_operating_characteristic_curve.false_positive_rates == fpr.tolist()
    assert metrics.receiver_operating_characteristic_curve.true_positive_rates == tpr.tolist()
    assert metrics.precision_recall_curve.precisions == precision[::-1].tolist()
    assert metrics.precision_recall_curve.recalls == recall[::-1].tolist()
    assert metrics.precision_recall_curve.recalls[0] == 0.0


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed{s}")
def test_tied_scores_give_scikit_learns_auc_and_curves(seed: int) -> None:
    # scores of one decimal: long runs of equal scores, which count as one point (half a trapezoid)
    actual, predicted, scores = _binary_data(seed, 1000)
    tied = np.round(scores, 1)
    metrics = binary_classification_metrics(actual, predicted, tied)
    assert metrics.auc.value == pytest.approx(roc_auc_score(actual, tied), rel=1e-12)
    fpr, tpr, _ = roc_curve(actual, tied)
    precision, recall, _ = precision_recall_curve(actual, tied)
    assert metrics.receiver_operating_characteristic_curve.false_positive_rates == fpr.tolist()
    assert metrics.receiver_operating_characteristic_curve.true_positive_rates == tpr.tolist()
    assert metrics.precision_recall_curve.precisions == precision[::-1].tolist()
    assert metrics.precision_recall_curve.recalls == recall[::-1].tolist()


@pytest.mark.parametrize("label", [0, 1])
def test_one_class_curves_are_scikit_learns(label: int) -> None:
    # scikit-learn's NaN rates (no negatives, or no positives) and all-ones recall without positives
    scores = np.random.default_rng(label).random(300)
    actual = np.full(300, label)
    metrics = binary_classification_metrics(actual, (scores >= 0.5).astype(int), scores)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fpr, tpr, _ = roc_curve(actual, scores)
        precision, recall, _ = precision_recall_curve(actual, scores)
    roc = metrics.receiver_operating_characteristic_curve
    np.testing.assert_array_equal(roc.false_positive_rates, fpr)
    np.testing.assert_array_equal(roc.true_positive_rates, tpr)
    np.testing.assert_array_equal(metrics.precision_recall_curve.precisions, precision[::-1])
    np.testing.assert_array_equal(metrics.precision_recall_curve.recalls, recall[::-1])


def test_nan_scores_are_refused() -> None:
    with pytest.raises(DatasetError, match="scores must be numbers"):
        binary_classification_metrics([0, 1], [0, 1], [0.2, math.nan])


def test_curves_are_thinned_to_the_point_limit_keeping_both_ends() -> None:
    actual, predicted, scores = _binary_data(9, 5000)
    curve = binary_classification_metrics(
        actual, predicted, scores, max_curve_points=50
    ).precision_recall_curve
    full_precision, full_recall, _ = precision_recall_curve(actual, scores)
    assert len(curve.recalls) == 50
    assert curve.recalls[0] == full_recall[-1]
    assert curve.recalls[-1] == full_recall[0]
    assert curve.precisions[-1] == full_precision[0]


def test_confusion_matrix_is_keyed_actual_then_predicted() -> None:
    actual, predicted, scores = _binary_data(3, 500)
    counts = confusion_matrix(actual, predicted)
    matrix = binary_classification_metrics(actual, predicted, scores).confusion_matrix
    assert matrix == {str(a): {str(p): int(counts[a, p]) for p in (0, 1)} for a in (0, 1)}


def test_sagemaker_variant_counts_every_row_positive_in_curves() -> None:
    # SageMaker's analyzer writes these curves and AUC 1.0 (seen in two real files), whatever the labels.
    actual = np.array([0, 0, 1, 0])
    scores = np.array([0.9, 0.2, 0.6, 0.4])
    metrics = binary_classification_metrics(actual, (scores >= 0.5).astype(int), scores, variant="sagemaker")
    assert metrics.receiver_operating_characteristic_curve.false_positive_rates == [
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        1.0,
    ]
    assert metrics.receiver_operating_characteristic_curve.true_positive_rates == [
        0.0,
        0.25,
        0.5,
        0.75,
        1.0,
        1.0,
    ]
    assert metrics.precision_recall_curve.precisions == [1.0] * 5
    assert metrics.precision_recall_curve.recalls == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert metrics.auc.value == 1.0
    # the scalar metrics are the same in both variants
    assert (
        metrics.accuracy.value
        == binary_classification_metrics(actual, (scores >= 0.5).astype(int), scores).accuracy.value
    )


def test_one_class_present() -> None:
    actual = np.zeros(250, dtype=int)
    predicted = np.r_[np.zeros(200, dtype=int), np.ones(50, dtype=int)]
    m = binary_classification_metrics(actual, predicted, predicted * 0.9)
    assert m.recall.value == 0.0
    assert m.precision.value == 0.0
    assert m.accuracy.value == 0.8
    assert m.false_positive_rate.value == 1 - 0.8  # SageMaker: 1 - true negative rate
    assert math.isnan(m.auc.value)
    assert math.isnan(m.auc.standard_deviation)
    assert m.confusion_matrix == {"0": {"0": 200, "1": 50}, "1": {"0": 0, "1": 0}}


def test_all_predictions_one_class() -> None:
    actual, _, scores = _binary_data(4, 300)
    m = binary_classification_metrics(actual, np.zeros(300, dtype=int), scores)
    assert m.precision.value == 0.0
    assert m.recall.value == 0.0
    assert m.f1.value == 0.0
    assert m.true_negative_rate.value == 1.0
    assert m.accuracy.value == pytest.approx(accuracy_score(actual, np.zeros(300)))


def test_empty_input_is_a_clear_error() -> None:
    with pytest.raises(DatasetError, match="no rows with both a prediction and a label"):
        binary_classification_metrics([], [], [])
    with pytest.raises(DatasetError, match="no rows"):
        multiclass_classification_metrics([], [])


def test_labels_other_than_0_and_1_are_refused_with_the_value() -> None:
    with pytest.raises(DatasetError, match="binary classification needs labels 0 or 1, got 2"):
        binary_classification_metrics([0, 1, 2], [0, 1, 1])


def test_without_scores_the_predictions_are_the_scores() -> None:
    actual, predicted, _ = _binary_data(5, 400)
    assert binary_classification_metrics(actual, predicted).auc.value == pytest.approx(
        roc_auc_score(actual, predicted)
    )


def test_standard_deviation_needs_200_rows_and_is_deterministic() -> None:
    small = binary_classification_metrics(*_binary_data(6, 199))
    assert all(math.isnan(v.standard_deviation) for v in small.scalar_metrics().values())
    first = binary_classification_metrics(*_binary_data(6, 200), seed=11)
    again = binary_classification_metrics(*_binary_data(6, 200), seed=11)
    assert first == again
    assert first.accuracy.standard_deviation > 0
    # complementary metrics share the draws, so their deviations agree
    assert first.true_positive_rate.standard_deviation == pytest.approx(
        first.false_negative_rate.standard_deviation
    )


# multiclass ------------------------------------------------------------------------------------


def _multiclass_data(seed: int, size: int, classes: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    actual = rng.integers(0, classes, size)
    noisy = rng.integers(0, classes + 1, size)  # one label only ever predicted
    predicted = np.where(rng.random(size) < 0.6, actual, noisy)
    return actual, predicted


@pytest.mark.parametrize("classes", [2, 3, 7], ids=lambda c: f"{c}classes")
@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed{s}")
def test_multiclass_metrics_equal_scikit_learn(seed: int, classes: int) -> None:
    actual, predicted = _multiclass_data(seed, 500, classes)
    m = multiclass_classification_metrics(actual, predicted).scalar_metrics()
    weighted = {"average": "weighted", "zero_division": 0}
    expected = {
        "accuracy": accuracy_score(actual, predicted),
        "weighted_recall": recall_score(actual, predicted, **weighted),
        "weighted_precision": precision_score(actual, predicted, **weighted),
        "weighted_f0_5": fbeta_score(actual, predicted, beta=0.5, **weighted),
        "weighted_f1": fbeta_score(actual, predicted, beta=1, **weighted),
        "weighted_f2": fbeta_score(actual, predicted, beta=2, **weighted),
    }
    values, counts = np.unique(actual, return_counts=True)
    constant = np.full_like(actual, values[np.argmax(counts)])
    expected |= {
        "accuracy_best_constant_classifier": accuracy_score(actual, constant),
        "weighted_recall_best_constant_classifier": recall_score(actual, constant, **weighted),
        "weighted_precision_best_constant_classifier": precision_score(actual, constant, **weighted),
        "weighted_f0_5_best_constant_classifier": fbeta_score(actual, constant, beta=0.5, **weighted),
        "weighted_f1_best_constant_classifier": fbeta_score(actual, constant, beta=1, **weighted),
        "weighted_f2_best_constant_classifier": fbeta_score(actual, constant, beta=2, **weighted),
    }
    for name, value in expected.items():
        assert m[name].value == pytest.approx(value, rel=1e-12, abs=1e-15), name


def test_multiclass_sagemaker_variant_predicts_the_least_frequent_class() -> None:
    actual = np.array(["a"] * 300 + ["b"] * 100 + ["c"] * 50)
    predicted = actual.copy()
    m = multiclass_classification_metrics(actual, predicted, variant="sagemaker")
    constant = np.full_like(actual, "c")
    assert m.accuracy_best_constant_classifier.value == pytest.approx(50 / 450)
    assert m.weighted_precision_best_constant_classifier.value == pytest.approx(
        precision_score(actual, constant, average="weighted", zero_division=0)
    )


def test_multiclass_confusion_matrix_orders_numeric_labels_by_value() -> None:
    actual = [10, 2, 2, 1]
    predicted = [2, 2, 10, 1]
    m = multiclass_classification_metrics(actual, predicted)
    assert list(m.confusion_matrix) == ["1", "2", "10"]
    assert m.confusion_matrix["2"] == {"1": 0, "2": 1, "10": 1}
    assert m.confusion_matrix["10"] == {"1": 0, "2": 1, "10": 0}
    assert class_labels(["b", "a"], ["c"]) == ["a", "b", "c"]


def test_multiclass_one_class_present() -> None:
    m = multiclass_classification_metrics(["x"] * 5, ["x", "x", "y", "x", "x"])
    assert m.accuracy.value == 0.8
    assert m.weighted_recall.value == 0.8
    assert m.weighted_precision.value == 1.0
    assert m.accuracy_best_constant_classifier.value == 1.0
