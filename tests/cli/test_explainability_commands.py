"""The CLI's explainability options: ``baseline --monitoring-type ModelExplainability`` against a model
server on loopback, and ``schedule create --monitoring-type ModelExplainability --analysis-config``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelmonitor.cli.main import app, main
from tests.explain_data import FEATURES, features, trained_model, write_csv
from tests.model_server import model_server

pytest.importorskip("shap")


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MODELMONITOR_CATALOG_URL", raising=False)
    return CliRunner(env={"COLUMNS": "200"})


def _config(path: Path, url: str, baseline: list[list[float]]) -> Path:
    path.write_text(
        json.dumps(
            {
                "version": "1.0",
                "headers": FEATURES,
                "methods": {"shap": {"baseline": baseline, "num_samples": 32, "seed": 1}},
                "predictor": {"endpoint_name": "ep", "content_type": "text/csv", "endpoint_url": url},
            }
        )
    )
    return path


def test_baseline_explains_the_data_set_through_the_model_server(runner: CliRunner, tmp_path: Path) -> None:
    data = write_csv(tmp_path / "validation.csv", features(20, seed=2))
    with model_server(trained_model()) as server:
        config = _config(tmp_path / "analysis_config.json", server.url, [[0.0, 0.0, 0.0]])
        result = runner.invoke(
            app,
            [
                "baseline",
                str(data),
                "--out",
                str(tmp_path / "baseline"),
                "--monitoring-type",
                "ModelExplainability",
                "--analysis-config",
                str(config),
            ],
        )
    assert result.exit_code == 0, result.output
    assert "global SHAP values of label0" in result.output
    assert "explained 20 of 20 sampled row(s) (from 20), 0 skipped" in result.output
    written = json.loads((tmp_path / "baseline" / "analysis.json").read_text())
    assert set(written["explanations"]["kernel_shap"]["label0"]["global_shap_values"]) == set(FEATURES)
    assert (tmp_path / "baseline" / "analysis_config.json").exists()


def test_a_baseline_with_the_wrong_shap_baseline_width_exits_2_naming_both_counts(
    runner: CliRunner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_csv(tmp_path / "validation.csv", features(5))
    config = _config(tmp_path / "analysis_config.json", "http://127.0.0.1:9/", [[0.0, 0.0, 0.0, 0.0]])
    arguments = ["baseline", str(data), "--out", str(tmp_path / "baseline")]
    with pytest.raises(SystemExit) as exit_status:
        main([*arguments, "--monitoring-type", "ModelExplainability", "--analysis-config", str(config)])
    assert exit_status.value.code == 2
    assert (
        "the SHAP baseline has 4 columns, expected 3 (the features ['a', 'b', 'c'])"
        in capsys.readouterr().err
    )


def test_schedule_create_takes_the_analysis_config(
    runner: CliRunner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path / "analysis_config.json", "http://127.0.0.1:9/", [[0.0, 0.0, 0.0]])
    registered = runner.invoke(
        app, ["endpoint", "register", "ep", "--capture-destination", str(tmp_path / "capture")]
    )
    assert registered.exit_code == 0, registered.output
    create = ["schedule", "create", "attr", "--endpoint", "ep", "--monitoring-type", "ModelExplainability"]
    with pytest.raises(SystemExit) as exit_status:
        main([*create, "--output", str(tmp_path / "out")])
    assert exit_status.value.code == 2
    assert "a ModelExplainability monitoring job needs analysis config" in capsys.readouterr().err
    created = runner.invoke(
        app, [*create, "--analysis-config", str(config), "--output", str(tmp_path / "out")]
    )
    assert created.exit_code == 0, created.output
    shown = runner.invoke(app, ["schedule", "describe", "attr"])
    assert "ModelExplainability" in shown.output
