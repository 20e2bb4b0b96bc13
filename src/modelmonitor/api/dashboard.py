"""The dashboard, served by ``serve`` beside the API: one router of its pages and actions, and plotly.js.

Pages (viewer): home ``/`` (dashboard_home), a monitor ``/monitors/{name}`` (dashboard_monitor), a
feature ``/monitors/{name}/features/{feature}`` (dashboard_feature), a model monitor's metric
``/monitors/{name}/metrics/{metric}`` (dashboard_metric), an execution ``/executions/{id}``
(dashboard_execution). Actions (operator, POST, dashboard_actions). Signing in and out: ``/login``,
``/logout`` (login). ``/static/plotly.min.js`` is the
bundle of the installed ``plotly`` package (no CDN); it holds no data, so it needs no token.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from modelmonitor.api import (
    dashboard_actions,
    dashboard_execution,
    dashboard_feature,
    dashboard_home,
    dashboard_metric,
    dashboard_monitor,
    login,
)
from modelmonitor.api.dashboard_layout import PLOTLY_PATH
from modelmonitor.service.reports import plotly_js_path

__all__ = ["router"]

router = APIRouter()
for module in (
    dashboard_home,
    dashboard_monitor,
    dashboard_feature,
    dashboard_metric,
    dashboard_execution,
    dashboard_actions,
    login,
):
    router.include_router(module.router)


@router.get(PLOTLY_PATH, include_in_schema=False)
def plotly_js() -> FileResponse:
    # A day in the browser's cache: the bundle changes only with the installed package.
    return FileResponse(
        plotly_js_path(), media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
    )
