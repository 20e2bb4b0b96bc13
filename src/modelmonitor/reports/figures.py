"""Plotly figures of a baseline/current comparison: one pure function per figure.

Each returns a figure as Plotly's JSON (``{"data": [...], "layout": {...}}``), ready for
``Plotly.newPlot(element, figure.data, figure.layout)``, or None when the feature has nothing to draw
(a numeric histogram of a String feature, a side without a distribution). Figures are data: the HTML
report and the dashboard's feature page render the same dicts.

- `numeric_histogram`: the KLL sketch buckets of each side (``distribution.kll.buckets``), as the share
  of the side's present values per bucket; each side keeps its own buckets (SageMaker's ten equal
  widths between that data set's min and max), drawn overlaid with their true widths.
- `categorical_bars`: the share of each value (``distribution.categorical.buckets``), the most
  frequent values of either side first, the rest summed as one bar.
- `missing_share`: missing values over all rows, baseline against current.
- `drift_gauge`: one feature's drift against its threshold.
- `drift_overview`: every compared feature's drift against its threshold, in the comparison's order.
"""

from __future__ import annotations

import math
from typing import Any

from modelmonitor.formats.statistics import KLLBucket
from modelmonitor.reports.comparison import Comparison, DatasetSide, FeatureComparison

__all__ = [
    "BASELINE_COLOR",
    "CURRENT_COLOR",
    "Figure",
    "categorical_bars",
    "drift_gauge",
    "drift_overview",
    "missing_share",
    "numeric_histogram",
]

Figure = dict[str, Any]

BASELINE_COLOR = "#4c78a8"
CURRENT_COLOR = "#f58518"
DRIFTED_COLOR = "#b3261e"
WITHIN_COLOR = "#1b7f3b"
# Categorical bars beyond this many values are summed into one "other" bar.
MAX_CATEGORIES = 20


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        # Title on the left, legend on the right of the same line: neither covers an axis.
        "title": {"text": title, "font": {"size": 14}, "x": 0, "xanchor": "left", "xref": "paper"},
        "height": 280,
        "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
        "font": {"family": "system-ui, sans-serif", "size": 12},
        "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "#f7f8fb",
    }
    layout.update(extra)
    return layout


def _sides(feature: FeatureComparison) -> list[tuple[str, str, DatasetSide]]:
    return [
        (label, color, side)
        for label, color, side in (
            ("baseline", BASELINE_COLOR, feature.baseline),
            ("current", CURRENT_COLOR, feature.current),
        )
        if side is not None
    ]


def _kll_buckets(side: DatasetSide) -> list[KLLBucket] | None:
    numbers = side.statistics.numerical_statistics
    if numbers is None or numbers.distribution is None:
        return None
    finite = [
        b
        for b in numbers.distribution.kll.buckets
        if math.isfinite(b.lower_bound) and math.isfinite(b.upper_bound)
    ]
    return finite or None


def numeric_histogram(feature: FeatureComparison) -> Figure | None:
    """Baseline and current KLL buckets as overlaid bars: share of present values per bucket.

    The baseline is filled, the current outlined on top of it, so equal distributions read as equal
    and a moved one as an outline away from the fill.
    """
    traces: list[dict[str, Any]] = []
    for label, color, side in _sides(feature):
        buckets = _kll_buckets(side)
        if buckets is None:
            continue
        total = sum(b.count for b in buckets)
        span = max(b.upper_bound for b in buckets) - min(b.lower_bound for b in buckets)
        # A constant column has buckets of width 0: give them a visible width.
        floor = span / 50 if span > 0 else max(abs(buckets[0].lower_bound) / 50, 0.5)
        traces.append(
            {
                "type": "bar",
                "name": label,
                "x": [(b.lower_bound + b.upper_bound) / 2 for b in buckets],
                "y": [b.count / total if total > 0 else 0.0 for b in buckets],
                "width": [max(b.upper_bound - b.lower_bound, floor) for b in buckets],
                "customdata": [[b.lower_bound, b.upper_bound, b.count] for b in buckets],
                "hovertemplate": (
                    f"{label}: %{{customdata[0]:.4g}} – %{{customdata[1]:.4g}}"
                    "<br>%{customdata[2]:,.0f} values (%{y:.1%})<extra></extra>"
                ),
                "marker": (
                    {"color": color, "opacity": 0.45, "line": {"color": "white", "width": 0.5}}
                    if label == "baseline"
                    else {"color": "rgba(0,0,0,0)", "line": {"color": color, "width": 2.5}}
                ),
            }
        )
    if not traces:
        return None
    return {
        "data": traces,
        "layout": _layout(
            f"{feature.name}: distribution (KLL buckets)",
            barmode="overlay",
            yaxis={"title": {"text": "share of values"}, "tickformat": ".0%"},
        ),
    }


def _value_counts(side: DatasetSide) -> dict[str, int] | None:
    strings = side.statistics.string_statistics
    if strings is None or strings.distribution is None:
        return None
    return {b.value: b.count for b in strings.distribution.categorical.buckets} or None


