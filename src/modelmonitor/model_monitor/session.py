"""``LocalSession``: what ``sagemaker_session=`` means here — the SDK's one door to the service.

SageMaker's SDK reaches AWS through a ``sagemaker.Session``. Here a session reaches our service: a
``LocalSession`` (the default) holds one ``MonitoringService`` over the local catalog for its lifetime,
created on first use from the settings it read once (``Settings.from_env()`` unless given). A monitor, the
file objects (``Statistics.from_string``) and ``DataCaptureConfig`` take it as ``sagemaker_session``; an
``HttpSession`` (``model_monitor.http_session``) reaches a remote ``modelmonitor serve`` with the same
methods.
"""

from __future__ import annotations

from typing import Any

from modelmonitor.errors import ConfigurationError
from modelmonitor.model_monitor.http_session import HttpSession
from modelmonitor.service import MonitoringService
from modelmonitor.settings import Settings

__all__ = ["LocalSession", "Session", "session_of"]


class LocalSession:
    """One service for the session's lifetime; ``close()`` (or ``with``) releases its catalog."""

    def __init__(self, settings: Settings | None = None, service: MonitoringService | None = None) -> None:
        self.settings = settings or (
            Settings(home=service.home, catalog_url=service.catalog.url) if service else Settings.from_env()
        )
        self._service = service

    @property
    def service(self) -> MonitoringService:
        if self._service is None:
            self._service = MonitoringService.from_settings(self.settings)
        return self._service

    def close(self) -> None:
        if self._service is not None:
            self._service.close()
            self._service = None

    def __enter__(self) -> LocalSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


Session = LocalSession | HttpSession


def session_of(value: Any) -> Session:
    """The session an SDK object was given: ``None`` means a new local session."""
    if value is None:
        return LocalSession()
    if isinstance(value, LocalSession | HttpSession):
        return value
    raise ConfigurationError(
        f"sagemaker_session: got {type(value).__name__}; expected a modelmonitor LocalSession or HttpSession "
        "(a boto3-backed sagemaker.Session cannot reach this service)"
    )
