"""/api/v1/schedules/{name}/metrics: a monitor's metrics over time (service.metrics_history).

``executions``: each execution's status, violation count and duration. ``drift``: per finished
execution, each feature's drift value against its threshold and its missing share. Both are bounded
by a time range on the scheduled time (``start`` included, ``end`` excluded) and paged (``limit``,
``offset``), oldest first.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request

from modelmonitor.api.auth import service_of, viewer
from modelmonitor.service.metrics_history import (
    MAX_POINTS,
    ExecutionDrift,
    ExecutionPoint,
    TimeRange,
    drift_over_time,
    executions_over_time,
)

__all__ = ["router", "time_range"]

router = APIRouter(prefix="/api/v1/schedules/{name}/metrics", tags=["metrics over time"])


def time_range(
    start: datetime | None = Query(default=None, description="Scheduled at or after (ISO 8601)"),
    end: datetime | None = Query(default=None, description="Scheduled before (ISO 8601)"),
    limit: int = Query(default=500, ge=1, le=MAX_POINTS),
    offset: int = Query(default=0, ge=0, le=10**9, description="Executions to skip: page n is n*limit"),
) -> TimeRange:
    return TimeRange(start, end, limit, offset)


@router.get("/executions", dependencies=[Depends(viewer)])
def executions(request: Request, name: str, window: TimeRange = Depends(time_range)) -> list[ExecutionPoint]:
    return executions_over_time(service_of(request), name, window)


@router.get("/drift", dependencies=[Depends(viewer)])
def drift(request: Request, name: str, window: TimeRange = Depends(time_range)) -> list[ExecutionDrift]:
    """Finished executions only; an execution without numbers says why in ``error``."""
    return drift_over_time(service_of(request), name, window)
