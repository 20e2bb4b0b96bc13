"""The monitor page (``GET /monitors/{name}``): one schedule's executions over time, each feature's drift
over time against its threshold and its features at the latest execution (data quality) or each metric
over time against its constraint (the model monitors: ``dashboard_model_monitor``), the latest violations
with their descriptions, and the operator's actions (run now, start/stop) when the token's role allows them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from modelmonitor.api.auth import page_viewer, service_of
from modelmonitor.api.dashboard_figures import drift_figure, executions_figure
from modelmonitor.api.dashboard_layout import (
    figure_block,
    number,
    page,
    path_part,
    seconds,
    share,
    status_cell,
    time_text,
)
from modelmonitor.api.dashboard_model_monitor import model_sections
from modelmonitor.errors import ModelMonitorError
from modelmonitor.formats.clarify import AttributionViolationsFile, BiasViolationsFile
from modelmonitor.formats.model_quality import ModelQualityViolationsFile
from modelmonitor.formats.statuses import MonitoringType, ScheduleStatus
from modelmonitor.formats.violations import ViolationsFile
from modelmonitor.service import MonitoringService
from modelmonitor.service.access import Caller, Role
from modelmonitor.service.metrics_history import (
    MAX_POINTS,
    ExecutionDrift,
    ExecutionPoint,
    TimeRange,
    drift_over_time,
    executions_over_time,
)
from modelmonitor.service.overview import MonitorOverview, monitor_overview

__all__ = ["RANGES", "ActionName", "Outcome", "monitor_link", "render_monitor", "router"]

router = APIRouter(tags=["dashboard"])

RangeName = Literal["24h", "7d", "30d", "all"]
RANGES: dict[str, timedelta | None] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "all": None,
}
LISTED_EXECUTIONS = 50


def monitor_link(name: str) -> str:
    return f"/monitors/{path_part(name)}"


def _facts(monitor: MonitorOverview) -> str:
    rows = [
        ("endpoint", escape(monitor.endpoint or "batch transform")),
        ("monitoring type", escape(monitor.monitoring_type)),
        ("schedule", f"{escape(monitor.expression)} · {escape(monitor.schedule_status)}"),
        ("last run", f"{time_text(monitor.last_run)} · {escape(monitor.last_status or 'no run yet')}"),
        ("violations 24 h / 7 d", f"{monitor.violations_24h} / {monitor.violations_7d}"),
        ("next run", time_text(monitor.next_run)),
    ]
    body = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows)
    return f'<table class="facts">{body}</table>'


def _actions(monitor: MonitorOverview, caller: Caller) -> str:
    """Buttons for an operator or admin; a viewer sees none (and the POST routes refuse it)."""
    if caller.role < Role.OPERATOR:
        return ""
    base = monitor_link(monitor.schedule) + "/actions"
    switch = "stop" if monitor.schedule_status != ScheduleStatus.STOPPED else "start"
    buttons = [("run-now", "Run now"), (switch, "Stop schedule" if switch == "stop" else "Start schedule")]
    forms = "".join(
        f'<form method="post" action="{base}/{action}"><button type="submit" id="action-{action}">'
        f"{label}</button></form>"
        for action, label in buttons
    )
    return f'<div class="actions">{forms}</div>'


ActionName = Literal["run-now", "start", "stop"]
# What the page says after an action (fixed sentences: the link carries a code, never text).
Outcome = Literal["run-now", "start", "stop", "busy"]
_OUTCOMES = {
    "start": "Schedule started.",
    "stop": "Schedule stopped.",
    "busy": "Not started: an execution of this schedule is still running (executions of one schedule "
    "never overlap; stop it from its page or wait).",
}


def _notice(done: str | None, execution: int | None) -> str:
    """What the action the page was sent back from did."""
    if done == "run-now" and execution is not None:
        link = f'<a href="/executions/{execution}">{execution}</a>'
        return f'<p class="notice" id="notice">Execution {link} started.</p>'
    if done not in _OUTCOMES:
        return ""
    refused = " refused" if done == "busy" else ""
    return f'<p class="notice{refused}" id="notice">{escape(_OUTCOMES[done])}</p>'


def _ranges(name: str, chosen: str) -> str:
    links = [
        f"<strong>{label}</strong>"
        if label == chosen
        else f'<a href="{monitor_link(name)}?range={label}">{label}</a>'
        for label in RANGES
    ]
    return f'<p class="ranges">Range: {"".join(links)}</p>'


def _features(name: str, drifts: list[ExecutionDrift]) -> str:
    latest = next((d for d in reversed(drifts) if d.features), None)
    if latest is None:
        return "<p>No finished execution with statistics in this range.</p>"
    rows = "".join(
        f'<tr data-feature="{escape(m.feature)}">'
        f'<td><a href="{monitor_link(name)}/features/{path_part(m.feature)}">{escape(m.feature)}</a></td>'
        f"<td>{escape(m.inferred_type)}</td>"
        f'<td class="num{" drifted" if m.drifted else ""}">{number(m.drift)}</td>'
        f'<td class="num">{number(m.threshold)}</td><td>{escape(m.method or "—")}</td>'
        f'<td class="num">{share(m.missing_share)}</td></tr>'
        for m in sorted(latest.features, key=lambda m: (not m.drifted, m.feature))
    )
    return (
        f'<p>At execution <a href="/executions/{latest.execution_id}">{latest.execution_id}</a> '
        f"({time_text(latest.scheduled_time)}).</p>"
        "<table><tr><th>feature</th><th>type</th><th>drift</th><th>threshold</th><th>method</th>"
        f"<th>missing</th></tr>{rows}</table>"
    )


def _violation_rows(monitoring_type: str, text: str, uri: str) -> list[tuple[str, str, str]]:
    """(what, check, description) of each violation, read with the monitor type's own file format."""
    if monitoring_type == MonitoringType.MODEL_QUALITY:
        quality = ModelQualityViolationsFile.from_json_text(text, source=uri).violations
        return [(v.metric_name, v.constraint_check_type, v.description) for v in quality]
    if monitoring_type == MonitoringType.MODEL_BIAS:
        bias = BiasViolationsFile.from_json_text(text, source=uri).violations
        return [
            (f"{v.facet}={v.facet_value} {v.metric_name}", v.constraint_check_type, v.description)
            for v in bias
        ]
    if monitoring_type == MonitoringType.MODEL_EXPLAINABILITY:
        attribution = AttributionViolationsFile.from_json_text(text, source=uri).violations
        return [(v.label, v.constraint_check_type, v.description) for v in attribution]
    data = ViolationsFile.from_json_text(text, source=uri).violations
    return [(v.feature_name, v.constraint_check_type, v.description) for v in data]


