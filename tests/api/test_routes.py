"""Every route of the REST API against a real server: endpoints, schedules, executions, baselines, server."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from modelmonitor.formats.job_definition import JobDefinition
from tests.api.conftest import Api, with_monitoring_data


def _definition(statistics: Path, constraints: Path, output: Path, **extra: Any) -> dict[str, Any]:
    return {
        "input_kind": "endpoint",
        "endpoint_name": "ep",
        "output_uri": str(output),
        "baseline_statistics": str(statistics),
        "baseline_constraints": str(constraints),
        **extra,
    }


def _wait_ended(client: httpx.Client, execution_id: int, timeout_seconds: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_seconds
    while True:
        execution: dict[str, Any] = client.get(f"/api/v1/executions/{execution_id}").json()
        if execution["status"] not in ("Pending", "InProgress", "Stopping"):
            return execution
        assert time.monotonic() < deadline, execution
        time.sleep(0.2)


def test_endpoints_register_list_describe_delete(api: Api) -> None:
    with api.client("admin") as admin:
        created = admin.post(
            "/api/v1/endpoints", json={"name": "churn", "capture_destination": str(api.tmp / "cap")}
        )
        assert created.status_code == 201, created.text
        assert created.json()["variants"] == ["AllTraffic"]
        assert created.json()["source"] == "api"
        assert [e["name"] for e in admin.get("/api/v1/endpoints").json()] == ["churn"]
        assert admin.get("/api/v1/endpoints/churn").json()["capture_destination"] == str(api.tmp / "cap")
        assert admin.delete("/api/v1/endpoints/churn").status_code == 204
        missing = admin.get("/api/v1/endpoints/churn")
        assert missing.status_code == 404
        assert missing.json() == {
            "detail": "endpoint 'churn' is not registered (modelmonitor endpoint list)",
            "error": "NotFoundError",
        }


def test_schedule_lifecycle_run_now_files_and_log(api: Api) -> None:
    statistics, constraints = with_monitoring_data(api.tmp, api.service)
    out = api.tmp / "out"
    with api.client("admin") as admin:
        created = admin.post(
            "/api/v1/schedules",
            json={
                "name": "hourly",
                "expression": "cron(0 * ? * * *)",
                "definition": _definition(statistics, constraints, out),
            },
        )
        assert created.status_code == 201, created.text
        assert created.json()["status"] == "Scheduled"
        assert created.json()["endpoint_name"] == "ep"
        listed = admin.get("/api/v1/schedules", params={"endpoint": "ep"}).json()
        assert [s["name"] for s in listed] == ["hourly"]
        assert admin.get("/api/v1/schedules", params={"status": "Stopped"}).json() == []
        described = admin.get("/api/v1/schedules/hourly").json()
        assert described["schedule"]["expression"] == "cron(0 * ? * * *)"
        assert described["latest_execution"] is None

        updated = admin.patch("/api/v1/schedules/hourly", json={"expression": "cron(0 */2 ? * * *)"})
        assert updated.status_code == 200, updated.text
        assert updated.json()["expression"] == "cron(0 */2 ? * * *)"
        assert admin.post("/api/v1/schedules/hourly/stop").json()["status"] == "Stopped"
        assert admin.post("/api/v1/schedules/hourly/start").json()["status"] == "Scheduled"

        started = admin.post(
            "/api/v1/schedules/hourly/executions", json={"start_offset": "-PT3H", "end_offset": "-PT0H"}
        )
        assert started.status_code == 202, started.text
        assert started.json()["status"] == "InProgress"  # answered before the execution ended
        execution = _wait_ended(admin, started.json()["id"])
        assert execution["status"] == "Completed", execution["failure_reason"]

        listed_executions = admin.get("/api/v1/executions", params={"schedule": "hourly"}).json()
        assert [e["id"] for e in listed_executions] == [execution["id"]]
        assert admin.get("/api/v1/executions", params={"status": "Failed"}).json() == []
        assert admin.get("/api/v1/executions", params={"endpoint": "other"}).json() == []
        statistics_file = admin.get(f"/api/v1/executions/{execution['id']}/files/statistics.json")
        assert statistics_file.status_code == 200
        assert statistics_file.json()["dataset"]["item_count"] == 20
        assert statistics_file.headers["x-modelmonitor-uri"].startswith(str(out))
        violations = admin.get(f"/api/v1/executions/{execution['id']}/files/constraint_violations.json")
        assert violations.status_code == 200
        assert "violations" in violations.json()
        log = admin.get(f"/api/v1/executions/{execution['id']}/log")
        assert log.status_code == 200
        assert log.headers["content-type"].startswith("text/plain")
        assert log.text
        assert admin.get("/api/v1/schedules/hourly").json()["latest_execution"]["id"] == execution["id"]
        ended = admin.post(f"/api/v1/executions/{execution['id']}/stop")
        assert ended.status_code == 409
        assert "has already ended (Completed)" in ended.json()["detail"]

        assert admin.delete("/api/v1/schedules/hourly").status_code == 204
        assert admin.get("/api/v1/schedules/hourly").status_code == 404
        # The history stays after the schedule is deleted (as SageMaker).
        assert admin.get(f"/api/v1/executions/{execution['id']}").json()["status"] == "Completed"


def test_baseline_job_and_its_files(api: Api) -> None:
    data = api.tmp / "train.csv"
    data.write_text("a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(50)))
    with api.client("admin") as admin:
        started = admin.post(
            "/api/v1/baselines",
            json={"name": "first", "dataset_uri": str(data), "dataset_format": {"csv": {"header": True}}},
        )
        assert started.status_code == 202, started.text
        deadline = time.monotonic() + 60
        while (job := admin.get("/api/v1/baselines/first").json())["status"] == "InProgress":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert job["status"] == "Completed", job
        assert job["output_uri"] == str(api.service.home / "baselining" / "first" / "results")
        statistics = admin.get("/api/v1/baselines/first/files/statistics.json").json()
        assert statistics["dataset"]["item_count"] == 50
        constraints = admin.get("/api/v1/baselines/first/files/constraints.json").json()
        assert {f["name"] for f in constraints["features"]} == {"a", "b"}
        assert [j["name"] for j in admin.get("/api/v1/baselines").json()] == ["first"]
        again = admin.post(
            "/api/v1/baselines",
            json={"name": "first", "dataset_uri": str(data), "dataset_format": {"csv": {"header": True}}},
        )
        assert again.status_code == 409
        assert admin.get("/api/v1/baselines/first/files/other.json").status_code == 422


def test_healthz_metrics_openapi_and_server_info(api: Api) -> None:
    with api.client("viewer") as viewer:
        assert viewer.get("/healthz").json() == {"status": "ok"}
        viewer.get("/api/v1/schedules")
        metrics = viewer.get("/metrics")
        assert metrics.status_code == 200
        assert 'modelmonitor_api_requests_total{method="GET",route="/api/v1/schedules",status="200"} 1.0' in (
            metrics.text
        )
        openapi = viewer.get("/openapi.json").json()
        assert "/api/v1/schedules/{name}/executions" in openapi["paths"]
        # The schedule body is built from JobDefinition, so a field added there is accepted here.
        body = openapi["components"]["schemas"]["JobDefinitionBody"]["properties"]
        assert set(body) == {f.name for f in dataclasses.fields(JobDefinition)}
        assert "bearer" in str(openapi["components"]["securitySchemes"]).lower()
        assert "swagger" in viewer.get("/docs").text.lower()
        info = viewer.get("/api/v1/server").json()
        assert info == {"version": info["version"], "home": str(api.service.home), "scheduler_running": False}


def test_with_the_scheduler_inside_a_now_schedule_runs_and_run_now_is_collected(
    api_with_scheduler: Api,
) -> None:
    api = api_with_scheduler
    statistics, constraints = with_monitoring_data(api.tmp, api.service)
    with api.client("admin") as admin:
        assert admin.get("/api/v1/server").json()["scheduler_running"] is True
        created = admin.post(
            "/api/v1/schedules",
            json={
                "name": "once",
                "expression": "NOW",
                "definition": _definition(
                    statistics,
                    constraints,
                    api.tmp / "once",
                    data_analysis_start_time="-PT3H",
                    data_analysis_end_time="-PT0H",
                ),
            },
        )
        assert created.status_code == 201, created.text
        deadline = time.monotonic() + 120
        while not (listed := admin.get("/api/v1/executions", params={"schedule": "once"}).json()):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert _wait_ended(admin, listed[0]["id"])["status"] == "Completed"

        admin.post(
            "/api/v1/schedules",
            json={
                "name": "manual",
                "expression": "cron(0 0 1 1 ? *)",
                "definition": _definition(statistics, constraints, api.tmp / "m"),
            },
        )
        started = admin.post("/api/v1/schedules/manual/executions", json={"start_offset": "-PT3H"})
        assert started.status_code == 202, started.text
        # No thread of the API waits for it: the scheduler inside the server finishes it.
        assert _wait_ended(admin, started.json()["id"])["status"] == "Completed"


def _executions(api: Api, count: int) -> list[int]:
    """``count`` finished executions of schedule ``paged``, an hour apart, oldest first (their ids)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for index in range(count):
        execution = api.service.catalog.add_execution(
            schedule_name="paged",
            endpoint_name=None,
            monitoring_type="DataQuality",
            scheduled_time=start + timedelta(hours=index),
            status="Completed",
            now=start,
        )
        ids.append(execution.id)
    return ids


def test_executions_are_listed_in_pages(api: Api) -> None:
    ids = _executions(api, 25)
    with api.client("viewer") as viewer:
        pages = [
            [e["id"] for e in viewer.get("/api/v1/executions", params={"limit": 10, "offset": o}).json()]
            for o in (0, 10, 20, 30)
        ]
        assert pages == [ids[::-1][:10], ids[::-1][10:20], ids[::-1][20:], []]
        oldest = viewer.get(
            "/api/v1/executions", params={"newest_first": False, "limit": 3, "offset": 1}
        ).json()
        assert [e["id"] for e in oldest] == ids[1:4]
        assert viewer.get("/api/v1/executions", params={"offset": -1}).status_code == 422
        assert viewer.get("/api/v1/executions", params={"limit": 1001}).status_code == 422