def categorical_bars(feature: FeatureComparison, max_categories: int = MAX_CATEGORIES) -> Figure | None:
    """Share of each value, baseline beside current; values past ``max_categories`` summed as one bar."""
    counted = [
        (label, color, counts) for label, color, side in _sides(feature) if (counts := _value_counts(side))
    ]
    if not counted:
        return None
    shares = [
        (label, color, {v: c / sum(counts.values()) for v, c in counts.items()})
        for label, color, counts in counted
    ]
    values = sorted(
        {v for _, _, share in shares for v in share},
        key=lambda v: (-max(s.get(v, 0.0) for _, _, s in shares), v),
    )
    shown, rest = values[:max_categories], values[max_categories:]
    other = f"(other {len(rest)} values)"
    traces: list[dict[str, Any]] = []
    for label, color, share in shares:
        y = [share.get(v, 0.0) for v in shown]
        x = list(shown)
        if rest:
            x.append(other)
            y.append(sum(share.get(v, 0.0) for v in rest))
        traces.append(
            {
                "type": "bar",
                "name": label,
                "x": x,
                "y": y,
                "hovertemplate": f"{label}: %{{x}}<br>%{{y:.1%}}<extra></extra>",
                "marker": {"color": color},
            }
        )
    return {
        "data": traces,
        "layout": _layout(
            f"{feature.name}: values",
            barmode="group",
            xaxis={"type": "category", "automargin": True},
            yaxis={"title": {"text": "share of values"}, "tickformat": ".0%"},
        ),
    }


def missing_share(feature: FeatureComparison) -> Figure | None:
    """Missing values over all rows, one horizontal bar per side."""
    sides: list[tuple[str, str, float]] = []
    for label, color, side in _sides(feature):
        share = side.missing_share
        if share is not None:
            sides.append((label, color, share))
    if not sides:
        return None
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": [share for _, _, share in sides],
                "y": [label for label, _, _ in sides],
                "marker": {"color": [color for _, color, _ in sides]},
                "text": [f"{share:.1%}" for _, _, share in sides],
                # Outside the bar: a share of 0 still shows its number.
                "textposition": "outside",
                "cliponaxis": False,
                "hovertemplate": "%{y}: %{x:.2%} missing<extra></extra>",
            }
        ],
        "layout": _layout(
            f"{feature.name}: missing values",
            height=140,
            showlegend=False,
            xaxis={"range": [0, max(0.05, *(share for _, _, share in sides)) * 1.1], "tickformat": ".0%"},
            margin={"l": 70, "r": 20, "t": 40, "b": 30},
        ),
    }


def _drift_label(feature: FeatureComparison) -> str:
    return "p-value" if feature.drift is not None and feature.drift.method == "ChiSquared" else "distance"


def drift_gauge(feature: FeatureComparison) -> Figure | None:
    """One feature's drift as a bar, its threshold as a vertical line (red when crossed)."""
    drift = feature.drift
    if drift is None:
        return None
    label = _drift_label(feature)
    limit = max(drift.value, drift.threshold, 1e-9) * 1.25
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": [drift.value],
                "y": [label],
                "marker": {"color": DRIFTED_COLOR if feature.drifted else WITHIN_COLOR},
                "text": [f"{drift.value:.4g}"],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertemplate": (f"{label} %{{x:.4g}}, threshold {drift.threshold:.4g}<extra></extra>"),
            }
        ],
        "layout": _layout(
            f"{feature.name}: drift {label} against threshold {drift.threshold:.4g}",
            height=140,
            showlegend=False,
            xaxis={"range": [0, limit]},
            margin={"l": 70, "r": 20, "t": 40, "b": 30},
            shapes=[
                {
                    "type": "line",
                    "x0": drift.threshold,
                    "x1": drift.threshold,
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": "#1d2330", "width": 2, "dash": "dash"},
                }
            ],
        ),
    }


def drift_overview(comparison: Comparison) -> Figure | None:
    """Every feature with a drift number: the drift as a bar, its threshold as a marker."""
    checks = [(f, f.drift) for f in comparison.features if f.drift is not None]
    if not checks:
        return None
    features = [f for f, _ in checks]
    names = [f.name for f in features]
    return {
        "data": [
            {
                "type": "bar",
                "name": "drift",
                "x": names,
                "y": [drift.value for _, drift in checks],
                "customdata": [_drift_label(f) for f in features],
                "marker": {"color": [DRIFTED_COLOR if f.drifted else WITHIN_COLOR for f in features]},
                "hovertemplate": "%{x}: %{customdata} %{y:.4g}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "markers",
                "name": "threshold",
                "x": names,
                "y": [drift.threshold for _, drift in checks],
                "marker": {"symbol": "line-ew-open", "size": 18, "color": "#1d2330", "line": {"width": 2}},
                "hovertemplate": "%{x}: threshold %{y:.4g}<extra></extra>",
            },
        ],
        "layout": _layout(
            "Drift of each feature against its threshold",
            height=320,
            # Every feature named up to 100 of them (Plotly would skip labels that crowd).
            xaxis={
                "type": "category",
                "automargin": True,
                "tickangle": -45 if len(names) > 8 else 0,
                **({"dtick": 1, "tickfont": {"size": 10}} if len(names) <= 100 else {}),
            },
            yaxis={"title": {"text": "drift"}, "rangemode": "tozero"},
        ),
    }
