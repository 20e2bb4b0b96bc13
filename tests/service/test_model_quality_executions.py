"""A built-in ModelQuality execution through the service: captures merged with uploaded labels."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modelmonitor.capture.batch import run_batch
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.job_definition import InputAttributes, JobDefinition
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.scheduler.clock import SteppingClock
from modelmonitor.service import MonitoringService
from modelmonitor.service.ground_truth import upload_ground_truth
from modelmonitor.storage.catalog import Catalog
from tests.monitoring_data import write_capture, write_labels

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
CONSTRAINTS = {
    "version": 0.0,
    "binary_classification_constraints": {
        "accuracy": {"threshold": 0.9, "comparison_operator": "LessThanThreshold"},
        "false_positive_rate": {"threshold": 0.1, "comparison_operator": "GreaterThanThreshold"},
    },
}


def _model_quality_run(tmp_path: Path, wrong_every: int) -> tuple[MonitoringService, int]:
    write_capture(tmp_path / "capture", "ep", T0 - timedelta(hours=1), hours=1, per_hour=300)
    write_labels(tmp_path / "capture", tmp_path / "labels.csv", wrong_every=wrong_every)
    # the labels come in before the run (run-now at T0 reads the labels collected up to T0)
    upload_ground_truth(
        str(tmp_path / "labels.csv"), str(tmp_path / "gt"), collected_at=T0 - timedelta(minutes=10)
    )
    constraints = tmp_path / "constraints.json"
    constraints.write_text(json.dumps(CONSTRAINTS))
    service = MonitoringService(
        Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}"),
        tmp_path / "home",
        SteppingClock(T0, real_pause_seconds=0.02),
    )
    service.register_endpoint("ep", str(tmp_path / "capture"))
    service.create_schedule(
        "quality",
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="ep",
            output_uri=str(tmp_path / "out"),
            baseline_constraints=str(constraints),
            monitoring_type=MonitoringType.MODEL_QUALITY,
            problem_type="BinaryClassification",
            ground_truth_uri=str(tmp_path / "gt"),
            attributes=InputAttributes(inference_attribute="0"),
        ),
    )
    execution = service.run_now("quality")
    return service, execution.id


def test_a_model_quality_execution_writes_sagemakers_files_and_the_merge(tmp_path: Path) -> None:
    service, execution_id = _model_quality_run(tmp_path, wrong_every=0)
    execution = service.describe_execution(execution_id)
    assert execution.status == "Completed", execution.failure_reason
    uri, text = service.read_execution_output(execution_id, "statistics.json")
    statistics = json.loads(text)
    assert statistics["dataset"]["item_count"] == 300
    metrics = statistics["binary_classification_metrics"]
    assert metrics["accuracy"]["value"] == 1.0
    assert metrics["accuracy"]["standard_deviation"] == 0.0  # 300 rows: bootstrapped, all draws perfect
    assert set(metrics["confusion_matrix"]) == {"0", "1"}
    _, violations = service.read_execution_output(execution_id, "constraint_violations.json")
    assert json.loads(violations) == {"violations": []}
    merged = list(Path(uri).parent.glob("merge/ep/AllTraffic/2026/11/21/09/part-*.c000.jsonl"))
    assert len(merged) == 1
    record = json.loads(merged[0].read_text().splitlines()[0])
    assert set(record) == {"eventVersion", "groundTruthData", "captureData", "eventMetadata"}
    log = service.execution_log(execution_id)
    assert "300 matched of 300 prediction(s)" in log
    service.close()


def test_a_degraded_model_violates_its_accuracy_constraint(tmp_path: Path) -> None:
    service, execution_id = _model_quality_run(tmp_path, wrong_every=3)
    execution = service.describe_execution(execution_id)
    assert execution.status == "CompletedWithViolations", execution.failure_reason
    _, text = service.read_execution_output(execution_id, "constraint_violations.json")
    violations = {v["metric_name"]: v for v in json.loads(text)["violations"]}
    assert violations["accuracy"]["constraint_check_type"] == "LessThanThreshold"
    assert violations["accuracy"]["description"].startswith("Metric accuracy with 0.6")
    assert violations["accuracy"]["description"].endswith("was LessThanThreshold '0.9'")
    assert "falsePositiveRate" in violations
    service.close()


def test_a_model_quality_schedule_needs_ground_truth_and_a_problem_type(tmp_path: Path) -> None:
    service = MonitoringService(
        Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}"), tmp_path / "home", SteppingClock(T0)
    )
    service.register_endpoint("ep", str(tmp_path / "capture"))
    with pytest.raises(ConfigurationError, match="needs ground truth, problem type"):
        service.create_schedule(
            "quality",
            None,
            JobDefinition(
                input_kind="endpoint",
                endpoint_name="ep",
                output_uri=str(tmp_path / "out"),
                monitoring_type=MonitoringType.MODEL_QUALITY,
            ),
        )
    with pytest.raises(ConfigurationError, match="problem_type: got 'Binary'"):
        JobDefinition(input_kind="endpoint", endpoint_name="ep", output_uri="out", problem_type="Binary")  # type: ignore[arg-type]
    service.close()


def _transform_model(record: str) -> str:
    """The probability of class 1 for a feature x in [0, 1] (true label: x >= 0.5), wrong for a quarter."""
    x = float(record)
    wrong = round(x * 200 - 0.5) % 4 == 0
    return f"{1 - x if wrong else x:.6f}"


@pytest.mark.parametrize("record_format", ["csv", "jsonlines"])
def test_a_batch_transform_model_quality_execution_joins_outputs_to_labels(
    tmp_path: Path, record_format: str
) -> None:
    inputs = tmp_path / "transform-input"
    inputs.mkdir()
    features = [(i + 0.5) / 200 for i in range(200)]
    if record_format == "csv":
        (inputs / "part-0.csv").write_text("".join(f"{x}\n" for x in features))
        model = _transform_model
    else:
        (inputs / "part-0.csv").write_text("".join(json.dumps({"x": x}) + "\n" for x in features))

        def model(record: str) -> str:
            return json.dumps(
                {"scores": [{"probability": float(_transform_model(str(json.loads(record)["x"])))}]}
            )

    batch = run_batch(
        model,
        [str(inputs / "part-0.csv")],
        str(tmp_path / "transform-output"),
        str(tmp_path / "batch"),
        record_format=record_format,  # type: ignore[arg-type]
        job_start=T0 - timedelta(minutes=30),
    )
    outputs = Path(batch.output_files[0]).read_text().splitlines()
    ids = [
        line.rsplit(",", 2)[1] if record_format == "csv" else json.loads(line)["SageMakerInferenceId"]
        for line in outputs
    ]
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "inference_id,label\n" + "".join(f"{i},{int(x >= 0.5)}\n" for i, x in zip(ids, features, strict=True))
    )
    upload_ground_truth(str(labels), str(tmp_path / "gt"), collected_at=T0 - timedelta(minutes=5))
    constraints = tmp_path / "constraints.json"
    constraints.write_text(json.dumps(CONSTRAINTS))
    service = MonitoringService(
        Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}"),
        tmp_path / "home",
        SteppingClock(T0, real_pause_seconds=0.02),
    )
    csv_output = record_format == "csv"
    service.create_schedule(
        "batch-quality",
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="batch_transform",
            capture_uri=str(tmp_path / "batch"),
            dataset_format={"csv": {"header": False}} if csv_output else {"json": {"lines": True}},
            output_uri=str(tmp_path / "out"),
            baseline_constraints=str(constraints),
            monitoring_type=MonitoringType.MODEL_QUALITY,
            problem_type="BinaryClassification",
            ground_truth_uri=str(tmp_path / "gt"),
            attributes=InputAttributes(
                probability_attribute="0" if csv_output else "scores[0].probability",
                probability_threshold_attribute=0.5,
            ),
        ),
    )
    execution = service.describe_execution(service.run_now("batch-quality").id)
    assert execution.status == "CompletedWithViolations", execution.failure_reason
    uri, text = service.read_execution_output(execution.id, "statistics.json")
    statistics = json.loads(text)
    assert statistics["dataset"]["item_count"] == 200
    assert statistics["binary_classification_metrics"]["accuracy"]["value"] == 0.75
    _, violations = service.read_execution_output(execution.id, "constraint_violations.json")
    assert "accuracy" in {v["metric_name"] for v in json.loads(violations)["violations"]}
    merged = list(Path(uri).parent.glob("merge/batch-transform/2026/11/21/09/part-*.c000.jsonl"))
    assert len(merged) == 1
    record = json.loads(merged[0].read_text().splitlines()[0])
    output = record["captureData"]["batchTransformOutput"]
    assert record["eventMetadata"]["inferenceId"] == ids[0]
    assert record["eventMetadata"]["inferenceTime"] == "2026-11-21T09:30:00Z"
    if csv_output:
        assert output == {
            "observedContentType": "text/csv",
            "mode": "OUTPUT",
            "data": outputs[0].rsplit(",", 2)[0],
            "encoding": "CSV",
        }
    else:
        assert output["encoding"] == "JSON"
        assert json.loads(output["data"])["scores"] == json.loads(outputs[0])["scores"]
    assert record["groundTruthData"] == {"data": "0", "encoding": "CSV"}
    assert "200 matched of 200 prediction(s)" in service.execution_log(execution.id)
    service.close()
