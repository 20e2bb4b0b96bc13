"""One self-contained HTML file of a comparison: violations first, then each feature, most drifted first.

plotly.js is inlined (`reports.plotly_js`) and each figure's JSON sits in its own
``<script type="application/json">`` element, drawn by a few lines of script at the end: the file
opens from disk in a browser with no network. Every text from the files (feature names, values,
descriptions, sources) is HTML-escaped, and figure JSON escapes ``<``, ``>`` and ``&`` so a feature
named ``</script>`` cannot end a script element.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html import escape

import orjson

from modelmonitor.reports.comparison import Comparison, DatasetSide, FeatureComparison
from modelmonitor.reports.figures import (
    Figure,
    categorical_bars,
    drift_gauge,
    drift_overview,
    missing_share,
    numeric_histogram,
)
from modelmonitor.reports.plotly_js import plotly_js

__all__ = ["ReportContext", "figure_json", "render_report"]


@dataclass(frozen=True)
class ReportContext:
    """What the report is about: a title and the facts shown under it (label, value), in order."""

    title: str
    facts: Sequence[tuple[str, str]] = field(default_factory=tuple)


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem;
  color: #1d2330; }
h1 { font-size: 1.45rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #d6dae3; }
h3 { font-size: 1.05rem; margin: 0 0 .5rem; }
table { border-collapse: collapse; margin: .4rem 0 1rem; }
th, td { text-align: left; padding: .3rem .65rem; border-bottom: 1px solid #e3e6ee; vertical-align: top; }
th { background: #f1f3f7; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.facts th { background: none; font-weight: 400; color: #5b6475; }
.summary { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0; }
.summary div { background: #f1f3f7; padding: .6rem 1rem; min-width: 8rem; }
.summary strong { display: block; font-size: 1.4rem; }
.bad { color: #b3261e; } .good { color: #1b7f3b; }
.feature { border: 1px solid #d6dae3; padding: 1rem; margin: 1rem 0; }
.feature.violated { border-left: 5px solid #b3261e; }
.badge { display: inline-block; padding: .05rem .45rem; margin-left: .4rem; font-size: .8rem;
  background: #e3e6ee; }
.badge.bad { background: #fbe3e1; }
.plots { display: grid; grid-template-columns: 3fr 2fr; gap: .6rem 1.2rem; align-items: start; }
.plot { min-height: 150px; }
.wide { grid-column: 1 / -1; }
"""

# Draws every figure from its JSON element (the plot element's data-figure names it). Plots near the
# screen first, then the rest a few at a time between frames: a report of hundreds of features shows at
# once and is whole a little later, rather than blank until the last plot is drawn.
_LOADER = """
const plots = [...document.querySelectorAll(".plot[data-figure]")];
function draw(element) {
  if (element.dataset.drawn) return;
  element.dataset.drawn = "1";
  const figure = JSON.parse(document.getElementById(element.dataset.figure).textContent);
  Plotly.newPlot(element, figure.data, figure.layout, {displaylogo: false, responsive: true});
}
const near = new IntersectionObserver((entries) => {
  for (const entry of entries) if (entry.isIntersecting) { draw(entry.target); near.unobserve(entry.target); }
}, {rootMargin: "800px"});
plots.forEach((element) => near.observe(element));
let next = 0;
function drawSome() {
  for (const end = Math.min(next + 4, plots.length); next < end; next++) draw(plots[next]);
  if (next < plots.length) setTimeout(drawSome, 0);
}
setTimeout(drawSome, 0);
"""