def _latest_violations(
    service: MonitoringService, monitor: MonitorOverview, points: list[ExecutionPoint]
) -> str:
    latest = next((p for p in reversed(points) if p.violation_count), None)
    if latest is None:
        return "<p>No violations in this range.</p>"
    try:
        uri, text = service.read_execution_output(latest.execution_id, "constraint_violations.json")
        violations = _violation_rows(monitor.monitoring_type, text, uri)
    except ModelMonitorError as exc:
        what = f"The violations of execution {latest.execution_id}"
        return f'<p class="notice refused">{what}: {escape(str(exc))}</p>'
    rows = "".join(
        f"<tr><td>{escape(subject)}</td><td>{escape(check)}</td>"
        f'<td class="wrap">{escape(description)}</td></tr>'
        for subject, check, description in violations
    )
    return (
        f'<p>Execution <a href="/executions/{latest.execution_id}">{latest.execution_id}</a> '
        f"({time_text(latest.scheduled_time)}), {len(violations)} violation(s):</p>"
        '<table id="violations"><tr><th>feature / metric</th><th>check</th><th>description</th></tr>'
        f"{rows}</table>"
    )


def _executions(points: list[ExecutionPoint]) -> str:
    if not points:
        return "<p>No execution in this range.</p>"
    rows = "".join(
        f'<tr data-execution="{p.execution_id}">'
        f'<td><a href="/executions/{p.execution_id}">{p.execution_id}</a></td>'
        f"<td>{time_text(p.scheduled_time)}</td>{status_cell(p.status)}"
        f'<td class="num">{"—" if p.violation_count is None else p.violation_count}</td>'
        f'<td class="num">{seconds(p.duration_seconds)}</td>'
        f'<td class="wrap">{escape(p.failure_reason or "")}</td></tr>'
        for p in reversed(points[-LISTED_EXECUTIONS:])
    )
    return (
        f'<table id="executions"><tr><th>execution</th><th>scheduled</th><th>status</th><th>violations</th>'
        f"<th>duration</th><th>failure reason</th></tr>{rows}</table>"
    )


def _measured(service: MonitoringService, monitor: MonitorOverview, drifts: list[ExecutionDrift]) -> str:
    """Per-feature drift (data quality), or each metric against its constraint (the other monitors)."""
    if monitor.monitoring_type != MonitoringType.DATA_QUALITY:
        return model_sections(service, monitor.schedule, monitor.monitoring_type, drifts)
    return (
        "<h2>Drift over time</h2>"
        + figure_block("drift-plot", drift_figure(drifts), "No drift distance measured in this range.")
        + f"<h2>Features</h2>{_features(monitor.schedule, drifts)}"
    )


def render_monitor(
    service: MonitoringService,
    name: str,
    caller: Caller,
    chosen: str,
    done: str | None = None,
    execution: int | None = None,
) -> str:
    monitor = monitor_overview(service, name)
    span = RANGES[chosen]
    now: datetime = service.clock.now()
    window = TimeRange(start=None if span is None else now - span, limit=MAX_POINTS)
    points = executions_over_time(service, name, window)
    drifts = drift_over_time(service, name, window)
    cut = (
        f"<p>The first {MAX_POINTS} executions of the range are shown: choose a shorter range.</p>"
        if len(points) == MAX_POINTS
        else ""
    )
    body = (
        f'<h1>Monitor <span id="schedule-name">{escape(name)}</span></h1>{_notice(done, execution)}'
        f"{_facts(monitor)}{_actions(monitor, caller)}{_ranges(name, chosen)}{cut}"
        "<h2>Executions over time</h2>"
        + figure_block("executions-plot", executions_figure(points), "No execution in this range.")
        + _measured(service, monitor, drifts)
        + f"<h2>Latest violations</h2>{_latest_violations(service, monitor, points)}"
        + f"<h2>Executions</h2>{_executions(points)}"
    )
    crumbs = [("modelmonitor", "/"), (name, None)]
    return page(f"{name} · modelmonitor", body, crumbs=crumbs, plots=True, caller=caller)


@router.get("/monitors/{name}", response_class=HTMLResponse)
def monitor_page(
    request: Request,
    name: str,
    caller: Caller = Depends(page_viewer),
    range_: RangeName = Query(default="7d", alias="range"),
    done: Outcome | None = Query(default=None, description="What the action the page comes back from did"),
    execution: int | None = Query(default=None, ge=1, le=2**62, description="The execution it started"),
) -> str:
    return render_monitor(service_of(request), name, caller, range_, done, execution)
