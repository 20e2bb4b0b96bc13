"""Capture registers its endpoint in the catalog: the proxy's ``EndpointRegistration``, the middleware's call.

Kept apart from the service's use cases: it adapts the capture components' start-up hook to
``MonitoringService.register_endpoint``, opening the catalog only for the registration.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError

from modelmonitor.capture.config import CaptureSettings
from modelmonitor.capture.proxy import ProxyEndpoint
from modelmonitor.errors import ModelMonitorError, NotFoundError
from modelmonitor.service import MonitoringService
from modelmonitor.settings import Settings

__all__ = ["CatalogRegistration"]

logger = logging.getLogger("modelmonitor.service")


class CatalogRegistration:
    """Registers a capturing endpoint in the catalog when it starts (the proxy's ``EndpointRegistration``).

    The ASGI middleware has no start-up hook of its own: call ``register_capture(settings)`` where the
    app builds it. Registration merges variants and never stops capture: a catalog that cannot be reached
    is logged, and the proxy keeps serving.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def register(self, endpoint_name: str, destination: str, variant: str, source: str) -> None:
        try:
            service = MonitoringService.from_settings(self.settings)
            try:
                try:
                    known = set(service.describe_endpoint(endpoint_name).variants)
                except NotFoundError:
                    known = set()
                service.register_endpoint(
                    endpoint_name, destination, sorted(known | {variant}), source=source
                )
            finally:
                service.close()
        except (ModelMonitorError, SQLAlchemyError, OSError) as exc:
            logger.error("endpoint %s could not be registered in the catalog: %s", endpoint_name, exc)

    def register_capture(self, capture: CaptureSettings, source: str = "middleware") -> None:
        self.register(capture.endpoint_name, capture.destination, capture.variant_name, source)

    async def endpoint_started(self, endpoint: ProxyEndpoint) -> None:
        await asyncio.to_thread(
            self.register, endpoint.endpoint_name, endpoint.destination, endpoint.variant_name, "proxy"
        )

    async def endpoint_stopped(self, endpoint: ProxyEndpoint) -> None:
        """The endpoint stays registered: its captured data is still there to monitor."""
