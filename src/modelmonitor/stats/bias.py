"""Clarify's bias metrics, pre-training (labels) and post-training (labels and predictions), per facet group.

Notation: *d* is the sensitive group (the facet's rows), *a* the rest; ``n_a``, ``n_d`` their sizes;
``y`` the positive-label mask, ``ŷ`` the positive-prediction mask; ``q_x = n_x(1)/n_x`` and
``q'_x = n'_x(1)/n_x`` the observed and predicted positive proportions. Formulas (docs/clarify.md):

pre-training  CI = (n_a − n_d)/n;  DPL = q_a − q_d;  over the label distributions ``P_a``, ``P_d`` of *a*
              and *d* restricted to the outcomes both have: KL = Σ P_a ln(P_a/P_d); JS = ½[KL(P_a‖P) +
              KL(P_d‖P)], P = ½(P_a+P_d); LP = ‖P_a − P_d‖₂; TVD = ½‖P_a − P_d‖₁; KS = ‖P_a − P_d‖∞;
              CDDL = Σ_i n_i·(n_i,d(0)/n_i(0) − n_i,d(1)/n_i(1)) / n over the groups i of the group variable.
post-training DPPL = q'_a − q'_d;  DI = q'_d/q'_a;  DCA = n_a(1)/n'_a(1) − n_d(1)/n'_d(1);
              DCR = n_d(0)/n'_d(0) − n_a(0)/n'_a(0);  RD = recall_a − recall_d;  SD = specificity_d −
              specificity_a;  DAR = precision_a − precision_d;  DRR = TN_d/n'_d(0) − TN_a/n'_a(0);
              AD = accuracy_a − accuracy_d;  TE = FN_d/FP_d − FN_a/FP_a;  CDDPL = CDDL on predictions;
              GE = Σ((b_i/b̄)² − 1)/(2n), b = ŷ − y + 1 (the whole data set);  FT = (F⁺ − F⁻)/n_d with a
              k-nearest-neighbour model (k = 5, or 1 when *a* has at most 9 rows) fitted on *a*'s features
              and predictions: F⁺ counts *d* rows predicted positive whose neighbours in *a* were predicted
              negative, F⁻ the reverse.

Ratios follow Clarify: 0/0 is 0, x/0 is ±Infinity, and a difference of two infinite ratios is 0. A metric
that cannot be computed (an empty group, no group variable, a label with one class) is reported with no
value and an error message, never as NaN. The operations mirror Clarify's order (numpy sums, norms), so
values equal Clarify's bit for bit, KL/JS/LP to numpy's last digit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DESCRIPTIONS",
    "POST_TRAINING_METRICS",
    "PRE_TRAINING_METRICS",
    "BiasInputs",
    "MetricResult",
    "Stage",
    "UndefinedMetricError",
    "bias_metrics",
]

Mask = NDArray[np.bool_]
Stage = Literal["pre_training", "post_training"]

DESCRIPTIONS: dict[str, str] = {
    "CI": "Class Imbalance (CI)",
    "DPL": "Difference in Positive Proportions in Labels (DPL)",
    "KL": "Kullback-Liebler Divergence (KL)",  # sic: Clarify's spelling
    "JS": "Jensen-Shannon Divergence (JS)",
    "LP": "L-p Norm (LP)",
    "TVD": "Total Variation Distance (TVD)",
    "KS": "Kolmogorov-Smirnov Distance (KS)",
    "CDDL": "Conditional Demographic Disparity in Labels (CDDL)",
    "DPPL": "Difference in Positive Proportions in Predicted Labels (DPPL)",
    "DI": "Disparate Impact (DI)",
    "DCA": "Difference in Conditional Acceptance (DCA)",
    "DCR": "Difference in Conditional Rejection (DCR)",
    "SD": "Specificity Difference (SD)",
    "RD": "Recall Difference (RD)",
    "DAR": "Difference in Acceptance Rates (DAR)",
    "DRR": "Difference in Rejection Rates (DRR)",
    "AD": "Accuracy Difference (AD)",
    "TE": "Treatment Equality (TE)",
    "CDDPL": "Conditional Demographic Disparity in Predicted Labels (CDDPL)",
    "FT": "Flip Test (FT)",
    "GE": "Generalized Entropy (GE)",
}
PRE_TRAINING_METRICS = ("CDDL", "CI", "DPL", "JS", "KL", "KS", "LP", "TVD")
POST_TRAINING_METRICS = (
    "AD",
    "CDDPL",
    "DAR",
    "DCA",
    "DCR",
    "DI",
    "DPPL",
    "DRR",
    "FT",
    "GE",
    "RD",
    "SD",
    "TE",
)

NO_GROUP_VARIABLE = "Group variable is empty or not provided"  # Clarify's words


class UndefinedMetricError(ValueError):
    """The metric has no value on this data; the message says why."""


@dataclass(frozen=True)
class MetricResult:
    name: str
    description: str
    value: float | None
    error: str | None = None


@dataclass(frozen=True)
class BiasInputs:
    """One facet group's masks over the rows, and what the conditional and flip-test metrics need."""

    facet: Mask
    label: Mask
    predicted: Mask | None = None
    group: NDArray[Any] | None = None
    features: NDArray[np.float64] | None = None  # rows x features other than label, prediction and facet


