"""``python -m modelmonitor`` and ``python -m modelmonitor.cli.main`` run the command and keep its exit code.

A code a command returns rather than raises (``check --fail-on-violations`` exits 10 through typer.Exit)
is only an exit status when the entry point passes ``main()``'s return value to ``sys.exit``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from modelmonitor.cli.baseline import VIOLATIONS_EXIT_CODE


@pytest.mark.parametrize("module", ["modelmonitor", "modelmonitor.cli.main"])
def test_python_dash_m_runs_the_command_with_its_exit_code(module: str, tmp_path: Path) -> None:
    (tmp_path / "baseline.csv").write_text("a\n1\n2\n3\n")
    (tmp_path / "current.csv").write_text("a\nx\ny\nz\n")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", module, *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)

    made = run("baseline", "baseline.csv", "--out", "b")
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "b" / "constraints.json").is_file()
    checked = run("check", "current.csv", "--baseline", "b", "--fail-on-violations")
    assert checked.returncode == VIOLATIONS_EXIT_CODE, checked.stderr
    assert "data_type_check" in checked.stdout
    assert run("bogus").returncode == 2
