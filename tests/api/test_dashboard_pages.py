"""The dashboard's monitor, feature and execution pages as HTML from a real server, and the operator's
actions from them: allowed for an operator, refused (403) for a viewer, audited either way."""

from __future__ import annotations

import json
import re
from pathlib import Path

from modelmonitor.service.access import AccessControl
from tests.api.conftest import Api
from tests.api.model_monitors import (
    ATTRIBUTION,
    BIAS,
    QUALITY,
    REGRESSION,
    attribution_history,
    bias_history,
    quality_history,
    regression_history,
)
from tests.monitor_history import SCHEDULE, History, write_history


def _figure(html: str, element: str) -> dict[str, object]:
    found = re.search(rf'<script type="application/json" id="{element}-data">(.*?)</script>', html)
    assert found is not None, f"no figure {element}"
    figure: dict[str, object] = json.loads(found.group(1))
    return figure


def _history(api: Api) -> History:
    return write_history(api.tmp, api.service, api.service.clock.now(), count=9)


def test_monitor_page_shows_executions_drift_features_and_violations(api: Api) -> None:
    history = _history(api)
    with api.client("viewer") as viewer:
        home = viewer.get("/").text
        assert f'<a href="/monitors/{SCHEDULE}">{SCHEDULE}</a>' in home
        answer = viewer.get(f"/monitors/{SCHEDULE}")
    assert answer.status_code == 200
    html = answer.text
    assert '<script src="/static/plotly.min.js"></script>' in html
    assert "http://" not in html
    assert "https://" not in html
    executions = _figure(html, "executions-plot")["data"]
    assert isinstance(executions, list)
    assert len(executions[0]["x"]) == 9  # one bar per execution
    drift = _figure(html, "drift-plot")["data"]
    assert isinstance(drift, list)
    assert [t["name"] for t in drift] == ["f1", "f2", "f3", "label", "threshold 0.1"]
    # Features at the latest measured execution, drifted first, each linking to its page.
    latest = history.with_status("CompletedWithViolations")[-1]
    assert history.executions[-1].status == "CompletedWithViolations"
    assert '<tr data-feature="f1"><td><a href="/monitors/hourly/features/f1">f1</a></td>' in html
    assert re.search(r'data-feature="f1">.*?<td class="num drifted">0\.\d+</td>', html)
    # The latest violations with their descriptions, from the execution's own file.
    assert f'Execution <a href="/executions/{latest.id}">{latest.id}</a>' in html
    assert 'baseline_drift_check</td><td class="wrap">Baseline drift distance: ' in html
    assert '<td class="status Failed">Failed</td>' in html
    assert "Job inputs had no data: test" in html
    assert 'id="action-run-now"' not in html  # a viewer sees no action


def test_feature_page_compares_baseline_and_current_and_shows_history(api: Api) -> None:
    history = _history(api)
    drifted = history.executions[2]
    with api.client("viewer") as viewer:
        latest = viewer.get(f"/monitors/{SCHEDULE}/features/f1")
        chosen = viewer.get(f"/monitors/{SCHEDULE}/features/f1", params={"execution": drifted.id})
        category = viewer.get(f"/monitors/{SCHEDULE}/features/f3", params={"execution": drifted.id})
        unknown = viewer.get(f"/monitors/{SCHEDULE}/features/nope")
    assert latest.status_code == 200
    assert f'Baseline against execution <a href="/executions/{history.executions[-1].id}">' in latest.text
    html = chosen.text
    assert f'Baseline against execution <a href="/executions/{drifted.id}">' in html
    assert '<td class="num" id="baseline-missing">0.0%</td>' in html
    assert "— drifted." in html
    distribution = _figure(html, "distribution-plot")["data"]
    assert isinstance(distribution, list)
    assert [t["name"] for t in distribution] == ["baseline", "current"]
    history_plot = _figure(html, "history-plot")["data"]
    assert isinstance(history_plot, list)
    assert [t["name"] for t in history_plot] == ["drift distance", "threshold", "missing share"]
    assert len(history_plot[0]["x"]) == 8  # every execution but the failed one measured f1
    assert category.status_code == 200
    assert _figure(category.text, "distribution-plot")["data"]
    assert unknown.status_code == 404
    assert "feature 'nope'" in unknown.json()["detail"]