def figure_json(figure: Figure) -> str:
    """A figure as JSON that is safe inside a ``<script>`` element (``<``, ``>``, ``&`` as \\u escapes)."""
    text = orjson.dumps(figure).decode("utf-8")
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _number(value: float | int | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    return f"{value:.6g}"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


class _Plots:
    """Numbers the plot elements and keeps their figures' JSON for the end of the page."""

    def __init__(self) -> None:
        self._figures: list[str] = []

    def element(self, figure: Figure | None, css: str = "plot") -> str:
        if figure is None:
            return ""
        figure_id = f"figure-{len(self._figures)}"
        self._figures.append(
            f'<script type="application/json" id="{figure_id}">{figure_json(figure)}</script>'
        )
        return f'<div class="{css}" data-figure="{figure_id}"></div>'

    def scripts(self) -> Iterator[str]:
        yield from self._figures


def _side_rows(side: DatasetSide | None) -> list[tuple[str, str]]:
    """(label, value) rows of one side, in the order of the numbers table."""
    if side is None:
        return [("type", "not in this data set")]
    rows = [
        ("type", side.inferred_type),
        ("present", _number(side.num_present)),
        ("missing", _share(side.missing_share)),
    ]
    numbers = side.statistics.numerical_statistics
    if numbers is not None:
        rows += [
            ("mean", _number(numbers.mean)),
            ("std dev", _number(numbers.std_dev)),
            ("min", _number(numbers.min)),
            ("max", _number(numbers.max)),
        ]
    strings = side.statistics.string_statistics
    if strings is not None:
        rows.append(("distinct values", _number(strings.distinct_count)))
    return rows


def _numbers_table(feature: FeatureComparison) -> str:
    baseline, current = dict(_side_rows(feature.baseline)), dict(_side_rows(feature.current))
    labels = list(dict.fromkeys([*baseline, *current]))
    rows = "".join(
        f"<tr><th>{escape(label)}</th><td class=num>{escape(baseline.get(label, '—'))}</td>"
        f"<td class=num>{escape(current.get(label, '—'))}</td></tr>"
        for label in labels
    )
    drift = feature.drift
    if drift is not None:
        measure = "drift p-value" if drift.method == "ChiSquared" else "drift distance"
        css = "bad" if drift.drifted else "good"
        rows += (
            f'<tr><th>{measure}</th><td class="num {css}" colspan=2>{_number(drift.value)} '
            f"(threshold {_number(drift.threshold)})</td></tr>"
        )
    return f'<table class="numbers"><tr><th></th><th>baseline</th><th>current</th></tr>{rows}</table>'


def _anchor(name: str) -> str:
    """An id for a feature's section: its name, made safe for a URL fragment."""
    return "feature-" + "".join(c if c.isalnum() or c in "-_" else f"_{ord(c):x}_" for c in name)


def _feature_section(feature: FeatureComparison, plots: _Plots) -> str:
    badges = ""
    if feature.violations:
        badges += f'<span class="badge bad">{len(feature.violations)} violation(s)</span>'
    if feature.drifted:
        badges += '<span class="badge bad">drifted</span>'
    types = {side.inferred_type for side in (feature.baseline, feature.current) if side is not None}
    badges += "".join(f'<span class="badge">{escape(t)}</span>' for t in sorted(types))
    listed = "".join(
        f"<li><code>{escape(v.constraint_check_type)}</code> {escape(v.description)}</li>"
        for v in feature.violations
    )
    distribution = numeric_histogram(feature) or categorical_bars(feature)
    return (
        f'<section class="feature{" violated" if feature.violations else ""}" id="{_anchor(feature.name)}"'
        f' data-feature="{escape(feature.name)}">'
        f"<h3>{escape(feature.name)}{badges}</h3>"
        f"{f'<ul>{listed}</ul>' if listed else ''}"
        # Distribution beside the numbers, then missing share beside drift.
        f'<div class="plots"><div>{plots.element(distribution)}</div><div>{_numbers_table(feature)}</div>'
        f"<div>{plots.element(missing_share(feature))}</div><div>{plots.element(drift_gauge(feature))}</div>"
        "</div></section>"
    )


def _summary(comparison: Comparison) -> str:
    drifted = sum(1 for f in comparison.features if f.drifted)
    violated = sum(1 for f in comparison.features if f.violations)
    count = len(comparison.violations)
    cards = [
        (f'<strong class="{"bad" if count else "good"}" id="violation-count">{count}</strong>', "violations"),
        (f"<strong>{violated}</strong>", "features with violations"),
        (f'<strong class="{"bad" if drifted else "good"}">{drifted}</strong>', "features drifted"),
        (f"<strong>{len(comparison.features)}</strong>", "features"),
        (
            f"<strong>{_number(comparison.current_item_count)} / "
            f"{_number(comparison.baseline_item_count)}</strong>",
            "rows (current / baseline)",
        ),
    ]
    return '<div class="summary">' + "".join(f"<div>{v}{escape(k)}</div>" for v, k in cards) + "</div>"


def _violations_table(comparison: Comparison) -> str:
    if not comparison.violations:
        return '<p class="good" id="no-violations">No violations.</p>'
    rows = "".join(
        f'<tr><td><a href="#{_anchor(v.feature_name)}">{escape(v.feature_name)}</a></td>'
        f"<td><code>{escape(v.constraint_check_type)}</code></td><td>{escape(v.description)}</td></tr>"
        for v in comparison.violations
    )
    return f'<table id="violations"><tr><th>feature</th><th>check</th><th>description</th></tr>{rows}</table>'


def render_report(comparison: Comparison, context: ReportContext) -> str:
    """The whole HTML document of ``comparison`` (see the module docstring)."""
    plots = _Plots()
    facts = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in context.facts)
    overview = plots.element(drift_overview(comparison), "plot wide")
    sections = "".join(_feature_section(f, plots) for f in comparison.features)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # No favicon request (a failed load in the browser's console): an empty inline icon.
        '<link rel="icon" href="data:,">'
        f"<title>{escape(context.title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(context.title)}</h1>"
        f'<table class="facts">{facts}</table>'
        f"{_summary(comparison)}<h2>Violations</h2>{_violations_table(comparison)}"
        f"<h2>Drift</h2>{overview or '<p>No drift was computed (no baseline distributions).</p>'}"
        f"<h2>Features, most drifted first</h2>{sections}"
        f"{''.join(plots.scripts())}"
        f"<script>{plotly_js()}</script><script>{_LOADER}</script>"
        "</body></html>"
    )
