"""The execution page (``GET /executions/{id}``): its status and times, the analysis window, the records
it read and the bad ones, its result files, links to its features, and the end of its log.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse

from modelmonitor.api.auth import page_viewer, service_of
from modelmonitor.api.dashboard_layout import page, path_part, seconds, time_text
from modelmonitor.api.dashboard_model_monitor import metric_link
from modelmonitor.api.dashboard_monitor import monitor_link
from modelmonitor.errors import ModelMonitorError
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.formats.statuses import MonitoringType, is_terminal
from modelmonitor.service import MonitoringService
from modelmonitor.service.access import Caller, Role
from modelmonitor.service.execution_details import ExecutionDetails, execution_details
from modelmonitor.service.metrics_history import execution_numbers

__all__ = ["router"]

router = APIRouter(tags=["dashboard"])

# The end of the log shown on the page (the whole log: GET /api/v1/executions/{id}/log).
LOG_TAIL_CHARACTERS = 64 * 1024


def _count(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}"


def _ended(status: str, modified_at: datetime) -> str:
    # A running execution's row is touched by lease renewals: that time is not an end.
    return time_text(modified_at) if is_terminal(status) else "not yet"


def _facts(details: ExecutionDetails) -> str:
    execution = details.execution
    window = (
        f"{time_text(details.window[0])} to {time_text(details.window[1])} (from the {details.window_from})"
        if details.window is not None
        else "unknown"
    )
    rows = [
        (
            "schedule",
            f'<a href="{monitor_link(execution.schedule_name)}">{escape(execution.schedule_name)}</a>',
        ),
        ("endpoint", escape(execution.endpoint_name or "batch transform")),
        (
            "status",
            f'<span class="status {escape(execution.status)}" id="status">{escape(execution.status)}</span>',
        ),
        ("violations", "—" if execution.violation_count is None else str(execution.violation_count)),
        ("scheduled", time_text(execution.scheduled_time)),
        (
            "started / ended",
            f"{time_text(execution.created_at)} / {_ended(execution.status, execution.modified_at)}",
        ),
        ("duration", seconds(details.duration_seconds)),
        ("analysis window", window),
        ("records read", f'<span id="records">{_count(details.records)}</span>'),
        ("bad records", f'<span id="bad-records">{_count(details.bad_records)}</span>'),
        ("failure reason", escape(execution.failure_reason or "—")),
        ("output", escape(execution.output_uri or "—")),
    ]
    body = "".join(f'<tr><th>{label}</th><td class="wrap">{value}</td></tr>' for label, value in rows)
    return f'<table class="facts">{body}</table>'


def _files(details: ExecutionDetails) -> str:
    if not details.files:
        return "<p>No result file.</p>"
    items = "".join(
        f'<li><a href="/api/v1/executions/{details.execution.id}/files/{path_part(name)}">{escape(name)}</a> '
        f"<small>{escape(uri)}</small></li>"
        for name, uri in details.files
    )
    return f'<ul id="files">{items}</ul>'


_BREACHED = ' class="drifted"'


def _metrics(service: MonitoringService, details: ExecutionDetails) -> str:
    """A model monitor's metrics of this execution, each linking to its page."""
    execution = details.execution
    try:
        numbers = execution_numbers(service, execution.id)
    except ModelMonitorError as exc:
        return f'<p class="notice refused">{escape(str(exc))}</p>'
    if numbers is None or not numbers.metrics:
        return ""
    links = ", ".join(
        f'<a href="{metric_link(execution.schedule_name, m.series)}?execution={execution.id}"'
        f"{_BREACHED if m.breached else ''}>{escape(m.series)}</a>"
        for m in numbers.metrics
    )
    return f'<h2>Metrics</h2><p id="metrics">{links}</p>'


def _features(service: MonitoringService, details: ExecutionDetails) -> str:
    if details.execution.monitoring_type != MonitoringType.DATA_QUALITY:
        return _metrics(service, details)
    if not any(name == "statistics.json" for name, _ in details.files):
        return ""
    execution = details.execution
    try:
        uri, text = service.read_execution_output(execution.id, "statistics.json")
        names = [f.name for f in StatisticsFile.from_json_text(text, source=uri).features]
    except ModelMonitorError as exc:
        return f'<p class="notice refused">{escape(str(exc))}</p>'
    base = monitor_link(execution.schedule_name)
    links = ", ".join(
        f'<a href="{base}/features/{path_part(n)}?execution={execution.id}">{escape(n)}</a>' for n in names
    )
    return f"<h2>Features</h2><p>{links}</p>"


def _log(service: MonitoringService, execution_id: int) -> str:
    try:
        text = service.execution_log(execution_id)
    except ModelMonitorError as exc:
        return f"<p>{escape(str(exc))}</p>"
    cut = len(text) > LOG_TAIL_CHARACTERS
    shown = text[-LOG_TAIL_CHARACTERS:]
    note = (
        f"<p>The last {LOG_TAIL_CHARACTERS // 1024} KiB; the whole log: "
        f'<a href="/api/v1/executions/{execution_id}/log">log</a>.</p>'
        if cut
        else ""
    )
    return f'{note}<pre class="log" id="log">{escape(shown)}</pre>'


def _actions(details: ExecutionDetails, caller: Caller) -> str:
    if caller.role < Role.OPERATOR or is_terminal(details.execution.status):
        return ""
    return (
        f'<div class="actions"><form method="post" action="/executions/{details.execution.id}/actions/stop">'
        '<button type="submit" id="action-stop-execution">Stop execution</button></form></div>'
    )


def render_execution(service: MonitoringService, execution_id: int, caller: Caller) -> str:
    details = execution_details(service, execution_id)
    execution = details.execution
    body = (
        f"<h1>Execution {execution.id}</h1>{_facts(details)}{_actions(details, caller)}"
        f"<h2>Result files</h2>{_files(details)}{_features(service, details)}"
        f"<h2>Log</h2>{_log(service, execution_id)}"
    )
    crumbs = [
        ("modelmonitor", "/"),
        (execution.schedule_name, monitor_link(execution.schedule_name)),
        (f"execution {execution.id}", None),
    ]
    return page(f"execution {execution.id} · modelmonitor", body, crumbs=crumbs, caller=caller)


@router.get("/executions/{execution_id}", response_class=HTMLResponse)
def execution_page(
    request: Request, execution_id: int = Path(ge=1, le=2**62), caller: Caller = Depends(page_viewer)
) -> str:
    return render_execution(service_of(request), execution_id, caller)
