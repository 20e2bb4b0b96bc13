"""/api/v1/executions: list with filters, describe, the result files, the HTML report, the log, stop."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from modelmonitor.api.auth import operator, service_of, viewer
from modelmonitor.service import Execution
from modelmonitor.service.reports import execution_report

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/executions", tags=["executions"])

# One file name in the execution's output folder: no folders, no hidden files, no '..'.
OUTPUT_FILE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\.json$"


@router.get("", dependencies=[Depends(viewer)])
def list_executions(
    request: Request,
    schedule: str | None = Query(default=None, max_length=128),
    endpoint: str | None = Query(default=None, max_length=128),
    status: str | None = Query(default=None, max_length=32),
    newest_first: bool = True,
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(
        default=0, ge=0, le=10**9, description="Executions to skip: page n is offset=n*limit"
    ),
) -> list[Execution]:
    return service_of(request).list_executions(
        schedule_name=schedule,
        endpoint_name=endpoint,
        status=status,
        newest_first=newest_first,
        limit=limit,
        offset=offset,
    )


@router.get("/{execution_id}", dependencies=[Depends(viewer)])
def describe_execution(request: Request, execution_id: int = Path(ge=1, le=2**62)) -> Execution:
    return service_of(request).describe_execution(execution_id)


@router.get("/{execution_id}/files/{file_name}", dependencies=[Depends(viewer)])
def execution_file(
    request: Request,
    execution_id: int = Path(ge=1, le=2**62),
    file_name: str = Path(pattern=OUTPUT_FILE_PATTERN, description="e.g. statistics.json"),
) -> Response:
    """One of the execution's output files (statistics.json, constraints.json, constraint_violations.json)."""
    uri, text = service_of(request).read_execution_output(execution_id, file_name)
    return Response(text, media_type="application/json", headers={"X-Modelmonitor-Uri": uri})


@router.get("/{execution_id}/report", response_class=HTMLResponse, dependencies=[Depends(viewer)])
def report(request: Request, execution_id: int = Path(ge=1, le=2**62)) -> str:
    """The execution's HTML report (data quality), made from its files now: docs/reports.md."""
    return execution_report(service_of(request), execution_id)


@router.get("/{execution_id}/log", response_class=PlainTextResponse, dependencies=[Depends(viewer)])
def execution_log(request: Request, execution_id: int = Path(ge=1, le=2**62)) -> str:
    return service_of(request).execution_log(execution_id)


@router.post("/{execution_id}/stop", dependencies=[Depends(operator)])
def stop_execution(request: Request, execution_id: int = Path(ge=1, le=2**62)) -> Execution:
    return service_of(request).stop_execution(execution_id)
