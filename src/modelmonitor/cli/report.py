"""``modelmonitor report``: one self-contained HTML file of a data-quality execution or of files.

Either ``--execution ID`` (the catalog's execution: its output files and its schedule's baseline) or
``--statistics S --baseline DIR [--violations V]``; ``--out`` names the file (or a folder, which gets
``report.html``). The page inlines plotly.js: it opens with no network (docs/reports.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from modelmonitor.cli._service import service
from modelmonitor.errors import ConfigurationError

if TYPE_CHECKING:
    from modelmonitor.service.reports import ReportStep

__all__ = ["register", "report"]


@contextmanager
def _report_progress(console: Console) -> Iterator[ReportStep]:
    """A rich progress bar over the report's steps (reading, comparing, drawing), on a terminal only."""
    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("report", total=None)

        def on_step(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        yield on_step


def report(
    out: Annotated[
        str, typer.Option("--out", "-o", help="The HTML file to write (a folder gets report.html).")
    ],
    execution: Annotated[
        int | None, typer.Option("--execution", help="A monitoring execution's id (executions list).")
    ] = None,
    statistics: Annotated[
        str | None, typer.Option("--statistics", help="A statistics.json (or the folder holding it).")
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option("--baseline", help="The baseline folder: statistics.json and constraints.json."),
    ] = None,
    violations: Annotated[
        str | None, typer.Option("--violations", help="A constraint_violations.json (optional).")
    ] = None,
) -> None:
    """Write an HTML report: violations first, then each feature's baseline against current, most
    drifted first. One file, no network needed to open it."""
    if (execution is None) == (statistics is None):
        raise ConfigurationError("report: give either --execution ID or --statistics S --baseline DIR")
    if execution is not None and (baseline is not None or violations is not None):
        raise ConfigurationError(
            "report: --baseline and --violations go with --statistics; an execution's come from its schedule"
        )
    if statistics is not None and baseline is None:
        raise ConfigurationError(
            "report: --statistics needs --baseline DIR (statistics.json, constraints.json)"
        )
    from modelmonitor.service.reports import execution_report, report_from_files, write_report

    console = Console(stderr=True)
    with _report_progress(console) as on_step:
        if execution is not None:
            with service() as svc:
                html = execution_report(svc, execution, on_step=on_step)
        else:
            assert statistics is not None
            assert baseline is not None
            html = report_from_files(statistics, baseline, violations, on_step=on_step)
        written = write_report(out, html)
    typer.echo(written)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
