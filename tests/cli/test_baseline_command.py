"""``modelmonitor baseline`` and ``modelmonitor check`` through the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from modelmonitor.cli.baseline import VIOLATIONS_EXIT_CODE
from modelmonitor.cli.main import app

runner = CliRunner(env={"COLUMNS": "400"})


def _csv(path: Path, offset: int = 0) -> str:
    path.write_text("x,y\n" + "".join(f"{i + offset},{'ab'[i % 2]}\n" for i in range(100)))
    return str(path)


def test_baseline_writes_files_and_prints_a_summary(tmp_path: Path) -> None:
    data = _csv(tmp_path / "d.csv")
    result = runner.invoke(
        app, ["baseline", data, "--format", "csv", "--header", "--out", str(tmp_path / "b")]
    )
    assert result.exit_code == 0, result.output
    assert "Baseline of 100 rows" in result.output
    assert "bad_records: 0" in result.output
    assert (tmp_path / "b" / "statistics.json").exists()
    assert (tmp_path / "b" / "constraints.json").exists()


def test_check_exit_codes(tmp_path: Path) -> None:
    runner.invoke(app, ["baseline", _csv(tmp_path / "d.csv"), "--out", str(tmp_path / "b")])
    clean = runner.invoke(
        app,
        [
            "check",
            str(tmp_path / "d.csv"),
            "--baseline",
            str(tmp_path / "b"),
            "--out",
            str(tmp_path / "c"),
            "--fail-on-violations",
        ],
    )
    assert clean.exit_code == 0, clean.output
    assert "No violations." in clean.output
    drifted = _csv(tmp_path / "e.csv", offset=1000)
    without_flag = runner.invoke(app, ["check", drifted, "--baseline", str(tmp_path / "b")])
    assert without_flag.exit_code == 0
    assert "CompletedWithViolations" in without_flag.output
    with_flag = runner.invoke(
        app, ["check", drifted, "--baseline", str(tmp_path / "b"), "--fail-on-violations"]
    )
    assert with_flag.exit_code == VIOLATIONS_EXIT_CODE
    assert "baseline_drift_check" in with_flag.output


def test_empty_file_exits_with_the_dataset_error_code(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code = "import sys; from modelmonitor.cli.main import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", code, "baseline", str(empty), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "400"},
    )
    assert done.returncode == 3
    assert "empty.csv: no data to read" in done.stderr


def test_bad_rows_warn_with_file_and_line(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,2\n3\n")
    result = runner.invoke(app, ["baseline", str(data), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0
    assert f"{data}:3" in result.output
    assert "bad_records: 1" in result.output
