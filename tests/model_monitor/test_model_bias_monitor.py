"""ModelBiasMonitor with the SageMaker SDK's signatures: a bias baseline from a validation set with the
model's predictions, then an hourly schedule over an endpoint's capture merged with labels uploaded later,
where the model has turned against one facet value."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modelmonitor.capture.batch import run_batch
from modelmonitor.capture.config import CaptureSettings
from modelmonitor.capture.pipeline import CapturePipeline
from modelmonitor.clarify import BiasConfig, DataConfig, ModelConfig, ModelPredictedLabelConfig
from modelmonitor.errors import ConfigurationError
from modelmonitor.model_monitor import (
    BatchTransformInput,
    BiasAnalysisConfig,
    EndpointInput,
    ModelBiasMonitor,
    MonitoringDatasetFormat,
    upload_ground_truth,
)
from modelmonitor.model_monitor.session import LocalSession
from modelmonitor.scheduler.clock import SteppingClock
from modelmonitor.service import MonitoringService
from modelmonitor.storage.catalog import Catalog

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
HEADERS = ["target", "sex", "age", "income"]
pytestmark = pytest.mark.filterwarnings("error::modelmonitor.formats.base.UnknownKeyWarning")


def _person(rng: random.Random) -> tuple[int, int, float, int]:
    sex = rng.randint(0, 1)
    age = rng.randint(20, 23)
    income = round(rng.gauss(50, 10), 2)
    target = int(rng.random() < 0.5)
    return sex, age, income, target


def _score(rng: random.Random, sex: int, target: int, unfair: bool) -> float:
    """A model right on 90 % of the people; an unfair one also denies most people of sex 0."""
    right = rng.random() < 0.9
    positive = target if right else 1 - target
    if unfair and sex == 0 and rng.random() < 0.7:
        positive = 0
    return round(rng.uniform(0.85, 0.99) if positive else rng.uniform(0.01, 0.6), 3)


def write_validation(path: Path, rows: int = 600) -> Path:
    """Headerless CSV ``target,sex,age,income,score``: the fair model's scores beside the labels."""
    rng = random.Random(11)
    lines = []
    for _ in range(rows):
        sex, age, income, target = _person(rng)
        lines.append(f"{target},{sex},{age},{income},{_score(rng, sex, target, unfair=False)}")
    path.write_text("\n".join(lines) + "\n")
    return path


