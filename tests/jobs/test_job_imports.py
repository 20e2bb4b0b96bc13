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
