"""``modelmonitor scheduler``: the daemon that runs schedules, with its own Prometheus ``/metrics``.

SIGTERM/SIGINT stop it cleanly (running executions are stopped and recorded as Stopped). A ``kill -9``
leaves them InProgress under its lease; once the lease expires, a daemon (this one restarted, or another
on the same catalog) adopts them and keeps the result each reached (docs/scheduling.md#reliability).
``--virtual-start`` runs on a stepping clock (a day of hourly runs in seconds) for demos and tests.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import typer

from modelmonitor.cli._service import settings

__all__ = ["register", "scheduler"]


def scheduler(
    metrics_port: int = typer.Option(
        9464, "--metrics-port", min=0, max=65535, help="Port of /metrics (0: no metrics server)."
    ),
    metrics_host: str = typer.Option("127.0.0.1", "--metrics-host"),
    poll_seconds: float = typer.Option(
        1.0, "--poll-seconds", help="How often running executions are checked."
    ),
    virtual_start: str | None = typer.Option(None, "--virtual-start", hidden=True),
    until: str | None = typer.Option(None, "--until", hidden=True, help="Exit when the clock passes this."),
) -> None:
    """Run monitoring schedules until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from modelmonitor.service.daemon import run_daemon  # on use: the daemon loads the whole stack

    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    run_daemon(
        settings(),
        stop,
        metrics_port=metrics_port,
        metrics_host=metrics_host,
        poll_seconds=poll_seconds,
        virtual_start=virtual_start,
        until=until,
    )


def register(app: typer.Typer) -> None:
    app.command("scheduler")(scheduler)
