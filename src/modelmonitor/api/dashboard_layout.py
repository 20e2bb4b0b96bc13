"""What every dashboard page shares: the HTML shell (style, breadcrumbs, plotly.js and the few lines that
draw the figures), and the formatting of times, numbers and figures.

Pages are server-rendered; the only script is plotly.js, served by this server from the installed
``plotly`` package (``/static/plotly.min.js``), and one inline loop that draws each figure from the JSON
in its ``<script type="application/json">`` element. Nothing is loaded from elsewhere. Every text from
the catalog or the files is escaped. A page given its caller says who is signed in, with a sign-out
button (``api/login.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from urllib.parse import quote

from modelmonitor.service.access import ANONYMOUS_ADMIN, Caller
from modelmonitor.service.reports import Figure, figure_json

__all__ = [
    "PLOTLY_PATH",
    "figure_block",
    "number",
    "page",
    "path_part",
    "seconds",
    "share",
    "status_cell",
    "time_text",
]

PLOTLY_PATH = "/static/plotly.min.js"

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem 2rem; color: #1d2330; }
h1 { font-size: 1.4rem; margin: .4rem 0 1rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
a { color: #1f5fa8; }
nav.crumbs { font-size: .9rem; color: #5b6475; }
table { border-collapse: collapse; min-width: 40rem; }
th, td { text-align: left; padding: .35rem .7rem; border-bottom: 1px solid #d6dae3; white-space: nowrap; }
th { background: #f1f3f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.wrap { white-space: normal; max-width: 50rem; }
table.facts th { background: none; color: #5b6475; font-weight: 400; }
.status { font-weight: 600; }
.Completed { color: #1b7f3b; } .CompletedWithViolations, .Failed { color: #b3261e; }
.InProgress, .Pending, .Stopping { color: #8a6d00; } .Stopped, .none { color: #6b7280; }
.broken h2::after { content: " — needs attention"; color: #b3261e; font-weight: 400; }
.count-nonzero, .drifted { color: #b3261e; font-weight: 600; }
.summary, .notice { padding: .6rem .9rem; background: #f1f3f7; display: inline-block; }
.notice.refused { background: #fbe3e1; }
.plot { width: 100%; max-width: 72rem; min-height: 300px; }
.plots { display: grid; grid-template-columns: 1fr 1fr; gap: .6rem; max-width: 72rem; }
.actions form { display: inline-block; margin-right: .5rem; }
.actions button { font: inherit; padding: .3rem .9rem; cursor: pointer; }
.ranges a, .ranges strong { margin-right: .7rem; }
form.who { float: right; font-size: .9rem; color: #5b6475; margin: 0 0 0 1rem; }
form.who button { font: inherit; padding: .15rem .6rem; margin-left: .4rem; cursor: pointer; }
form.login { display: flex; gap: .6rem; align-items: center; margin: 1rem 0; }
form.login input[type=password] { font: inherit; width: 34rem; padding: .3rem .5rem; }
form.login button { font: inherit; padding: .3rem .9rem; cursor: pointer; }
pre.log { background: #f7f8fb; border: 1px solid #d6dae3; padding: .7rem; max-height: 30rem;
  overflow: auto; white-space: pre-wrap; }
"""

# Draws every figure of the page: each element with data-figure names the JSON element that holds it.
_DRAW = """
document.querySelectorAll("[data-figure]").forEach(function (element) {
  var figure = JSON.parse(document.getElementById(element.dataset.figure).textContent);
  Plotly.newPlot(element, figure.data, figure.layout, {displaylogo: false, responsive: true});
});
"""


def _signed_in(caller: Caller | None) -> str:
    if caller is None or caller == ANONYMOUS_ADMIN:
        return ""
    return (
        f'<form class="who" method="post" action="/logout"><span id="signed-in-as">{escape(caller.name)}'
        f"</span> ({escape(caller.role.label)})"
        '<button type="submit" id="sign-out">Sign out</button></form>'
    )


def page(
    title: str,
    body: str,
    *,
    crumbs: Sequence[tuple[str, str | None]] = (),
    plots: bool = False,
    caller: Caller | None = None,
) -> str:
    """A whole page; ``crumbs`` are (label, link or None) above the title; ``plots`` adds plotly.js;
    ``caller`` (who asked for it) adds who is signed in and the sign-out button."""
    trail = " › ".join(
        f'<a href="{escape(link)}">{escape(label)}</a>' if link else escape(label) for label, link in crumbs
    )
    nav = f'<nav class="crumbs">{trail}</nav>' if crumbs else ""
    scripts = f'<script src="{PLOTLY_PATH}"></script><script>{_DRAW}</script>' if plots else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        # No favicon request (a 404 in the browser's console): an empty inline icon.
        f'<link rel="icon" href="data:,"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{_signed_in(caller)}{nav}{body}{scripts}</body></html>"
    )


def figure_block(element_id: str, figure: Figure | None, empty: str) -> str:
    """A figure's element and its JSON, or ``empty`` (a sentence) when there is nothing to draw."""
    if figure is None:
        return f'<p class="no-plot" id="{escape(element_id)}">{escape(empty)}</p>'
    return (
        f'<div class="plot" id="{escape(element_id)}" data-figure="{escape(element_id)}-data"></div>'
        f'<script type="application/json" id="{escape(element_id)}-data">{figure_json(figure)}</script>'
    )


def path_part(text: str) -> str:
    """``text`` as one segment of a URL path."""
    return quote(text, safe="")


def time_text(moment: datetime | None) -> str:
    return "—" if moment is None else escape(moment.strftime("%Y-%m-%d %H:%M UTC"))


def number(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}g}"


def share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} s"


def status_cell(status: str | None) -> str:
    shown = status or "none"
    return f'<td class="status {escape(shown)}">{escape(status or "no run yet")}</td>'
