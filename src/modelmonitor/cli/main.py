"""Entry point of the ``modelmonitor`` command: one Typer app, each command group in its own module.

Errors of the ``ModelMonitorError`` tree are printed as one clear line and exit with their ``exit_code``.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from rich.console import Console

from modelmonitor import __version__
from modelmonitor.errors import ModelMonitorError

__all__ = ["app", "main"]

app = typer.Typer(
    name="modelmonitor",
    help="Self-hosted model monitoring, file-compatible with SageMaker Model Monitor.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback(invoke_without_command=True)
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit(0)


from modelmonitor.cli.capture import capture_app  # noqa: E402  (command groups register after the app)

app.add_typer(capture_app, name="capture")

from modelmonitor.cli.baseline import register as register_baseline  # noqa: E402

register_baseline(app)

from modelmonitor.cli.demo import register as register_demo  # noqa: E402

register_demo(app)

from modelmonitor.cli.endpoint import endpoint_app  # noqa: E402
from modelmonitor.cli.executions import register as register_executions  # noqa: E402
from modelmonitor.cli.schedule import schedule_app  # noqa: E402
from modelmonitor.cli.scheduler import register as register_scheduler  # noqa: E402

app.add_typer(schedule_app, name="schedule")
app.add_typer(endpoint_app, name="endpoint")
register_executions(app)
register_scheduler(app)

from modelmonitor.cli.ground_truth import ground_truth_app  # noqa: E402

app.add_typer(ground_truth_app, name="ground-truth")


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI, turning our errors into one line on stderr and their exit code."""
    try:
        return app(args=argv, standalone_mode=False)
    except ModelMonitorError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
