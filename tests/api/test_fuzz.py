"""Bad input to every route gets a 4xx naming what is wrong, never a 500.

Schemathesis reads the app's own OpenAPI from a real server (uvicorn on 127.0.0.1) and sends each
operation a bounded number of generated requests, valid and invalid, with an admin token so that every
route reaches its validation and its service call. A table test then names the classic bad inputs:
unknown ids, bad cron, bad offsets, oversized bodies, wrong types.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    status_code_conformance,
)

from modelmonitor.api.app import create_app
from modelmonitor.service import MonitoringService
from modelmonitor.settings import Settings
from tests.api.conftest import Api, _api, with_monitoring_data

# Examples per operation: enough to reach each parameter's invalid values, few enough that the ~40
# operations run in well under a minute on two loaded cores.
EXAMPLES_PER_OPERATION = 4


@pytest.fixture(scope="module")
def fuzzed_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    tmp = tmp_path_factory.mktemp("fuzz")
    for api in _api(tmp, scheduler=False):
        with_monitoring_data(tmp, api.service)
        yield api


def _openapi_document() -> dict[str, Any]:
    """The document the app serves at /openapi.json (from the routes; no request reaches the service)."""
    folder = Path(tempfile.mkdtemp(prefix="mm-openapi-"))
    service = MonitoringService.from_settings(
        Settings(home=folder, catalog_url=f"sqlite:///{folder / 'c.sqlite'}")
    )
    try:
        return create_app(service).openapi()
    finally:
        service.close()
        shutil.rmtree(folder, ignore_errors=True)


# Loaded when pytest collects this module, to make one test per operation; the server it is sent to
# is ``fuzzed_api``, and the first test checks that it serves this very document.
OPENAPI = _openapi_document()
schema = schemathesis.openapi.from_dict(OPENAPI)


def test_the_server_serves_the_document_fuzzed(fuzzed_api: Api) -> None:
    assert httpx.get(f"{fuzzed_api.url}/openapi.json").json() == OPENAPI


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_route_answers_a_server_error(case: Any, fuzzed_api: Api) -> None:
    # Replaces whatever Authorization the generator made: every route must reach its own validation.
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {fuzzed_api.tokens['admin']}"}
    response = case.call(base_url=fuzzed_api.url)
    case.validate_response(
        response,
        checks=(
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
        ),
    )
    if 400 <= response.status_code < 500:
        assert response.json()["detail"], response.text


BAD_INPUTS: list[tuple[str, str, dict[str, Any], int, str]] = [
    ("GET", "/api/v1/executions/999999", {}, 404, "999999"),
    ("GET", "/api/v1/executions/999999/log", {}, 404, "999999"),
    ("GET", "/api/v1/executions/999999/report", {}, 404, "999999"),
    ("GET", "/api/v1/executions/999999/files/statistics.json", {}, 404, "999999"),
    ("POST", "/api/v1/executions/999999/stop", {}, 404, "999999"),
    ("GET", "/api/v1/executions/0", {}, 422, "path.execution_id"),
    ("GET", "/api/v1/executions/one", {}, 422, "path.execution_id"),
    ("GET", "/api/v1/executions/99999999999999999999999", {}, 422, "path.execution_id"),
    ("GET", "/api/v1/schedules/nope", {}, 404, "nope"),
    ("POST", "/api/v1/schedules/nope/start", {}, 404, "nope"),
    ("POST", "/api/v1/schedules/nope/executions", {"json": {}}, 404, "nope"),
    ("DELETE", "/api/v1/schedules/nope", {}, 404, "nope"),
    ("GET", "/api/v1/endpoints/nope", {}, 404, "nope"),
    ("DELETE", "/api/v1/endpoints/nope", {}, 404, "nope"),
    ("DELETE", "/api/v1/tokens/nope", {}, 404, "nope"),
    ("GET", "/api/v1/executions", {"params": {"limit": "many"}}, 422, "query.limit"),
    ("GET", "/api/v1/executions", {"params": {"offset": "-5"}}, 422, "query.offset"),
    ("GET", "/api/v1/executions", {"params": {"offset": str(10**12)}}, 422, "query.offset"),
    ("GET", "/api/v1/executions", {"params": {"newest_first": "sideways"}}, 422, "query.newest_first"),
    ("GET", "/api/v1/audit", {"params": {"before_id": "x"}}, 422, "query.before_id"),
    ("POST", "/api/v1/endpoints", {"json": []}, 422, "body"),
    ("POST", "/api/v1/endpoints", {"json": {"name": 5, "capture_destination": "/x"}}, 422, "body.name"),
    ("POST", "/api/v1/tokens", {"json": {"name": "t", "role": "king"}}, 422, "body.role"),
    (
        "POST",
        "/api/v1/endpoints",
        {"content": b"\xff\xfe", "headers": {"content-type": "application/json"}},
        422,
        "invalid request",
    ),
]


def _schedule(name: str, expression: Any = "cron(0 * ? * * *)", **definition: Any) -> dict[str, Any]:
    base = {"input_kind": "endpoint", "endpoint_name": "ep", "baseline_statistics": "/nowhere.json"}
    return {"name": name, "expression": expression, "definition": {**base, **definition}}


BAD_SCHEDULES: list[tuple[dict[str, Any], int, str]] = [
    (_schedule("cron", expression="cron(61 * ? * * *)"), 422, "cron(61 * ? * * *)"),
    (_schedule("cron", expression="every minute"), 422, "every minute"),
    (_schedule("cron", expression=7), 422, "body.expression"),
    (_schedule("offset", start_time_offset="-PX1H"), 422, "-PX1H"),
    (_schedule("offset", start_time_offset=3600), 422, "body.definition.start_time_offset"),
    (_schedule("bad name!"), 422, "body.name"),
    (_schedule("kind", input_kind="sideways"), 422, "body.definition.input_kind"),
    (
        _schedule("big", max_runtime_seconds=10**30),
        422,
        "max_runtime_in_seconds: 1000000000000000000000000000000",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "request_options", "status", "named"),
    BAD_INPUTS,
    ids=[f"{method} {path} {sorted(options)}" for method, path, options, _, _ in BAD_INPUTS],
)
def test_bad_input_is_a_4xx_naming_it(
    fuzzed_api: Api, method: str, path: str, request_options: dict[str, Any], status: int, named: str
) -> None:
    with fuzzed_api.client("admin") as admin:
        answer = admin.request(method, path, **request_options)
    assert answer.status_code == status, answer.text
    assert named in answer.json()["detail"], answer.text


@pytest.mark.parametrize(("body", "status", "named"), BAD_SCHEDULES, ids=lambda value: str(value)[:40])
def test_bad_schedules_are_refused_naming_the_field(
    fuzzed_api: Api, body: dict[str, Any], status: int, named: str
) -> None:
    with fuzzed_api.client("admin") as admin:
        answer = admin.post("/api/v1/schedules", json=body)
    assert answer.status_code == status, answer.text
    assert named in answer.json()["detail"], answer.text


def test_an_oversized_body_is_refused_before_it_is_read(fuzzed_api: Api) -> None:
    with httpx.Client(
        base_url=fuzzed_api.url,
        headers={"Authorization": f"Bearer {fuzzed_api.tokens['admin']}"},
        timeout=30,
    ) as admin:
        answer = admin.post(
            "/api/v1/schedules", content=b" " * (1 << 21), headers={"content-type": "application/json"}
        )
    assert answer.status_code == 413
    assert "over the limit" in answer.json()["detail"]
