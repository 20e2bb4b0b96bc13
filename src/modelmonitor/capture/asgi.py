"""ASGI middleware that captures what a Starlette/FastAPI model app receives and returns.

    app.add_middleware(CaptureMiddleware, config=DataCaptureConfig(...), endpoint_name="churn")

A pure ASGI middleware (no ``BaseHTTPMiddleware``): requests that are not inference calls (by default
anything but POST, see ``CaptureSettings.capture_methods``) or are sampled out pass through untouched;
for captured ones the request and response bodies are collected as they stream (bounded by
``max_payload_bytes``) and the record is queued just before the last body chunk is sent, so every
response a client has fully received is already in the capture queue. The writer starts with the app's
lifespan (or on the first request) and is drained on lifespan shutdown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from modelmonitor.capture.body import BoundedBody
from modelmonitor.capture.config import CaptureSettings, CaptureSettingsSource
from modelmonitor.capture.headers import header_value, inference_id_from
from modelmonitor.capture.pipeline import CapturePipeline
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.layout import DEFAULT_VARIANT

__all__ = ["CaptureMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class CaptureMiddleware:
    """Captures sampled HTTP calls of the wrapped app into SageMaker-format capture files.

    ``config`` is ``CaptureSettings`` or anything with ``to_capture_settings(endpoint_name, variant_name)``
    (``modelmonitor.model_monitor.DataCaptureConfig``); then ``endpoint_name`` is required.
    """

    def __init__(
        self,
        app: ASGIApp,
        config: CaptureSettings | CaptureSettingsSource,
        *,
        endpoint_name: str | None = None,
        variant_name: str = DEFAULT_VARIANT,
        disk_probe: Callable[[], float] | None = None,
    ) -> None:
        self.app = app
        if isinstance(config, CaptureSettings):
            settings = config
        else:
            if not endpoint_name:
                raise ConfigurationError(
                    "CaptureMiddleware: endpoint_name is required with a DataCaptureConfig"
                )
            settings = config.to_capture_settings(endpoint_name, variant_name)
        self.pipeline = CapturePipeline(settings, disk_probe=disk_probe)
        self._started = False

    def _ensure_started(self) -> None:
        if not self._started:
            self._started = True
            self.pipeline.start()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            if not self._started:
                self._ensure_started()
            if self.pipeline.should_capture(scope["method"], scope["path"]):
                await self._capture_call(scope, receive, send)
            else:
                await self.app(scope, receive, send)
        elif kind == "lifespan":
            await self.app(scope, self._lifespan_receive(receive), send)
        else:
            await self.app(scope, receive, send)

    def _lifespan_receive(self, receive: Receive) -> Receive:
        async def wrapped() -> Message:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._ensure_started()
            elif message["type"] == "lifespan.shutdown":
                await asyncio.to_thread(self.pipeline.close)
                self._started = False
            return message

        return wrapped

    async def _capture_call(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.pipeline.settings.max_payload_bytes
        request_headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
        request_body = BoundedBody(limit)
        response_body = BoundedBody(limit)
        response: dict[str, Any] = {"status": 0, "content_type": None}

        async def capture_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request_body.add(message.get("body", b""))
            return message

        async def capture_send(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                response["status"] = message["status"]
                response["content_type"] = header_value(list(message.get("headers", [])), b"content-type")
            elif kind == "http.response.body":
                response_body.add(message.get("body", b""))
                if not message.get("more_body", False):
                    self.pipeline.submit(
                        status=response["status"],
                        request_body=request_body.data,
                        request_content_type=header_value(request_headers, b"content-type"),
                        response_body=response_body.data,
                        response_content_type=response["content_type"],
                        inference_id=inference_id_from(request_headers),
                        request_size=request_body.size,
                        response_size=response_body.size,
                    )
            await send(message)

        await self.app(scope, capture_receive, capture_send)
