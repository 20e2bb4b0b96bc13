"""What the benchmark ran on: the machine, and the version of every tool in both virtualenvs."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

# Packages whose versions go with the figures, per interpreter.
PROJECT_PACKAGES = ("modelmonitor", "duckdb", "pyarrow", "numpy")
PEER_PACKAGES = ("whylogs", "whylogs-sketching", "evidently", "pandas", "numpy", "pyarrow", "scipy")

# Set on some processors by this workplace for old OpenBLAS builds; they slow a current NumPy, so a
# benchmark must say whether they were set (design: leave the environment as it is, and record it).
RECORDED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS")

_VERSION_SCRIPT = """
import json, platform, sys
from importlib import metadata
found = {"python": platform.python_version()}
for name in sys.argv[1:]:
    try:
        found[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        found[name] = "not installed"
print(json.dumps(found))
"""


@dataclass(frozen=True)
class Machine:
    """The host: CPU model, logical cores, memory, OS and the recorded environment variables."""

    cpu_model: str
    logical_cores: int
    memory_gib: float
    os: str
    env: dict[str, str]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except (OSError, ValueError):
        pass
    return 0.0


def machine() -> Machine:
    """Read the machine this process runs on."""
    return Machine(
        cpu_model=_cpu_model(),
        logical_cores=os.cpu_count() or 0,
        memory_gib=_memory_gib(),
        os=f"{platform.system()} {platform.release()}",
        env={name: os.environ.get(name, "(unset)") for name in RECORDED_ENV},
    )


def versions(python: Path, packages: tuple[str, ...]) -> dict[str, str]:
    """Versions of `packages` as seen by the interpreter `python` (a venv's bin/python)."""
    completed = subprocess.run(
        [str(python), "-c", _VERSION_SCRIPT, *packages], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        return {"error": completed.stderr.strip()[-300:]}
    loaded: dict[str, str] = json.loads(completed.stdout)
    return loaded


def machine_dict() -> dict[str, object]:
    """The machine as a plain dict for the results file."""
    return asdict(machine())


def source_state(root: Path) -> dict[str, object]:
    """The commit measured, and whether src/ had uncommitted changes (they would be measured too)."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=False
    )
    status = subprocess.run(
        ["git", "status", "--porcelain", "--", "src"], cwd=root, capture_output=True, text=True, check=False
    )
    return {"commit": commit.stdout.strip() or "unknown", "src_dirty": bool(status.stdout.strip())}
