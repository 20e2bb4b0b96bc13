"""Clarify's bias metrics on small data computed by hand, on edge cases, and against scikit-learn's
confusion matrix on random data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import confusion_matrix

from modelmonitor.stats.bias import (
    POST_TRAINING_METRICS,
    PRE_TRAINING_METRICS,
    BiasInputs,
    bias_metrics,
)

# Rows 0-5 are the rest (a), rows 6-9 the sensitive group (d).
FACET = np.array([False] * 6 + [True] * 4)
LABEL = np.array([1, 1, 1, 0, 0, 0, 1, 0, 0, 0], dtype=bool)
PREDICTED = np.array([1, 1, 0, 1, 0, 0, 0, 1, 1, 0], dtype=bool)
GROUP = np.array([0, 0, 0, 1, 1, 1, 0, 1, 1, 1])
FEATURES = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0], [0.0], [2.0], [4.0], [5.0]])

HAND = BiasInputs(facet=FACET, label=LABEL, predicted=PREDICTED, group=GROUP, features=FEATURES)

# a: TP 2, FN 1, FP 1, TN 2; d: TP 0, FN 1, FP 2, TN 1.
EXPECTED = {
    "CI": (6 - 4) / 10,
    "DPL": 3 / 6 - 1 / 4,
    "KL": 0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25),
    "JS": 0.5
    * (
        0.5 * math.log(0.5 / 0.625)
        + 0.5 * math.log(0.5 / 0.375)
        + 0.75 * math.log(0.75 / 0.625)
        + 0.25 * math.log(0.25 / 0.375)
    ),
    "LP": math.sqrt(2 * 0.25**2),
    "TVD": 0.25,
    "KS": 0.25,
    # group 0: 4 rows, all accepted, 1 of them in d -> DD = 0 - 1/4; group 1: 6 rejected, 3 in d -> 1/2 - 0
    "CDDL": (4 * -0.25 + 6 * 0.5) / 10,
    "DPPL": 3 / 6 - 2 / 4,
    "DI": (2 / 4) / (3 / 6),
    "DCA": 3 / 3 - 1 / 2,
    "DCR": 3 / 2 - 3 / 3,
    "RD": 2 / 3 - 0 / 1,
    "SD": 1 / 3 - 2 / 3,
    "DAR": 2 / 3 - 0 / 2,
    "DRR": 1 / 2 - 2 / 3,
    "AD": 4 / 6 - 1 / 4,
    "TE": 1 / 2 - 1 / 1,
    # group 0: 3 predicted accepted (rows 0, 1, ... none in d), group 1: rows 3, 7, 8 accepted
    "CDDPL": None,  # computed below from its definition
    # 1 neighbour (a has 6 rows); d rows at 0, 2, 4, 5 see a's predictions 1, 0, 0, 0; d predicts 0, 1, 1, 0
    "FT": (2 - 1) / 4,
    "GE": None,
}


def _cdd_by_definition(positive: np.ndarray) -> float:
    total = 0.0
    for value in np.unique(GROUP):
        member = value == GROUP
        accepted, rejected = (positive & member).sum(), (~positive & member).sum()
        share_accepted = (positive & FACET & member).sum() / accepted if accepted else 0.0
        share_rejected = (~positive & FACET & member).sum() / rejected if rejected else 0.0
        total += member.sum() * (share_rejected - share_accepted)
    return float(total / len(GROUP))


def _ge_by_definition() -> float:
    benefit = PREDICTED.astype(int) - LABEL.astype(int) + 1
    mean = benefit.sum() / len(benefit)
    return float(sum((b / mean) ** 2 - 1 for b in benefit) / (2 * len(benefit)))


EXPECTED["CDDPL"] = _cdd_by_definition(PREDICTED)
EXPECTED["GE"] = _ge_by_definition()


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=str)
def test_metric_on_hand_computed_data(name: str) -> None:
    [result] = bias_metrics(HAND, [name])
    assert result.error is None
    assert result.value == pytest.approx(EXPECTED[name], rel=1e-12, abs=1e-15)


def test_results_are_sorted_by_name_with_clarify_descriptions() -> None:
    results = bias_metrics(HAND, list(PRE_TRAINING_METRICS))
    assert [r.name for r in results] == sorted(PRE_TRAINING_METRICS)
    assert results[4].description == "Kullback-Liebler Divergence (KL)"


def test_cddl_without_group_variable_has_clarify_error() -> None:
    data = BiasInputs(facet=FACET, label=LABEL, predicted=PREDICTED)
    results = {r.name: r for r in bias_metrics(data, ["CDDL", "CDDPL"])}
    for name in ("CDDL", "CDDPL"):
        assert results[name].value is None
        assert results[name].error == "Group variable is empty or not provided"


@pytest.mark.parametrize("facet", [np.zeros(10, bool), np.ones(10, bool)], ids=["empty-facet", "empty-rest"])
def test_every_metric_of_a_one_sided_facet_is_an_error_not_nan(facet: np.ndarray) -> None:
    data = BiasInputs(facet=facet, label=LABEL, predicted=PREDICTED, group=GROUP, features=FEATURES)
    names = [n for n in PRE_TRAINING_METRICS + POST_TRAINING_METRICS if n != "GE"]  # GE ignores facets
    for result in bias_metrics(data, names):
        assert result.value is None, result.name
        assert result.error in {"Facet set is empty", "Negated facet set is empty"}


def test_zero_over_zero_is_zero_and_x_over_zero_is_infinite() -> None:
    nobody_predicted = BiasInputs(facet=FACET, label=LABEL, predicted=np.zeros(10, bool))
    [di] = bias_metrics(nobody_predicted, ["DI"])
    assert di.value == 0.0
    # d: one false negative and no false positive -> FN_d/FP_d = +inf; a finite
    predicted = PREDICTED.copy()
    predicted[7:9] = False
    [te] = bias_metrics(BiasInputs(facet=FACET, label=LABEL, predicted=predicted), ["TE"])
    assert te.value == math.inf


def test_two_infinite_ratios_differ_by_zero() -> None:
    # both groups: false negatives, no false positives -> inf - inf is reported as 0
    label = np.array([1, 0, 1, 0], dtype=bool)
    predicted = np.array([0, 0, 0, 0], dtype=bool)
    facet = np.array([False, False, True, True])
    [te] = bias_metrics(BiasInputs(facet=facet, label=label, predicted=predicted), ["TE"])
    assert te.value == 0.0


def test_groups_without_a_common_label_outcome() -> None:
    data = BiasInputs(facet=np.array([False, False, True, True]), label=np.array([1, 1, 0, 0], dtype=bool))
    for result in bias_metrics(data, ["KL", "JS", "LP", "TVD", "KS"]):
        assert result.value is None
        assert result.error == "No instance of common facet found, dataset may be too small"


def test_generalized_entropy_of_only_false_negatives_is_an_error() -> None:
    data = BiasInputs(facet=FACET, label=np.ones(10, bool), predicted=np.zeros(10, bool))
    [ge] = bias_metrics(data, ["GE"])
    assert ge.value is None
    assert ge.error is not None
    assert "false negatives" in ge.error


def test_post_training_metrics_need_predictions() -> None:
    [dppl] = bias_metrics(BiasInputs(facet=FACET, label=LABEL), ["DPPL"])
    assert dppl.error == "Predicted labels are needed for post-training metrics"


def test_unknown_metric_is_refused() -> None:
    with pytest.raises(ValueError, match="DCAcc"):
        bias_metrics(HAND, ["DCAcc"])


def _rates_from_sklearn(label: np.ndarray, predicted: np.ndarray, rows: np.ndarray) -> dict[str, float]:
    tn, fp, fn, tp = confusion_matrix(label[rows], predicted[rows], labels=[False, True]).ravel()

    def ratio(x: int, y: int) -> float:
        return 0.0 if x == 0 and y == 0 else (math.inf if y == 0 else x / y)

    return {
        "recall": ratio(tp, tp + fn),
        "specificity": ratio(tn, tn + fp),
        "precision": ratio(tp, tp + fp),
        "rejection": ratio(tn, tn + fn),
        "accuracy": ratio(tp + tn, tp + tn + fp + fn),
        "acceptance": ratio(tp + fn, tp + fp),
        "conditional_rejection": ratio(tn + fp, tn + fn),
        "te": ratio(fn, fp),
        "predicted_positive": (tp + fp) / rows.sum(),
    }


def _difference(first: float, second: float) -> float:
    return 0.0 if first == second and math.isinf(first) else first - second


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans()), min_size=2, max_size=60),
)
def test_post_training_rates_equal_sklearn_confusion_matrices(rows: list[tuple[bool, bool, bool]]) -> None:
    facet, label, predicted = (np.array(column, dtype=bool) for column in zip(*rows, strict=True))
    if facet.all() or not facet.any():
        return
    a = _rates_from_sklearn(label, predicted, ~facet)
    d = _rates_from_sklearn(label, predicted, facet)
    expected = {
        "RD": _difference(a["recall"], d["recall"]),
        "SD": _difference(d["specificity"], a["specificity"]),
        "DAR": _difference(a["precision"], d["precision"]),
        "DRR": _difference(d["rejection"], a["rejection"]),
        "AD": _difference(a["accuracy"], d["accuracy"]),
        "DCA": _difference(a["acceptance"], d["acceptance"]),
        "DCR": _difference(d["conditional_rejection"], a["conditional_rejection"]),
        "TE": _difference(d["te"], a["te"]),
        "DPPL": a["predicted_positive"] - d["predicted_positive"],
    }
    results = {r.name: r.value for r in bias_metrics(BiasInputs(facet, label, predicted), list(expected))}
    for name, value in expected.items():
        assert results[name] == pytest.approx(value, rel=1e-12, abs=1e-15), name


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=2, max_size=60))
def test_pre_training_invariants(rows: list[tuple[bool, bool]]) -> None:
    facet, label = (np.array(column, dtype=bool) for column in zip(*rows, strict=True))
    if facet.all() or not facet.any():
        return
    ours = {r.name: r for r in bias_metrics(BiasInputs(facet, label), ["CI", "DPL", "KL", "JS", "TVD", "KS"])}
    swapped = {r.name: r for r in bias_metrics(BiasInputs(~facet, label), ["CI", "DPL"])}
    assert ours["CI"].value == pytest.approx(-(swapped["CI"].value or 0.0))
    assert ours["DPL"].value == pytest.approx(-(swapped["DPL"].value or 0.0))
    both_outcomes_in_both = all((label & rows_).any() and (~label & rows_).any() for rows_ in (facet, ~facet))
    if (
        both_outcomes_in_both
    ):  # else Clarify drops the missing outcome and KL may be negative (docs/clarify.md)
        assert ours["KL"].value is not None
        assert ours["KL"].value >= -1e-15
        assert ours["JS"].value is not None
        assert -1e-15 <= ours["JS"].value <= math.log(2)
        assert ours["TVD"].value is not None
        # two outcomes: half the L1 distance is the largest gap
        assert ours["TVD"].value == pytest.approx(ours["KS"].value)