def test_execution_page_shows_window_counts_files_and_log(api: Api) -> None:
    history = _history(api)
    execution = history.executions[1]
    with api.client("viewer") as viewer:
        page = viewer.get(f"/executions/{execution.id}")
        failed = viewer.get(f"/executions/{history.executions[4].id}")
        assert viewer.get("/executions/999").status_code == 404
    assert page.status_code == 200
    html = page.text
    assert '<span id="records">20</span>' in html
    assert '<span id="bad-records">1</span>' in html
    assert "(from the job)" in html
    assert f'<a href="/api/v1/executions/{execution.id}/files/statistics.json">statistics.json</a>' in html
    assert f'<a href="/monitors/hourly/features/f1?execution={execution.id}">f1</a>' in html
    assert "&lt;read&gt; 20 records, 1 bad" in html  # the log, escaped
    assert '<span id="records">unknown</span>' in failed.text
    assert "(from the schedule)" in failed.text
    assert "No result file." in failed.text
    assert "<th>started / ended</th>" in html
    assert "/ not yet" not in html


def test_a_running_executions_page_says_it_has_not_ended(api: Api) -> None:
    now = api.service.clock.now()
    running = api.service.catalog.add_execution(
        schedule_name=SCHEDULE,
        endpoint_name="ep",
        monitoring_type="DataQuality",
        scheduled_time=now,
        status="InProgress",
        now=now,
    )
    with api.client("viewer") as viewer:
        html = viewer.get(f"/executions/{running.id}").text
    assert "<th>started / ended</th>" in html
    assert "/ not yet</td>" in html


def test_actions_need_the_operator_role_and_are_audited(api: Api) -> None:
    _history(api)
    with api.client("viewer") as viewer:
        forged = viewer.post(f"/monitors/{SCHEDULE}/actions/stop", follow_redirects=False)
        assert forged.status_code == 403
        assert "needs the operator role" in forged.json()["detail"]
    assert api.service.describe_schedule(SCHEDULE).status == "Scheduled"
    with api.client("operator") as operator:
        page = operator.get(f"/monitors/{SCHEDULE}").text
        assert 'id="action-run-now"' in page
        assert 'id="action-stop"' in page
        stopped = operator.post(f"/monitors/{SCHEDULE}/actions/stop", follow_redirects=False)
        assert stopped.status_code == 303
        assert stopped.headers["location"] == f"/monitors/{SCHEDULE}?done=stop"
        assert api.service.describe_schedule(SCHEDULE).status == "Stopped"
        after = operator.get(stopped.headers["location"]).text
        assert '<p class="notice" id="notice">Schedule stopped.</p>' in after
        assert 'id="action-start"' in after
        assert operator.post(f"/monitors/{SCHEDULE}/actions/start").status_code == 303
        assert api.service.describe_schedule(SCHEDULE).status == "Scheduled"
        unknown = operator.post(f"/monitors/{SCHEDULE}/actions/delete", follow_redirects=False)
        assert unknown.status_code == 422
        # An execution still running: run-now is refused and the page says why.
        now = api.service.clock.now()
        api.service.catalog.add_execution(
            schedule_name=SCHEDULE,
            endpoint_name="ep",
            monitoring_type="DataQuality",
            scheduled_time=now,
            status="InProgress",
            now=now,
        )
        busy = operator.post(f"/monitors/{SCHEDULE}/actions/run-now", follow_redirects=False)
        assert busy.headers["location"] == f"/monitors/{SCHEDULE}?done=busy"
        refused = operator.get(busy.headers["location"]).text
        assert '<p class="notice refused" id="notice">Not started: an execution of this schedule' in refused
    audit = AccessControl(api.service).audit_log(limit=10)
    entries = [(e.actor.split(" ")[0], e.target, e.outcome) for e in reversed(audit)]
    assert ("test-viewer", f"POST /monitors/{SCHEDULE}/actions/stop", 403) in entries
    assert ("test-operator", f"POST /monitors/{SCHEDULE}/actions/stop", 303) in entries
    assert ("test-operator", f"POST /monitors/{SCHEDULE}/actions/start", 303) in entries


