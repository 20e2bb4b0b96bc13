"""Feature attributions by Kernel SHAP, as Clarify computes them, over an injected predictor.

The model is any callable ``predict(rows) -> predictions`` (rows × features in, one score or one row of
scores per input row out): a Python model's ``predict_proba``, or an HTTP endpoint behind an adapter.
Each explained row gets local SHAP values from the ``shap`` package's ``KernelExplainer`` against the
baseline rows (``use_logit`` explains log-odds, shap's logit link); the global value of a feature is the
aggregate of its local values over the rows by Clarify's ``agg_method``: ``mean_abs`` (mean of |φ|),
``median`` (median of φ) or ``mean_sq`` (mean of φ²). ``expected_value`` is the mean prediction on the
baseline (in log-odds with ``use_logit``).

Choices where Clarify documents none: every feature is kept in the regression (no L1 feature selection,
so no feature is zeroed for being one of many); ``num_samples`` absent is shap's automatic count
(2·features + 2048); ``seed`` seeds numpy's generator that shap draws from, and the generator's previous
state is restored afterwards. A row on which the predictor fails or returns a non-finite value is
skipped, counted and reported with its error (`ShapResult.skipped`); a failure on the baseline itself is
an error, since nothing can be explained without it. Needs the optional ``shap`` package
(``pip install 'modelmonitor[explain]'``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmonitor.errors import ConfigurationError, JobError
from modelmonitor.formats.clarify import AggMethod, KernelShapExplanations, LabelExplanation

__all__ = ["Predictor", "ShapResult", "SkippedRow", "global_shap_values", "kernel_shap", "to_explanations"]

Predictor = Callable[[NDArray[np.float64]], Any]
# Called after each row; returning False stops the run (the rows explained so far are the result).
Progress = Callable[[int, int], bool | None]


@dataclass(frozen=True)
class SkippedRow:
    """A row that could not be explained: its position in the input and why."""

    row: int
    reason: str


@dataclass(frozen=True)
class ShapResult:
    """Local SHAP values of the explained rows: ``local_values[row, feature, output]``."""

    feature_names: tuple[str, ...]
    label_names: tuple[str, ...]
    local_values: NDArray[np.float64]
    expected_values: NDArray[np.float64]
    explained_rows: tuple[int, ...]
    skipped: tuple[SkippedRow, ...]
    stopped: bool = False  # the progress callback stopped the run before the last row


def _aggregate(values: NDArray[np.float64], agg_method: AggMethod) -> NDArray[np.float64]:
    if agg_method == "mean_abs":
        return np.asarray(np.mean(np.abs(values), axis=0), dtype=np.float64)
    if agg_method == "median":
        return np.asarray(np.median(values, axis=0), dtype=np.float64)
    if agg_method == "mean_sq":
        return np.asarray(np.mean(values**2, axis=0), dtype=np.float64)
    raise ConfigurationError(f"agg_method {agg_method!r} is not one of mean_abs, median, mean_sq")


def global_shap_values(result: ShapResult, agg_method: AggMethod = "mean_abs") -> dict[str, dict[str, float]]:
    """Per model output, per feature: the aggregate of the local values."""
    if len(result.explained_rows) == 0:
        raise JobError("no row could be explained: " + "; ".join(s.reason for s in result.skipped[:3]))
    aggregated = _aggregate(result.local_values, agg_method)  # features x outputs
    return {
        label: {name: float(aggregated[f, k]) for f, name in enumerate(result.feature_names)}
        for k, label in enumerate(result.label_names)
    }


def to_explanations(result: ShapResult, agg_method: AggMethod = "mean_abs") -> KernelShapExplanations:
    """The ``explanations`` part of Clarify's analysis.json."""
    values = global_shap_values(result, agg_method)
    return KernelShapExplanations(
        kernel_shap={
            label: LabelExplanation(global_shap_values=values[label], expected_value=float(expected))
            for label, expected in zip(result.label_names, result.expected_values, strict=True)
        }
    )


