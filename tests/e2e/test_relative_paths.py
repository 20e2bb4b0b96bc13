"""Relative paths, typed as people type them, keep working after the job moves to its execution folder.

Every local path is resolved where it is accepted (schedule, endpoint, MODELMONITOR_HOME) and scripts are
copied into the home, so an execution started from any working directory finds its inputs and its exit
message. Each test runs the real CLI with a relative path and then changes directory before the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.monitoring_data import write_baseline, write_capture

pytestmark = pytest.mark.e2e

PREPROCESSOR = """
def preprocess_handler(inference_record):
    values = inference_record.endpoint_input.data.split(",")
    return {"label": inference_record.endpoint_output.data, "f1": values[0], "f2": values[1], "f3": values[2]}
"""

POSTPROCESSOR = """
import pathlib
def postprocess_handler():
    pathlib.Path(__file__).with_name("ran").write_text("yes")
"""


def _cli(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("modelmonitor")), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_make_demo_command_from_the_repository_root_completes_with_its_violations(tmp_path: Path) -> None:
    """`make demo` runs `modelmonitor demo --workdir demo-output` with a relative folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELMONITOR_")}
    result = _cli(tmp_path, "demo", "--workdir", "demo-output", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    from modelmonitor.storage.catalog import Catalog

    catalog = Catalog(f"sqlite:///{tmp_path / 'demo-output' / 'home' / 'catalog.sqlite'}")
    try:
        (execution,) = catalog.list_executions()
    finally:
        catalog.close()
    assert execution.status == "CompletedWithViolations", execution.failure_reason
    violations = json.loads((Path(execution.output_uri or "") / "constraint_violations.json").read_text())
    assert execution.violation_count == len(violations["violations"]) > 0
    assert Path(execution.output_uri or "").is_relative_to(tmp_path / "demo-output" / "monitoring")


def test_schedule_of_relative_paths_runs_from_another_directory(tmp_path: Path) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    elsewhere.mkdir()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    write_capture(
        project / "cap", "ep", now - timedelta(hours=2), hours=3, drift_from=now - timedelta(hours=2)
    )
    write_baseline(project / "baseline")
    (project / "pre.py").write_text(PREPROCESSOR)
    (project / "post.py").write_text(POSTPROCESSOR)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELMONITOR_")}
    env["MODELMONITOR_HOME"] = "home"  # relative too: resolved against the directory it was read in

    steps = [
        ["endpoint", "register", "ep", "--capture-destination", "cap"],
        [
            "schedule", "create", "hourly", "--endpoint", "ep", "--cron", "cron(0 * ? * * *)",
            "--statistics", "baseline/statistics.json", "--constraints", "baseline/constraints.json",
            "--output", "relresults", "--preprocessor", "pre.py", "--postprocessor", "post.py",
        ],
    ]  # fmt: skip
    for args in steps:
        result = _cli(project, *args, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
    created = json.loads(result.stdout)["definition"]
    assert created["output_uri"] == str(project / "relresults")
    assert created["baseline_statistics"] == str(project / "baseline" / "statistics.json")
    staged = Path(created["record_preprocessor_script"])
    assert staged.is_relative_to(project / "home" / "scripts" / "hourly")
    assert staged.name == "pre.py"
    staged_post = Path(created["post_analytics_processor_script"])
    # what runs is the copy taken at creation, as SageMaker uploads it then
    (project / "pre.py").unlink()
    (project / "post.py").unlink()

    env["MODELMONITOR_HOME"] = str(project / "home")
    result = _cli(elsewhere, "run-now", "hourly", "--start", "-PT3H", "--end", "-PT0H", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    execution = json.loads(result.stdout)
    assert execution["status"] == "CompletedWithViolations", execution
    output = Path(execution["output_uri"])
    assert output.is_relative_to(project / "relresults")
    violations = json.loads((output / "constraint_violations.json").read_text())["violations"]
    assert execution["violation_count"] == len(violations) > 0
    assert ("f1", "baseline_drift_check") in {
        (v["feature_name"], v["constraint_check_type"]) for v in violations
    }
    assert staged_post.with_name("ran").read_text() == "yes", "the staged postprocessor ran"
    assert not list(elsewhere.iterdir()), "nothing is written relative to the caller's directory"
    assert not (project / "home" / "executions" / "1" / "home").exists()


def test_relative_sqlite_catalog_url_names_one_file(tmp_path: Path) -> None:
    from modelmonitor.settings import Settings

    settings = Settings.from_env({"MODELMONITOR_HOME": "h", "MODELMONITOR_CATALOG_URL": "sqlite:///c.db"})
    assert settings.home == Path.cwd() / "h"
    assert settings.catalog_url == f"sqlite:///{Path.cwd() / 'c.db'}"
    absolute = Settings.from_env({"MODELMONITOR_CATALOG_URL": "sqlite:////var/c.db"})
    assert absolute.catalog_url == "sqlite:////var/c.db"
