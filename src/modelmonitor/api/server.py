"""``serve``: the REST API on uvicorn, with the scheduler in a thread of the same process if asked.

Listening beyond loopback while the catalog holds no token would give every caller admin's powers
(schedules run commands), so it is refused unless ``insecure`` is given.

A reverse proxy's ``X-Forwarded-Proto``/``-For`` are believed only from the addresses given as
``forwarded_allow_ips`` (none by default: any client could send them). They decide whether a request
came over https, so whether the dashboard's session cookie is ``Secure``.
"""

from __future__ import annotations

import gc
import ipaddress
import logging
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from modelmonitor.api.app import create_app
from modelmonitor.errors import ConfigurationError
from modelmonitor.service import MonitoringService
from modelmonitor.service.access import AccessControl
from modelmonitor.service.daemon import run_scheduler
from modelmonitor.settings import Settings

__all__ = ["check_exposure", "freeze_startup_heap", "is_loopback", "parse_listen", "running_api", "serve"]

logger = logging.getLogger("modelmonitor.api")

SCHEDULER_POLL_SECONDS = 1.0
# A run-now execution started by the API is collected by the scheduler's next pass: keep passes frequent.
SCHEDULER_MAX_IDLE_SECONDS = 2.0


def parse_listen(text: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:8000`` for IPv6) → ``(host, port)``."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigurationError(f"--listen: got {text!r}, expected HOST:PORT such as 127.0.0.1:8000")
    return host, int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere


def check_exposure(host: str, access: AccessControl, insecure: bool) -> None:
    if is_loopback(host) or insecure or access.any_tokens():
        return
    raise ConfigurationError(
        f"--listen {host}: not a loopback address and no API token exists, so anyone who can reach it "
        "would be admin; create one first (modelmonitor token create --role admin) or pass --insecure"
    )


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


@contextmanager
def _scheduler_thread(service: MonitoringService, stop: threading.Event, enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    thread = threading.Thread(
        target=run_scheduler,
        args=(service, stop),
        kwargs={"poll_seconds": SCHEDULER_POLL_SECONDS, "max_idle_seconds": SCHEDULER_MAX_IDLE_SECONDS},
        name="scheduler",
        daemon=True,
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=60)


def freeze_startup_heap() -> None:
    """Keep what start-up built out of the garbage collector's full passes (``gc.freeze``).

    The modules and the app (FastAPI, SQLAlchemy, pyarrow: ~150,000 objects) live as long as the
    process, yet every full (generation 2) collection walks them all, in the middle of whichever request
    triggers it: measured on this 2-core machine, one such pass took 93 ms of CPU (220-300 ms wall
    under load) and was the worst page of ``benchmarks/catalog_pages_bench.py`` on PostgreSQL (the
    query itself takes 1 ms there); frozen, a full pass took 0.3 ms. Garbage is collected first, so
    nothing unreachable is frozen; objects made later are collected as usual.
    """
    gc.collect()
    gc.freeze()


def _config(app: Any, forwarded_allow_ips: str | None, **options: Any) -> uvicorn.Config:
    # uvicorn believes X-Forwarded-* from 127.0.0.1 unless told otherwise (and reads an environment
    # variable for it): here only the addresses the operator names.
    return uvicorn.Config(
        app,
        proxy_headers=bool(forwarded_allow_ips),
        forwarded_allow_ips=forwarded_allow_ips or "",
        **options,
    )


@contextmanager
def running_api(
    service: MonitoringService,
    sock: socket.socket,
    *,
    scheduler: bool = False,
    stop: threading.Event | None = None,
    forwarded_allow_ips: str | None = None,
    freeze_heap: bool = False,
) -> Iterator[str]:
    """The API served on ``sock`` from a thread until the block ends; yields its base URL.
    ``freeze_heap``: as ``serve`` does (``freeze_startup_heap``; a benchmark wants it, a test process
    that starts many servers does not)."""
    stop = stop or threading.Event()
    app = create_app(service, scheduler_running=scheduler)
    if freeze_heap:
        freeze_startup_heap()
    server = uvicorn.Server(_config(app, forwarded_allow_ips, log_level="warning", lifespan="on"))
    host, port = sock.getsockname()[:2]
    with _scheduler_thread(service, stop, scheduler):
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="api", daemon=True)
        thread.start()
        try:
            while not server.started:
                if not thread.is_alive():
                    raise ConfigurationError(f"the API server on {host}:{port} did not start")
                stop.wait(0.02)
            yield f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=30)


def serve(
    settings: Settings,
    listen: str,
    *,
    scheduler: bool,
    insecure: bool,
    forwarded_allow_ips: str | None = None,
) -> None:
    """Run the API in the foreground until SIGINT/SIGTERM (uvicorn handles them), then the scheduler."""
    host, port = parse_listen(listen)
    service = MonitoringService.from_settings(settings)
    try:
        access = AccessControl(service)
        check_exposure(host, access, insecure)
        if not access.any_tokens():
            logger.warning("no API token exists: every caller is admin (modelmonitor token create)")
        sock = _bind(host, port)
        stop = threading.Event()
        # uvicorn handles SIGTERM/SIGINT while it runs, then restores these handlers and raises the signal
        # again: with a handler that only sets ``stop`` (not the default, which kills the process at once),
        # the scheduler below still stops its executions cleanly and the exit status is 0.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda _signum, _frame: stop.set())
        with _scheduler_thread(service, stop, scheduler):
            app = create_app(service, scheduler_running=scheduler)
            server = uvicorn.Server(_config(app, forwarded_allow_ips, log_level="info"))
            freeze_startup_heap()
            logger.info("API on http://%s:%d/api/v1 (OpenAPI at /docs)", host, port)
            server.run(sockets=[sock])
    finally:
        service.close()
