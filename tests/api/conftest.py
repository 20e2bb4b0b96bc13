"""A real API: uvicorn serving ``create_app`` on a free 127.0.0.1 port, a tmp catalog, a token per role."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from modelmonitor.api.server import running_api
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.scheduler.clock import Clock, SteppingClock
from modelmonitor.service import MonitoringService
from modelmonitor.service.access import AccessControl, Role
from modelmonitor.settings import Settings
from tests.api.model_monitors import T0
from tests.monitoring_data import write_baseline, write_capture


@dataclass
class Api:
    url: str
    service: MonitoringService
    tokens: dict[str, str]
    tmp: Path

    def client(self, role: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


def make_service(tmp_path: Path, clock: Clock | None = None) -> MonitoringService:
    home = tmp_path / "home"
    settings = Settings(home=home, catalog_url=f"sqlite:///{home / 'c.sqlite'}")
    return MonitoringService.from_settings(settings, clock)


def with_monitoring_data(tmp_path: Path, service: MonitoringService) -> tuple[Path, Path]:
    """Endpoint ``ep`` with two full hours of capture before this hour, and a baseline of the same data."""
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    write_capture(tmp_path / "capture", "ep", hour - timedelta(hours=2), hours=2, per_hour=10)
    service.register_endpoint("ep", str(tmp_path / "capture"))
    return write_baseline(tmp_path / "baseline")


def monitored_schedule(api: Api, name: str = "hourly", *, with_constraints: bool = True) -> None:
    """An hourly schedule ``name`` of endpoint ``ep`` over ``with_monitoring_data``, outputs under ``out``
    (checked against the baseline's constraints unless ``with_constraints`` is False)."""
    statistics, constraints = with_monitoring_data(api.tmp, api.service)
    api.service.create_schedule(
        name,
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="ep",
            output_uri=str(api.tmp / "out"),
            baseline_statistics=str(statistics),
            baseline_constraints=str(constraints) if with_constraints else None,
        ),
    )


def _api(tmp_path: Path, scheduler: bool, clock: Clock | None = None) -> Iterator[Api]:
    service = make_service(tmp_path, clock)
    access = AccessControl(service)
    tokens = {role.label: access.create_token(role, f"test-{role.label}")[0] for role in Role}
    try:
        with running_api(service, loopback_socket(), scheduler=scheduler) as url:
            yield Api(url, service, tokens, tmp_path)
    finally:
        service.close()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    yield from _api(tmp_path, scheduler=False)


@pytest.fixture
def api_from_t0(tmp_path: Path) -> Iterator[Api]:
    """A server whose service's clock starts at ``model_monitors.T0`` and moves when slept through, so the
    scheduler runs a day of hourly executions in seconds."""
    yield from _api(tmp_path, scheduler=False, clock=SteppingClock(T0 + timedelta(seconds=30), 0.01))


@pytest.fixture
def api_with_scheduler(tmp_path: Path) -> Iterator[Api]:
    yield from _api(tmp_path, scheduler=True)