def _divide(numerator: float, denominator: float) -> float:
    if denominator == 0:
        if numerator == 0:
            return 0.0
        return -np.inf if numerator < 0 else np.inf
    return numerator / denominator


def _difference(first: float, second: float) -> float:
    if first == second and np.isinf(first):
        return 0.0
    return first - second


def _sizes(data: BiasInputs) -> tuple[int, int]:
    n_d = int(data.facet.sum())
    n_a = len(data.facet) - n_d
    if n_d == 0:
        raise UndefinedMetricError("Facet set is empty")
    if n_a == 0:
        raise UndefinedMetricError("Negated facet set is empty")
    return n_a, n_d


def _predicted(data: BiasInputs) -> Mask:
    if data.predicted is None:
        raise UndefinedMetricError("Predicted labels are needed for post-training metrics")
    return data.predicted


def _positive_difference(facet: Mask, positive: Mask, n_a: int, n_d: int) -> float:
    return int((positive & ~facet).sum()) / n_a - int((positive & facet).sum()) / n_d


def _distributions(data: BiasInputs) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """P_a, P_d over the label outcomes (negative, positive) that both groups have."""
    n_a, n_d = _sizes(data)
    pos_a = int((data.label & ~data.facet).sum())
    pos_d = int((data.label & data.facet).sum())
    pairs = [((n_a - pos_a) / n_a, (n_d - pos_d) / n_d), (pos_a / n_a, pos_d / n_d)]
    common = [(p_a, p_d) for p_a, p_d in pairs if p_a != 0 and p_d != 0]
    if not common:
        raise UndefinedMetricError("No instance of common facet found, dataset may be too small")
    return np.array([p for p, _ in common]), np.array([p for _, p in common])


def _conditional_disparity(data: BiasInputs, positive: Mask) -> float:
    if data.group is None or len(data.group) == 0:
        raise UndefinedMetricError(NO_GROUP_VARIABLE)
    _sizes(data)
    if not positive.any():
        raise UndefinedMetricError("No positive labels in set")
    if positive.all():
        raise UndefinedMetricError("No negative labels in set")
    counts: list[float] = []
    disparities: list[float] = []
    for value in np.unique(data.group):
        member = data.group == value
        counts.append(float(member.sum()))
        accepted = int((positive & member).sum())
        rejected = int((~positive & member).sum())
        share_accepted = int((positive & data.facet & member).sum()) / accepted if accepted else 0
        share_rejected = int((~positive & data.facet & member).sum()) / rejected if rejected else 0
        disparities.append(share_rejected - share_accepted)
    weights = np.array(counts)
    return _divide(float(np.sum(weights * np.array(disparities))), float(np.sum(weights)))


def _quadrants(data: BiasInputs, facet: Mask) -> tuple[int, int, int, int]:
    """TP, FP, FN, TN of the rows in ``facet``."""
    y, p = data.label, _predicted(data)
    return (
        int((y & p & facet).sum()),
        int((~y & p & facet).sum()),
        int((y & ~p & facet).sum()),
        int((~y & ~p & facet).sum()),
    )


def _ci(data: BiasInputs) -> float:
    n_a, n_d = _sizes(data)
    return float(n_a - n_d) / (n_a + n_d)


def _dpl(data: BiasInputs) -> float:
    return _positive_difference(data.facet, data.label, *_sizes(data))


def _kl(data: BiasInputs) -> float:
    p_a, p_d = _distributions(data)
    return float(np.sum(p_a * np.log(p_a / p_d)))


def _js(data: BiasInputs) -> float:
    p_a, p_d = _distributions(data)
    middle = 1 / 2 * (p_a + p_d)
    return float(0.5 * (np.sum(p_a * np.log(p_a / middle)) + np.sum(p_d * np.log(p_d / middle))))


def _lp(data: BiasInputs) -> float:
    p_a, p_d = _distributions(data)
    return float(np.linalg.norm(p_a - p_d, 2))


def _tvd(data: BiasInputs) -> float:
    p_a, p_d = _distributions(data)
    return 0.5 * float(np.linalg.norm(p_a - p_d, 1))


def _ks(data: BiasInputs) -> float:
    p_a, p_d = _distributions(data)
    return float(np.linalg.norm(p_a - p_d, np.inf))


def _cddl(data: BiasInputs) -> float:
    return _conditional_disparity(data, data.label)


def _dppl(data: BiasInputs) -> float:
    return _positive_difference(data.facet, _predicted(data), *_sizes(data))


