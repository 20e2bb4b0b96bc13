"""The data-quality notebooks' cells, ported by changing the import: the introduction notebook and the
batch-transform one (data quality on a schedule over a batch transform's captured inputs).

SageMaker's introduction notebook baselines a CSV, schedules a monitor on an endpoint, waits for the first
execution that the service starts, then reads it as a processing job: ``wait``, ``describe()`` with
``ProcessingJobStatus``/``ExitMessage``, ``output.destination``, and the violations. The execution here is
started by a real scheduler daemon (another process), so ``wait`` watches an execution it does not own.
Paths are relative, as a notebook in its own folder writes them.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import gmtime, strftime

import pandas as pd
import pytest

from modelmonitor.capture.batch import run_batch
from modelmonitor.model_monitor import (
    BatchTransformInput,
    Constraints,
    ConstraintViolations,
    CronExpressionGenerator,
    DatasetFormat,
    DefaultModelMonitor,
    MonitoringDatasetFormat,
    Statistics,
)
from tests.conftest import CONFORMANCE_DIR
from tests.e2e.support import enter_notebook_folder, scheduler_daemon
from tests.monitoring_data import write_capture

pytestmark = pytest.mark.e2e

POSTPROCESSOR = "def postprocess_handler():\n    print('Hello from the post-processing script!')\n"


@pytest.fixture
def notebook_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    enter_notebook_folder(tmp_path, monkeypatch, "xgb-churn")
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    write_capture(tmp_path / "capture", "xgb-churn", start, hours=2, drift_from=start)
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "postprocessor.py").write_text(POSTPROCESSOR)
    return tmp_path


@pytest.fixture
def daemon(notebook_folder: Path) -> Iterator[subprocess.Popen[bytes]]:
    with scheduler_daemon(notebook_folder) as process:
        yield process


def test_introduction_notebook_reads_its_results(notebook_folder: Path, daemon: object) -> None:
    from tests.monitoring_data import FEATURES

    with open("training-dataset-with-header.csv", "w", encoding="utf-8") as handle:
        handle.write(",".join(FEATURES) + "\n")
        for index in range(300):
            handle.write(f"{index % 2},{5 + (index % 7) / 7:.4f},{(index % 11) / 5 - 1:.4f},{index % 10}\n")

    # --- the notebook's cells, ported: import changed, s3:// URIs become local folders ---
    baseline_data_uri, baseline_results_uri = ".", "baselining/results"
    s3_report_path, s3_code_postprocessor_uri = "reports", "code/postprocessor.py"
    my_default_monitor = DefaultModelMonitor(
        role="", instance_count=1, instance_type="ml.m5.xlarge", volume_size_in_gb=20,
        max_runtime_in_seconds=3600,
    )  # fmt: skip
    my_default_monitor.suggest_baseline(
        baseline_dataset=baseline_data_uri + "/training-dataset-with-header.csv",
        dataset_format=DatasetFormat.csv(header=True),
        output_s3_uri=baseline_results_uri,
        wait=True,
    )
    baseline_job = my_default_monitor.latest_baselining_job
    assert baseline_job is not None
    baseline_job.wait(logs=False)
    assert baseline_job.describe()["ProcessingJobStatus"] == "Completed"
    schema_df = pd.json_normalize(baseline_job.baseline_statistics().body_dict["features"])
    constraints_df = pd.json_normalize(baseline_job.suggested_constraints().body_dict["features"])
    assert list(schema_df["name"]) == FEATURES
    assert list(constraints_df["name"]) == FEATURES

    my_default_monitor.create_monitoring_schedule(
        monitor_schedule_name="DEMO-xgb-churn-pred-model-monitor-schedule",
        endpoint_input="xgb-churn",
        post_analytics_processor_script=s3_code_postprocessor_uri,
        output_s3_uri=s3_report_path,
        statistics=my_default_monitor.baseline_statistics(),
        constraints=my_default_monitor.suggested_constraints(),
        schedule_cron_expression=CronExpressionGenerator.now(),  # the notebook waits for the hour
        data_analysis_start_time="-PT3H",
        data_analysis_end_time="-PT0H",
        enable_cloudwatch_metrics=True,
    )
    desc_schedule_result = my_default_monitor.describe_schedule()
    assert desc_schedule_result["MonitoringScheduleStatus"] == "Scheduled"

    mon_executions = my_default_monitor.list_executions()
    deadline = time.monotonic() + 60
    while len(mon_executions) == 0 and time.monotonic() < deadline:
        time.sleep(0.5)  # the notebook sleeps 60 s per round
        mon_executions = my_default_monitor.list_executions()
    latest_execution = mon_executions[-1]
    latest_execution.wait(logs=False)
    latest_job = latest_execution.describe()
    assert latest_job["ProcessingJobStatus"] == "Completed", latest_job
    assert latest_job["ExitMessage"].startswith("CompletedWithViolations: Job completed successfully with ")
    assert latest_job["ProcessingJobName"] == latest_execution.job_name
    summary = my_default_monitor.describe_schedule()["LastMonitoringExecutionSummary"]
    assert summary["ProcessingJobArn"] == latest_job["ProcessingJobArn"]
    assert latest_job["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"] == (
        latest_execution.output.destination
    )
    report_uri = latest_execution.output.destination
    assert report_uri is not None
    assert Path(report_uri).is_relative_to(notebook_folder / "reports")
    assert {"statistics.json", "constraint_violations.json"} <= set(os.listdir(report_uri))

    violations = my_default_monitor.latest_monitoring_constraint_violations()
    assert violations is not None
    violations_df = pd.json_normalize(violations.body_dict["violations"])
    assert ("f1", "baseline_drift_check") in set(
        zip(violations_df["feature_name"], violations_df["constraint_check_type"], strict=True)
    )
    statistics = latest_execution.statistics()
    assert statistics.body_dict["dataset"]["item_count"] > 0

    # the file objects take the SDK's keyword names
    assert Statistics.from_s3_uri(statistics_file_s3_uri=statistics.file_s3_uri).body_dict
    assert Constraints.from_s3_uri(constraints_file_s3_uri=baseline_results_uri + "/constraints.json")
    assert ConstraintViolations.from_s3_uri(
        constraint_violations_file_s3_uri=violations.file_s3_uri
    ).body_dict["violations"]
    copied = Statistics.from_string(statistics_file_string=json.dumps(statistics.body_dict))
    assert copied.body_dict == statistics.body_dict
    assert Constraints.from_file_path(constraints_file_path=baseline_results_uri + "/constraints.json")


def test_baseline_from_captured_traffic(notebook_folder: Path) -> None:
    """suggest_baseline(dataset_format=DatasetFormat.sagemaker_capture_json()) reads capture files whole."""
    monitor = DefaultModelMonitor()
    job = monitor.suggest_baseline(
        baseline_dataset="capture",
        dataset_format=DatasetFormat.sagemaker_capture_json(),
        output_s3_uri="capture-baseline",
    )
    statistics = job.baseline_statistics().body_dict
    assert statistics["dataset"]["item_count"] == 40  # two hours of 20 records, all of them
    assert [f["name"] for f in statistics["features"]] == ["_c0", "_c1", "_c2", "_c3"]
    assert job.suggested_constraints().body_dict["features"]


def _churn_model(record: str) -> str:
    """Stands in for the notebook's XGBoost churn model: a probability from the day minutes and calls."""
    columns = record.split(",")
    score = 0.02 * (float(columns[2]) - 180) + 0.5 * (float(columns[10]) - 1.5)
    return f"{1 / (1 + math.exp(-score)):.6f}"


