"""GET /api/v1/executions/{id}/report from a real server: the execution's HTML report for a viewer,
the API's statuses for what has none."""

from __future__ import annotations

from tests.api.conftest import Api, monitored_schedule


def test_an_executions_report_over_http(api: Api) -> None:
    monitored_schedule(api)
    execution = api.service.run_now("hourly", "-PT3H", "-PT0H")
    assert execution.status == "Completed", execution.failure_reason
    with api.client(None) as anonymous:
        assert anonymous.get(f"/api/v1/executions/{execution.id}/report").status_code == 401
    with api.client("viewer") as viewer:
        page = viewer.get(f"/api/v1/executions/{execution.id}/report")
        missing = viewer.get("/api/v1/executions/9999/report")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f"Data-quality report: hourly #{execution.id}" in page.text
    assert 'data-feature="f1"' in page.text
    assert 'id="no-violations"' in page.text
    assert missing.status_code == 404
    assert "9999" in missing.json()["detail"]


def test_an_execution_without_baseline_constraints_has_a_report_without_drift(api: Api) -> None:
    monitored_schedule(api, "stats-only", with_constraints=False)
    execution = api.service.run_now("stats-only", "-PT3H", "-PT0H")
    assert execution.status == "Completed", execution.failure_reason
    assert execution.output_uri is not None
    assert not (api.tmp / execution.output_uri / "constraints.json").exists()
    with api.client("viewer") as viewer:
        page = viewer.get(f"/api/v1/executions/{execution.id}/report")
    assert page.status_code == 200, page.text
    assert 'data-feature="f1"' in page.text
    assert "No drift was computed" in page.text
