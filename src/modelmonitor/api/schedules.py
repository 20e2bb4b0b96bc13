"""/api/v1/schedules: create, describe, update, start, stop, delete, and run now.

Creating, changing and deleting a schedule is admin's: a definition names scripts and commands the
server runs. An operator starts, stops and runs schedules now. Run-now answers 202 with the execution
at once (InProgress, or Failed with the reason); it ends on its own (the scheduler running inside
``serve --scheduler`` collects it, else a thread of this server waits for it).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace

from fastapi import APIRouter, Depends, Query, Request, Response

from modelmonitor.api.auth import ApiState, admin, operator, service_of, state_of, viewer
from modelmonitor.api.models import RunNowRequest, ScheduleRequest, ScheduleUpdateRequest
from modelmonitor.formats.statuses import is_terminal
from modelmonitor.service import Execution, Schedule, default_output_uri
from modelmonitor.service.access import Caller, Role

__all__ = ["ScheduleDescription", "router", "start_run"]

logger = logging.getLogger("modelmonitor.api")

router = APIRouter(prefix="/api/v1/schedules", tags=["schedules"])


@dataclass(frozen=True)
class ScheduleDescription:
    schedule: Schedule
    latest_execution: Execution | None


REDACTED = "<redacted>"


def _shown(schedule: Schedule, caller: Caller) -> Schedule:
    """A schedule as ``caller`` may see it: environment values (often credentials of a custom monitor)
    only for admin, who sets them; the other roles see the names."""
    environment = schedule.definition.get("environment") or {}
    if caller.role >= Role.ADMIN or not environment:
        return schedule
    return replace(
        schedule, definition={**schedule.definition, "environment": dict.fromkeys(environment, REDACTED)}
    )


@router.get("")
def list_schedules(
    request: Request,
    caller: Caller = Depends(viewer),
    endpoint: str | None = Query(default=None, max_length=128),
    status: str | None = Query(default=None, max_length=32),
    name_contains: str | None = Query(default=None, max_length=128),
) -> list[Schedule]:
    return [_shown(s, caller) for s in service_of(request).list_schedules(endpoint, status, name_contains)]


@router.post("", status_code=201, dependencies=[Depends(admin)])
def create_schedule(request: Request, body: ScheduleRequest) -> Schedule:
    service = service_of(request)
    definition = body.definition.to_definition(default_output_uri(service.home, body.name))
    return service.create_schedule(body.name, body.expression, definition)


@router.get("/{name}")
def describe_schedule(request: Request, name: str, caller: Caller = Depends(viewer)) -> ScheduleDescription:
    service = service_of(request)
    schedule = service.describe_schedule(name)
    latest = service.list_executions(schedule_name=name, newest_first=True, limit=1)
    return ScheduleDescription(_shown(schedule, caller), latest[0] if latest else None)


@router.patch("/{name}", dependencies=[Depends(admin)])
def update_schedule(request: Request, name: str, body: ScheduleUpdateRequest) -> Schedule:
    service = service_of(request)
    definition = None
    if body.definition is not None:
        definition = body.definition.to_definition(default_output_uri(service.home, name))
    return service.update_schedule(name, expression=body.expression, definition=definition)


@router.post("/{name}/stop")
def stop_schedule(request: Request, name: str, caller: Caller = Depends(operator)) -> Schedule:
    return _shown(service_of(request).stop_schedule(name), caller)


@router.post("/{name}/start")
def start_schedule(request: Request, name: str, caller: Caller = Depends(operator)) -> Schedule:
    return _shown(service_of(request).start_schedule(name), caller)


@router.delete("/{name}", status_code=204, dependencies=[Depends(admin)])
def delete_schedule(request: Request, name: str) -> Response:
    service_of(request).delete_schedule(name)
    return Response(status_code=204)


@router.post("/{name}/executions", status_code=202, dependencies=[Depends(operator)])
def run_now(request: Request, name: str, body: RunNowRequest | None = None) -> Execution:
    """Start one execution now (optionally over another window); answers before it ends."""
    body = body or RunNowRequest()
    return start_run(state_of(request), name, body.start_offset, body.end_offset)


def start_run(state: ApiState, name: str, start_offset: str | None, end_offset: str | None) -> Execution:
    """Run-now for every door of this server (the route above, the dashboard's button): start it, and
    have it collected here when no scheduler runs in this server."""
    execution = state.service.start_execution(name, start_offset, end_offset)
    if not is_terminal(execution.status) and not state.scheduler_running:
        _watch(state, execution.id)
    return execution


def _watch(state: ApiState, execution_id: int) -> None:
    def wait() -> None:
        try:
            state.service.wait_for_execution(execution_id)
        except Exception:
            logger.exception("waiting for execution %d failed", execution_id)

    threading.Thread(target=wait, name=f"execution-{execution_id}", daemon=True).start()