def test_batch_transform_notebook_monitors_the_captured_inputs(notebook_folder: Path, daemon: object) -> None:
    shutil.copytree(CONFORMANCE_DIR / "ex-mm-batch-transform" / "test_data", "test_data")
    baseline_data_uri, baseline_results_uri = "test_data", "baselining/results"
    s3_capture_upload_path, s3_report_path = "batch-capture", "reports"

    # --- the notebook's cells, ported: import changed, s3:// URIs become local folders ---
    my_default_monitor = DefaultModelMonitor(
        role="", instance_count=1, instance_type="ml.m5.xlarge", volume_size_in_gb=20,
        max_runtime_in_seconds=3600,
    )  # fmt: skip
    my_default_monitor.suggest_baseline(
        baseline_dataset=baseline_data_uri + "/training-inputs-with-header.csv",
        dataset_format=DatasetFormat.csv(header=True),
        output_s3_uri=baseline_results_uri,
        wait=True,
    )
    baseline_job = my_default_monitor.latest_baselining_job
    assert baseline_job is not None
    schema_df = pd.json_normalize(baseline_job.baseline_statistics().body_dict["features"])
    constraints_df = pd.json_normalize(baseline_job.suggested_constraints().body_dict["features"])
    names = list(schema_df["name"])
    assert len(names) == 69
    assert names[:3] == ["Account Length", "VMail Message", "Day Mins"]
    assert list(constraints_df["name"]) == names

    # The notebook's transformer.transform(..., batch_data_capture_config=BatchDataCaptureConfig(
    # destination_s3_uri=s3_capture_upload_path, generate_inference_id=True)): run_batch is the transform
    # job with batch capture here (docs/capture.md, "Batch capture").
    transform = run_batch(
        _churn_model,
        [baseline_data_uri + "/test-dataset-input-cols.csv"],
        "transform-output",
        s3_capture_upload_path,
        generate_inference_id=True,
    )
    assert transform.records == 334
    assert transform.failed_records == []

    mon_schedule_name = "DEMO-xgb-churn-model-monitor-schedule-" + strftime("%Y-%m-%d-%H-%M-%S", gmtime())
    my_default_monitor.create_monitoring_schedule(
        monitor_schedule_name=mon_schedule_name,
        batch_transform_input=BatchTransformInput(
            data_captured_destination_s3_uri=s3_capture_upload_path,
            destination="/opt/ml/processing/input",
            dataset_format=MonitoringDatasetFormat.csv(header=False),
        ),
        output_s3_uri=s3_report_path,
        statistics=my_default_monitor.baseline_statistics(),
        constraints=my_default_monitor.suggested_constraints(),
        schedule_cron_expression=CronExpressionGenerator.now(),  # the notebook's hourly() waits for the hour
        data_analysis_start_time="-PT1H",
        data_analysis_end_time="-PT0H",
        enable_cloudwatch_metrics=True,
    )
    desc_schedule_result = my_default_monitor.describe_schedule()
    assert desc_schedule_result["MonitoringScheduleStatus"] == "Scheduled"
    assert (
        "EndpointName"
        not in desc_schedule_result["MonitoringScheduleConfig"]["MonitoringJobDefinition"][
            "MonitoringInputs"
        ][0]
    )

    mon_executions = my_default_monitor.list_executions()
    deadline = time.monotonic() + 60
    while len(mon_executions) == 0 and time.monotonic() < deadline:
        time.sleep(0.5)  # the notebook sleeps 60 s per round
        mon_executions = my_default_monitor.list_executions()
    latest_execution = mon_executions[-1]
    latest_execution.wait(logs=False)
    latest_job = latest_execution.describe()
    assert latest_job["ProcessingJobStatus"] == "Completed", latest_job
    assert latest_job["ExitMessage"].startswith("Completed"), latest_job
    report_uri = latest_execution.output.destination
    assert report_uri is not None
    assert Path(report_uri).is_relative_to(notebook_folder / s3_report_path)
    assert {"statistics.json", "constraint_violations.json"} <= set(os.listdir(report_uri))

    # The execution read the transform's captured inputs (no header): the 334 rows, named by position.
    statistics = latest_execution.statistics().body_dict
    assert statistics["dataset"]["item_count"] == 334
    assert [feature["name"] for feature in statistics["features"]] == names
    violations = my_default_monitor.latest_monitoring_constraint_violations()
    assert violations is not None
    pd.set_option("display.max_colwidth", None)
    violations_df = pd.json_normalize(violations.body_dict["violations"])
    # The file's first line is pandas' de-duplicated column names written as a row (186, 0.1, 137.8, ...,
    # 0.33): read without a header, its 0.1, 0.2, ... are Fractional in 59 Integral columns, 1 row of 334.
    assert set(violations_df["constraint_check_type"]) == {"data_type_check"}
    assert len(violations_df) == 59
    assert set(violations_df["description"]) == {
        "Data type match requirement is not met. Expected data type: Integral, Expected match: 100.0%. "
        "Observed: Only 99.7005988023952% of data is Integral."
    }

    my_default_monitor.stop_monitoring_schedule()
    assert my_default_monitor.describe_schedule()["MonitoringScheduleStatus"] == "Stopped"
    my_default_monitor.delete_monitoring_schedule()