def test_a_model_quality_monitor_page_shows_each_metric_against_its_constraint(api_from_t0: Api) -> None:
    api = api_from_t0
    runs = quality_history(api.tmp, api.service)
    assert [r.status for r in runs] == ["Completed", "Completed", "CompletedWithViolations"], [
        r.failure_reason for r in runs
    ]
    with api.client("viewer") as viewer:
        html = viewer.get(f"/monitors/{QUALITY}").text
        drift = viewer.get(f"/api/v1/schedules/{QUALITY}/metrics/drift").json()
    # Metrics over time: one line per metric, the constrained ones shown with their threshold.
    traces = _figure(html, "metrics-plot")["data"]
    assert isinstance(traces, list)
    accuracy = next(t for t in traces if t["name"] == "accuracy")
    assert accuracy["visible"] is True
    assert accuracy["y"][0] == 1.0
    assert accuracy["y"][2] < 0.8 < accuracy["y"][1]
    assert accuracy["marker"]["symbol"] == ["circle", "circle", "x"]
    threshold = next(t for t in traces if t["name"] == "accuracy threshold")
    assert threshold["y"] == [0.8, 0.8, 0.8]
    assert next(t for t in traces if t["name"] == "f1")["visible"] == "legendonly"  # no constraint
    # The latest execution's metrics, breached first, each linking to its page.
    assert re.search(
        r'<tr data-metric="accuracy"><td><a href="/monitors/quality/metrics/accuracy">accuracy</a></td>'
        r'<td class="num drifted">0\.\d+ ± 0\.\d+</td><td class="num">0\.8</td><td>LessThanThreshold</td>'
        r"<td>breached</td>",
        html,
    )
    assert "No drift distance measured" not in html
    # The violation, from the execution's own file, names the metric as SageMaker does.
    assert "<td>accuracy</td><td>LessThanThreshold</td>" in html
    assert "Metric accuracy with 0." in html
    # The same numbers through the REST route, for every execution.
    assert [d["execution_id"] for d in drift] == [r.id for r in runs]
    latest = {m["metric"]: m for m in drift[-1]["metrics"]}
    assert latest["accuracy"]["comparison"] == "LessThanThreshold"
    assert latest["accuracy"]["threshold"] == 0.8
    assert latest["accuracy"]["breached"] is True
    assert latest["accuracy"]["value"] == accuracy["y"][2]
    assert latest["accuracy"]["standard_deviation"] > 0
    assert latest["false_positive_rate"]["breached"] is False
    assert "accuracy_best_constant_classifier" not in latest
    assert drift[-1]["features"] == []
    stored = api.service.catalog.execution_metrics([r.id for r in runs])
    assert set(stored) == {r.id for r in runs}  # recorded when each execution ended


