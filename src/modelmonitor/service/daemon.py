"""The scheduler daemon as a use case: a clock, one lock per home, ``/metrics``, the loop, a clean stop.

``modelmonitor scheduler`` parses its options and signals and calls ``run_daemon``; the daemon runs on
the service's one scheduler (``MonitoringService.scheduler``), the start path ``run-now`` uses too.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from prometheus_client import start_http_server

from modelmonitor.dataset.window import parse_time
from modelmonitor.errors import ConflictError
from modelmonitor.scheduler.clock import Clock, SteppingClock, SystemClock
from modelmonitor.service import MonitoringService
from modelmonitor.settings import Settings

__all__ = ["run_daemon", "run_scheduler"]

logger = logging.getLogger("modelmonitor.scheduler")


def run_daemon(
    settings: Settings,
    stop: threading.Event,
    *,
    metrics_port: int,
    metrics_host: str,
    poll_seconds: float,
    virtual_start: str | None = None,
    until: str | None = None,
) -> None:
    """Run schedules until ``stop`` is set (or a virtual clock passes ``until``); running executions are
    then stopped and recorded as Stopped. ``virtual_start`` runs on a stepping clock from that time."""
    clock: Clock = SystemClock(wake=stop)
    if virtual_start:
        clock = SteppingClock(parse_time(virtual_start, field="--virtual-start"), real_pause_seconds=0.05)
    end = parse_time(until, field="--until") if until else None
    service = MonitoringService.from_settings(settings, clock)
    try:
        run_scheduler(
            service,
            stop,
            poll_seconds=poll_seconds,
            max_idle_seconds=3600.0 if virtual_start else 10.0,
            until=end,
            metrics=(metrics_host, metrics_port) if metrics_port else None,
        )
    finally:
        service.close()


def run_scheduler(
    service: MonitoringService,
    stop: threading.Event,
    *,
    poll_seconds: float,
    max_idle_seconds: float,
    until: datetime | None = None,
    metrics: tuple[str, int] | None = None,
) -> None:
    """The service's scheduler loop under the home's lock until ``stop`` (the daemon's, and ``serve
    --scheduler``'s in a thread); ``metrics`` ``(host, port)`` serves its own ``/metrics``."""
    daemon = service.scheduler(poll_seconds=poll_seconds, max_idle_seconds=max_idle_seconds)
    daemon.acquire_lock()
    server = None
    if metrics is not None:
        try:
            server, _ = start_http_server(metrics[1], metrics[0], daemon.exporter.registry)
        except OSError as exc:
            daemon.release_lock()
            raise ConflictError(
                f"--metrics-port {metrics[1]}: cannot listen on {metrics[0]} ({exc.strerror or exc})"
            ) from exc
        logger.info("metrics on http://%s:%d/metrics", *metrics)
    try:
        daemon.run(until=until, stop=stop)
    finally:
        daemon.shutdown()
        daemon.release_lock()
        if server is not None:
            server.shutdown()
