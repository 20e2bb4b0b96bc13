"""``modelmonitor demo`` runs offline on scikit-learn's bundled data and shows violations."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from modelmonitor.cli.main import app


def test_demo_finds_the_planted_problems(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--workdir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    violations = json.loads((tmp_path / "check" / "constraint_violations.json").read_text())["violations"]
    found = {(v["feature_name"], v["constraint_check_type"]) for v in violations}
    assert ("mean_radius", "baseline_drift_check") in found
    assert ("mean_texture", "completeness_check") in found
    assert ("mean_area", "data_type_check") in found
    assert ("diagnosis", "baseline_drift_check") in found
    assert ("clinic", "extra_column_check") in found
    assert "CompletedWithViolations" in result.output


def test_demo_captures_traffic_and_runs_a_monitoring_execution(tmp_path: Path) -> None:
    from modelmonitor.formats.capture import CaptureRecord

    for attempt in range(2):  # a second run in the same folder starts clean
        result = CliRunner().invoke(app, ["demo", "--workdir", str(tmp_path)])
        assert result.exit_code == 0, (attempt, result.output)
    captured = sorted((tmp_path / "capture" / "breast-cancer" / "AllTraffic").rglob("*.jsonl"))
    records = [
        CaptureRecord.model_validate_json(line) for f in captured for line in f.read_text().splitlines()
    ]
    assert len(records) == 200
    assert {r.eventMetadata.inferenceId for r in records} == {f"demo-{i}" for i in range(200)}
    assert {r.captureData.endpointOutput.data for r in records if r.captureData.endpointOutput} <= {
        "benign",
        "malignant",
    }
    outputs = sorted((tmp_path / "monitoring" / "breast-cancer" / "breast-cancer-hourly").rglob("*.json"))
    assert sorted(p.name for p in outputs) == [
        "constraint_violations.json",
        "constraints.json",
        "statistics.json",
    ]
    statistics = json.loads(next(p for p in outputs if p.name == "statistics.json").read_text())
    assert statistics["dataset"]["item_count"] == 200
    violations = json.loads(next(p for p in outputs if p.name == "constraint_violations.json").read_text())
    found = {(v["feature_name"], v["constraint_check_type"]) for v in violations["violations"]}
    assert ("mean_radius", "baseline_drift_check") in found
    assert "CompletedWithViolations" in result.output
