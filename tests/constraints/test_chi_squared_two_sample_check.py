"""``--categorical-drift-method ChiSquaredTwoSample``: written into constraints.json, checked as a p-value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelmonitor.cli.main import main


def _write(path: Path, counts: dict[str, int]) -> str:
    path.write_text("colour\n" + "".join(f"{value}\n" * count for value, count in counts.items()))
    return str(path)


def test_the_two_sample_method_from_baseline_to_violation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = _write(tmp_path / "b.csv", {"red": 500, "green": 300, "blue": 200})
    main(
        [
            "baseline",
            baseline,
            "--out",
            str(tmp_path / "b"),
            "--categorical-drift-method",
            "ChiSquaredTwoSample",
        ]
    )
    constraints = json.loads((tmp_path / "b" / "constraints.json").read_text())
    assert constraints["monitoring_config"]["distribution_constraints"]["categorical_drift_method"] == (
        "ChiSquaredTwoSample"
    )
    same = _write(tmp_path / "same.csv", {"red": 490, "green": 310, "blue": 200})
    main(["check", same, "--baseline", str(tmp_path / "b"), "--out", str(tmp_path / "s")])
    assert json.loads((tmp_path / "s" / "constraint_violations.json").read_text())["violations"] == []
    drifted = _write(tmp_path / "drifted.csv", {"red": 300, "green": 300, "blue": 400})
    main(["check", drifted, "--baseline", str(tmp_path / "b"), "--out", str(tmp_path / "d")])
    (violation,) = json.loads((tmp_path / "d" / "constraint_violations.json").read_text())["violations"]
    assert violation["constraint_check_type"] == "baseline_drift_check"
    assert violation["description"].startswith("Baseline drift two-sample chi-squared test p-value: ")
    assert violation["description"].endswith("is below threshold: 0.1")
    capsys.readouterr()
