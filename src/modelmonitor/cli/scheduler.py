"""``modelmonitor scheduler``: the daemon that runs schedules, with its own Prometheus ``/metrics``.

SIGTERM/SIGINT stop it cleanly (running executions are stopped and recorded as Stopped). A ``kill -9``
leaves them InProgress; the next start marks them Failed with the reason and reports missed slots.
``--virtual-start`` runs on a stepping clock (a day of hourly runs in seconds) for demos and tests.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime
from types import FrameType

import typer
from prometheus_client import start_http_server

from modelmonitor.cli._service import service
from modelmonitor.dataset.window import parse_time
from modelmonitor.scheduler.clock import Clock, SteppingClock, SystemClock

__all__ = ["register", "scheduler"]


def scheduler(
    metrics_port: int = typer.Option(9464, "--metrics-port", help="Port of /metrics (0: no metrics server)."),
    metrics_host: str = typer.Option("127.0.0.1", "--metrics-host"),
    poll_seconds: float = typer.Option(
        1.0, "--poll-seconds", help="How often running executions are checked."
    ),
    virtual_start: str | None = typer.Option(None, "--virtual-start", hidden=True),
    until: str | None = typer.Option(None, "--until", hidden=True, help="Exit when the clock passes this."),
) -> None:
    """Run monitoring schedules until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    clock: Clock = SystemClock(wake=stop)
    if virtual_start:
        clock = SteppingClock(parse_time(virtual_start, field="--virtual-start"), real_pause_seconds=0.05)
    end: datetime | None = parse_time(until, field="--until") if until else None

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    with service() as svc:
        svc.clock = clock
        daemon = svc.scheduler(poll_seconds=poll_seconds, max_idle_seconds=3600.0 if virtual_start else 10.0)
        daemon.acquire_lock()
        server = None
        if metrics_port:
            server, _ = start_http_server(metrics_port, metrics_host, daemon.exporter.registry)
            logging.getLogger("modelmonitor.scheduler").info(
                "metrics on http://%s:%d/metrics", metrics_host, metrics_port
            )
        try:
            daemon.run(until=end, stop=stop)
        finally:
            daemon.shutdown()
            daemon.release_lock()
            if server is not None:
                server.shutdown()


def register(app: typer.Typer) -> None:
    app.command("scheduler")(scheduler)
