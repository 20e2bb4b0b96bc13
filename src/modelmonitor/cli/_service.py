"""The CLI's access to the service: settings read once from the environment, records printed as JSON.

``settings()`` is the CLI's one reading of the environment (the SDK's is ``LocalSession``); commands get
their settings, and their service, from here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from modelmonitor.settings import Settings

if TYPE_CHECKING:
    from modelmonitor.service import MonitoringService

__all__ = ["echo_json", "service", "settings"]


def settings() -> Settings:
    """The command's settings: the edge where the CLI reads ``MODELMONITOR_*``."""
    return Settings.from_env()


@contextmanager
def service() -> Iterator[MonitoringService]:
    # Imported on use so that commands without a catalog (baseline, check, capture) never load SQLAlchemy.
    from modelmonitor.service import MonitoringService

    svc = MonitoringService.from_settings(settings())
    try:
        yield svc
    finally:
        svc.close()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def echo_json(value: Any) -> None:
    typer.echo(json.dumps(_plain(value), indent=2, sort_keys=True))
