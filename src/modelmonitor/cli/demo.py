"""``modelmonitor demo``: an end-to-end data-quality run on a real data set, offline.

The data is the Wisconsin breast-cancer table that ships inside scikit-learn (nothing is downloaded).
The demo writes it as a baseline CSV (model output column first, as SageMaker expects), baselines it,
then checks a drifted sample: larger tumours, missing texture values, a text value in a number column,
a shifted diagnosis mix and an unexpected extra column. It prints the violations as a table. Last, a
model trained on the table is served with capture on, the drifted rows are sent to it, and one execution
of an hourly monitoring schedule runs over the captured traffic (``demo_monitoring``).
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from modelmonitor.cli.baseline import print_issues, print_violations
from modelmonitor.errors import JobError
from modelmonitor.formats.statuses import ExecutionStatus

__all__ = ["demo", "drifted_sample", "register", "write_baseline_data"]

SEED = 20261122


def _table() -> tuple[list[str], list[list[Any]]]:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    names = ["diagnosis"] + [str(name).replace(" ", "_") for name in data.feature_names]
    labels = [str(data.target_names[target]) for target in data.target]
    rows = [[label, *map(float, values)] for label, values in zip(labels, data.data, strict=True)]
    return names, rows


def _write_csv(path: Path, names: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(["" if value is None else value for value in row] for row in rows)


def write_baseline_data(folder: Path) -> Path:
    """The whole data set as ``baseline.csv`` (with a header)."""
    names, rows = _table()
    path = folder / "baseline.csv"
    _write_csv(path, names, rows)
    return path


def drifted_sample(folder: Path, size: int = 200) -> Path:
    """A sample with deliberate problems, as ``current.csv``."""
    import numpy as np  # only the demo's own sample needs it (not `modelmonitor --help`)

    names, rows = _table()
    rng = np.random.default_rng(SEED)
    malignant = [row for row in rows if row[0] == "malignant"]
    benign = [row for row in rows if row[0] == "benign"]
    # Mostly malignant now (the baseline is 37 % malignant): a categorical drift.
    picked = [list(malignant[i]) for i in rng.choice(len(malignant), size * 3 // 4, replace=True)]
    picked += [list(benign[i]) for i in rng.choice(len(benign), size - len(picked), replace=True)]
    radius, texture, area = names.index("mean_radius"), names.index("mean_texture"), names.index("mean_area")
    for row in picked:
        row[radius] = round(row[radius] * 1.4, 3)  # numeric drift
        if rng.random() < 0.15:
            row[texture] = None  # completeness drops
    picked[3][area] = "n/a"  # one text value in a numeric column
    names = [*names, "clinic"]  # a column the baseline never had
    picked = [[*row, "north" if rng.random() < 0.5 else "south"] for row in picked]
    path = folder / "current.csv"
    _write_csv(path, names, picked)
    return path


def demo(
    workdir: Path | None = typer.Option(
        None, "--workdir", help="Where to write the demo files (default: a temp folder)."
    ),
) -> None:
    """Baseline a real data set shipped with scikit-learn, check a drifted sample, print the violations."""
    # Imported when the demo runs: the service (SQLAlchemy, pyarrow, DuckDB) would otherwise load with every
    # command, ``modelmonitor --help`` included.
    from modelmonitor.service.baselines import run_baseline, run_check

    console = Console()
    with tempfile.TemporaryDirectory(prefix="modelmonitor-demo-") as temporary:
        folder = workdir or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        baseline_csv = write_baseline_data(folder)
        current_csv = drifted_sample(folder)
        console.rule("[bold]1. Baseline[/]: scikit-learn's breast-cancer data (569 rows × 31 columns)")
        csv_with_header = {"csv": {"header": True}}
        baseline = run_baseline(str(baseline_csv), csv_with_header, str(folder / "baseline"))
        print_issues(console, baseline)
        features = baseline.statistics.features
        types = {
            kind: sum(1 for f in features if f.inferred_type == kind)
            for kind in ("Integral", "Fractional", "String")
        }
        console.print(
            f"{baseline.statistics.dataset.item_count} rows, {len(features)} features "
            f"({types['Fractional']} Fractional, {types['Integral']} Integral, {types['String']} String) "
            f"in {baseline.seconds:.2f} s → {', '.join(baseline.outputs.values())}",
            highlight=False,
        )
        console.rule("[bold]2. Check[/]: a drifted sample of 200 rows")
        result = run_check(str(current_csv), csv_with_header, str(folder / "baseline"), str(folder / "check"))
        print_issues(console, result)
        print_violations(console, result.violations)
        console.print(result.message, highlight=False)
        console.print(f"Files: {', '.join(result.outputs.values())}", highlight=False)

        # Imported here: the catalog and the capture stack are not needed by the other commands.
        from modelmonitor.cli.demo_monitoring import capture_and_monitor

        console.rule("[bold]3. Capture and monitor[/]: drifted traffic to a served model, one execution")
        with current_csv.open(newline="", encoding="utf-8") as handle:
            traffic = [row[:-1] for row in list(csv.reader(handle))[1:]]  # the model never sees "clinic"
        execution = capture_and_monitor(console, folder, _table()[1], traffic)
        if workdir is None:
            console.print("(temporary folder removed; pass --workdir DIR to keep the files)")
        if execution.status not in (ExecutionStatus.COMPLETED, ExecutionStatus.COMPLETED_WITH_VIOLATIONS):
            raise JobError(
                f"the demo's monitoring execution {execution.id} ended {execution.status}: "
                f"{execution.failure_reason or 'no reason recorded'}"
            )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
