"""``DefaultModelMonitor.suggest_baseline`` and its accessors, with SageMaker SDK v2 names."""

from __future__ import annotations

import json
from pathlib import Path

import fsspec
import pytest

from modelmonitor.errors import ConfigurationError, DatasetError
from modelmonitor.model_monitor import (
    Constraints,
    DataQualityDistributionConstraints,
    DataQualityMonitoringConfig,
    DatasetFormat,
    DefaultModelMonitor,
    MonitoringDatasetFormat,
    Statistics,
)


def _csv(path: Path) -> str:
    path.write_text("label,x,city\n" + "".join(f"{i % 2},{i},{'ab'[i % 2]}\n" for i in range(60)))
    return str(path)


def test_suggest_baseline_then_read_results(tmp_path: Path) -> None:
    monitor = DefaultModelMonitor(
        role="arn:aws:iam::1:role/x", instance_count=1, instance_type="ml.m5.xlarge"
    )
    assert monitor.baseline_statistics() is None
    job = monitor.suggest_baseline(
        baseline_dataset=_csv(tmp_path / "d.csv"),
        dataset_format=DatasetFormat.csv(header=True),
        output_s3_uri=str(tmp_path / "out"),
        wait=True,
        logs=False,
    )
    assert job.job_name.startswith("baseline-suggestion-job-")
    assert monitor.latest_baselining_job is job
    statistics = monitor.baseline_statistics()
    constraints = monitor.suggested_constraints()
    assert isinstance(statistics, Statistics)
    assert isinstance(constraints, Constraints)
    assert statistics.body_dict["dataset"]["item_count"] == 60
    assert statistics.file_s3_uri == str(tmp_path / "out" / "statistics.json")
    assert [f["name"] for f in constraints.body_dict["features"]] == ["label", "x", "city"]
    assert monitor.describe_latest_baselining_job()["ProcessingJobStatus"] == "Completed"
    assert DefaultModelMonitor.monitoring_type() == "DataQuality"


def test_categorical_drift_method_override(tmp_path: Path) -> None:
    monitor = DefaultModelMonitor()
    override = DataQualityMonitoringConfig(
        DataQualityDistributionConstraints(categorical_drift_method="ChiSquared")
    )
    monitor.suggest_baseline(
        _csv(tmp_path / "d.csv"),
        DatasetFormat.csv(),
        output_s3_uri=str(tmp_path / "o"),
        monitoring_config_override=override,
        job_name="my-job",
    )
    constraints = monitor.suggested_constraints()
    assert constraints is not None
    assert (
        constraints.body_dict["monitoring_config"]["distribution_constraints"]["categorical_drift_method"]
        == "ChiSquared"
    )
    assert monitor.latest_baselining_job_name == "my-job"
    with pytest.raises(ConfigurationError, match="categorical_drift_method"):
        DataQualityDistributionConstraints(categorical_drift_method="KL")


def test_default_output_goes_under_modelmonitor_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path / "home"))
    job = DefaultModelMonitor().suggest_baseline(_csv(tmp_path / "d.csv"), DatasetFormat.csv(), job_name="j1")
    assert Path(job.output_uri) == tmp_path / "home" / "baselining" / "j1" / "results"
    assert (Path(job.output_uri) / "constraints.json").exists()


def test_fsspec_uris_for_input_and_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path / "home"))
    fs = fsspec.filesystem("memory")
    fs.pipe("/mm-sdk/in/data.csv", b"a,b\n1,x\n2,y\n")
    monitor = DefaultModelMonitor()
    monitor.suggest_baseline(
        "memory://mm-sdk/in", DatasetFormat.csv(header=True), output_s3_uri="memory://mm-sdk/out"
    )
    statistics = monitor.baseline_statistics()
    assert statistics is not None
    assert statistics.file_s3_uri == "memory://mm-sdk/out/statistics.json"
    assert json.loads(fs.cat("/mm-sdk/out/statistics.json"))["dataset"]["item_count"] == 2


def test_formats() -> None:
    assert DatasetFormat.csv() == {"csv": {"header": True, "output_columns_position": "START"}}
    assert DatasetFormat.json() == {"json": {"lines": True}}
    assert DatasetFormat.sagemaker_capture_json() == {"sagemakerCaptureJson": {}}
    assert MonitoringDatasetFormat.csv(header=False) == {"Csv": {"Header": False}}
    assert MonitoringDatasetFormat.json() == {"Json": {"Line": True}}
    assert MonitoringDatasetFormat.parquet() == {"Parquet": {}}


def test_unsupported_inputs_are_clear_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path / "home"))
    monitor = DefaultModelMonitor()
    with pytest.raises(DatasetError, match=r"no captured data at any time under .*d\.csv \(.*bad"):
        monitor.suggest_baseline(_csv(tmp_path / "d.csv"), DatasetFormat.sagemaker_capture_json())
    with pytest.raises(ConfigurationError, match="record_preprocessor_script works with csv and json"):
        monitor.suggest_baseline(str(tmp_path), DatasetFormat.parquet(), record_preprocessor_script="p.py")


def test_record_preprocessor_script_shapes_the_rows(tmp_path: Path) -> None:
    script = tmp_path / "pre.py"
    script.write_text(
        "def preprocess_handler(inference_record, logger):\n"
        "    label, x, city = inference_record.split(',')\n"
        "    return {'x_doubled': int(x) * 2, 'city': city.upper()}\n"
    )
    monitor = DefaultModelMonitor()
    monitor.suggest_baseline(
        _csv(tmp_path / "d.csv"),
        DatasetFormat.csv(header=True),
        record_preprocessor_script=str(script),
        output_s3_uri=str(tmp_path / "out"),
    )
    statistics = monitor.baseline_statistics()
    assert statistics is not None
    names = [(f["name"], f["inferred_type"]) for f in statistics.body_dict["features"]]
    assert names == [("city", "String"), ("x_doubled", "Integral")]
    assert statistics.body_dict["features"][1]["numerical_statistics"]["max"] == 118.0
