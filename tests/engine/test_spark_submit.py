"""``spark-submit`` running the ``modelmonitor`` command: Spark's own launcher, master and executors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from modelmonitor.cli.main import main

# What docs/spark.md tells a user to submit: the command, with its exit code and the engine's log lines.
DRIVER = """\
import logging, sys
from modelmonitor.cli.main import main
logging.basicConfig(level=logging.INFO)
sys.exit(main(sys.argv[1:]))
"""


def _write_data(folder: Path) -> None:
    """Two CSV files (two Spark tasks): integers, fractions, strings and missing values."""
    folder.mkdir()
    for part in range(2):
        rows = ["id,score,segment,note"]
        for i in range(part * 400, part * 400 + 400):
            note = "" if i % 7 == 0 else f"n{i % 13}"
            rows.append(f"{i},{i * 0.25 - 30},{'abc'[i % 3]},{note}")
        (folder / f"part-{part}.csv").write_text("\n".join(rows) + "\n")


@pytest.mark.spark
def test_spark_submit_runs_the_command_on_its_master_with_local_engine_statistics(tmp_path: Path) -> None:
    _write_data(tmp_path / "data")
    (tmp_path / "driver.py").write_text(DRIVER)
    assert main(["baseline", str(tmp_path / "data"), "--out", str(tmp_path / "local")]) in (0, None)
    submit = Path(sys.executable).with_name("spark-submit")
    result = subprocess.run(
        [
            str(submit),
            "--master",
            "local[1]",
            "--name",
            "submitted-baseline",
            "--conf",
            "spark.ui.enabled=false",
            "--driver-memory",
            "1g",
            str(tmp_path / "driver.py"),
            "baseline",
            str(tmp_path / "data"),
            "--out",
            str(tmp_path / "spark"),
            "--engine",
            "spark",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        # Local mode: the driver and the executors' Python workers run this venv's interpreter.
        env={**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # spark-submit's --master and --name were kept, not replaced by the engine's local[*] and name
    # (spark-submit passes the Python driver's stderr on to its stdout).
    assert "Submitted application: submitted-baseline" in result.stderr
    assert "session, master local[1]" in result.stdout
    local = json.loads((tmp_path / "local" / "statistics.json").read_text())
    spark = json.loads((tmp_path / "spark" / "statistics.json").read_text())
    assert spark["dataset"] == local["dataset"] == {"item_count": 800}
    assert [(f["name"], f["inferred_type"]) for f in spark["features"]] == [
        ("id", "Integral"),
        ("score", "Fractional"),
        ("segment", "String"),
        ("note", "String"),
    ]
    assert spark["features"] == local["features"]
    assert (tmp_path / "spark" / "constraints.json").read_bytes() == (
        tmp_path / "local" / "constraints.json"
    ).read_bytes()
