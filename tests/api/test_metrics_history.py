"""/api/v1/schedules/{name}/metrics over a real server: executions and per-feature drift over time."""

from __future__ import annotations

from datetime import timedelta

from tests.api.conftest import Api
from tests.monitor_history import SCHEDULE, write_history


def test_metrics_over_time_in_pages_and_time_ranges(api: Api) -> None:
    history = write_history(api.tmp, api.service, api.service.clock.now(), count=6)
    base = f"/api/v1/schedules/{SCHEDULE}/metrics"
    with api.client("viewer") as viewer:
        points = viewer.get(f"{base}/executions").json()
        assert [p["execution_id"] for p in points] == [e.id for e in history.executions]
        assert points[2]["status"] == "CompletedWithViolations"
        assert points[2]["violation_count"] >= 1
        assert points[2]["duration_seconds"] == 32.0
        start = history.executions[1].scheduled_time
        ranged = viewer.get(
            f"{base}/executions",
            params={"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()},
        ).json()
        assert [p["execution_id"] for p in ranged] == [e.id for e in history.executions[1:3]]
        page = viewer.get(f"{base}/drift", params={"limit": 2, "offset": 2}).json()
        assert [d["execution_id"] for d in page] == [e.id for e in history.executions[2:4]]
        f1 = next(f for f in page[0]["features"] if f["feature"] == "f1")
        assert f1["drifted"] is True
        assert f1["drift"] > f1["threshold"] == 0.1
        assert f1["method"] == "LInfinity"
        assert f1["missing_share"] == 0.0

        refused = viewer.get(f"{base}/drift", params={"start": "2026-01-02T00:00:00Z", "end": "2026-01-01"})
        assert refused.status_code == 422
        assert "is not before end" in refused.json()["detail"]
        assert viewer.get(f"{base}/executions", params={"limit": 5001}).status_code == 422
        assert viewer.get(f"{base}/executions", params={"start": "yesterday"}).status_code == 422
        unknown = viewer.get("/api/v1/schedules/nightly/metrics/drift")
        assert unknown.status_code == 404
        assert "nightly" in unknown.json()["detail"]
    with api.client(None) as anonymous:
        assert anonymous.get(f"{base}/executions").status_code == 401