def write_unfair_traffic(
    capture: Path, labels: Path, endpoint: str, start: datetime, calls: int = 400
) -> None:
    """An hour of captured calls (features in, score out) through the capture pipeline, and their labels."""
    rng = random.Random(5)
    now = [start.timestamp()]
    pipeline = CapturePipeline(
        CaptureSettings(endpoint_name=endpoint, destination=str(capture), sampling_percentage=100.0),
        disk_probe=lambda: 0.0,
        clock=lambda: now[0],
    )
    pipeline.start()
    rows = ["inference_id,label"]
    for index in range(calls):
        now[0] = (start + timedelta(seconds=1 + index * 3600 // calls)).timestamp()
        sex, age, income, target = _person(rng)
        pipeline.submit(
            status=200,
            request_body=f"{sex},{age},{income}".encode(),
            request_content_type="text/csv",
            response_body=str(_score(rng, sex, target, unfair=True)).encode(),
            response_content_type="text/csv",
            inference_id=f"call-{index}",
        )
        rows.append(f"call-{index},{target}")
    pipeline.close()
    labels.write_text("\n".join(rows) + "\n")


def bias_config() -> BiasConfig:
    return BiasConfig(
        label_values_or_threshold=[1], facet_name="sex", facet_values_or_threshold=[0], group_name="age"
    )


@pytest.fixture
def session(tmp_path: Path) -> LocalSession:
    service = MonitoringService(
        Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}"),
        tmp_path / "home",
        SteppingClock(T0, real_pause_seconds=0.02),
    )
    return LocalSession(service=service)


def _baseline(monitor: ModelBiasMonitor, tmp_path: Path) -> None:
    monitor.suggest_baseline(
        data_config=DataConfig(
            s3_data_input_path=str(write_validation(tmp_path / "validation.csv")),
            s3_output_path=str(tmp_path / "baseline"),
            label="target",
            headers=[*HEADERS, "score"],
            dataset_type="text/csv",
            predicted_label="score",
        ),
        bias_config=bias_config(),
        model_config=ModelConfig(endpoint_name="ep", content_type="text/csv", accept_type="text/csv"),
        model_predicted_label_config=ModelPredictedLabelConfig(probability_threshold=0.8),
    )


def test_suggest_baseline_writes_the_analysis_that_is_the_constraints(
    tmp_path: Path, session: LocalSession
) -> None:
    monitor = ModelBiasMonitor(sagemaker_session=session)
    _baseline(monitor, tmp_path)
    files = {path.name for path in (tmp_path / "baseline").iterdir()}
    assert files == {"analysis.json", "analysis_config.json"}
    constraints = monitor.suggested_constraints()
    assert constraints is not None
    body = constraints.body_dict
    assert body["post_training_bias_metrics"]["facets"]["sex"][0]["value_or_threshold"] == "0"
    names = [m["name"] for m in body["pre_training_bias_metrics"]["facets"]["sex"][0]["metrics"]]
    assert names == ["CDDL", "CI", "DPL", "JS", "KL", "KS", "LP", "TVD"]
    di = next(
        m for m in body["post_training_bias_metrics"]["facets"]["sex"][0]["metrics"] if m["name"] == "DI"
    )
    assert 0.8 < di["value"] < 1.25  # the fair model
    assert monitor.baseline_statistics() is None
    written = json.loads((tmp_path / "baseline" / "analysis_config.json").read_text())
    assert written["probability_threshold"] == 0.8
    assert written["predicted_label"] == "score"
    session.close()


def test_an_hourly_schedule_reports_bias_drift_against_one_facet(
    tmp_path: Path, session: LocalSession
) -> None:
    monitor = ModelBiasMonitor(sagemaker_session=session)
    _baseline(monitor, tmp_path)
    service = session.service
    service.register_endpoint("ep", str(tmp_path / "capture"))
    write_unfair_traffic(tmp_path / "capture", tmp_path / "labels.csv", "ep", T0 - timedelta(hours=2))
    upload_ground_truth(
        str(tmp_path / "labels.csv"), str(tmp_path / "gt"), collected_at=T0 - timedelta(minutes=50)
    )
    with pytest.raises(ConfigurationError, match="ground_truth_input can not be None"):
        monitor.create_monitoring_schedule(endpoint_input="ep")
    monitor.create_monitoring_schedule(
        monitor_schedule_name="bias",
        analysis_config=BiasAnalysisConfig(bias_config(), headers=HEADERS, label="target"),
        endpoint_input=EndpointInput(
            endpoint_name="ep",
            destination="/opt/ml/processing/input/endpoint",
            start_time_offset="-PT2H",
            end_time_offset="-PT1H",
            probability_threshold_attribute=0.8,
        ),
        ground_truth_input=str(tmp_path / "gt"),
        output_s3_uri=str(tmp_path / "results"),
        schedule_cron_expression="cron(0 * ? * * *)",
    )
    definition = service.schedule_definition("bias")
    assert definition.analysis_config_uri is not None
    assert definition.analysis_config_uri.startswith(str(tmp_path / "home" / "scripts" / "bias"))
    assert definition.baseline_constraints == str(tmp_path / "baseline" / "analysis.json")
    execution = service.run_now("bias")
    assert execution.status == "CompletedWithViolations", execution.failure_reason
    violations = monitor.latest_monitoring_constraint_violations()
    assert violations is not None
    found = {(v["facet"], v["facet_value"], v["metric_name"]) for v in violations.body_dict["violations"]}
    assert ("sex", "0", "DI") in found
    assert ("sex", "0", "DPPL") in found
    for violation in violations.body_dict["violations"]:
        assert violation["constraint_check_type"] == "bias_drift_check"
        assert violation["description"].startswith("Metric value ")
        assert " doesn't meet the baseline constraint requirement " in violation["description"]
    assert monitor.describe_schedule()["MonitoringType"] == "ModelBias"
    session.close()


def test_a_schedule_without_analysis_config_or_baseline_is_refused(
    tmp_path: Path, session: LocalSession
) -> None:
    session.service.register_endpoint("ep", str(tmp_path / "capture"))
    with pytest.raises(
        ConfigurationError, match="analysis_config is None and this monitor has no baselining job"
    ):
        ModelBiasMonitor(sagemaker_session=session).create_monitoring_schedule(
            endpoint_input="ep", ground_truth_input=str(tmp_path / "gt")
        )
    session.close()


def test_a_batch_transform_schedule_reads_features_joined_to_the_outputs(
    tmp_path: Path, session: LocalSession
) -> None:
    """The documentation's batch-transform cell: the transform joined its input to each output line
    (join_source="Input"), so the merged output holds the features and the score (its last column)."""
    monitor = ModelBiasMonitor(sagemaker_session=session)
    _baseline(monitor, tmp_path)
    rng = random.Random(9)
    inputs = tmp_path / "transform-input"
    inputs.mkdir()
    people = [_person(rng) for _ in range(300)]
    (inputs / "part-0.csv").write_text("".join(f"{s},{a},{i}\n" for s, a, i, _ in people))
    targets = {f"{s},{a},{i}": t for s, a, i, t in people}

    def unfair_model(record: str) -> str:
        sex = int(record.split(",")[0])
        return f"{record},{_score(rng, sex, targets[record], unfair=True)}"

    batch = run_batch(
        unfair_model,
        [str(inputs / "part-0.csv")],
        str(tmp_path / "transform-output"),
        str(tmp_path / "batch"),
        job_start=T0 - timedelta(minutes=30),
    )
    lines = Path(batch.output_files[0]).read_text().splitlines()
    labels = ["inference_id,label"]
    for line in lines:
        *record, _score_text, inference_id, _time = line.split(",")
        labels.append(f"{inference_id},{targets[','.join(record)]}")
    (tmp_path / "labels.csv").write_text("\n".join(labels) + "\n")
    upload_ground_truth(
        str(tmp_path / "labels.csv"), str(tmp_path / "gt"), collected_at=T0 - timedelta(minutes=5)
    )
    monitor.create_monitoring_schedule(
        monitor_schedule_name="batch-bias",
        output_s3_uri=str(tmp_path / "results"),
        constraints=monitor.suggested_constraints(),
        schedule_cron_expression="cron(0 * ? * * *)",
        enable_cloudwatch_metrics=True,
        batch_transform_input=BatchTransformInput(
            destination="opt/ml/processing/input",
            data_captured_destination_s3_uri=str(tmp_path / "batch"),
            dataset_format=MonitoringDatasetFormat.csv(header=False),  # required by the SDK too
            start_time_offset="-PT1H",
            end_time_offset="-PT0H",
            probability_threshold_attribute=0.8,
        ),
        ground_truth_input=str(tmp_path / "gt"),
    )
    execution = session.service.run_now("batch-bias")
    assert execution.status == "CompletedWithViolations", execution.failure_reason
    _, text = session.service.read_execution_output(execution.id, "analysis.json")
    post = json.loads(text)["post_training_bias_metrics"]
    names = [m["name"] for m in post["facets"]["sex"][0]["metrics"]]
    assert "DI" in names
    violations = monitor.latest_monitoring_constraint_violations()
    assert violations is not None
    found = {(v["facet"], v["metric_name"]) for v in violations.body_dict["violations"]}
    assert ("sex", "DI") in found
    session.close()


def test_update_changes_the_analysis_config_and_the_labels_location(
    tmp_path: Path, session: LocalSession
) -> None:
    monitor = ModelBiasMonitor(sagemaker_session=session)
    _baseline(monitor, tmp_path)
    session.service.register_endpoint("ep", str(tmp_path / "capture"))
    monitor.create_monitoring_schedule(
        endpoint_input="ep", ground_truth_input=str(tmp_path / "gt"), monitor_schedule_name="bias"
    )
    first = session.service.schedule_definition("bias")
    assert first.analysis_config_uri is not None
    kept = json.loads(Path(first.analysis_config_uri).read_text())
    assert kept["headers"] == HEADERS  # the baseline's predicted-label column is no model input
    monitor.update_monitoring_schedule(
        ground_truth_input=str(tmp_path / "labels-v2"),
        analysis_config=BiasAnalysisConfig(
            BiasConfig([1], facet_name="age", facet_values_or_threshold=[21]), headers=HEADERS, label="target"
        ),
        max_runtime_in_seconds=900,
    )
    updated = session.service.schedule_definition("bias")
    assert updated.ground_truth_uri == str(tmp_path / "labels-v2")
    assert updated.max_runtime_seconds == 900
    assert updated.analysis_config_uri is not None
    assert updated.analysis_config_uri != first.analysis_config_uri
    assert json.loads(Path(updated.analysis_config_uri).read_text())["facet"] == [
        {"name_or_index": "age", "value_or_threshold": [21]}
    ]
    session.close()
