"""What a monitoring execution imports: its start-up is part of every run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.monitoring_data import capture_job_contract, write_baseline, write_capture

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

# What a data-quality execution never needs: scikit-learn with SciPy (model-quality metrics) took longer to
# import than reading and profiling a million captured records; httpx (with rich, click and pygments, which
# httpx's own command line imports) is the explainability monitor's model client; the catalog, the API
# server and the command line belong to other processes. (pandas is not listed: where it is installed,
# pyarrow imports it on the first pa.array or to_numpy call.)
_NOT_FOR_DATA_QUALITY = (
    "sklearn",
    "scipy",
    "httpx",
    "rich",
    "click",
    "pygments",
    "sqlalchemy",
    "fastapi",
    "uvicorn",
    "typer",
    "modelmonitor.service",
    "modelmonitor.scheduler",
)

_RUN = f"""
import sys
from modelmonitor.jobs.monitoring import main
code = main()
print("EXIT:" + str(code))
print("LOADED:" + " ".join(name for name in {_NOT_FOR_DATA_QUALITY!r} if name in sys.modules))
"""


def test_a_data_quality_execution_imports_only_what_it_uses(tmp_path: Path) -> None:
    write_capture(tmp_path / "capture", "ep", T0, hours=1, per_hour=10)
    write_baseline(tmp_path / "baseline")
    contract = capture_job_contract(tmp_path, tmp_path, T0)
    done = subprocess.run(
        [sys.executable, "-c", _RUN],
        env={**os.environ, **contract.to_env()},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # The execution ran to the end (all ten records profiled) before the modules were listed.
    assert "EXIT:0" in done.stdout, done.stderr
    assert (tmp_path / "message").read_text().startswith("Completed")
    statistics = json.loads((tmp_path / "out" / "statistics.json").read_text())
    assert statistics["dataset"]["item_count"] == 10
    assert done.stdout.rsplit("LOADED:", 1)[1].split() == []


_ANALYSED = """
import sys
import numpy as np
from modelmonitor.analyzers.model_quality import ModelQualitySettings, Observations, statistics_of
rng = np.random.default_rng(0)
labels = rng.integers(0, 2, 500)
scores = rng.random(500)
for problem, actual, predicted, probabilities in (
    ("BinaryClassification", labels.tolist(), (scores >= 0.5).astype(int).tolist(), scores.tolist()),
    ("MulticlassClassification", [str(v) for v in labels], [str(v % 3) for v in range(500)], []),
    ("Regression", scores.tolist(), (scores * 0.9).tolist(), []),
):
    statistics_of(Observations(ModelQualitySettings(problem), actual, predicted, probabilities)).model_dump()
print(" ".join(name for name in ("sklearn", "scipy") if name in sys.modules))
"""


def test_model_quality_metrics_are_computed_without_scikit_learn() -> None:
    # Every model-quality metric, its standard deviation and the curves are numpy (tests/stats compare
    # them with scikit-learn's): importing scikit-learn and SciPy took longer than merging and
    # analysing a million records.
    loaded = subprocess.run([sys.executable, "-c", _ANALYSED], capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == []
