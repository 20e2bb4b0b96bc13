"""A capturing reverse proxy in front of any HTTP model server.

Clients talk to the proxy exactly as to the model: method, path, query, headers, body and status pass
through; response bodies stream through chunk by chunk (hop-by-hop headers are dropped, as any proxy must,
and ``X-Forwarded-*`` are set: see ``capture/inbound.py``). Sampled calls are captured once the response is
complete, bounded by ``max_payload_bytes``; the record is queued before the end of the answer reaches the
client.

Failed calls: when the model cannot be reached or answers with something that is not exactly framed
HTTP/1.1 the client gets ``502``, when it does not answer in time ``504``, with a JSON body
``{"error": ..., "message": ...}`` that never names the upstream. Such calls are not captured (there is no
model output to record); nor are calls the model answered with a non-2xx status, nor calls whose client
went away before the answer was complete. Requests the proxy refuses by its limits (``ProxyLimits``) get
``400``/``413``/``431``/``408``/``503`` and are counted by reason (``capture/refusals.py``). ``/metrics``
(configurable, or on its own address) serves the capture counters in Prometheus format from a registry
owned by this app.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import Receive as StarletteReceive
from starlette.types import Scope as StarletteScope
from starlette.types import Send as StarletteSend

from modelmonitor.capture.asgi import Receive, Scope, Send
from modelmonitor.capture.body import BoundedBody
from modelmonitor.capture.config import CaptureSettings
from modelmonitor.capture.headers import header_value, inference_id_from
from modelmonitor.capture.inbound import HOP_BY_HOP, Refusal, check_request, forwarded_headers
from modelmonitor.capture.limits import ProxyLimits
from modelmonitor.capture.pipeline import CapturePipeline
from modelmonitor.capture.refusals import Refusals
from modelmonitor.capture.serving import CLIENT_GONE_KEY, CLIENT_TASK_KEY
from modelmonitor.capture.upstream import (
    UpstreamError,
    UpstreamPool,
    UpstreamProtocolError,
    UpstreamResponse,
    UpstreamTimeoutError,
)
from modelmonitor.errors import ConfigurationError

__all__ = ["EndpointRegistration", "ProxyEndpoint", "ProxySettings", "create_proxy_app", "redact_url"]

logger = logging.getLogger("modelmonitor.capture")


def redact_url(url: str) -> str:
    """``url`` without the password of its user information, for logs and the catalog."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


@dataclass(frozen=True)
class ProxySettings:
    """The upstream model server, how long to wait for it, what to capture, and the proxy's limits.

    ``metrics_listen`` (``(host, port)``) serves ``/metrics`` on its own address; then every path of the
    proxy's own address goes to the model.
    """

    upstream: str
    capture: CaptureSettings
    listen_url: str = "http://127.0.0.1:8081"
    timeout: timedelta = timedelta(seconds=60)
    connect_timeout: timedelta = timedelta(seconds=5)
    metrics_path: str = "/metrics"
    metrics_listen: tuple[str, int] | None = None
    max_connections: int = 512  # idle keep-alive connections kept to the model server
    limits: ProxyLimits = field(default_factory=ProxyLimits)

    def __post_init__(self) -> None:
        parts = urlsplit(self.upstream)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(
                f"upstream: got {redact_url(self.upstream)!r}, expected http://HOST:PORT or https://HOST:PORT"
            )


@dataclass(frozen=True)
class ProxyEndpoint:
    """What a started proxy tells a registration hook (e.g. the catalog) about itself."""

    endpoint_name: str
    variant_name: str
    listen_url: str
    upstream: str  # without its password: see redact_url
    destination: str
    sampling_percentage: float
    capture_enabled: bool


class EndpointRegistration(Protocol):
    """Hook called when the proxy starts serving and when it stops (the catalog plugs in here)."""

    async def endpoint_started(self, endpoint: ProxyEndpoint) -> None: ...

    async def endpoint_stopped(self, endpoint: ProxyEndpoint) -> None: ...


