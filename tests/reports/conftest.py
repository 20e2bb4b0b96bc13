"""Report inputs: SageMaker's conformance files, and real check outputs made from their data set."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.formats.violations import ViolationsFile

CONFORMANCE = Path(__file__).parents[1] / "conformance" / "data"
QUALITY = CONFORMANCE / "sdk-quality-check-step" / "data_quality"


@dataclass(frozen=True)
class CheckedFiles:
    """A baseline folder (SageMaker's statistics and constraints) and a check's output folder."""

    baseline: Path
    output: Path

    @property
    def statistics(self) -> StatisticsFile:
        return StatisticsFile.from_path(self.output / "statistics.json")

    @property
    def baseline_statistics(self) -> StatisticsFile:
        return StatisticsFile.from_path(self.baseline / "statistics.json")

    @property
    def constraints(self) -> ConstraintsFile:
        return ConstraintsFile.from_path(self.baseline / "constraints.json")

    @property
    def violations(self) -> ViolationsFile:
        return ViolationsFile.from_path(self.output / "constraint_violations.json")


def sagemaker_baseline(folder: Path) -> Path:
    """SageMaker's statistics and suggested constraints of the quality-check-step CSV, put in ``folder``."""
    folder.mkdir(parents=True)
    shutil.copy(QUALITY / "statistics.json", folder / "statistics.json")
    shutil.copy(QUALITY / "good_cases" / "constraints.json", folder / "constraints.json")
    return folder


def shifted_csv(path: Path, column: int, scale: float, offset: float) -> Path:
    """The conformance CSV with one column's values times ``scale`` plus ``offset``; 100 rows, no header."""
    lines = []
    for line in (QUALITY / "baseline_dataset.csv").read_text().splitlines():
        cells = line.split(",")
        cells[column] = repr(float(cells[column]) * scale + offset)
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def drifted(tmp_path_factory: pytest.TempPathFactory) -> CheckedFiles:
    """A real check: the conformance CSV with column _c2 shifted, against SageMaker's own baseline of it."""
    from modelmonitor.service.baselines import run_check

    tmp = tmp_path_factory.mktemp("drifted")
    baseline = sagemaker_baseline(tmp / "baseline")
    data = shifted_csv(tmp / "current.csv", column=2, scale=3.0, offset=5.0)
    run_check(str(data), {"csv": {"header": False}}, str(baseline), str(tmp / "check"))
    return CheckedFiles(baseline, tmp / "check")


@pytest.fixture(scope="module")
def categorical(tmp_path_factory: pytest.TempPathFactory) -> CheckedFiles:
    """A real baseline and check of a String column whose value shares moved (and gained a value)."""
    from modelmonitor.service.baselines import run_baseline, run_check

    tmp = tmp_path_factory.mktemp("categorical")
    base = ["red"] * 50 + ["green"] * 30 + ["blue"] * 20
    now = ["red"] * 20 + ["green"] * 30 + ["blue"] * 40 + ["violet"] * 10
    for name, colors in (("base.csv", base), ("now.csv", now)):
        (tmp / name).write_text("color,size\n" + "".join(f"{c},{i % 7}\n" for i, c in enumerate(colors)))
    csv = {"csv": {"header": True}}
    run_baseline(str(tmp / "base.csv"), csv, str(tmp / "baseline"))
    run_check(str(tmp / "now.csv"), csv, str(tmp / "baseline"), str(tmp / "check"))
    return CheckedFiles(tmp / "baseline", tmp / "check")
