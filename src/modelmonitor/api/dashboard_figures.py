"""The dashboard's figures over time, as Plotly JSON (the baseline/current figures are the reports'):

- `executions_figure`: each execution's status (a mark in its colour), violation count (bars) and
  duration (line).
- `drift_figure`: every feature's drift distance per execution, with the threshold each is held to.
- `feature_drift_figure`: one feature's drift and missing share per execution, drifted points marked.

Pure functions of the service's records; None when there is nothing to draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from modelmonitor.service.metrics_history import ExecutionDrift, ExecutionPoint, FeatureMetrics
from modelmonitor.service.reports import Figure

__all__ = [
    "DRIFTED_COLOR",
    "LINE_COLOR",
    "drift_figure",
    "executions_figure",
    "feature_drift_figure",
    "figure_layout",
]

STATUS_COLORS = {
    "Completed": "#1b7f3b",
    "CompletedWithViolations": "#b3261e",
    "Failed": "#6d1a14",
    "Stopped": "#6b7280",
}
OTHER_STATUS_COLOR = "#8a6d00"
DRIFTED_COLOR = "#b3261e"
LINE_COLOR = "#4c78a8"


def figure_layout(title: str, **extra: Any) -> dict[str, Any]:
    """The dashboard's figure layout: time along x unless ``extra`` (layout keys) says otherwise."""
    layout: dict[str, Any] = {
        "title": {"text": title, "font": {"size": 14}},
        "height": 320,
        "margin": {"l": 60, "r": 60, "t": 40, "b": 50},
        "font": {"family": "system-ui, sans-serif", "size": 12},
        "legend": {"orientation": "h", "y": -0.2},
        "paper_bgcolor": "white",
        "plot_bgcolor": "#f7f8fb",
        "xaxis": {"type": "date"},
    }
    layout.update(extra)
    return layout


def _time(point: ExecutionPoint | ExecutionDrift) -> str:
    return point.scheduled_time.isoformat()


def executions_figure(points: Sequence[ExecutionPoint]) -> Figure | None:
    if not points:
        return None
    colors = [STATUS_COLORS.get(p.status, OTHER_STATUS_COLOR) for p in points]
    return {
        "data": [
            {
                "type": "bar",
                "name": "violations",
                "x": [_time(p) for p in points],
                "y": [p.violation_count or 0 for p in points],
                "marker": {"color": colors},
                "hoverinfo": "skip",
            },
            {
                # Every execution as a mark in its status's colour, so a run without violations (or a
                # failed one, an x) shows too; the hover says what it was.
                "type": "scatter",
                "mode": "markers",
                "name": "status",
                "cliponaxis": False,  # marks at 0 sit on the axis, whole
                "x": [_time(p) for p in points],
                "y": [p.violation_count or 0 for p in points],
                "marker": {
                    "color": colors,
                    "size": 9,
                    "symbol": ["x" if p.status == "Failed" else "circle" for p in points],
                },
                "customdata": [[p.execution_id, p.status, p.failure_reason or ""] for p in points],
                "hovertemplate": "execution %{customdata[0]}: %{customdata[1]}<br>%{y} violation(s)"
                "<br>%{customdata[2]}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "duration (s)",
                "x": [_time(p) for p in points if p.duration_seconds is not None],
                "y": [p.duration_seconds for p in points if p.duration_seconds is not None],
                "yaxis": "y2",
                "line": {"color": LINE_COLOR, "width": 1.5},
                "marker": {"size": 4},
            },
        ],
        "layout": figure_layout(
            "Executions: status (marks), violations (bars) and duration (line)",
            yaxis={"title": {"text": "violations"}, "rangemode": "tozero"},
            yaxis2={"title": {"text": "seconds"}, "overlaying": "y", "side": "right", "rangemode": "tozero"},
            bargap=0.3,
        ),
    }


def _distance_series(drifts: Sequence[ExecutionDrift]) -> dict[str, list[tuple[str, FeatureMetrics]]]:
    series: dict[str, list[tuple[str, FeatureMetrics]]] = {}
    for drift in drifts:
        for metrics in drift.features:
            if metrics.drift is not None and metrics.method == "LInfinity":
                series.setdefault(metrics.feature, []).append((_time(drift), metrics))
    return series


def drift_figure(drifts: Sequence[ExecutionDrift]) -> Figure | None:
    """L-infinity distances only: a chi-squared p-value is on another scale (its feature's page has it)."""
    series = _distance_series(drifts)
    if not series:
        return None
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": feature,
            "x": [moment for moment, _ in points],
            "y": [m.drift for _, m in points],
            "marker": {"size": 5, "symbol": ["x" if m.drifted else "circle" for _, m in points]},
        }
        for feature, points in sorted(series.items())
    ]
    thresholds = sorted(
        {m.threshold for points in series.values() for _, m in points if m.threshold is not None}
    )
    every_time = sorted({moment for points in series.values() for moment, _ in points})
    for threshold in thresholds:
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"threshold {threshold:g}",
                "x": [every_time[0], every_time[-1]],
                "y": [threshold, threshold],
                "line": {"color": DRIFTED_COLOR, "dash": "dash", "width": 1.5},
                "hoverinfo": "skip",
            }
        )
    return {
        "data": traces,
        "layout": figure_layout(
            "Drift distance per feature (× above its threshold)",
            yaxis={"title": {"text": "L-infinity distance"}, "rangemode": "tozero"},
        ),
    }


def feature_drift_figure(
    history: Sequence[tuple[ExecutionDrift, FeatureMetrics]], feature: str
) -> Figure | None:
    measured = [(d, m) for d, m in history if m.drift is not None]
    if not history:
        return None
    traces: list[dict[str, Any]] = []
    if measured:
        p_value = measured[-1][1].method == "ChiSquared"
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "chi-squared p-value" if p_value else "drift distance",
                "x": [_time(d) for d, _ in measured],
                "y": [m.drift for _, m in measured],
                "customdata": [d.execution_id for d, _ in measured],
                "hovertemplate": "execution %{customdata}: %{y:.4g}<extra></extra>",
                "line": {"color": LINE_COLOR},
                "marker": {
                    "size": 7,
                    "color": [DRIFTED_COLOR if m.drifted else LINE_COLOR for _, m in measured],
                },
            }
        )
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "threshold",
                "x": [_time(d) for d, _ in measured],
                "y": [m.threshold for _, m in measured],
                "line": {"color": DRIFTED_COLOR, "dash": "dash", "width": 1.5, "shape": "hv"},
            }
        )
    traces.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "missing share",
            "x": [_time(d) for d, _ in history],
            "y": [m.missing_share for _, m in history],
            "yaxis": "y2",
            "line": {"color": "#9467bd", "dash": "dot"},
            "marker": {"size": 4},
        }
    )
    return {
        "data": traces,
        "layout": figure_layout(
            f"{feature}: drift and missing share over time",
            yaxis={"title": {"text": "drift"}, "rangemode": "tozero"},
            yaxis2={
                "title": {"text": "missing share"},
                "overlaying": "y",
                "side": "right",
                "tickformat": ".0%",
                "rangemode": "tozero",
            },
        ),
    }
