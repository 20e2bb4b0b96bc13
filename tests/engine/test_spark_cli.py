"""``--engine spark`` from the shell: the same files as the local engine, and clear errors without Spark."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from modelmonitor.cli.main import main
from modelmonitor.engine.spark import MISSING_SPARK

DATA = "a,b,c\n" + "".join(f"{i},{i * 0.5},{'xy'[i % 2]}\n" for i in range(300))


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command in a fresh interpreter: its own (failed) Spark start never touches the test's JVM."""
    return subprocess.run(
        [sys.executable, "-m", "modelmonitor", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.spark
def test_baseline_and_check_on_spark_write_the_local_engines_files(spark: Any, tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text(DATA)
    main(["baseline", str(tmp_path / "d.csv"), "--out", str(tmp_path / "local")])
    main(["baseline", str(tmp_path / "d.csv"), "--out", str(tmp_path / "spark"), "--engine", "spark"])
    for file in ("statistics.json", "constraints.json"):
        assert (tmp_path / "spark" / file).read_text() == (tmp_path / "local" / file).read_text()
    main(
        [
            "check",
            str(tmp_path / "d.csv"),
            "--baseline",
            str(tmp_path / "local"),
            "--out",
            str(tmp_path / "c"),
        ]
    )
    spark_options = [
        "--engine",
        "spark",
        "--spark-master",
        "local[1]",
        "--spark-conf",
        "spark.ui.enabled=false",
    ]
    main(
        [
            "check",
            str(tmp_path / "d.csv"),
            "--baseline",
            str(tmp_path / "local"),
            "--out",
            str(tmp_path / "cs"),
            *spark_options,
        ]
    )
    for file in ("statistics.json", "constraint_violations.json"):
        assert (tmp_path / "cs" / file).read_text() == (tmp_path / "c" / file).read_text()


def test_spark_options_need_the_spark_engine(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text(DATA)
    result = _cli(
        "baseline", str(tmp_path / "d.csv"), "--out", str(tmp_path / "o"), "--spark-master", "local[2]"
    )
    assert result.returncode == 2
    assert "expected --engine spark" in " ".join(result.stderr.split())
    result = _cli(
        "baseline",
        str(tmp_path / "d.csv"),
        "--out",
        str(tmp_path / "o"),
        "--engine",
        "spark",
        "--spark-conf",
        "x",
    )
    assert result.returncode == 2
    assert "--spark-conf 'x': expected key=value" in " ".join(result.stderr.split())
    assert not (tmp_path / "o").exists()


def test_without_pyspark_the_error_names_the_extra(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text(DATA)
    blocked = (
        "import sys; sys.modules['pyspark'] = None; from modelmonitor.cli.main import main; sys.exit(main())"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            blocked,
            "baseline",
            str(tmp_path / "d.csv"),
            "--out",
            str(tmp_path / "o"),
            "--engine",
            "spark",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert MISSING_SPARK in " ".join(result.stderr.split())  # rich wraps long lines
    assert "Traceback" not in result.stderr


def _path_without_java(folder: Path) -> str:
    """A PATH with every command of this one except ``java`` (Spark's launcher needs bash, uname, ...)."""
    folder.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        if not Path(directory).is_dir():
            continue
        for command in Path(directory).iterdir():
            if command.name != "java" and not (folder / command.name).exists():
                (folder / command.name).symlink_to(command)
    return str(folder)


@pytest.mark.spark
@pytest.mark.parametrize("where", ["JAVA_HOME without java", "no JAVA_HOME, no java on the PATH"])
def test_without_java_the_error_names_java(tmp_path: Path, where: str) -> None:
    (tmp_path / "d.csv").write_text(DATA)
    if where == "JAVA_HOME without java":
        env = {**os.environ, "JAVA_HOME": str(tmp_path / "no-java")}
    else:
        env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
        env["PATH"] = _path_without_java(tmp_path / "bin")
    command = [sys.executable, "-m", "modelmonitor", "baseline", str(tmp_path / "d.csv")]
    result = subprocess.run(
        [*command, "--out", str(tmp_path / "o"), "--engine", "spark"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert MISSING_SPARK in message
    assert "Spark did not start" in message
    assert "Traceback" not in result.stderr


def test_schedule_create_stores_the_engine(tmp_path: Path) -> None:
    home = {"MODELMONITOR_HOME": str(tmp_path / "home")}
    assert _cli("endpoint", "register", "ep", "-d", str(tmp_path / "capture"), env=home).returncode == 0
    spark_options = ["--engine", "spark", "--spark-master", "local[2]", "--spark-conf", "spark.a=b"]
    created = _cli("schedule", "create", "s", "--endpoint", "ep", *spark_options, env=home)
    assert created.returncode == 0, created.stderr
    described = json.loads(_cli("schedule", "describe", "s", env=home).stdout)
    assert described["schedule"]["definition"]["engine"] == {
        "kind": "spark",
        "spark_master": "local[2]",
        "spark_conf": [["spark.a", "b"]],
    }
    refused = _cli(
        "schedule", "create", "c", "--endpoint", "ep", "--command", "true", *spark_options, env=home
    )
    assert refused.returncode == 2
    assert "with a custom monitor command" in " ".join(refused.stderr.split())
