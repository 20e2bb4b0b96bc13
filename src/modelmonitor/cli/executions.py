"""``modelmonitor executions list|describe|logs|stop`` and ``modelmonitor run-now SCHEDULE``."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from modelmonitor.cli._service import echo_json, service
from modelmonitor.formats.statuses import ExecutionStatus

__all__ = ["executions_app", "register"]

executions_app = typer.Typer(
    rich_markup_mode=None, help="Executions of monitoring schedules.", no_args_is_help=True
)


@executions_app.command("list")
def list_executions(
    schedule: str | None = typer.Option(None, "--schedule", "-s"),
    endpoint: str | None = typer.Option(None, "--endpoint", "-e"),
    status: str | None = typer.Option(None, "--status", help="e.g. Failed, CompletedWithViolations"),
    limit: int | None = typer.Option(None, "--limit", "-n"),
) -> None:
    """Executions, newest first."""
    with service() as svc:
        rows = svc.list_executions(schedule, endpoint, status, newest_first=True, limit=limit)
    table = Table("id", "schedule", "scheduled", "status", "violations", "reason")
    for e in rows:
        violations = "" if e.violation_count is None else str(e.violation_count)
        table.add_row(
            str(e.id),
            e.schedule_name,
            e.scheduled_time.isoformat(),
            e.status,
            violations,
            e.failure_reason or "",
        )
    Console(width=200).print(table)


@executions_app.command("describe")
def describe(execution_id: int) -> None:
    with service() as svc:
        echo_json(svc.describe_execution(execution_id))


@executions_app.command("logs")
def logs(execution_id: int) -> None:
    """Print an execution's log (the monitoring process's output)."""
    with service() as svc:
        typer.echo(svc.execution_log(execution_id), nl=False)


@executions_app.command("stop")
def stop(execution_id: int) -> None:
    """Ask the scheduler to stop a running execution."""
    with service() as svc:
        echo_json(svc.stop_execution(execution_id))


def run_now(
    schedule: str = typer.Argument(..., help="Schedule whose job to run once, now."),
    start: str | None = typer.Option(None, "--start", help="Window start offset, e.g. -PT1H."),
    end: str | None = typer.Option(None, "--end", help="Window end offset, e.g. -PT0H."),
) -> None:
    """Run one execution of a schedule now, in the foreground; exit 1 if it failed."""
    # The job runs in its own process: a terminal gets a spinner with the time it has taken so far.
    console = Console(stderr=True)
    columns = [SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()]
    with (
        Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar,
        service() as svc,
    ):
        bar.add_task(f"running an execution of {schedule}", total=None)
        execution = svc.run_now(schedule, start, end)
    echo_json(execution)
    if execution.status == ExecutionStatus.FAILED:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(executions_app, name="executions")
    app.command("run-now")(run_now)
