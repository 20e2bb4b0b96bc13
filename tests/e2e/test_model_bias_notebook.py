"""The bias-drift notebook's monitoring cells, ported by changing the import (local folders instead of
s3:// URIs, a local model server instead of an endpoint).

The cells are SageMaker's own: the Clarify model-monitor example's baselining (``DataConfig``,
``BiasConfig`` with facet Sex and group Age, ``ModelPredictedLabelConfig(probability_threshold=0.8)``,
``ModelConfig``, ``ModelBiasMonitor.suggest_baseline``) and the documentation's hourly bias schedule
(/work/shared/seeds/000_*: ``analysis_config`` only without a baselining job, ``EndpointInput`` with
offsets and ``probability_threshold_attribute=0.8``, ``statistics=baseline_statistics()``,
``post_analytics_processor_script``). Changed besides the imports: ``ModelConfig`` also gets
``endpoint_url`` (the model server's own URL: the baselining job calls the model there, as Clarify calls
its shadow endpoint), the labels are written to a local folder, and the schedule runs at once
(``CronExpressionGenerator.now()`` with a data-analysis window) instead of waiting for the hour. The
traffic goes through the real capture proxy to a scikit-learn model that was turned against Sex 0 on
purpose; a real scheduler daemon (another process) runs the execution.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pandas as pd
import pytest

from modelmonitor.clarify import BiasConfig, DataConfig, ModelConfig, ModelPredictedLabelConfig
from modelmonitor.model_monitor import (
    BiasAnalysisConfig,
    CronExpressionGenerator,
    EndpointInput,
    ModelBiasMonitor,
)
from tests.capture.servers import free_port, start_proxy, stop
from tests.e2e.bias_model import applicants
from tests.e2e.support import (
    captured_records,
    enter_notebook_folder,
    scheduler_daemon,
    served_model,
)

pytestmark = pytest.mark.e2e

ENDPOINT = "churn"  # the name tests.capture.servers' proxy captures under
TEST_ROWS = 300
POSTPROCESSOR = "def postprocess_handler():\n    print('Hello from the post-processing script!')\n"


@pytest.fixture
def model_port() -> Iterator[int]:
    with served_model("tests.e2e.bias_model:app") as port:
        yield port


@pytest.fixture
def notebook_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    enter_notebook_folder(tmp_path, monkeypatch, ENDPOINT)
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "postprocessor.py").write_text(POSTPROCESSOR)
    features, labels = applicants(TEST_ROWS, seed=3)
    with open("validation.csv", "w", encoding="utf-8") as handle:  # Clarify's headerless CSV, label first
        for row, label in zip(features.tolist(), labels.tolist(), strict=True):
            handle.write(f"{label},{int(row[0])},{int(row[1])},{row[2]}\n")
    return tmp_path


@pytest.fixture
def proxy_port(notebook_folder: Path, model_port: int) -> Iterator[int]:
    """The endpoint: the capture proxy in front of the model, started before the daemon (both take
    seconds to start on a loaded machine)."""
    port = free_port()
    proxy = start_proxy(
        model_port, port, str(notebook_folder / "capture"), ["--flush-interval-seconds", "0.2"]
    )
    try:
        yield port
    finally:
        stop(proxy)


@pytest.fixture
def daemon(notebook_folder: Path, proxy_port: int) -> Iterator[subprocess.Popen[bytes]]:
    with scheduler_daemon(notebook_folder) as process:
        yield process


def test_bias_drift_notebook_cells(
    notebook_folder: Path, model_port: int, proxy_port: int, daemon: object
) -> None:
    model_url = f"http://127.0.0.1:{model_port}/invocations"
    # --- the notebook's cells, ported: imports changed, s3:// URIs become local folders ---
    role, sagemaker_session = "", None
    validation_dataset, baseline_results_uri = "validation.csv", "baselining/results"
    s3_report_path, s3_code_postprocessor_uri = "reports", "code/postprocessor.py"
    ground_truth_upload_path = "ground-truth-data"
    label_header, dataset_type = "Target", "text/csv"
    all_headers = [label_header, "Sex", "Age", "Income"]
    model_name, endpoint_name = "DEMO-clarify-model", ENDPOINT
    endpoint_instance_count, endpoint_instance_type = 1, "ml.m5.large"

    model_bias_monitor = ModelBiasMonitor(
        role=role,
        sagemaker_session=sagemaker_session,
        max_runtime_in_seconds=1800,
    )
    model_bias_baselining_job_result_uri = f"{baseline_results_uri}/model_bias"
    model_bias_data_config = DataConfig(
        s3_data_input_path=validation_dataset,
        s3_output_path=model_bias_baselining_job_result_uri,
        label=label_header,
        headers=all_headers,
        dataset_type=dataset_type,
    )
    model_bias_config = BiasConfig(
        label_values_or_threshold=[1],
        facet_name="Sex",
        facet_values_or_threshold=[0],
        group_name="Age",
    )
    model_predicted_label_config = ModelPredictedLabelConfig(
        probability_threshold=0.8,
    )
    model_config = ModelConfig(
        model_name=model_name,
        instance_count=endpoint_instance_count,
        instance_type=endpoint_instance_type,
        content_type=dataset_type,
        accept_type=dataset_type,
        endpoint_url=model_url,  # ours: where the baselining job reaches the model
    )
    model_bias_monitor.suggest_baseline(
        model_config=model_config,
        data_config=model_bias_data_config,
        bias_config=model_bias_config,
        model_predicted_label_config=model_predicted_label_config,
    )
    model_bias_monitor.latest_baselining_job.wait(logs=False)
    model_bias_constraints = model_bias_monitor.suggested_constraints()
    assert model_bias_constraints is not None
    post = model_bias_constraints.body_dict["post_training_bias_metrics"]
    assert post["facets"]["Sex"][0]["value_or_threshold"] == "0"
    baseline_di = next(m["value"] for m in post["facets"]["Sex"][0]["metrics"] if m["name"] == "DI")

    # the model is updated and turns against Sex 0; the notebook's traffic goes through the endpoint
    httpx.post(model_url.replace("/invocations", "/shift")).raise_for_status()
    features, labels = applicants(TEST_ROWS, seed=3)
    with httpx.Client(timeout=10) as client:
        for index, row in enumerate(features.tolist()):
            client.post(
                f"http://127.0.0.1:{proxy_port}/invocations",
                content=f"{int(row[0])},{int(row[1])},{row[2]}",
                headers={"Content-Type": dataset_type, "X-Amzn-SageMaker-Inference-Id": str(index)},
            ).raise_for_status()
        # the proxy writes its batch every 0.2 s: wait until every call is in a capture file
        deadline = time.monotonic() + 30
        while captured_records(notebook_folder / "capture") < TEST_ROWS and time.monotonic() < deadline:
            time.sleep(0.2)
    assert captured_records(notebook_folder / "capture") == TEST_ROWS

    def ground_truth_with_id(inference_id: int) -> dict[str, object]:
        return {
            "groundTruthData": {"data": str(labels[inference_id]), "encoding": "CSV"},
            "eventMetadata": {"eventId": str(inference_id)},
            "eventVersion": "0",
        }

    def upload_ground_truth(upload_time: datetime) -> None:
        records = [ground_truth_with_id(i) for i in range(TEST_ROWS)]
        target_s3_uri = f"{ground_truth_upload_path}/{upload_time:%Y/%m/%d/%H/%M%S}.jsonl"
        Path(target_s3_uri).parent.mkdir(parents=True, exist_ok=True)
        Path(target_s3_uri).write_text("\n".join(json.dumps(r) for r in records))

    upload_ground_truth(datetime.now(UTC) - timedelta(minutes=1))
    # Capture times have one-second resolution and a window's end is exclusive: the run must start in a
    # later second than the last call (the notebook waits for the next hour).
    time.sleep(1.1)

    schedule_name = "DEMO-clarify-bias-monitor-schedule"
    model_bias_analysis_config = None
    if not model_bias_monitor.latest_baselining_job:
        model_bias_analysis_config = BiasAnalysisConfig(
            model_bias_config,
            headers=all_headers,
            label=label_header,
        )
    model_bias_monitor.create_monitoring_schedule(
        monitor_schedule_name=schedule_name,
        post_analytics_processor_script=s3_code_postprocessor_uri,
        output_s3_uri=s3_report_path,
        statistics=model_bias_monitor.baseline_statistics(),
        constraints=model_bias_monitor.suggested_constraints(),
        schedule_cron_expression=CronExpressionGenerator.now(),  # the documentation's is hourly()
        enable_cloudwatch_metrics=True,
        analysis_config=model_bias_analysis_config,
        endpoint_input=EndpointInput(
            endpoint_name=endpoint_name,
            destination="/opt/ml/processing/input/endpoint",
            start_time_offset="-PT1H",
            end_time_offset="-PT0H",
            probability_threshold_attribute=0.8,
        ),
        ground_truth_input=ground_truth_upload_path,  # the SDK requires it; the seed's snippet leaves it out
        data_analysis_start_time="-PT1H",
        data_analysis_end_time="-PT0H",
    )
    assert model_bias_monitor.describe_schedule()["MonitoringScheduleStatus"] == "Scheduled"

    executions = model_bias_monitor.list_executions()
    deadline = time.monotonic() + 90
    while len(executions) == 0 and time.monotonic() < deadline:
        time.sleep(0.5)
        executions = model_bias_monitor.list_executions()
    latest_execution = executions[-1]
    latest_execution.wait(logs=False)
    status = latest_execution.describe()
    assert status["ProcessingJobStatus"] == "Completed", status
    assert status["ExitMessage"].startswith("CompletedWithViolations: Job completed successfully with ")
    report_uri = latest_execution.output.destination
    assert report_uri is not None
    assert {"analysis.json", "constraint_violations.json", "merge"} <= set(os.listdir(report_uri))
    violations = model_bias_monitor.latest_monitoring_constraint_violations()
    assert violations is not None
    violations_df = pd.json_normalize(violations.body_dict["violations"])
    assert set(violations_df["constraint_check_type"]) == {"bias_drift_check"}
    di = violations_df[violations_df["metric_name"] == "DI"].iloc[0]
    assert (di["facet"], di["facet_value"]) == ("Sex", "0")
    assert di["description"].endswith(f"doesn't meet the baseline constraint requirement {baseline_di!r}")
