"""Entry point of the ``modelmonitor`` command: one Typer app, each command group in its own module.

The one place errors become exit codes: errors of the ``ModelMonitorError`` tree and usage errors (an
unknown command or option, a missing or malformed argument) are printed as one line on stderr,
``error: ...``, and exit with their code (README's table: 2 for bad arguments), never as a traceback.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from modelmonitor import __version__
from modelmonitor.errors import ModelMonitorError

__all__ = ["app", "main"]

# Typer raises click's usage errors (recent Typer vendors click): reach the class through one Typer exports.
_UsageError: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")

app = typer.Typer(
    rich_markup_mode=None,
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

from modelmonitor.cli.serve import register as register_serve  # noqa: E402

register_serve(app)

from modelmonitor.cli.report import register as register_report  # noqa: E402

register_report(app)


def _fail(message: str, exit_code: int) -> None:
    # escape: a message quoting user input may contain [brackets] that rich would read as markup.
    Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    sys.exit(exit_code)


def _usage_message(exc: Exception) -> str:
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "modelmonitor"
    if type(exc).__name__ == "NoArgsIsHelpError":
        # The group's help (its message) goes to stdout; the error line says what is missing.
        typer.echo(str(getattr(exc, "format_message", exc.__str__)()))
        return f"{command}: missing command (see '{command} --help')"
    text = " ".join(str(getattr(exc, "format_message", exc.__str__)()).split())
    return f"{command}: {text} (see '{command} --help')"


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI, turning our errors and usage errors into one line on stderr and their exit code."""
    # Commands print what a user needs themselves (warnings, a summary); without this, every warning a
    # job logs would reach stderr a second time through logging's last-resort handler. Commands that want
    # logs (the scheduler, the proxy) configure logging, and those handlers still get them.
    logging.getLogger("modelmonitor").addHandler(logging.NullHandler())
    try:
        return app(args=argv, prog_name="modelmonitor", standalone_mode=False)
    except ModelMonitorError as exc:
        _fail(" ".join(str(exc).splitlines()), exc.exit_code)
    except _UsageError as exc:
        _fail(_usage_message(exc), int(getattr(exc, "exit_code", 2)))


if __name__ == "__main__":  # `python -m modelmonitor.cli.main` runs the command as the script does
    sys.exit(main())
