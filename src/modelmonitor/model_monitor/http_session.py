"""``HttpSession``: the SDK's session for a remote ``modelmonitor serve`` (the REST API, docs/api.md).

``DefaultModelMonitor(sagemaker_session=HttpSession("http://host:8000", token=...))`` runs the same SDK
code as with a ``LocalSession``: the session's ``service`` is a ``RemoteService`` offering the methods of
``MonitoringService`` the SDK calls, each one request to /api/v1, answering the same records and raising
the same errors (the server names the error class). Paths in a definition (baselines, outputs, scripts)
are the server's. Baselining (``suggest_baseline``) still runs here, in this process, on
``settings`` (read from the environment unless given), as with a local session.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter

from modelmonitor import errors
from modelmonitor.errors import ConfigurationError, ModelMonitorError
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.statuses import is_terminal
from modelmonitor.service import Execution, Schedule
from modelmonitor.settings import Settings

__all__ = ["HttpSession", "RemoteService"]

_T = TypeVar("_T")
_SCHEDULE = TypeAdapter(Schedule)
_EXECUTIONS = TypeAdapter(list[Execution])
_EXECUTION = TypeAdapter(Execution)
_PAGE = 1000  # the API's largest page


def _error(response: httpx.Response) -> ModelMonitorError:
    """The error the server raised, rebuilt from its answer (class by name, message as sent)."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    detail = str(body.get("detail") or response.reason_phrase)
    name = str(body.get("error") or "")
    kind = getattr(errors, name, None) if name in errors.__all__ else None
    if isinstance(kind, type) and issubclass(kind, ModelMonitorError):
        return kind(detail)
    if response.status_code in (401, 403):
        return ConfigurationError(f"{response.request.url}: {detail} (HTTP {response.status_code})")
    return ModelMonitorError(
        f"{response.request.method} {response.request.url}: HTTP {response.status_code}: {detail}"
    )


class RemoteService:
    """The methods of ``MonitoringService`` the SDK calls, over the REST API."""

    def __init__(self, client: httpx.Client, poll_seconds: float = 0.5) -> None:
        self._client = client
        self.poll_seconds = poll_seconds
        self._home: Path | None = None

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, f"/api/v1{path}", **kwargs)
        except httpx.HTTPError as exc:
            raise ConfigurationError(
                f"{self._client.base_url}: cannot reach the modelmonitor server ({exc})"
            ) from exc
        if response.is_error:
            raise _error(response)
        return response

    def _json(self, adapter: TypeAdapter[_T], method: str, path: str, **kwargs: Any) -> _T:
        return adapter.validate_python(self._call(method, path, **kwargs).json())

    @property
    def home(self) -> Path:
        """The server's home folder (default outputs are under it), asked once."""
        if self._home is None:
            self._home = Path(self._call("GET", "/server").json()["home"])
        return self._home

    # -- schedules ------------------------------------------------------------------------------------

    def create_schedule(self, name: str, expression: str | None, definition: JobDefinition) -> Schedule:
        body = {"name": name, "expression": expression, "definition": definition.to_dict()}
        return self._json(_SCHEDULE, "POST", "/schedules", json=body)

    def describe_schedule(self, name: str) -> Schedule:
        return _SCHEDULE.validate_python(self._call("GET", f"/schedules/{name}").json()["schedule"])

    def schedule_definition(self, name: str) -> JobDefinition:
        return JobDefinition.from_dict(self.describe_schedule(name).definition)

    def update_schedule(
        self, name: str, *, expression: str | None = None, definition: JobDefinition | None = None
    ) -> Schedule:
        body: dict[str, Any] = {"expression": expression}
        if definition is not None:
            body["definition"] = definition.to_dict()
        return self._json(_SCHEDULE, "PATCH", f"/schedules/{name}", json=body)

    def stop_schedule(self, name: str) -> Schedule:
        return self._json(_SCHEDULE, "POST", f"/schedules/{name}/stop")

    def start_schedule(self, name: str) -> Schedule:
        return self._json(_SCHEDULE, "POST", f"/schedules/{name}/start")

    def delete_schedule(self, name: str) -> None:
        self._call("DELETE", f"/schedules/{name}")

    # -- executions -----------------------------------------------------------------------------------

    def list_executions(
        self,
        schedule_name: str | None = None,
        endpoint_name: str | None = None,
        status: str | None = None,
        newest_first: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Execution]:
        """One request of ``limit``, or pages of 1,000 until the last when ``limit`` is None."""
        params: dict[str, Any] = {"newest_first": newest_first}
        for key, value in (("schedule", schedule_name), ("endpoint", endpoint_name), ("status", status)):
            if value is not None:
                params[key] = value
        if limit is not None:
            return self._json(
                _EXECUTIONS, "GET", "/executions", params={**params, "limit": limit, "offset": offset}
            )
        executions: list[Execution] = []
        while True:
            page = self._json(
                _EXECUTIONS,
                "GET",
                "/executions",
                params={**params, "limit": _PAGE, "offset": offset + len(executions)},
            )
            executions.extend(page)
            if len(page) < _PAGE:
                return executions

    def describe_execution(self, execution_id: int) -> Execution:
        return self._json(_EXECUTION, "GET", f"/executions/{execution_id}")

    def start_execution(
        self, name: str, start_offset: str | None = None, end_offset: str | None = None
    ) -> Execution:
        body = {"start_offset": start_offset, "end_offset": end_offset}
        return self._json(_EXECUTION, "POST", f"/schedules/{name}/executions", json=body)

    def wait_for_execution(self, execution_id: int) -> Execution:
        """Poll until the execution has ended (the server runs it)."""
        while True:
            execution = self.describe_execution(execution_id)
            if is_terminal(execution.status):
                return execution
            time.sleep(self.poll_seconds)

    def run_now(self, name: str, start_offset: str | None = None, end_offset: str | None = None) -> Execution:
        return self.wait_for_execution(self.start_execution(name, start_offset, end_offset).id)

    def stop_execution(self, execution_id: int) -> Execution:
        return self._json(_EXECUTION, "POST", f"/executions/{execution_id}/stop")

    def execution_log(self, execution_id: int) -> str:
        return self._call("GET", f"/executions/{execution_id}/log").text

    def read_execution_output(self, execution_id: int, file_name: str) -> tuple[str, str]:
        response = self._call("GET", f"/executions/{execution_id}/files/{file_name}")
        return response.headers.get("x-modelmonitor-uri", file_name), response.text


class HttpSession:
    """A session whose service is a remote server; ``close()`` (or ``with``) closes its connections."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        settings: Settings | None = None,
        timeout_seconds: float = 60.0,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"HttpSession url: got {url!r}, expected http://host:port or https://..."
            )
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url.rstrip("/")
        self.settings = settings or Settings.from_env()
        self._client = httpx.Client(base_url=self.url, headers=headers, timeout=timeout_seconds)
        self.service = RemoteService(self._client)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
