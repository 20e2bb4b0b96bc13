"""The feature-attribution notebook's monitoring cells, ported by changing the imports.

SageMaker's Clarify model-monitor notebook serves a model on an endpoint with capture on, baselines its
feature attributions with Kernel SHAP (``ModelExplainabilityMonitor.suggest_baseline`` with a
``SHAPConfig``), schedules the monitor on the endpoint and reads the execution's violations. Here the
model is a scikit-learn classifier served on loopback, behind a real ``modelmonitor capture proxy``
process; the traffic sent through the proxy holds feature ``a`` still and spreads ``c`` wide, so the
ranking of the attributions turns over and ``feature_attribution_drift_check`` fires. SHAP's synthetic
calls go to the model server's own URL (``ModelConfig(endpoint_url=...)``), so the capture holds the real
traffic only, which the test counts.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from modelmonitor.clarify import DataConfig, ModelConfig, SHAPConfig
from modelmonitor.model_monitor import (
    CronExpressionGenerator,
    ExplainabilityAnalysisConfig,
    ModelExplainabilityMonitor,
)
from modelmonitor.service import MonitoringService
from modelmonitor.settings import Settings
from tests.capture.servers import free_port
from tests.e2e.support import captured_records
from tests.explain_data import FEATURES, features, trained_model, write_csv
from tests.model_server import ModelServer, model_server

pytestmark = pytest.mark.e2e
pytest.importorskip("shap")

ENDPOINT = "attribution-ep"
TRAFFIC = 60


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ModelServer, str]]:
    """The model server, and the capture proxy in front of it (its URL)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MODELMONITOR_HOME", "home")
    monkeypatch.delenv("MODELMONITOR_CATALOG_URL", raising=False)
    port = free_port()
    with model_server(trained_model()) as server:
        proxy = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("modelmonitor")),
                "capture",
                "proxy",
                "--upstream",
                server.url.removesuffix("/invocations"),
                "--listen",
                f"127.0.0.1:{port}",
                "--endpoint-name",
                ENDPOINT,
                "--destination",
                "capture",
                "--sampling-percentage",
                "100",
                "--flush-interval-seconds",
                "0.1",
            ],
            env={**os.environ},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/invocations"
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/ping", timeout=1)
                    break
                except httpx.TransportError:
                    assert proxy.poll() is None, proxy.stdout.read() if proxy.stdout else b""
                    time.sleep(0.1)
            yield server, url
        finally:
            proxy.send_signal(signal.SIGTERM)
            proxy.wait(30)


def test_attribution_notebook_cells_report_feature_attribution_drift(
    served: tuple[ModelServer, str], tmp_path: Path
) -> None:
    server, proxy_url = served
    validation = write_csv(tmp_path / "validation.csv", features(80, seed=3), labels=None, header=False)
    for row in features(TRAFFIC, shifted=True, seed=21):  # the endpoint's traffic, through the proxy
        answer = httpx.post(
            proxy_url,
            content=",".join(f"{v:.6f}" for v in row),
            headers={"Content-Type": "text/csv"},
            timeout=10,
        )
        assert answer.status_code == 200

    # --- the notebook's cells, with local folders and the model server's URL -------------------------
    model_config = ModelConfig(
        model_name="attribution-model",
        instance_count=1,
        instance_type="ml.m5.xlarge",
        content_type="text/csv",
        accept_type="text/csv",
        endpoint_url=server.url,
    )
    shap_config = SHAPConfig(
        baseline=[[0.0, 0.0, 0.0]],
        num_samples=64,
        agg_method="mean_abs",
        save_local_shap_values=False,
        seed=7,
    )
    model_explainability_monitor = ModelExplainabilityMonitor(max_runtime_in_seconds=600)
    model_explainability_data_config = DataConfig(
        s3_data_input_path=str(validation),
        s3_output_path="baseline",
        headers=FEATURES,
        dataset_type="text/csv",
    )
    model_explainability_monitor.suggest_baseline(
        data_config=model_explainability_data_config,
        model_config=model_config,
        explainability_config=shap_config,
    )
    model_explainability_monitor.latest_baselining_job.wait(logs=False)
    constraints = model_explainability_monitor.suggested_constraints()
    assert constraints is not None
    baseline_values = constraints.body_dict["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert baseline_values["a"] > baseline_values["b"] > baseline_values["c"]

    model_explainability_monitor.create_monitoring_schedule(
        output_s3_uri="reports",
        endpoint_input=ENDPOINT,
        analysis_config=ExplainabilityAnalysisConfig(shap_config, model_config, headers=FEATURES),
        schedule_cron_expression=CronExpressionGenerator.hourly(),
    )
    # -------------------------------------------------------------------------------------------------

    calls_before_monitoring = server.requests
    service = MonitoringService.from_settings(Settings.from_env())
    try:
        execution = service.run_now(
            model_explainability_monitor.monitoring_schedule_name or "", "-PT1H", "PT1M"
        )
    finally:
        service.close()
    assert execution.status == "CompletedWithViolations", execution.failure_reason
    violations = model_explainability_monitor.latest_monitoring_constraint_violations()
    assert violations is not None
    [violation] = violations.body_dict["violations"]
    assert violation["label"] == "label0"
    assert violation["metric_name"] == "shap"
    assert violation["constraint_check_type"] == "feature_attribution_drift_check"
    assert violation["description"].startswith("Feature attribution drift ")
    assert violation["description"].endswith(" exceeds threshold 0.9")
    assert float(violation["description"].split()[3]) < 0.9
    analysis = json.loads(next(Path("reports").rglob("analysis.json")).read_text())
    current = analysis["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert current["c"] > current["a"]
    # SHAP called the model server directly; the capture holds the notebook's traffic only.
    assert server.requests > calls_before_monitoring
    assert captured_records(tmp_path / "capture") == TRAFFIC
    assert model_explainability_monitor.describe_schedule()["MonitoringType"] == "ModelExplainability"
