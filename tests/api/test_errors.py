"""Bad input gets a 4xx naming the field; our errors map to their status; a 500 carries no traceback."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from modelmonitor.api.errors import status_of
from modelmonitor.api.server import running_api
from modelmonitor.errors import (
    ConfigurationError,
    ConflictError,
    JobError,
    ModelMonitorError,
    NotFoundError,
    ScheduleError,
)
from modelmonitor.service import Endpoint, MonitoringService
from modelmonitor.settings import Settings
from tests.api.conftest import Api, loopback_socket, with_monitoring_data


def test_validation_messages_name_the_field(api: Api) -> None:
    with api.client("admin") as admin:
        answer = admin.post(
            "/api/v1/schedules",
            json={
                "name": "bad name",
                "definition": {"input_kind": "endpoint", "max_runtime_seconds": "long"},
            },
        )
        assert answer.status_code == 422
        fields = {e["field"] for e in answer.json()["errors"]}
        assert fields == {"body.name", "body.definition.max_runtime_seconds"}
        assert (
            "body.definition.max_runtime_seconds: Input should be a valid integer" in answer.json()["detail"]
        )
        unknown = admin.post(
            "/api/v1/endpoints", json={"name": "e", "capture_destination": "/x", "colour": 1}
        )
        assert unknown.status_code == 422
        assert unknown.json()["errors"] == [
            {"field": "body.colour", "message": "Extra inputs are not permitted"}
        ]
        not_json = admin.post("/api/v1/endpoints", content=b"{", headers={"content-type": "application/json"})
        assert not_json.status_code == 422
        assert admin.get("/api/v1/executions/abc").json()["errors"][0]["field"] == "path.execution_id"
        assert admin.get("/api/v1/executions", params={"limit": 0}).status_code == 422


def test_service_errors_map_to_their_status(api: Api) -> None:
    statistics, constraints = with_monitoring_data(api.tmp, api.service)
    definition = {
        "input_kind": "endpoint",
        "endpoint_name": "ep",
        "baseline_statistics": str(statistics),
        "baseline_constraints": str(constraints),
    }
    with api.client("admin") as admin:
        bad_cron = admin.post(
            "/api/v1/schedules",
            json={"name": "s", "expression": "cron(61 * ? * * *)", "definition": definition},
        )
        assert bad_cron.status_code == 422
        assert "cron(61 * ? * * *)" in bad_cron.json()["detail"]
        bad_offset = admin.post(
            "/api/v1/schedules",
            json={"name": "s", "definition": {**definition, "start_time_offset": "yesterday"}},
        )
        assert bad_offset.status_code == 422
        assert "yesterday" in bad_offset.json()["detail"]
        missing = admin.post(
            "/api/v1/schedules", json={"name": "s", "definition": {**definition, "endpoint_name": "nope"}}
        )
        assert missing.status_code == 404
        assert (
            admin.post("/api/v1/schedules", json={"name": "s", "definition": definition}).status_code == 201
        )
        duplicate = admin.post("/api/v1/schedules", json={"name": "s", "definition": definition})
        assert duplicate.status_code == 409
        assert duplicate.json() == {
            "detail": "monitoring schedule 's' already exists",
            "error": "ConflictError",
        }
        run_bad_window = admin.post("/api/v1/schedules/s/executions", json={"start_offset": "soon"})
        assert run_bad_window.status_code == 422
        assert "--start" in run_bad_window.json()["detail"]
        assert admin.get("/api/v1/executions/12345").status_code == 404
        assert admin.get("/api/v1/executions/12345/log").status_code == 404
        traversal = admin.get("/api/v1/executions/1/files/..%2F..%2Fc.sqlite")
        assert traversal.status_code in (404, 422)
        assert admin.get("/api/v1/executions/1/files/.hidden.json").status_code == 422


def test_oversized_and_chunked_bodies_are_refused(api: Api) -> None:
    with api.client("admin") as admin:
        big = admin.post(
            "/api/v1/endpoints", content=b"x" * (2 << 20), headers={"content-type": "application/json"}
        )
        assert big.status_code == 413
        assert "over the limit of 1048576 bytes" in big.json()["detail"]

        def chunks() -> object:
            yield b'{"name": "e", '
            yield b'"capture_destination": "/x"}'

        chunked = admin.post(
            "/api/v1/endpoints", content=chunks(), headers={"content-type": "application/json"}
        )  # type: ignore[arg-type]
        assert chunked.status_code == 411


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFoundError("x"), 404),
        (ConflictError("x"), 409),
        (JobError("x"), 409),
        (ConfigurationError("x"), 422),
        (ScheduleError("x"), 422),
        (ModelMonitorError("x"), 400),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_status_of_each_error(error: ModelMonitorError, status: int) -> None:
    assert status_of(error) == status


class _BrokenCatalogService(MonitoringService):
    """A service whose endpoint listing hits an unexpected failure (a bug, not one of our errors)."""

    def list_endpoints(self) -> list[Endpoint]:
        raise RuntimeError("SELECT * FROM secret_table at /srv/private/catalog.sqlite line 7")


def test_an_unexpected_error_is_a_generic_500_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(home=tmp_path, catalog_url=f"sqlite:///{tmp_path / 'c.sqlite'}")
    plain = MonitoringService.from_settings(settings)
    service = _BrokenCatalogService(plain.catalog, plain.home, plain.clock)
    try:
        with (
            running_api(service, loopback_socket()) as url,
            caplog.at_level(logging.ERROR, "modelmonitor.api"),
        ):
            import httpx

            answer = httpx.get(f"{url}/api/v1/endpoints")
        assert answer.status_code == 500
        body = answer.text
        assert "secret_table" not in body
        assert "Traceback" not in body
        assert "/srv/private" not in body
        assert answer.json()["detail"].startswith("internal server error (incident ")
        incident = answer.json()["detail"].split("incident ")[1].split(";")[0]
        logged = [r for r in caplog.records if incident in r.getMessage()]
        assert logged
        assert logged[0].exc_info is not None
        assert "secret_table" in str(logged[0].exc_info[1])
    finally:
        service.close()
