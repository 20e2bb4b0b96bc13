"""ModelQualityMonitor with the SageMaker SDK's signatures: a baseline of predictions and labels, then an
hourly schedule over an endpoint's capture merged with labels uploaded later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modelmonitor.errors import ConfigurationError
from modelmonitor.model_monitor import (
    DatasetFormat,
    EndpointInput,
    ModelQualityMonitor,
    upload_ground_truth,
)
from modelmonitor.model_monitor.session import LocalSession
from modelmonitor.scheduler.clock import SteppingClock
from modelmonitor.service import MonitoringService
from modelmonitor.storage.catalog import Catalog
from tests.monitoring_data import write_capture, write_labels

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
# The SDK's file objects read model-quality files as such, not as data-quality files with unknown keys.
pytestmark = pytest.mark.filterwarnings("error::modelmonitor.formats.base.UnknownKeyWarning")


def _validation_csv(path: Path) -> Path:
    """A validation set scored by a model that is right on 95 % of the rows."""
    rows = ["probability,prediction,label"]
    for index in range(400):
        label = index % 2
        prediction = 1 - label if index % 20 == 0 else label
        probability = 0.8 if prediction else 0.2
        rows.append(f"{probability},{prediction},{label}")
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture
def session(tmp_path: Path) -> LocalSession:
    service = MonitoringService(
        Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}"),
        tmp_path / "home",
        SteppingClock(T0, real_pause_seconds=0.02),
    )
    return LocalSession(service=service)


def test_suggest_baseline_writes_model_quality_statistics_and_constraints(
    tmp_path: Path, session: LocalSession
) -> None:
    monitor = ModelQualityMonitor(sagemaker_session=session)
    job = monitor.suggest_baseline(
        baseline_dataset=str(_validation_csv(tmp_path / "validation_with_predictions.csv")),
        dataset_format=DatasetFormat.csv(header=True),
        problem_type="BinaryClassification",
        inference_attribute="prediction",
        probability_attribute="probability",
        ground_truth_attribute="label",
        output_s3_uri=str(tmp_path / "baseline"),
    )
    job.wait(logs=False)
    statistics = monitor.baseline_statistics()
    assert statistics is not None
    assert statistics.body_dict["dataset"]["item_count"] == 400
    assert statistics.body_dict["binary_classification_metrics"]["accuracy"]["value"] == 0.95
    constraints = monitor.suggested_constraints()
    assert constraints is not None
    accuracy = constraints.body_dict["binary_classification_constraints"]["accuracy"]
    assert accuracy == {"threshold": 0.95, "comparison_operator": "LessThanThreshold"}
    session.close()


def test_a_problem_type_outside_sagemakers_three_is_refused(tmp_path: Path, session: LocalSession) -> None:
    with pytest.raises(ConfigurationError, match="problem_type: got 'Binary', expected one of"):
        ModelQualityMonitor(sagemaker_session=session).suggest_baseline(
            str(_validation_csv(tmp_path / "v.csv")), DatasetFormat.csv(header=True), "Binary", "prediction"
        )
    session.close()


def test_an_hourly_schedule_whose_labels_came_later_reports_the_degraded_model(
    tmp_path: Path, session: LocalSession
) -> None:
    monitor = ModelQualityMonitor(sagemaker_session=session)
    monitor.suggest_baseline(
        str(_validation_csv(tmp_path / "validation.csv")),
        DatasetFormat.csv(header=True),
        problem_type="BinaryClassification",
        inference_attribute="prediction",
        ground_truth_attribute="label",
        output_s3_uri=str(tmp_path / "baseline"),
    )
    service = session.service
    service.register_endpoint("ep", str(tmp_path / "capture"))
    # predictions two hours before the run, labels (a third of them now disagreeing) an hour later
    write_capture(tmp_path / "capture", "ep", T0 - timedelta(hours=2), hours=1, per_hour=240)
    write_labels(tmp_path / "capture", tmp_path / "labels.csv", wrong_every=3)
    upload_ground_truth(
        str(tmp_path / "labels.csv"), str(tmp_path / "gt"), collected_at=T0 - timedelta(minutes=50)
    )
    with pytest.raises(ConfigurationError, match="needs ground_truth_input"):
        monitor.create_monitoring_schedule(endpoint_input="ep", problem_type="BinaryClassification")
    monitor.create_monitoring_schedule(
        endpoint_input=EndpointInput(
            endpoint_name="ep",
            destination="/opt/ml/processing/input_data",
            inference_attribute="0",
            start_time_offset="-PT2H",
            end_time_offset="-PT1H",
        ),
        ground_truth_input=str(tmp_path / "gt"),
        problem_type="BinaryClassification",
        constraints=monitor.suggested_constraints(),
        monitor_schedule_name="quality",
        schedule_cron_expression="cron(0 * ? * * *)",
        output_s3_uri=str(tmp_path / "results"),
    )
    execution = service.run_now("quality")
    assert execution.status == "CompletedWithViolations", execution.failure_reason
    violations = monitor.latest_monitoring_constraint_violations()
    assert violations is not None
    by_metric = {v["metric_name"]: v for v in violations.body_dict["violations"]}
    assert by_metric["accuracy"]["description"].endswith("was LessThanThreshold '0.95'")
    statistics = monitor.latest_monitoring_statistics()
    assert statistics is not None
    assert statistics.body_dict["dataset"]["item_count"] == 240
    assert monitor.describe_schedule()["MonitoringType"] == "ModelQuality"
    session.close()