def _di(data: BiasInputs) -> float:
    n_a, n_d = _sizes(data)
    predicted = _predicted(data)
    return _divide(int((predicted & data.facet).sum()) / n_d, int((predicted & ~data.facet).sum()) / n_a)


def _rates(data: BiasInputs, rate: Callable[[int, int, int, int], float]) -> tuple[float, float]:
    _sizes(data)
    return rate(*_quadrants(data, ~data.facet)), rate(*_quadrants(data, data.facet))


def _dca(data: BiasInputs) -> float:
    a, d = _rates(data, lambda tp, fp, fn, tn: _divide(tp + fn, tp + fp))
    return _difference(a, d)


def _dcr(data: BiasInputs) -> float:
    a, d = _rates(data, lambda tp, fp, fn, tn: _divide(tn + fp, tn + fn))
    return _difference(d, a)


def _rd(data: BiasInputs) -> float:
    a, d = _rates(data, lambda tp, fp, fn, tn: _divide(tp, tp + fn))
    return _difference(a, d)


def _sd(data: BiasInputs) -> float:
    a, d = _rates(data, lambda tp, fp, fn, tn: _divide(tn, tn + fp))
    return _difference(d, a)


def _dar(data: BiasInputs) -> float:
    a, d = _rates(data, lambda tp, fp, fn, tn: _divide(tp, tp + fp))
    return _difference(a, d)


def _drr(data: BiasInputs) -> float:
    a, d = _rates(data, lambda tp, fp, fn, tn: _divide(tn, tn + fn))
    return _difference(d, a)


def _ad(data: BiasInputs) -> float:
    a, d = _rates(data, lambda tp, fp, fn, tn: _divide(tp + tn, tp + fp + fn + tn))
    return _difference(a, d)


def _te(data: BiasInputs) -> float:
    a, d = _rates(data, lambda tp, fp, fn, tn: _divide(fn, fp))
    return _difference(d, a)


def _cddpl(data: BiasInputs) -> float:
    return _conditional_disparity(data, _predicted(data))


def _ge(data: BiasInputs) -> float:
    predicted = _predicted(data)
    if len(predicted) == 0:
        raise UndefinedMetricError("dataset must be non-empty")
    benefit = predicted.astype(np.int64) - data.label.astype(np.int64) + 1
    mean_benefit = benefit.mean()
    if mean_benefit == 0:
        raise UndefinedMetricError(
            "All predicted labels are false negatives. "
            "There should be at least one prediction that is not false negative."
        )
    alpha = 2
    return float(((benefit / mean_benefit) ** alpha - 1).sum() / (len(benefit) * alpha * (alpha - 1)))


FLIP_TEST_NEIGHBOURS = 5
FLIP_TEST_FEW_ROWS = 9  # at most this many rows in *a*: one neighbour


def _ft(data: BiasInputs) -> float:
    from sklearn.neighbors import KNeighborsClassifier  # only the flip test needs it

    _, n_d = _sizes(data)
    predicted = _predicted(data)
    if data.features is None:
        raise UndefinedMetricError("FlipTest needs the feature columns")
    features = data.features
    rest = ~data.facet
    neighbours = FLIP_TEST_NEIGHBOURS if int(rest.sum()) > FLIP_TEST_FEW_ROWS else 1
    model = KNeighborsClassifier(n_neighbors=neighbours)
    model.fit(features[rest], predicted[rest])
    as_if_rest = np.asarray(model.predict(features[data.facet]), dtype=np.bool_)
    actual = predicted[data.facet]
    flipped_up = int((actual & ~as_if_rest).sum())
    flipped_down = int((~actual & as_if_rest).sum())
    return _divide(flipped_up - flipped_down, n_d)


METRICS: dict[str, Callable[[BiasInputs], float]] = {
    "CI": _ci,
    "DPL": _dpl,
    "KL": _kl,
    "JS": _js,
    "LP": _lp,
    "TVD": _tvd,
    "KS": _ks,
    "CDDL": _cddl,
    "DPPL": _dppl,
    "DI": _di,
    "DCA": _dca,
    "DCR": _dcr,
    "SD": _sd,
    "RD": _rd,
    "DAR": _dar,
    "DRR": _drr,
    "AD": _ad,
    "TE": _te,
    "CDDPL": _cddpl,
    "FT": _ft,
    "GE": _ge,
}


def bias_metrics(data: BiasInputs, names: Sequence[str]) -> list[MetricResult]:
    """The named metrics of one facet group, sorted by name as Clarify writes them."""
    unknown = sorted(set(names) - METRICS.keys())
    if unknown:
        raise ValueError(f"unknown bias metrics {unknown}; known: {sorted(METRICS)}")
    results = []
    for name in sorted(names):
        try:
            value = METRICS[name](data)
        except UndefinedMetricError as exc:
            results.append(MetricResult(name, DESCRIPTIONS[name], None, str(exc)))
            continue
        results.append(MetricResult(name, DESCRIPTIONS[name], value))
    return results
