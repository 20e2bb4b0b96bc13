"""The CLI's model-quality options: ``baseline --monitoring-type ModelQuality`` and ``schedule create``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelmonitor.cli.main import app, main


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MODELMONITOR_CATALOG_URL", raising=False)
    return CliRunner()


def _validation_csv(path: Path) -> Path:
    rows = ["probability,prediction,label"] + [
        f"{0.9 if i % 4 else 0.3},{1 if i % 4 else 0},{1 if i % 5 else 0}" for i in range(100)
    ]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_baseline_of_predictions_and_labels(runner: CliRunner, tmp_path: Path) -> None:
    data = _validation_csv(tmp_path / "validation.csv")
    result = runner.invoke(
        app,
        [
            "baseline",
            str(data),
            "--out",
            str(tmp_path / "baseline"),
            "--monitoring-type",
            "ModelQuality",
            "--problem-type",
            "BinaryClassification",
            "--inference-attribute",
            "prediction",
            "--probability-attribute",
            "probability",
            "--ground-truth-attribute",
            "label",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Baseline of 100 rows (BinaryClassification)" in result.output
    statistics = json.loads((tmp_path / "baseline/statistics.json").read_text())
    assert statistics["binary_classification_metrics"]["confusion_matrix"] == {
        "0": {"0": 5, "1": 15},
        "1": {"0": 20, "1": 60},
    }
    constraints = json.loads((tmp_path / "baseline/constraints.json").read_text())
    assert constraints["binary_classification_constraints"]["accuracy"]["threshold"] == 0.65


def test_a_model_quality_baseline_needs_a_problem_type(
    runner: CliRunner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _validation_csv(tmp_path / "validation.csv")
    with pytest.raises(SystemExit) as exit_status:
        main(["baseline", str(data), "--out", str(tmp_path / "b"), "--monitoring-type", "ModelQuality"])
    assert exit_status.value.code == 2
    assert "needs --problem-type" in capsys.readouterr().err


def test_schedule_create_carries_ground_truth_problem_type_and_attributes(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(
        app, ["endpoint", "register", "ep", "--capture-destination", str(tmp_path / "cap")]
    )
    assert result.exit_code == 0, result.output
    common = ["--endpoint", "ep", "--monitoring-type", "ModelQuality", "--start-offset", "-P8D"]
    result = runner.invoke(app, ["schedule", "create", "no-labels", *common, "--end-offset", "-P1D"])
    assert result.exit_code != 0
    assert "needs ground truth, problem type" in str(result.exception)
    result = runner.invoke(
        app,
        [
            "schedule",
            "create",
            "quality",
            *common,
            "--end-offset",
            "-P1D",
            "--ground-truth",
            str(tmp_path / "gt"),
            "--problem-type",
            "BinaryClassification",
            "--inference-attribute",
            "predictions[0].label",
            "--probability-attribute",
            "predictions[0].score",
            "--probability-threshold",
            "0.6",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["monitoring_type"] == "ModelQuality"
    described = json.loads(runner.invoke(app, ["schedule", "describe", "quality"]).output)
    definition = described["schedule"]["definition"]
    assert definition["ground_truth_uri"] == str(tmp_path / "gt")
    assert definition["problem_type"] == "BinaryClassification"
    assert definition["attributes"]["probability_threshold_attribute"] == 0.6
    assert definition["attributes"]["inference_attribute"] == "predictions[0].label"
