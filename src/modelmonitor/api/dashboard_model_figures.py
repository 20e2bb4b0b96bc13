"""The dashboard's figures of the model monitors (model quality, bias drift, attribution drift), as Plotly
JSON:

- `metrics_figure`: every metric's value per execution with the threshold it is held to (the constrained
  metrics shown, or only the breached ones when there are many, the others a click away in the legend;
  bias: both sides of the neutral value; attribution: the NDCG of each model output);
- `metric_figure`: one metric's value +/- its standard deviation per execution against its threshold;
- `confusion_matrix_figure`, `roc_figure`, `precision_recall_figure`: one execution's classification
  results (model quality's ``statistics.json``);
- `attributions_figure`: each feature's global SHAP value now against the baseline's.

Pure functions of the service's records and the monitors' files; None when there is nothing to draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from modelmonitor.api.dashboard_figures import DRIFTED_COLOR, LINE_COLOR, figure_layout
from modelmonitor.formats.clarify import AnalysisFile
from modelmonitor.formats.model_quality import (
    ConfusionMatrix,
    PrecisionRecallCurve,
    ReceiverOperatingCharacteristicCurve,
)
from modelmonitor.service.metrics_history import ExecutionDrift, MonitorMetric
from modelmonitor.service.reports import Figure

__all__ = [
    "attributions_figure",
    "confusion_matrix_figure",
    "metric_figure",
    "metrics_figure",
    "precision_recall_figure",
    "roc_figure",
]

# Plotly's default colour cycle, so a metric's threshold line takes its metric's colour.
_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
BASELINE_COLOR = "#9aa3b5"
# More constrained series than this on one figure: only those breached in the range are shown at first.
_MANY = 8


def _series(drifts: Sequence[ExecutionDrift]) -> dict[str, list[tuple[str, MonitorMetric]]]:
    series: dict[str, list[tuple[str, MonitorMetric]]] = {}
    for drift in drifts:
        for metric in drift.metrics:
            series.setdefault(metric.series, []).append((drift.scheduled_time.isoformat(), metric))
    return series


def _bounds(metric: MonitorMetric) -> list[float]:
    """The lines a metric is held within: its threshold, and for bias its mirror across the neutral value."""
    if metric.threshold is None:
        return []
    if metric.neutral is None or metric.threshold == metric.neutral:
        return [metric.threshold]
    return [metric.threshold, 2 * metric.neutral - metric.threshold]


def metrics_figure(drifts: Sequence[ExecutionDrift], title: str) -> Figure | None:
    series = _series(drifts)
    if not series:
        return None
    constrained = {name for name, points in series.items() if any(m.threshold is not None for _, m in points)}
    if len(constrained) > _MANY:
        # Too many lines to read (a bias monitor has ~20 per facet value): the breached ones are shown.
        breached = {name for name in constrained if any(m.breached for _, m in series[name])}
        constrained = breached or constrained
    traces: list[dict[str, Any]] = []
    for index, (name, points) in enumerate(series.items()):
        color = _COLORS[index % len(_COLORS)]
        visible: bool | str = True if name in constrained else "legendonly"
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "legendgroup": name,
                "visible": visible,
                "x": [moment for moment, _ in points],
                "y": [m.value for _, m in points],
                "line": {"color": color, "width": 1.5},
                "marker": {
                    "size": 7,
                    "symbol": ["x" if m.breached else "circle" for _, m in points],
                    "color": [DRIFTED_COLOR if m.breached else color for _, m in points],
                },
                "customdata": [m.comparison or "no constraint" for _, m in points],
                "hovertemplate": f"{name}: %{{y:.4g}} (%{{customdata}})<extra></extra>",
            }
        )
        for side in range(2):
            bound = [(moment, b[side]) for moment, m in points if len(b := _bounds(m)) > side]
            if not bound:
                continue
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": f"{name} threshold",
                    "legendgroup": name,
                    "showlegend": False,
                    "visible": visible,
                    "x": [moment for moment, _ in bound],
                    "y": [value for _, value in bound],
                    "line": {"color": color, "dash": "dash", "width": 1, "shape": "hv"},
                    "hoverinfo": "skip",
                }
            )
    return {
        "data": traces,
        "layout": figure_layout(
            f"{title} (× breached; dashed: its threshold)", yaxis={"title": {"text": "value"}}
        ),
    }


def metric_figure(history: Sequence[tuple[ExecutionDrift, MonitorMetric]], name: str) -> Figure | None:
    if not history:
        return None
    moments = [d.scheduled_time.isoformat() for d, _ in history]
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": moments,
            "y": [m.value for _, m in history],
            "error_y": {
                "type": "data",
                "array": [m.standard_deviation or 0.0 for _, m in history],
                "visible": True,
                "color": LINE_COLOR,
            },
            "customdata": [d.execution_id for d, _ in history],
            "hovertemplate": "execution %{customdata}: %{y:.4g}<extra></extra>",
            "line": {"color": LINE_COLOR},
            "marker": {"size": 8, "color": [DRIFTED_COLOR if m.breached else LINE_COLOR for _, m in history]},
        }
    ]
    bounded = [(moment, m, _bounds(m)) for moment, (_, m) in zip(moments, history, strict=True)]
    operator = next((m.comparison for _, m, b in reversed(bounded) if b), None)
    for side, label in enumerate((f"threshold ({operator})", "its mirror across the neutral value")):
        line = [(moment, b[side]) for moment, _, b in bounded if len(b) > side]
        if line:
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": label,
                    "x": [moment for moment, _ in line],
                    "y": [value for _, value in line],
                    "line": {"color": DRIFTED_COLOR, "dash": "dash", "width": 1.5, "shape": "hv"},
                }
            )
    deviation = "± standard deviation; " if any(m.standard_deviation for _, m in history) else ""
    return {
        "data": traces,
        "layout": figure_layout(
            f"{name} over time ({deviation}red: breached)", yaxis={"title": {"text": name}}
        ),
    }


def confusion_matrix_figure(matrix: ConfusionMatrix) -> Figure | None:
    """Rows are the actual labels, columns the predicted ones; each cell is annotated with its count."""
    if not matrix:
        return None
    labels = sorted(set(matrix) | {p for row in matrix.values() for p in row})
    counts = [[matrix.get(actual, {}).get(predicted, 0) for predicted in labels] for actual in labels]
    return {
        "data": [
            {
                "type": "heatmap",
                "x": labels,
                "y": labels,
                "z": counts,
                "text": [[str(c) for c in row] for row in counts],
                "texttemplate": "%{text}",
                "colorscale": [[0.0, "#eef3fb"], [1.0, "#1f5fa8"]],
                "hovertemplate": "actual %{y}, predicted %{x}: %{z}<extra></extra>",
            }
        ],
        "layout": figure_layout(
            "Confusion matrix",
            xaxis={"title": {"text": "predicted"}, "type": "category"},
            yaxis={"title": {"text": "actual"}, "type": "category", "autorange": "reversed"},
        ),
    }


def roc_figure(curve: ReceiverOperatingCharacteristicCurve, auc: float | None) -> Figure | None:
    if not curve.false_positive_rates:
        return None
    name = "ROC" if auc is None else f"ROC (AUC {auc:.3f})"
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "x": curve.false_positive_rates,
                "y": curve.true_positive_rates,
                "line": {"color": LINE_COLOR},
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "chance",
                "x": [0, 1],
                "y": [0, 1],
                "line": {"color": BASELINE_COLOR, "dash": "dot"},
            },
        ],
        "layout": figure_layout(
            "ROC curve",
            legend={"x": 0.98, "xanchor": "right", "y": 0.02, "yanchor": "bottom"},
            xaxis={"title": {"text": "false positive rate"}, "range": [0, 1]},
            yaxis={"title": {"text": "true positive rate"}, "range": [0, 1.02]},
        ),
    }


def precision_recall_figure(curve: PrecisionRecallCurve) -> Figure | None:
    if not curve.recalls:
        return None
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": "precision-recall",
                "x": curve.recalls,
                "y": curve.precisions,
                "line": {"color": LINE_COLOR},
            }
        ],
        "layout": figure_layout(
            "Precision-recall curve",
            xaxis={"title": {"text": "recall"}, "range": [0, 1]},
            yaxis={"title": {"text": "precision"}, "range": [0, 1.02]},
        ),
    }


def attributions_figure(current: AnalysisFile, baseline: AnalysisFile | None) -> Figure | None:
    """Bars per feature: the baseline's global SHAP value beside the current one, per model output."""
    now = current.explanations.kernel_shap if current.explanations is not None else {}
    before = baseline.explanations.kernel_shap if baseline is not None and baseline.explanations else {}
    traces: list[dict[str, Any]] = []
    for label, explanation in now.items():
        suffix = f" ({label})" if len(now) > 1 else ""
        features = list(explanation.global_shap_values)
        if label in before:
            values = before[label].global_shap_values
            traces.append(
                {
                    "type": "bar",
                    "name": f"baseline{suffix}",
                    "x": features,
                    "y": [values.get(feature) for feature in features],
                    "marker": {"color": BASELINE_COLOR},
                }
            )
        traces.append(
            {
                "type": "bar",
                "name": f"current{suffix}",
                "x": features,
                "y": list(explanation.global_shap_values.values()),
                "marker": {"color": LINE_COLOR},
            }
        )
    if not traces:
        return None
    return {
        "data": traces,
        "layout": figure_layout(
            "Feature attributions (global SHAP values)",
            barmode="group",
            xaxis={"type": "category", "title": {"text": "feature"}},
            yaxis={"title": {"text": "global SHAP value"}},
        ),
    }