async def _answer(send: Send, status: int, error: str, message: str, *, close: bool) -> None:
    body = orjson.dumps({"error": error, "message": message})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _relayed_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The model's answer headers as the client gets them: no hop-by-hop headers, nor those its
    ``Connection`` header names (RFC 9110 §7.6.1)."""
    dropped: frozenset[bytes] | set[bytes] = HOP_BY_HOP
    for name, value in headers:
        if name == b"connection":
            dropped = dropped | {token.strip().lower() for token in value.split(b",")}
    return [(name, value) for name, value in headers if name not in dropped]


@dataclass
class _Forwarder:
    """The catch-all ASGI app: forwards one call upstream and streams the answer back."""

    settings: ProxySettings
    pipeline: CapturePipeline
    refusals: Refusals
    upstream: UpstreamPool | None = field(default=None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        scope[CLIENT_TASK_KEY] = asyncio.current_task()
        try:
            await self._forward(scope, receive, send)
        except asyncio.CancelledError:
            if not scope.get(CLIENT_GONE_KEY):
                raise
            # The client went away (serving.GuardedHttpToolsProtocol): the model's answer is abandoned.
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            self.refusals.refuse(
                "client_disconnected", "a client disconnected before its answer was complete"
            )

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.upstream is not None, "the proxy's lifespan has not started"
        limits = self.settings.limits
        method: str = scope["method"]
        request_headers: list[tuple[bytes, bytes]] = scope["headers"]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        refusal = check_request(method, raw_path, request_headers, limits.max_request_body_bytes)
        if refusal is not None:
            await self._refuse(send, refusal)
            return
        capture = self.pipeline.should_capture(method, scope["path"])
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limits.max_request_body_bytes:
                await self._refuse(
                    send,
                    Refusal(
                        413,
                        "body_too_large",
                        f"the request body is over the limit of {limits.max_request_body_bytes} bytes",
                    ),
                )
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        request_body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        headers = forwarded_headers(request_headers, scope.get("client"), scope.get("scheme", "http"))
        target = raw_path + b"?" + scope["query_string"] if scope.get("query_string") else raw_path
        try:
            response = await self.upstream.request(method, target, headers, request_body)
        except UpstreamTimeoutError as exc:
            await self._fail(send, 504, "upstream_timeout", f"the model did not answer in time: {exc}")
            return
        except UpstreamProtocolError as exc:
            self.refusals.refuse("upstream_protocol", str(exc))
            await self._fail(send, 502, "upstream_invalid_response", f"the model's answer was refused: {exc}")
            return
        except UpstreamError as exc:
            await self._fail(send, 502, "upstream_unavailable", f"the model could not be reached: {exc}")
            return
        try:
            await self._relay(response, send, capture, request_body, request_headers)
        finally:
            await response.aclose()

    async def _refuse(self, send: Send, refusal: Refusal) -> None:
        self.refusals.refuse(refusal.reason, refusal.message)
        await _answer(send, refusal.status, refusal.reason, refusal.message, close=True)

    async def _fail(self, send: Send, status: int, error: str, message: str) -> None:
        self.pipeline.stats.upstream_errors += 1
        self.refusals.log_limited(error, f"upstream {redact_url(self.settings.upstream)}: {message}")
        await _answer(send, status, error, message, close=False)

    async def _relay(
        self,
        response: UpstreamResponse,
        send: Send,
        capture: bool,
        request_body: bytes,
        request_headers: list[tuple[bytes, bytes]],
    ) -> None:
        out_headers = _relayed_headers(response.headers)
        await send({"type": "http.response.start", "status": response.status, "headers": out_headers})
        collected = BoundedBody(self.pipeline.settings.max_payload_bytes) if capture else None
        # Chunks go to the client as they arrive. The last one of a body of announced length is held back
        # until the record is queued, so an answer the client has in full is always in the capture queue;
        # other bodies end with an empty final message after the record is queued.
        length = response.content_length
        received = 0
        final = b""
        try:
            async for chunk in response.chunks():
                if not chunk:
                    continue
                received += len(chunk)
                if collected is not None:
                    collected.add(chunk)
                if length is not None and received >= length:
                    final = chunk  # the body is complete; the iterator ends after it
                else:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except UpstreamError as exc:
            # Headers are already sent: end without the final chunk so the client sees a broken response.
            self.pipeline.stats.upstream_errors += 1
            if isinstance(exc, UpstreamProtocolError):
                self.refusals.refuse("upstream_protocol", str(exc))
            self.refusals.log_limited("mid_response", f"upstream failed mid-response: {exc}")
            return
        if collected is not None:
            self.pipeline.submit(
                status=response.status,
                request_body=request_body,
                request_content_type=header_value(request_headers, b"content-type"),
                response_body=collected.data,
                response_content_type=response.header(b"content-type"),
                inference_id=inference_id_from(request_headers),
                request_size=len(request_body),
                response_size=collected.size,
            )
        await send({"type": "http.response.body", "body": final, "more_body": False})


class _ProxyApp(Starlette):
    """Starlette for lifespan and ``/metrics``; every other HTTP call goes straight to the forwarder.

    Starlette's stack (error and exception middleware, router, mount) wraps ``send`` three times and adds
    as many frames to every call: measurable CPU per request for a proxy whose own work is small. Errors
    in the forwarder still reach uvicorn, which answers 500 when no response has started.
    """

    def __init__(self, forwarder: _Forwarder, metrics_path: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._forwarder = forwarder
        self._metrics_path = metrics_path

    async def __call__(self, scope: StarletteScope, receive: StarletteReceive, send: StarletteSend) -> None:
        if scope["type"] == "http" and scope["path"] != self._metrics_path:
            await self._forwarder(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


async def _notify(registration: EndpointRegistration | None, hook: str, endpoint: ProxyEndpoint) -> None:
    """Call a registration hook; a failing hook is logged and never stops the proxy from serving."""
    if registration is None:
        return
    try:
        await getattr(registration, hook)(endpoint)
    except Exception:
        logger.exception(
            "endpoint registration hook %s failed for %s; serving anyway", hook, endpoint.endpoint_name
        )


def create_proxy_app(
    settings: ProxySettings,
    *,
    registration: EndpointRegistration | None = None,
    disk_probe: Callable[[], float] | None = None,
) -> Starlette:
    """The proxy as an ASGI app, to serve with ``serving.serve_proxy``.

    ``app.state`` holds its capture ``pipeline``, metrics ``registry`` and ``refusals``.
    """
    pipeline = CapturePipeline(settings.capture, disk_probe=disk_probe)
    registry = CollectorRegistry(auto_describe=True)
    pipeline.register_metrics(registry)
    refusals = Refusals(settings.capture.endpoint_name, settings.capture.variant_name)
    refusals.register(registry)
    forwarder = _Forwarder(settings, pipeline, refusals)
    c = settings.capture
    endpoint = ProxyEndpoint(
        endpoint_name=c.endpoint_name,
        variant_name=c.variant_name,
        listen_url=settings.listen_url,
        upstream=redact_url(settings.upstream),
        destination=c.destination,
        sampling_percentage=c.sampling_percentage,
        capture_enabled=c.enabled,
    )

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[dict[str, Any]]:
        upstream = UpstreamPool(
            settings.upstream,
            timeout_seconds=settings.timeout.total_seconds(),
            connect_timeout_seconds=settings.connect_timeout.total_seconds(),
            max_idle=settings.max_connections,
            max_head_bytes=settings.limits.max_response_head_bytes,
            max_header_count=settings.limits.max_response_headers,
        )
        forwarder.upstream = upstream
        try:
            pipeline.start()
            await _notify(registration, "endpoint_started", endpoint)
            try:
                yield {}
            finally:
                await _notify(registration, "endpoint_stopped", endpoint)
                await asyncio.to_thread(pipeline.close)
                logger.warning("capture stopped: %s", orjson.dumps(pipeline.stats.as_dict()).decode())
        finally:
            await upstream.aclose()

    metrics_path = None if settings.metrics_listen is not None else settings.metrics_path
    routes = [Route(metrics_path, metrics)] if metrics_path is not None else []
    app = _ProxyApp(forwarder, metrics_path, routes=[*routes, Mount("", app=forwarder)], lifespan=lifespan)
    app.state.pipeline = pipeline
    app.state.registry = registry
    app.state.refusals = refusals
    return app