def test_a_model_quality_metric_page_shows_its_history_and_the_latest_results(api_from_t0: Api) -> None:
    api = api_from_t0
    runs = quality_history(api.tmp, api.service)
    with api.client("viewer") as viewer:
        answer = viewer.get(f"/monitors/{QUALITY}/metrics/accuracy")
        first = viewer.get(f"/monitors/{QUALITY}/metrics/accuracy", params={"execution": runs[0].id})
        unknown = viewer.get(f"/monitors/{QUALITY}/metrics/nope")
        execution_page = viewer.get(f"/executions/{runs[-1].id}").text
    assert answer.status_code == 200
    html = answer.text
    assert f'At execution <a href="/executions/{runs[-1].id}">' in html
    assert (
        '<p id="constraint">Constraint: <strong>LessThanThreshold</strong> 0.8 (breached below 0.8).</p>'
        in html
    )
    assert " — breached." in html
    history = _figure(html, "metric-plot")["data"]
    assert isinstance(history, list)
    assert [t["name"] for t in history] == ["accuracy", "threshold (LessThanThreshold)"]
    assert len(history[0]["x"]) == 3
    deviations = history[0]["error_y"]["array"]
    assert deviations[0] == 0.0  # every prediction right: every bootstrap draw is 1.0
    assert all(sd > 0 for sd in deviations[1:])
    # The latest execution's results: confusion matrix of its 210 merged records, ROC and PR curves.
    assert "210 merged record(s) analysed (BinaryClassification)." in html
    confusion = _figure(html, "confusion-plot")["data"]
    assert isinstance(confusion, list)
    assert confusion[0]["type"] == "heatmap"
    assert sum(sum(row) for row in confusion[0]["z"]) == 210
    assert confusion[0]["x"] == ["0", "1"]
    roc = _figure(html, "roc-plot")["data"]
    assert isinstance(roc, list)
    assert roc[0]["name"].startswith("ROC (AUC 0.")
    assert len(roc[0]["x"]) > 2
    assert _figure(html, "pr-plot")["data"]
    # The merge's counts: every prediction of the hour had its label.
    assert '<td class="num" data-count="matched">210</td>' in html
    assert '<td class="num" data-count="predictions without a label">0</td>' in html
    assert '<td class="num" data-count="labels without a prediction">0</td>' in html
    assert f'Results of execution <a href="/executions/{runs[0].id}">' in first.text
    assert '<td class="num drifted">' not in first.text.split("<table>")[0]  # accuracy 1.0: not breached
    assert unknown.status_code == 404
    assert "metric 'nope'" in unknown.json()["detail"]
    # The execution's page links its metrics (not data-quality features), the breached one marked.
    link = (
        f'<a href="/monitors/quality/metrics/accuracy?execution={runs[-1].id}" class="drifted">accuracy</a>'
    )
    assert link in execution_page
    assert "<h2>Features</h2>" not in execution_page


def test_a_regression_monitor_shows_its_errors_against_the_constraint_and_no_classification_plots(
    api_from_t0: Api,
) -> None:
    api = api_from_t0
    runs = regression_history(api.tmp, api.service)
    statuses = [r.status for r in runs]
    assert statuses == ["Completed", "CompletedWithViolations"], [r.failure_reason for r in runs]
    with api.client("viewer") as viewer:
        monitor = viewer.get(f"/monitors/{REGRESSION}").text
        mae = viewer.get(f"/monitors/{REGRESSION}/metrics/mae").text
    traces = _figure(monitor, "metrics-plot")["data"]
    assert isinstance(traces, list)
    assert [t["name"] for t in traces if t["visible"] is True] == ["mae", "mae threshold"]
    assert {t["name"] for t in traces} >= {"mse", "rmse", "r2"}
    errors = next(t for t in traces if t["name"] == "mae")["y"]
    assert errors[0] < 1.0 < errors[1]
    assert (
        '<p id="constraint">Constraint: <strong>GreaterThanThreshold</strong> 1 (breached above 1).</p>'
        in mae
    )
    assert "A regression monitor has no confusion matrix or curves." in mae
    assert 'id="confusion-plot"' not in mae
    assert '<td class="num" data-count="matched">210</td>' in mae


