"""The dashboard's home page (``GET /``): every endpoint and batch job, each monitor's last status,
violations in the last 24 h / 7 d and next run, each monitor linking to its page. Server-rendered HTML,
no script, no external asset.

A viewer token is needed as for the API (``Authorization: Bearer``; a catalog without tokens is open).
The data comes from the service (``service.overview``); this module only renders it.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from modelmonitor.api.auth import page_viewer, service_of
from modelmonitor.api.dashboard_layout import page, status_cell, time_text
from modelmonitor.api.dashboard_monitor import monitor_link
from modelmonitor.service.access import Caller
from modelmonitor.service.overview import MonitorOverview, TargetOverview, overview

__all__ = ["render_home", "router"]

router = APIRouter(tags=["dashboard"])


def _count(value: int) -> str:
    return f'<td class="{"count-nonzero" if value else "count"}">{value}</td>'


def _row(monitor: MonitorOverview) -> str:
    return (
        f'<tr data-schedule="{escape(monitor.schedule)}">'
        f'<td><a href="{monitor_link(monitor.schedule)}">{escape(monitor.schedule)}</a></td>'
        f"<td>{escape(monitor.monitoring_type)}</td><td>{escape(monitor.schedule_status)}</td>"
        f"{status_cell(monitor.last_status)}"
        f"<td>{time_text(monitor.last_run)}</td>{_count(monitor.violations_24h)}{_count(monitor.violations_7d)}"
        f"<td>{time_text(monitor.next_run)}</td></tr>"
    )


def _target(target: TargetOverview) -> str:
    header = (
        "<tr><th>monitor</th><th>type</th><th>schedule</th><th>last status</th><th>last run</th>"
        "<th>violations 24 h</th><th>violations 7 d</th><th>next run</th></tr>"
    )
    rows = "".join(_row(m) for m in target.monitors) or '<tr><td colspan="8">no monitoring schedule</td></tr>'
    classes = f"target {'endpoint' if target.endpoint else 'batch'}{' broken' if target.broken else ''}"
    return (
        f'<section class="{classes}" data-target="{escape(target.name)}">'
        f"<h2>{escape(target.name)}</h2><table>{header}{rows}</table></section>"
    )


def render_home(targets: list[TargetOverview], now: datetime, caller: Caller | None = None) -> str:
    broken = sum(1 for t in targets if t.broken)
    summary = (
        f'<p class="summary">{len(targets)} monitored target(s), '
        f'<span id="broken-count">{broken}</span> needing attention · {time_text(now)}</p>'
    )
    body = "".join(_target(t) for t in targets) or "<p>No endpoint is registered yet.</p>"
    return page("modelmonitor", f"<h1>modelmonitor</h1>{summary}{body}", caller=caller)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, caller: Caller = Depends(page_viewer)) -> str:
    service = service_of(request)
    return render_home(overview(service), service.clock.now(), caller)
