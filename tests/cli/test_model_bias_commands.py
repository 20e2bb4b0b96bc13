"""The CLI's bias options: ``baseline --monitoring-type ModelBias`` and ``schedule create --monitoring-type
ModelBias --analysis-config``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelmonitor.cli.main import app, main

CONFIG = {
    "headers": ["target", "sex", "age", "income"],
    "label": "target",
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "sex", "value_or_threshold": [0]}],
    "group_variable": "age",
}


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MODELMONITOR_CATALOG_URL", raising=False)
    return CliRunner()


def test_a_bias_baseline_needs_an_analysis_config(
    runner: CliRunner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "validation.csv"
    data.write_text("1,0,21,50.0\n")
    with pytest.raises(SystemExit) as exit_status:
        main(["baseline", str(data), "--out", str(tmp_path / "b"), "--monitoring-type", "ModelBias"])
    assert exit_status.value.code == 2
    assert "needs --analysis-config" in capsys.readouterr().err


def test_a_bias_baseline_names_a_facet_that_is_not_a_column(
    runner: CliRunner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "validation.csv"
    data.write_text("".join(f"{i % 2},{i % 3 % 2},{20 + i % 4},{40 + i}\n" for i in range(60)))
    config = tmp_path / "analysis_config.json"
    config.write_text(json.dumps(CONFIG | {"facet": [{"name_or_index": "gender"}]}))
    with pytest.raises(SystemExit) as exit_status:
        main(["baseline", str(data), "--out", str(tmp_path / "b"), "--monitoring-type", "ModelBias",
              "--analysis-config", str(config)])  # fmt: skip
    assert exit_status.value.code == 2
    err = capsys.readouterr().err
    assert "facet 'gender' is not a column of the data; columns: target, sex, age, income" in err


def test_schedule_create_carries_the_analysis_config_and_ground_truth(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(
        app, ["endpoint", "register", "ep", "--capture-destination", str(tmp_path / "cap")]
    )
    assert result.exit_code == 0, result.output
    config = tmp_path / "analysis_config.json"
    config.write_text(json.dumps(CONFIG))
    common = [
        "--endpoint",
        "ep",
        "--monitoring-type",
        "ModelBias",
        "--start-offset",
        "-PT2H",
        "--end-offset",
        "-PT1H",
    ]
    result = runner.invoke(
        app, ["schedule", "create", "no-config", *common, "--ground-truth", str(tmp_path / "gt")]
    )
    assert result.exit_code != 0
    assert "needs analysis config" in str(result.exception)
    result = runner.invoke(
        app,
        ["schedule", "create", "bias", *common, "--ground-truth", str(tmp_path / "gt"),
         "--analysis-config", str(config), "--probability-threshold", "0.8",
         "--features-attribute", "instances[0].features"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["monitoring_type"] == "ModelBias"
    definition = json.loads(runner.invoke(app, ["schedule", "describe", "bias"]).output)["schedule"][
        "definition"
    ]
    assert definition["ground_truth_uri"] == str(tmp_path / "gt")
    staged = Path(definition["analysis_config_uri"])
    assert staged.is_relative_to(tmp_path / "home" / "scripts" / "bias")
    assert json.loads(staged.read_text()) == CONFIG
    assert definition["attributes"]["probability_threshold_attribute"] == 0.8
    assert definition["attributes"]["features_attribute"] == "instances[0].features"
