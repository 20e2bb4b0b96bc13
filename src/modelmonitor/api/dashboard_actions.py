"""The operator's actions from the pages: run a monitor now, start or stop its schedule, stop an
execution. Plain HTML forms posting here; each answers with a redirect (303) back to the page.

The API's own rule decides who may: ``Depends(operator)``, so a viewer's POST — a forged form included —
is refused with 403 and never reaches the service, and so is a POST made with a signed-in browser's
cookie from a page of another origin (``auth.refuse_cross_site``); the audit middleware records each
one, allowed or refused, as it does every write. Run-now is the API's (``schedules.start_run``);
while an execution of the schedule runs, the page says so instead. Other errors answer as the API's
do (4xx, ``detail``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse

from modelmonitor.api.auth import operator, service_of, state_of
from modelmonitor.api.dashboard_monitor import ActionName, monitor_link
from modelmonitor.api.schedules import start_run
from modelmonitor.errors import ConflictError

__all__ = ["router"]

router = APIRouter(tags=["dashboard"])


@router.post("/monitors/{name}/actions/{action}", dependencies=[Depends(operator)])
def monitor_action(request: Request, name: str, action: ActionName) -> RedirectResponse:
    service = service_of(request)
    back = f"{monitor_link(name)}?done={action}"
    if action == "run-now":
        try:
            execution = start_run(state_of(request), name, None, None)
        except ConflictError:
            return RedirectResponse(f"{monitor_link(name)}?done=busy", status_code=303)
        back += f"&execution={execution.id}"
    elif action == "start":
        service.start_schedule(name)
    else:
        service.stop_schedule(name)
    return RedirectResponse(back, status_code=303)


@router.post("/executions/{execution_id}/actions/stop", dependencies=[Depends(operator)])
def stop_execution(request: Request, execution_id: int = Path(ge=1, le=2**62)) -> RedirectResponse:
    service_of(request).stop_execution(execution_id)
    return RedirectResponse(f"/executions/{execution_id}", status_code=303)
