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
