"""The dashboard's home page (``GET /``): every endpoint and batch job, each monitor's last status,
violations in the last 24 h / 7 d and next run. Server-rendered HTML, no script, no external asset.

A viewer token is needed as for the API (``Authorization: Bearer``; a catalog without tokens is open).
The data comes from the service (``service.overview``); this module only renders it.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from modelmonitor.api.auth import service_of, viewer
from modelmonitor.service.overview import MonitorOverview, TargetOverview, overview

__all__ = ["render_home", "router"]

router = APIRouter(tags=["dashboard"])

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1d2330; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
table { border-collapse: collapse; min-width: 60rem; }
th, td { text-align: left; padding: .35rem .7rem; border-bottom: 1px solid #d6dae3; white-space: nowrap; }
th { background: #f1f3f7; }
.status { font-weight: 600; }
.Completed { color: #1b7f3b; } .CompletedWithViolations, .Failed { color: #b3261e; }
.InProgress, .Pending, .Stopping { color: #8a6d00; } .Stopped, .none { color: #6b7280; }
.broken h2::after { content: " — needs attention"; color: #b3261e; font-weight: 400; }
.count-nonzero { color: #b3261e; font-weight: 600; }
.summary { padding: .6rem .9rem; background: #f1f3f7; display: inline-block; }
"""


def _time(moment: datetime | None) -> str:
    return "—" if moment is None else escape(moment.strftime("%Y-%m-%d %H:%M UTC"))


def _count(value: int) -> str:
    return f'<td class="{"count-nonzero" if value else "count"}">{value}</td>'


def _row(monitor: MonitorOverview) -> str:
    last = monitor.last_status or "none"
    return (
        f'<tr data-schedule="{escape(monitor.schedule)}">'
        f"<td>{escape(monitor.schedule)}</td><td>{escape(monitor.monitoring_type)}</td>"
        f"<td>{escape(monitor.schedule_status)}</td>"
        f'<td class="status {escape(last)}">{escape(monitor.last_status or "no run yet")}</td>'
        f"<td>{_time(monitor.last_run)}</td>{_count(monitor.violations_24h)}{_count(monitor.violations_7d)}"
        f"<td>{_time(monitor.next_run)}</td></tr>"
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


def render_home(targets: list[TargetOverview], now: datetime) -> str:
    broken = sum(1 for t in targets if t.broken)
    summary = (
        f'<p class="summary">{len(targets)} monitored target(s), '
        f'<span id="broken-count">{broken}</span> needing attention · {_time(now)}</p>'
    )
    body = "".join(_target(t) for t in targets) or "<p>No endpoint is registered yet.</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        # No favicon request (a 404 in the browser's console): an empty inline icon.
        '<link rel="icon" href="data:,"><title>modelmonitor</title>'
        f"<style>{_STYLE}</style></head><body><h1>modelmonitor</h1>{summary}{body}</body></html>"
    )


@router.get("/", response_class=HTMLResponse, dependencies=[Depends(viewer)])
def home(request: Request) -> str:
    service = service_of(request)
    return render_home(overview(service), service.clock.now())
