"""50 concurrent clients read pages while the scheduler runs executions: no errors, no catalog lock errors.

One real server (uvicorn on 127.0.0.1) with the scheduler in its process, over a SQLite catalog (WAL,
busy timeout) and, when PostgreSQL is installed, over PostgreSQL. An operator starts executions
(run-now) while 50 viewer clients, each with its own connection, read the execution list, an execution,
the schedule list and the dashboard's home, monitor and execution pages. Bounded: each reader makes a
fixed number of requests and every execution has a deadline.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelmonitor.api.server import running_api
from modelmonitor.service import MonitoringService
from modelmonitor.service.access import AccessControl, Role
from modelmonitor.settings import Settings
from tests.api.conftest import Api, loopback_socket, with_monitoring_data
from tests.conftest import empty_postgres_catalog

pytestmark = pytest.mark.e2e

READERS = 50
REQUESTS_PER_READER = 12
EXECUTIONS = 4


@pytest.fixture(params=["sqlite", "postgresql"])
def loaded_api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    home = tmp_path / "home"
    if request.param == "sqlite":
        url = f"sqlite:///{home / 'c.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
        empty_postgres_catalog(url)
    service = MonitoringService.from_settings(Settings(home=home, catalog_url=url))
    access = AccessControl(service)
    tokens = {role.label: access.create_token(role, f"load-{role.label}")[0] for role in Role}
    try:
        with running_api(service, loopback_socket(), scheduler=True) as served:
            yield Api(served, service, tokens, tmp_path)
    finally:
        service.close()


def _reader(api: Api, paths: list[str], failures: list[str], answered: list[int]) -> None:
    with api.client("viewer") as client:
        for index in range(REQUESTS_PER_READER):
            path = paths[index % len(paths)]
            try:
                answer = client.get(path)
            except httpx.HTTPError as error:
                failures.append(f"GET {path}: {type(error).__name__}: {error}")
                continue
            if answer.status_code != 200:
                failures.append(f"GET {path}: {answer.status_code} {answer.text[:200]}")
            answered.append(answer.status_code)


def _wait_ended(client: httpx.Client, execution_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 180
    while True:
        execution: dict[str, Any] = client.get(f"/api/v1/executions/{execution_id}").json()
        if execution["status"] not in ("Pending", "InProgress", "Stopping"):
            return execution
        assert time.monotonic() < deadline, execution
        time.sleep(0.3)


def test_concurrent_readers_while_the_scheduler_runs_executions(
    loaded_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    api = loaded_api
    statistics, constraints = with_monitoring_data(api.tmp, api.service)
    definition = {
        "input_kind": "endpoint",
        "endpoint_name": "ep",
        "output_uri": str(api.tmp / "out"),
        "baseline_statistics": str(statistics),
        "baseline_constraints": str(constraints),
    }
    with api.client("admin") as admin, caplog.at_level(logging.WARNING):
        # Executions of one schedule never overlap: one schedule per execution run during the load.
        for index in range(EXECUTIONS):
            created = admin.post(
                "/api/v1/schedules",
                json={
                    "name": f"loaded-{index}",
                    "expression": "cron(0 0 1 1 ? *)",
                    "definition": {**definition, "output_uri": str(api.tmp / "out" / str(index))},
                },
            )
            assert created.status_code == 201, created.text
        first = admin.post("/api/v1/schedules/loaded-0/executions", json={"start_offset": "-PT3H"})
        assert first.status_code == 202, first.text
        assert _wait_ended(admin, first.json()["id"])["status"] == "Completed"
        paths = [
            "/api/v1/executions?limit=50",
            f"/api/v1/executions/{first.json()['id']}",
            "/api/v1/schedules",
            "/api/v1/schedules/loaded-0",
            "/",
            "/monitors/loaded-0",
            f"/executions/{first.json()['id']}",
        ]
        failures: list[str] = []
        answered: list[int] = []
        readers = [
            threading.Thread(target=_reader, args=(api, paths, failures, answered), name=f"reader-{n}")
            for n in range(READERS)
        ]
        for reader in readers:
            reader.start()
        started = []
        for index in range(EXECUTIONS):
            answer = admin.post(
                f"/api/v1/schedules/loaded-{index}/executions", json={"start_offset": "-PT3H"}
            )
            assert answer.status_code == 202, answer.text
            started.append(answer.json()["id"])
        for reader in readers:
            reader.join(timeout=240)
        assert not any(reader.is_alive() for reader in readers), "a reader did not finish in 240 s"
        ended = [_wait_ended(admin, execution_id) for execution_id in started]

    assert failures == []
    assert len(answered) == READERS * REQUESTS_PER_READER
    assert [e["status"] for e in ended] == ["Completed"] * EXECUTIONS, ended
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "database is locked" not in logged
    assert "incident" not in logged
