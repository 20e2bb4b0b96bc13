"""The seeds' SDK code runs with only the import (and local paths) changed (docs/sagemaker.md#python-sdk)."""

from __future__ import annotations

import csv
import dataclasses
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import gmtime, strftime

import pytest

from modelmonitor.capture.batch import write_batch_manifests
from modelmonitor.errors import ConfigurationError, ConflictError, ScheduleError
from modelmonitor.model_monitor import (
    BatchTransformInput,
    CronExpressionGenerator,
    DatasetFormat,
    DefaultModelMonitor,
    EndpointInput,
    MonitoringDatasetFormat,
    MonitoringExecution,
)
from modelmonitor.service import MonitoringService
from modelmonitor.settings import Settings
from tests.monitoring_data import write_capture


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MODELMONITOR_CATALOG_URL", raising=False)
    rng = random.Random(1)
    with (tmp_path / "training-dataset-with-header.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["label", "f1", "f2", "f3"])
        for _ in range(300):
            f2 = rng.gauss(0, 1)
            writer.writerow(
                ["1" if f2 > 0 else "0", f"{rng.gauss(5, 1):.4f}", f"{f2:.4f}", rng.randint(0, 9)]
            )
    (tmp_path / "postprocessor.py").write_text(
        "def postprocess_handler():\n    print('Hello from the post-processing script!')\n"
    )
    return tmp_path


def _register(endpoint_name: str, capture: Path) -> None:
    service = MonitoringService.from_settings(Settings.from_env())
    service.register_endpoint(endpoint_name, str(capture), source="proxy")
    service.close()


def _run_due_executions() -> None:
    service = MonitoringService.from_settings(Settings.from_env())
    scheduler = service.scheduler(poll_seconds=0.1)
    scheduler.tick()
    deadline = time.monotonic() + 60
    while scheduler.running and time.monotonic() < deadline:
        time.sleep(0.1)
        scheduler.tick()
    service.close()


def _baselined_monitor(env: Path) -> DefaultModelMonitor:
    my_default_monitor = DefaultModelMonitor(
        role="",
        instance_count=1,
        instance_type="ml.m5.xlarge",
        volume_size_in_gb=20,
        max_runtime_in_seconds=3600,
    )
    my_default_monitor.suggest_baseline(
        baseline_dataset=str(env / "training-dataset-with-header.csv"),
        dataset_format=DatasetFormat.csv(header=True),
        output_s3_uri=str(env / "baselining" / "results"),
        wait=True,
    )
    return my_default_monitor


def test_seed_hourly_schedule_for_an_endpoint(env: Path) -> None:
    endpoint_name = "my-endpoint"
    _register(endpoint_name, env / "capture")
    my_default_monitor = _baselined_monitor(env)
    s3_report_path = str(env / "reports")
    s3_code_postprocessor_uri = str(env / "postprocessor.py")

    # seed 003, "定期分析计划"
    mon_schedule_name = "my-model-monitor-schedule-" + strftime("%Y-%m-%d-%H-%M-%S", gmtime())
    my_default_monitor.create_monitoring_schedule(
        monitor_schedule_name=mon_schedule_name,
        endpoint_input=EndpointInput(
            endpoint_name=endpoint_name, destination="/opt/ml/processing/input/endpoint"
        ),
        post_analytics_processor_script=s3_code_postprocessor_uri,
        output_s3_uri=s3_report_path,
        statistics=my_default_monitor.baseline_statistics(),
        constraints=my_default_monitor.suggested_constraints(),
        schedule_cron_expression=CronExpressionGenerator.hourly(),
        enable_cloudwatch_metrics=True,
    )
    desc_schedule_result = my_default_monitor.describe_schedule()
    assert desc_schedule_result["MonitoringScheduleStatus"] == "Scheduled"
    config = desc_schedule_result["MonitoringScheduleConfig"]
    assert config["ScheduleConfig"]["ScheduleExpression"] == "cron(0 * ? * * *)"
    job = config["MonitoringJobDefinition"]
    assert job["MonitoringInputs"][0]["EndpointInput"]["EndpointName"] == endpoint_name
    assert job["BaselineConfig"]["ConstraintsResource"]["S3Uri"].endswith("constraints.json")
    assert job["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
    assert job["Environment"]["publish_cloudwatch_metrics"] == "Enabled"

    with pytest.raises(ConfigurationError, match="already used"):
        my_default_monitor.create_monitoring_schedule(endpoint_input=endpoint_name)
    service = MonitoringService.from_settings(Settings.from_env())
    with pytest.raises(ConflictError, match="delete them first"):
        service.delete_endpoint(endpoint_name)
    service.close()

    attached = DefaultModelMonitor.attach(mon_schedule_name)
    assert attached.max_runtime_in_seconds == 3600
    attached.update_monitoring_schedule(
        max_runtime_in_seconds=1800, schedule_cron_expression="cron(0 */2 ? * * *)"
    )
    attached.stop_monitoring_schedule()
    assert my_default_monitor.describe_schedule()["MonitoringScheduleStatus"] == "Stopped"
    attached.start_monitoring_schedule()
    described = my_default_monitor.describe_schedule()
    assert described["MonitoringScheduleStatus"] == "Scheduled"
    assert described["MonitoringScheduleConfig"]["MonitoringJobDefinition"]["StoppingCondition"] == {
        "MaxRuntimeInSeconds": 1800
    }
    assert my_default_monitor.list_executions() == []
    assert my_default_monitor.latest_monitoring_statistics() is None
    my_default_monitor.delete_monitoring_schedule()
    service = MonitoringService.from_settings(Settings.from_env())
    service.delete_endpoint(endpoint_name)  # allowed once the schedule is gone
    service.close()


def test_seed_one_time_schedule_runs_and_returns_results(env: Path) -> None:
    now = datetime.now(UTC)
    write_capture(env / "capture", "my-endpoint", now - timedelta(minutes=59), hours=1, per_hour=10)
    _register("my-endpoint", env / "capture")
    my_default_monitor = _baselined_monitor(env)

    # seed 003, "一次性分析计划"
    my_default_monitor.create_monitoring_schedule(
        monitor_schedule_name="one-time",
        endpoint_input="my-endpoint",
        output_s3_uri=str(env / "reports"),
        statistics=my_default_monitor.baseline_statistics(),
        constraints=my_default_monitor.suggested_constraints(),
        schedule_cron_expression=CronExpressionGenerator.now(),
        data_analysis_start_time="-PT1H",
        data_analysis_end_time="-PT0H",
    )
    _run_due_executions()
    executions = my_default_monitor.list_executions()
    assert len(executions) == 1
    assert executions[-1].describe()["MonitoringExecutionStatus"] == "Completed", executions[-1].describe()
    statistics = my_default_monitor.latest_monitoring_statistics()
    assert statistics is not None
    assert statistics.body_dict["dataset"]["item_count"] == 10
    violations = my_default_monitor.latest_monitoring_constraint_violations()
    assert violations is not None
    assert violations.body_dict == {"violations": []}
    _run_due_executions()  # NOW runs once
    assert len(my_default_monitor.list_executions()) == 1


def test_seed_batch_transform_schedule(env: Path) -> None:
    now = datetime.now(UTC)
    data = env / "transform-input"
    data.mkdir()
    (data / "part-0.csv").write_text("1,5.1,0.3,4\n0,4.9,-0.2,7\n")
    # the manifests a batch job writes (capture.batch), as SageMaker's batch transform does
    write_batch_manifests(
        [str(data / "part-0.csv")], [str(data / "part-0.csv.out")], str(env / "batch-capture"), job_start=now
    )
    my_default_monitor = _baselined_monitor(env)
    s3_capture_upload_path = str(env / "batch-capture")

    # seed 003, "批量转换作业计划" (with NOW, to run it here)
    my_default_monitor.create_monitoring_schedule(
        monitor_schedule_name="batch",
        batch_transform_input=BatchTransformInput(
            destination="opt/ml/processing/input",
            data_captured_destination_s3_uri=s3_capture_upload_path,
            dataset_format=MonitoringDatasetFormat.csv(header=False),
        ),
        output_s3_uri=str(env / "reports"),
        statistics=my_default_monitor.baseline_statistics(),
        constraints=my_default_monitor.suggested_constraints(),
        schedule_cron_expression=CronExpressionGenerator.now(),
        data_analysis_start_time="-PT1H",
        data_analysis_end_time="PT1H",
        enable_cloudwatch_metrics=True,
    )
    assert "EndpointName" not in my_default_monitor.describe_schedule()
    _run_due_executions()
    (execution,) = my_default_monitor.list_executions()
    assert execution.describe()["MonitoringExecutionStatus"] == "Completed", execution.describe()
    assert execution.statistics().body_dict["dataset"]["item_count"] == 2
    assert execution.destination is not None
    assert "/reports/batch/" in execution.destination  # no endpoint segment for batch transform


def test_input_rules(env: Path) -> None:
    monitor = DefaultModelMonitor()
    with pytest.raises(ConfigurationError, match="either batch_transform_input or endpoint_input"):
        monitor.create_monitoring_schedule(monitor_schedule_name="x")
    with pytest.raises(ConfigurationError, match="only one"):
        monitor.create_monitoring_schedule(
            endpoint_input="e",
            batch_transform_input=BatchTransformInput("s3://b/c", "/opt", MonitoringDatasetFormat.csv()),
        )
    _register("e", env / "capture")
    with pytest.raises(ScheduleError, match="data_analysis_start_time and data_analysis_end_time"):
        monitor.create_monitoring_schedule(endpoint_input="e", schedule_cron_expression="NOW")
    with pytest.raises(ScheduleError, match="must come after"):
        monitor.create_monitoring_schedule(
            endpoint_input=EndpointInput("e", start_time_offset="-PT1H", end_time_offset="-PT2H")
        )


def test_an_execution_listed_before_it_started_knows_its_output_once_waited_for(env: Path) -> None:
    # A notebook lists the execution while it is Pending (no output yet), then waits for it.
    now = datetime.now(UTC)
    write_capture(env / "capture", "my-endpoint", now - timedelta(minutes=59), hours=1, per_hour=10)
    _register("my-endpoint", env / "capture")
    monitor = _baselined_monitor(env)
    monitor.create_monitoring_schedule(
        monitor_schedule_name="one-time",
        endpoint_input="my-endpoint",
        output_s3_uri=str(env / "reports"),
        constraints=monitor.suggested_constraints(),
        schedule_cron_expression=CronExpressionGenerator.now(),
        data_analysis_start_time="-PT1H",
        data_analysis_end_time="-PT0H",
    )
    _run_due_executions()
    finished = monitor.list_executions()[-1]
    assert finished.output.destination is not None
    pending = MonitoringExecution(dataclasses.replace(finished.execution, output_uri=None))
    assert pending.output.destination is None
    pending.wait(logs=False)
    assert pending.output.destination == finished.output.destination
    assert pending.destination == finished.output.destination
