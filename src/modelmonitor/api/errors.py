"""The one place errors become HTTP answers: our error tree → status codes, validation → field messages.

Every answer of an error is ``{"detail": "<one sentence>"}``; ours add ``error`` (the class name in
``modelmonitor.errors``), validation adds ``errors`` (one per field).
An unexpected exception is logged with its traceback on the server and answered with a generic 500:
no stack trace, path or SQL ever reaches a client.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from modelmonitor.errors import (
    CaptureError,
    ConfigurationError,
    ConflictError,
    DatasetError,
    InputFileError,
    JobError,
    ModelMonitorError,
    NotFoundError,
    ScheduleError,
    UserScriptError,
)

__all__ = ["ERROR_RESPONSES", "STATUS_OF_ERROR", "ErrorAnswer", "install_error_handlers", "status_of"]

logger = logging.getLogger("modelmonitor.api")

# Most specific first: the first class an error is an instance of decides its status.
STATUS_OF_ERROR: tuple[tuple[type[ModelMonitorError], int], ...] = (
    (NotFoundError, 404),
    (ConflictError, 409),
    (JobError, 409),  # the execution is not in a state that has what was asked (no outputs, no log)
    (ConfigurationError, 422),
    (ScheduleError, 422),
    (InputFileError, 422),
    (DatasetError, 422),
    (UserScriptError, 422),
    (CaptureError, 409),
)


class ErrorAnswer(BaseModel):
    """What every error answer holds (validation answers, 422, add ``errors``: one per field)."""

    detail: str
    error: str | None = None


# Documented on every route (OpenAPI), so clients and the schema fuzz test know each 4xx is expected.
# The schema is inline: with ``model`` FastAPI would give an HTML page's errors its text/html type.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": description,
        "content": {"application/json": {"schema": ErrorAnswer.model_json_schema()}},
    }
    for status, description in (
        (400, "Bad request (a malformed header)"),
        (401, "No bearer token, or an invalid or revoked one"),
        (403, "The token's role is below what the route needs"),
        (404, "No such endpoint, schedule, execution, baseline, file or token"),
        (409, "Conflicts with the current state (exists already, not finished, no outputs)"),
        (411, "A chunked body: send content-length"),
        (413, "The body is over the size limit"),
    )
}


def status_of(error: ModelMonitorError) -> int:
    for kind, status in STATUS_OF_ERROR:
        if isinstance(error, kind):
            return status
    return 400


def _field(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location)


async def _our_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ModelMonitorError)
    # ``error`` names the class, so the SDK's HttpSession raises what the local service would have.
    return JSONResponse({"detail": str(exc), "error": type(exc).__name__}, status_code=status_of(exc))


async def _invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": _field(tuple(error["loc"])), "message": str(error["msg"])} for error in exc.errors()]
    detail = "invalid request: " + "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return JSONResponse({"detail": detail, "errors": errors}, status_code=422)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    incident = uuid.uuid4().hex[:12]
    logger.error("incident %s: %s %s failed", incident, request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        {"detail": f"internal server error (incident {incident}; the details are in the server log)"},
        status_code=500,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ModelMonitorError, _our_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