def test_a_bias_monitor_page_shows_each_facet_metric_against_the_baseline(api_from_t0: Api) -> None:
    api = api_from_t0
    runs = bias_history(api.tmp, api.service)
    assert [r.status for r in runs] == ["Completed", "CompletedWithViolations"], [
        r.failure_reason for r in runs
    ]
    with api.client("viewer") as viewer:
        html = viewer.get(f"/monitors/{BIAS}").text
        drift = viewer.get(f"/api/v1/schedules/{BIAS}/metrics/drift").json()
        metric_page = viewer.get(f"/monitors/{BIAS}/metrics/sex=0 DI")
    assert "Bias metrics over time, per facet value" in html
    traces = _figure(html, "metrics-plot")["data"]
    assert isinstance(traces, list)
    di = next(t for t in traces if t["name"] == "sex=0 DI")
    # The first hour is the baseline's own rows (DI as the baseline); the second, turned against sex 0, falls.
    assert di["y"][1] < di["y"][0]
    assert di["marker"]["symbol"] == ["circle", "x"]
    # DI is held on both sides of its neutral value 1: the baseline's value and its mirror.
    bounds = [t for t in traces if t["name"] == "sex=0 DI threshold"]
    assert len(bounds) == 2
    assert bounds[0]["y"][0] + bounds[1]["y"][0] == 2.0
    assert bounds[0]["y"][0] == di["y"][0]
    # The latest metrics, breached first; the violations from the execution's own file say the same.
    latest = {m["metric"]: m for m in drift[-1]["metrics"] if m["facet"] == "sex"}
    assert latest["DI"]["breached"] is True
    assert latest["DI"]["comparison"] == "bias_drift_check"
    assert latest["DI"]["facet_value"] == "0"
    assert latest["DI"]["neutral"] == 1.0
    assert latest["DPPL"]["neutral"] == 0.0
    # Clarify's -Infinity (no predicted approval of sex 0 left): JSON holds no such number; still judged.
    assert latest["DCA"]["value"] is None
    assert latest["DCA"]["breached"] is True
    breached = {m["metric"] for m in drift[-1]["metrics"] if m["breached"]}
    violations = json.loads(Path(runs[-1].output_uri or "", "constraint_violations.json").read_text())
    assert breached == {v["metric_name"] for v in violations["violations"]}
    assert not any(m["breached"] for m in drift[0]["metrics"])
    assert re.search(
        r'<tr data-metric="sex=0 DI"><td><a href="/monitors/credit-bias/metrics/sex%3D0%20DI">', html
    )
    assert "sex=0 DI</td><td>bias_drift_check</td>" in html  # the latest violations, by facet value
    # Its metric page: the history against the baseline's value, no model-quality results.
    assert metric_page.status_code == 200
    assert "breached farther from the neutral value 1, outside 0." in metric_page.text
    lines = _figure(metric_page.text, "metric-plot")["data"]
    assert isinstance(lines, list)
    assert [t["name"] for t in lines] == [
        "sex=0 DI",
        "threshold (bias_drift_check)",
        "its mirror across the neutral value",
    ]
    assert "Ground-truth merge" not in metric_page.text


def test_an_attribution_monitor_page_shows_ndcg_over_time_and_the_attributions(api_from_t0: Api) -> None:
    from tests.explain_data import trained_model
    from tests.model_server import model_server

    api = api_from_t0
    with model_server(trained_model()) as server:
        runs = attribution_history(api.tmp, api.service, server.url)
    assert [r.status for r in runs] == ["Completed", "CompletedWithViolations"], [
        r.failure_reason for r in runs
    ]
    with api.client("viewer") as viewer:
        html = viewer.get(f"/monitors/{ATTRIBUTION}").text
        drift = viewer.get(f"/api/v1/schedules/{ATTRIBUTION}/metrics/drift").json()
    assert "Feature attribution drift (NDCG) over time" in html
    traces = _figure(html, "metrics-plot")["data"]
    assert isinstance(traces, list)
    assert [t["name"] for t in traces] == ["label0", "label0 threshold"]
    assert traces[0]["y"][0] > 0.9 > traces[0]["y"][1]
    assert traces[1]["y"] == [0.9, 0.9]
    scores = [d["metrics"] for d in drift]
    assert [[m["label"], m["metric"], m["comparison"], m["breached"]] for (m,) in scores] == [
        ["label0", "feature_attribution_drift", "LessThanThreshold", False],
        ["label0", "feature_attribution_drift", "LessThanThreshold", True],
    ]
    # The latest execution's attributions beside the baseline's, feature by feature.
    bars = _figure(html, "attributions-plot")["data"]
    assert isinstance(bars, list)
    assert [(t["type"], t["name"], t["x"]) for t in bars] == [
        ("bar", "baseline", ["a", "b", "c"]),
        ("bar", "current", ["a", "b", "c"]),
    ]
    baseline, current = bars[0]["y"], bars[1]["y"]
    assert baseline[0] > baseline[1] > baseline[2]  # a matters most to the model
    assert current[2] > current[0]  # the shifted traffic: c explains most, a almost nothing
    assert "Feature attribution drift 0." in html  # the violation's own description
