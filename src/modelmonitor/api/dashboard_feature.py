"""The feature page (``GET /monitors/{name}/features/{feature}``): one feature's baseline against its
current distribution (the reports' figures: KLL-bucket histogram or categorical bars, missing share),
its type and numbers at one execution (``?execution=``, else the latest that measured it), and its drift
and missing share over time against the threshold.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from modelmonitor.api.auth import page_viewer, service_of
from modelmonitor.api.dashboard_figures import feature_drift_figure
from modelmonitor.api.dashboard_layout import figure_block, number, page, path_part, share, time_text
from modelmonitor.api.dashboard_monitor import RANGES, RangeName, monitor_link
from modelmonitor.errors import ModelMonitorError, NotFoundError
from modelmonitor.service import MonitoringService
from modelmonitor.service.access import Caller
from modelmonitor.service.metrics_history import MAX_POINTS, TimeRange, drift_over_time, feature_history
from modelmonitor.service.reports import (
    DatasetSide,
    FeatureComparison,
    categorical_bars,
    execution_comparison,
    missing_share,
    numeric_histogram,
)

__all__ = ["router"]

router = APIRouter(tags=["dashboard"])

LISTED_EXECUTIONS = 30


def _side(label: str, side: DatasetSide | None) -> str:
    if side is None:
        return f'<tr><th>{label}</th><td colspan="3">not in this data set</td></tr>'
    return (
        f"<tr><th>{label}</th><td>{escape(side.inferred_type)}</td>"
        f'<td class="num" id="{label}-missing">{share(side.missing_share)}</td>'
        f'<td class="num">{side.item_count:,}</td></tr>'
    )


def _comparison(feature: FeatureComparison) -> str:
    distribution = numeric_histogram(feature) or categorical_bars(feature)
    check = feature.drift
    drift = (
        f'<p>Drift: <span class="{"drifted" if check.drifted else ""}" id="drift">'
        f"{number(check.value)}</span>"
        f" against threshold {number(check.threshold)}"
        f" ({'a chi-squared p-value' if check.method == 'ChiSquared' else 'L-infinity distance'})"
        f"{' — drifted' if check.drifted else ''}.</p>"
        if check is not None
        else "<p>No drift check ran on this feature.</p>"
    )
    violations = "".join(
        f"<li>{escape(v.constraint_check_type)}: {escape(v.description)}</li>" for v in feature.violations
    )
    return (
        "<table><tr><th></th><th>type</th><th>missing</th><th>rows</th></tr>"
        f"{_side('baseline', feature.baseline)}{_side('current', feature.current)}</table>{drift}"
        + (f'<ul id="feature-violations">{violations}</ul>' if violations else "")
        + '<div class="plots">'
        + figure_block("distribution-plot", distribution, "No distribution to draw for this feature.")
        + figure_block("missing-plot", missing_share(feature), "No missing share to draw.")
        + "</div>"
    )


def render_feature(
    service: MonitoringService,
    name: str,
    feature: str,
    execution_id: int | None,
    chosen: str,
    caller: Caller | None = None,
) -> str:
    span = RANGES[chosen]
    start = None if span is None else service.clock.now() - span
    history = feature_history(
        drift_over_time(service, name, TimeRange(start=start, limit=MAX_POINTS)), feature
    )
    if execution_id is None:
        if not history:
            raise NotFoundError(
                f"feature {feature!r}: no finished execution of {name} in this range measured it"
            )
        execution_id = history[-1][0].execution_id
    try:
        execution, comparison = execution_comparison(service, execution_id)
        if execution.schedule_name != name:
            raise NotFoundError(f"execution {execution_id} is not an execution of {name}")
        compared = comparison.feature(feature)
        if compared is None:
            raise NotFoundError(f"feature {feature!r} is not in execution {execution_id}'s files")
        now_section = _comparison(compared)
    except NotFoundError:
        raise
    except ModelMonitorError as exc:
        now_section = f'<p class="notice refused">{escape(str(exc))}</p>'
    base = f"{monitor_link(name)}/features/{path_part(feature)}"
    rows = "".join(
        f'<tr><td><a href="{base}?execution={d.execution_id}">{d.execution_id}</a></td>'
        f"<td>{time_text(d.scheduled_time)}</td>"
        f'<td class="num{" drifted" if m.drifted else ""}">{number(m.drift)}</td>'
        f'<td class="num">{number(m.threshold)}</td><td class="num">{share(m.missing_share)}</td></tr>'
        for d, m in reversed(history[-LISTED_EXECUTIONS:])
    )
    links = "".join(
        f"<strong>{label}</strong> " if label == chosen else f'<a href="{base}?range={label}">{label}</a> '
        for label in RANGES
    )
    body = (
        f'<h1>Feature <span id="feature-name">{escape(feature)}</span></h1>'
        f'<h2>Baseline against execution <a href="/executions/{execution_id}">{execution_id}</a></h2>'
        f"{now_section}"
        f'<h2>Drift history</h2><p class="ranges">Range: {links}</p>'
        + figure_block("history-plot", feature_drift_figure(history, feature), "No execution measured it.")
        + "<table><tr><th>execution</th><th>scheduled</th><th>drift</th><th>threshold</th>"
        + f"<th>missing</th></tr>{rows}</table>"
    )
    crumbs = [("modelmonitor", "/"), (name, monitor_link(name)), (feature, None)]
    return page(f"{feature} · {name} · modelmonitor", body, crumbs=crumbs, plots=True, caller=caller)


@router.get("/monitors/{name}/features/{feature}", response_class=HTMLResponse)
def feature_page(
    request: Request,
    name: str,
    feature: str,
    execution: int | None = Query(default=None, ge=1, le=2**62),
    range_: RangeName = Query(default="30d", alias="range"),
    caller: Caller = Depends(page_viewer),
) -> str:
    return render_feature(service_of(request), name, feature, execution, range_, caller)
