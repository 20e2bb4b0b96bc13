"""What a monitoring execution imports before it reads a record: its start-up is part of every run."""

from __future__ import annotations

import subprocess
import sys

_LOADED = """
import sys
import modelmonitor.jobs.monitoring
print(" ".join(name for name in ("sklearn", "scipy") if name in sys.modules))
"""


def test_a_job_starts_without_scikit_learn() -> None:
    # scikit-learn (with SciPy) took longer to import than a data-quality execution over a million
    # captured records takes to read and profile them; only model-quality metrics use it. (pandas is
    # not asserted: where it is installed, pyarrow imports it on the first pa.array call.)
    loaded = subprocess.run([sys.executable, "-c", _LOADED], capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == []


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
