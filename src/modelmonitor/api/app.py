"""The FastAPI application: REST under /api/v1 over one ``MonitoringService``, /metrics, /healthz, /docs.

``create_app`` takes the service (and whether a scheduler runs in this process); ``serve`` builds both
from the settings. Routes are thin: a request model in, one service call, its record out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest

from modelmonitor import __version__
from modelmonitor.api import admin, baselines, dashboard, endpoints, executions, metrics_history, schedules
from modelmonitor.api.auth import ApiState, audit_writes
from modelmonitor.api.errors import ERROR_RESPONSES, install_error_handlers
from modelmonitor.api.request_limits import limit_body_size
from modelmonitor.service import MonitoringService
from modelmonitor.service.access import AccessControl

__all__ = ["create_app"]


def create_app(service: MonitoringService, *, scheduler_running: bool = False) -> FastAPI:
    app = FastAPI(
        title="modelmonitor",
        version=__version__,
        description="Self-hosted model monitoring, file-compatible with SageMaker Model Monitor. "
        "Send 'Authorization: Bearer <token>' (modelmonitor token create).",
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
        responses=ERROR_RESPONSES,
    )
    app.state.api = ApiState(service, AccessControl(service), scheduler_running)
    app.state.baselines = baselines.BaselineJobs()
    install_error_handlers(app)
    for module in (endpoints, schedules, metrics_history, executions, baselines, admin, dashboard):
        app.include_router(module.router)

    registry = CollectorRegistry()
    requests = Counter(
        "modelmonitor_api_requests",
        "REST API requests answered, by route and status",
        ["method", "route", "status"],
        registry=registry,
    )

    async def count_requests(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        requests.labels(request.method, route, str(response.status_code)).inc()
        return response

    # Added last runs first: the size limit answers before anything reads a body.
    app.middleware("http")(audit_writes)
    app.middleware("http")(count_requests)
    app.middleware("http")(limit_body_size)

    @app.get("/healthz", tags=["server"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", tags=["server"], response_class=Response)
    def metrics() -> Response:
        """Prometheus: the API's request counts and the scheduler's execution metrics."""
        text = generate_latest(registry) + generate_latest(service.scheduler().exporter.registry)
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    app.router.add_event_handler("shutdown", app.state.baselines.close)
    return app
