"""``Statistics``, ``Constraints`` and ``ConstraintViolations`` file objects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelmonitor.errors import ConfigurationError, FormatError
from modelmonitor.model_monitor import Constraints, ConstraintViolations, Statistics

CONSTRAINTS = {
    "version": 0.0,
    "features": [
        {
            "name": "x",
            "inferred_type": "Integral",
            "completeness": 1.0,
            "num_constraints": {"is_non_negative": True},
        },
        {
            "name": "s",
            "inferred_type": "String",
            "completeness": 1.0,
            "string_constraints": {"domains": ["a"]},
        },
    ],
    "monitoring_config": {"evaluate_constraints": "Enabled"},
}


def test_from_string_stores_under_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path))
    constraints = Constraints.from_string(json.dumps(CONSTRAINTS))
    stored = Path(constraints.file_s3_uri)
    assert stored.name == "constraints.json"
    assert stored.parent.parent == tmp_path / "monitoring"
    assert json.loads(stored.read_text()) == CONSTRAINTS


def test_set_monitoring_globally_and_per_feature(tmp_path: Path) -> None:
    path = tmp_path / "constraints.json"
    path.write_text(json.dumps(CONSTRAINTS))
    constraints = Constraints.from_s3_uri(str(path))
    constraints.set_monitoring(False)
    constraints.set_monitoring(False, "s")
    constraints.set_monitoring(True, "x")
    constraints.save()
    saved = json.loads(path.read_text())
    assert saved["monitoring_config"]["evaluate_constraints"] == "Disabled"
    assert saved["features"][1]["string_constraints"]["monitoring_config_overrides"] == {
        "evaluate_constraints": "Disabled"
    }
    assert saved["features"][0]["num_constraints"]["monitoring_config_overrides"] == {
        "evaluate_constraints": "Enabled"
    }
    with pytest.raises(ConfigurationError, match="no feature named 'nope'"):
        constraints.set_monitoring(True, "nope")


def test_save_to_a_new_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path / "home"))
    (tmp_path / "v.json").write_text('{"violations": []}')
    violations = ConstraintViolations.from_file_path(str(tmp_path / "v.json"))
    target = str(tmp_path / "copy" / "constraint_violations.json")
    assert violations.save(target) == target
    assert violations.file_s3_uri == target
    assert Path(target).read_text() == '{\n  "violations" : [ ]\n}'


def test_malformed_files_name_the_field(tmp_path: Path) -> None:
    path = tmp_path / "statistics.json"
    path.write_text('{"version": 0.0, "dataset": {}, "features": []}')
    with pytest.raises(FormatError, match=r"statistics\.json: field dataset\.item_count"):
        Statistics.from_s3_uri(str(path))
    with pytest.raises(ConfigurationError, match="no such file"):
        Statistics.from_file_path(str(tmp_path / "missing.json"))