def _as_rows(data: Any, what: str, feature_names: Sequence[str]) -> NDArray[np.float64]:
    try:
        rows = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{what} must be numeric rows of features: {exc}") from exc
    if rows.ndim == 1:
        rows = rows.reshape(1, -1)
    if rows.ndim != 2 or rows.shape[1] != len(feature_names):
        got = rows.shape[1] if rows.ndim == 2 else rows.shape
        raise ConfigurationError(
            f"{what} has {got} columns, expected {len(feature_names)} (the features {list(feature_names)})"
        )
    if len(rows) == 0:
        raise ConfigurationError(f"{what} has no rows")
    return rows


def _checked(predict: Predictor) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    def call(rows: NDArray[np.float64]) -> NDArray[np.float64]:
        output = np.asarray(predict(rows), dtype=np.float64)
        if output.ndim == 0 or output.shape[0] != rows.shape[0]:
            raise ValueError(f"the predictor returned {output.shape} for {rows.shape[0]} rows")
        if not np.isfinite(output).all():
            raise ValueError("the predictor returned a value that is not a finite number")
        return output

    return call


def kernel_shap(
    predict: Predictor,
    baseline: Any,
    rows: Any,
    *,
    feature_names: Sequence[str],
    label_names: Sequence[str] | None = None,
    num_samples: int | None = None,
    use_logit: bool = False,
    seed: int | None = None,
    progress: Progress | None = None,
) -> ShapResult:
    """Local SHAP values of every row (module docstring); ``progress(done, total)`` after each row, which
    stops the run by returning False (the result then holds the rows explained so far)."""
    try:
        import shap  # optional: the explainability monitor only
    except ImportError as exc:
        raise ConfigurationError(
            "Kernel SHAP needs the shap package: pip install 'modelmonitor[explain]'"
        ) from exc
    if num_samples is not None and num_samples < 1:
        raise ConfigurationError(f"num_samples must be at least 1, got {num_samples}")
    background = _as_rows(baseline, "the SHAP baseline", feature_names)
    explained = _as_rows(rows, "the data to explain", feature_names)
    model = _checked(predict)
    state = np.random.get_state()
    try:
        if seed is not None:
            np.random.seed(seed)
        try:
            explainer = shap.KernelExplainer(model, background, link="logit" if use_logit else "identity")
        except Exception as exc:
            raise JobError(f"the model failed on the SHAP baseline: {type(exc).__name__}: {exc}") from exc
        expected = np.atleast_1d(np.asarray(explainer.expected_value, dtype=np.float64))
        names = tuple(label_names) if label_names else tuple(f"label{k}" for k in range(len(expected)))
        if len(names) != len(expected):
            raise ConfigurationError(f"{len(names)} label names for a model with {len(expected)} outputs")
        local: list[NDArray[np.float64]] = []
        done: list[int] = []
        skipped: list[SkippedRow] = []
        stopped = False
        for index, row in enumerate(explained):
            try:
                values = explainer.shap_values(
                    row.reshape(1, -1), nsamples=num_samples or "auto", l1_reg=False, silent=True
                )
            except Exception as exc:
                skipped.append(SkippedRow(index, f"{type(exc).__name__}: {exc}"))
            else:
                local.append(np.asarray(values, dtype=np.float64).reshape(len(feature_names), len(names)))
                done.append(index)
            if progress is not None and progress(index + 1, len(explained)) is False:
                stopped = index + 1 < len(explained)
                break
    finally:
        np.random.set_state(state)
    return ShapResult(
        feature_names=tuple(feature_names),
        label_names=names,
        local_values=np.stack(local) if local else np.zeros((0, len(feature_names), len(names))),
        expected_values=expected,
        explained_rows=tuple(done),
        skipped=tuple(skipped),
        stopped=stopped,
    )
