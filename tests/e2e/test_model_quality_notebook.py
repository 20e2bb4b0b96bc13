"""The model-quality example's cells, ported by changing the import (local folders instead of s3:// URIs).

The cells are SageMaker's own (docs' FAQ and "schedule model quality monitoring jobs", /work/shared/seeds):
the ground-truth generator (``ground_truth_with_id``, ``upload_ground_truth`` writing
``{prefix}/%Y/%m/%d/%H/%M%S.jsonl``), ``ModelQualityMonitor.suggest_baseline`` on a validation set with
predictions, ``create_monitoring_schedule`` with an ``EndpointInput`` that reads the probability at
column 0 with a 0.5 threshold, then the result cells. Changed besides the import: ``S3Uploader``'s
``upload_string_as_file_body`` is a local file write (the one call that names S3), and the schedule runs
at once (``CronExpressionGenerator.now()`` with a data-analysis window) instead of waiting for the hour.
The traffic the notebook sends with ``InferenceId=str(i)`` is captured by the capture pipeline; a real
scheduler daemon (another process) runs the execution.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from modelmonitor.model_monitor import (
    CronExpressionGenerator,
    DatasetFormat,
    EndpointInput,
    ModelQualityMonitor,
)
from tests.e2e.support import enter_notebook_folder, scheduler_daemon
from tests.monitoring_data import write_capture

pytestmark = pytest.mark.e2e

ENDPOINT = "DEMO-xgb-churn-model-quality"
TEST_DATASET_SIZE = 240


@pytest.fixture
def notebook_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    enter_notebook_folder(tmp_path, monkeypatch, ENDPOINT)
    # the notebook's traffic: one call per row of the test set, InferenceId=str(i), over the last hour
    start = datetime.now(UTC) - timedelta(minutes=75)
    write_capture(
        tmp_path / "capture", ENDPOINT, start, hours=1, per_hour=TEST_DATASET_SIZE, id_format="{index}"
    )
    rng = random.Random(5)
    with open("validation_with_predictions.csv", "w", encoding="utf-8") as handle:
        handle.write("probability,prediction,label\n")
        for _ in range(300):
            label = int(rng.random() < 0.7)
            prediction = label if rng.random() < 0.9 else 1 - label
            handle.write(f"{0.2 + 0.6 * prediction + rng.random() * 0.1:.4f},{prediction},{label}\n")
    return tmp_path


@pytest.fixture
def daemon(notebook_folder: Path) -> Iterator[subprocess.Popen[bytes]]:
    with scheduler_daemon(notebook_folder) as process:
        yield process


def test_model_quality_notebook_cells(notebook_folder: Path, daemon: object) -> None:
    # --- the notebook's cells, ported: import changed, s3:// URIs become local folders ---
    baseline_dataset_uri = "validation_with_predictions.csv"
    baseline_results_uri = "baselining/results"
    ground_truth_upload_path = "ground-truth-data"
    s3_report_path = "reports"

    def ground_truth_with_id(inference_id: int) -> dict[str, object]:
        random.seed(inference_id)  # to get consistent results
        rand = random.random()
        # format required by the merge container
        return {
            "groundTruthData": {
                "data": "1" if rand < 0.7 else "0",  # randomly generate positive labels 70% of the time
                "encoding": "CSV",
            },
            "eventMetadata": {
                "eventId": str(inference_id),
            },
            "eventVersion": "0",
        }

    def upload_ground_truth(upload_time: datetime) -> None:
        records = [ground_truth_with_id(i) for i in range(TEST_DATASET_SIZE)]
        fake_records = [json.dumps(r) for r in records]
        data_to_upload = "\n".join(fake_records)
        target_s3_uri = f"{ground_truth_upload_path}/{upload_time:%Y/%m/%d/%H/%M%S}.jsonl"
        print(f"Uploading {len(fake_records)} records to", target_s3_uri)
        # S3Uploader.upload_string_as_file_body(data_to_upload, target_s3_uri), as a local write:
        Path(target_s3_uri).parent.mkdir(parents=True, exist_ok=True)
        Path(target_s3_uri).write_text(data_to_upload)

    # Generate data for the last hour
    upload_ground_truth(datetime.now(UTC) - timedelta(hours=1))
    # and the current hour (the notebook's thread uploads once an hour)
    upload_ground_truth(datetime.now(UTC))

    model_quality_monitor = ModelQualityMonitor(
        role="", instance_count=1, instance_type="ml.m5.xlarge", volume_size_in_gb=20,
        max_runtime_in_seconds=1800,
    )  # fmt: skip
    job = model_quality_monitor.suggest_baseline(
        job_name="model-quality-baseline",
        baseline_dataset=baseline_dataset_uri,
        dataset_format=DatasetFormat.csv(header=True),
        output_s3_uri=baseline_results_uri,
        problem_type="BinaryClassification",
        inference_attribute="prediction",
        probability_attribute="probability",
        ground_truth_attribute="label",
    )
    job.wait(logs=False)
    baseline_job = model_quality_monitor.latest_baselining_job
    assert baseline_job is not None
    binary_metrics = baseline_job.baseline_statistics().body_dict["binary_classification_metrics"]
    metrics_df = pd.json_normalize(binary_metrics).T
    assert 0.85 < metrics_df.loc["accuracy.value"].iloc[0] < 0.95
    constraints_df = pd.DataFrame(
        baseline_job.suggested_constraints().body_dict["binary_classification_constraints"]
    ).T
    assert constraints_df.loc["accuracy", "comparison_operator"] == "LessThanThreshold"

    endpoint_input = EndpointInput(
        endpoint_name=ENDPOINT,
        destination="/opt/ml/processing/input_data",
        probability_attribute="0",
        probability_threshold_attribute=0.5,
    )
    model_quality_monitor.create_monitoring_schedule(
        monitor_schedule_name="DEMO-xgb-churn-model-quality-schedule",
        endpoint_input=endpoint_input,
        output_s3_uri=s3_report_path,
        problem_type="BinaryClassification",
        ground_truth_input=ground_truth_upload_path,
        constraints=baseline_job.suggested_constraints(),
        schedule_cron_expression=CronExpressionGenerator.now(),  # the notebook waits for the hour
        data_analysis_start_time="-PT2H",
        data_analysis_end_time="-PT0H",
        enable_cloudwatch_metrics=True,
    )
    assert model_quality_monitor.describe_schedule()["MonitoringScheduleStatus"] == "Scheduled"

    executions = model_quality_monitor.list_executions()
    deadline = time.monotonic() + 60
    while len(executions) == 0 and time.monotonic() < deadline:
        time.sleep(0.5)  # the notebook sleeps 60 s per round
        executions = model_quality_monitor.list_executions()
    latest_execution = executions[-1]
    latest_execution.wait(logs=False)
    status = latest_execution.describe()
    assert status["ProcessingJobStatus"] == "Completed", status
    assert status["ExitMessage"].startswith("CompletedWithViolations: Job completed successfully with ")

    report_uri = latest_execution.output.destination
    assert report_uri is not None
    assert Path(report_uri).is_relative_to(notebook_folder / s3_report_path)
    assert {"statistics.json", "constraint_violations.json", "merge"} <= set(os.listdir(report_uri))
    statistics = model_quality_monitor.latest_monitoring_statistics()
    assert statistics is not None
    monitored = statistics.body_dict
    assert monitored["dataset"]["item_count"] == TEST_DATASET_SIZE  # every call got its label
    assert 0.35 < monitored["binary_classification_metrics"]["accuracy"]["value"] < 0.65
    violations = model_quality_monitor.latest_monitoring_constraint_violations()
    assert violations is not None
    violations_df = pd.json_normalize(violations.body_dict["violations"])
    assert "accuracy" in set(violations_df["metric_name"])
    assert set(violations_df["constraint_check_type"]) <= {"LessThanThreshold", "GreaterThanThreshold"}
