"""The contenders of `make bench`: how each is invoked, under which interpreter, and how its output
is checked (a run that exits 0 but did not profile every row is a failure, not a fast run)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parent.parent
PROJECT_VENV = ROOT / ".venv"
BENCH_VENV = ROOT / ".venv-bench"
PEERS_DIR = Path(__file__).resolve().parent / "peers"

ToolName = Literal["modelmonitor", "duckdb", "whylogs", "evidently"]


@dataclass(frozen=True)
class Tool:
    """One contender: its command for a data file and an output folder, and its interpreter's venv."""

    name: ToolName
    description: str
    venv: Path

    def command(self, data: Path, out_dir: Path) -> list[str]:
        if self.name == "modelmonitor":
            executable = str(self.venv / "bin" / "modelmonitor")
            return [executable, "baseline", str(data), "--format", "parquet", "--out", str(out_dir)]
        script = PEERS_DIR / f"{_PEER_SCRIPTS[self.name]}.py"
        return [str(self.venv / "bin" / "python"), str(script), str(data), str(out_dir)]

    def startup_command(self) -> list[str] | None:
        """A command that only starts the tool (interpreter + imports), to show its fixed cost."""
        if self.name == "modelmonitor":
            return [str(self.venv / "bin" / "modelmonitor"), "--version"]
        return None

    def check(self, out_dir: Path, rows: int, reported: dict[str, float]) -> str | None:
        """None if the run profiled all `rows`; otherwise what is wrong."""
        if self.name == "modelmonitor":
            return _check_baseline(out_dir, rows)
        if int(reported.get("rows", -1)) != rows:
            return f"reported rows={reported.get('rows')}, expected {rows}"
        return None

    def display_command(self, data: Path, out_dir: Path) -> str:
        """The command with paths relative to the repository, for the results and BENCHMARKS.md."""
        return " ".join(_relative(part) for part in self.command(data, out_dir))


_PEER_SCRIPTS: dict[ToolName, str] = {
    "duckdb": "duckdb_scan",
    "whylogs": "whylogs_profile",
    "evidently": "evidently_summary",
}


def _relative(part: str) -> str:
    path = Path(part)
    if path.is_absolute() and path.is_relative_to(ROOT):
        return str(path.relative_to(ROOT))
    return part


def _check_baseline(out_dir: Path, rows: int) -> str | None:
    statistics_path = out_dir / "statistics.json"
    if not statistics_path.exists():
        return f"{statistics_path.name} was not written"
    if not (out_dir / "constraints.json").exists():
        return "constraints.json was not written"
    loaded = json.loads(statistics_path.read_text())
    item_count = loaded.get("dataset", {}).get("item_count")
    if item_count != rows:
        return f"statistics.json dataset.item_count={item_count}, expected {rows}"
    return None


TOOLS: dict[ToolName, Tool] = {
    "modelmonitor": Tool(
        "modelmonitor", "`modelmonitor baseline` (statistics.json + constraints.json)", PROJECT_VENV
    ),
    "duckdb": Tool("duckdb", "raw DuckDB aggregate scan (one SELECT)", PROJECT_VENV),
    "whylogs": Tool("whylogs", "whylogs `why.log(df)` profile", BENCH_VENV),
    "evidently": Tool("evidently", "Evidently `DataSummaryPreset` report", BENCH_VENV),
}


def baseline_available() -> bool:
    """True once the project's CLI has a `baseline` command (it lands separately from this harness)."""
    executable = PROJECT_VENV / "bin" / "modelmonitor"
    if not executable.exists():
        return False
    completed = subprocess.run(
        [str(executable), "baseline", "--help"], capture_output=True, text=True, check=False
    )
    return completed.returncode == 0


def bench_venv_ready() -> bool:
    """True if .venv-bench has both peers importable."""
    python = BENCH_VENV / "bin" / "python"
    if not python.exists():
        return False
    completed = subprocess.run(
        [str(python), "-c", "import whylogs, evidently, pyarrow"], capture_output=True, check=False
    )
    return completed.returncode == 0
