"""Serving the proxy with uvicorn, with the client-side limits uvicorn's own protocol does not enforce.

``GuardedHttpToolsProtocol`` is uvicorn's httptools protocol plus:

- a cap on open client connections: beyond ``max_client_connections`` a new connection gets ``503`` and is
  closed at once (so slow or idle clients cannot use up the process's file descriptors);
- a header-read deadline: the request head must be complete within ``client_header_timeout`` of the
  connection opening or of the request's first byte (slowloris), else the connection is closed (``408``);
- a body-read deadline: the body must be complete within ``client_body_timeout`` of the head (``408``);
- requests llhttp refuses (ambiguous framing and the like) get uvicorn's ``400``, counted and logged through
  the refusals' limiter instead of one log line each;
- upgrade requests (WebSocket, h2c) get ``400``: the proxy relays HTTP/1.1 only;
- limits on the request head: more than ``max_request_headers`` headers or ``max_request_head_bytes``
  bytes get ``431`` and the connection is closed;
- a client that disconnects before its answer is complete cancels the proxy's call for it (the forwarder
  is told through the scope; see ``CLIENT_TASK_KEY``), so the model's answer is neither read nor captured.

Idle keep-alive connections are closed after ``idle_timeout`` (uvicorn's ``timeout_keep_alive``).
"""

from __future__ import annotations

import asyncio
import functools
import resource
from typing import Any, cast

import httptools
import uvicorn
from prometheus_client import start_http_server
from prometheus_client.registry import CollectorRegistry
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from modelmonitor.capture.limits import ProxyLimits
from modelmonitor.capture.refusals import RefusalReason, Refusals
from modelmonitor.errors import CaptureError

__all__ = ["CLIENT_GONE_KEY", "CLIENT_TASK_KEY", "GuardedHttpToolsProtocol", "serve_proxy"]

# The forwarder puts its task in the scope under CLIENT_TASK_KEY; when the client disconnects before the
# answer is complete the protocol sets CLIENT_GONE_KEY and cancels that task.
CLIENT_TASK_KEY = "modelmonitor.task"
CLIENT_GONE_KEY = "modelmonitor.client_gone"

_STATUS_TEXT = {
    400: b"Bad Request",
    408: b"Request Timeout",
    431: b"Request Header Fields Too Large",
    503: b"Service Unavailable",
}


class _HeadTooLargeError(Exception):
    """Raised in a parser callback to stop parsing a request head over the limits."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the proxy's connection cap, read deadlines and head limits."""

    def __init__(self, *args: Any, limits: ProxyLimits, refusals: Refusals, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = limits
        self._refusals = refusals
        self._deadline: asyncio.TimerHandle | None = None
        self._reading_head = False
        self._head_bytes = 0
        self._unfinished_head_bytes = 0
        self._header_count = 0
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self._limits.max_client_connections:
            self._refused = True
            self.transport = transport
            self._refusals.refuse(
                "too_many_connections", f"over {self._limits.max_client_connections} open client connections"
            )
            self._answer_and_close(503)
            return
        super().connection_made(transport)
        self._arm(self._limits.client_header_timeout.total_seconds(), "header_timeout")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._refused and self.flow is None:
            return  # refused in connection_made: uvicorn never knew this connection
        cycle = self.cycle
        super().connection_lost(exc)
        if cycle is not None and not cycle.response_complete:
            scope = cast(dict[str, Any], cycle.scope)
            task = scope.get(CLIENT_TASK_KEY)
            if task is not None and not task.done():
                scope[CLIENT_GONE_KEY] = True
                task.cancel()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._deadline is None and (self.cycle is None or self.cycle.response_complete):
            # The first byte of a new request on a kept-alive connection: its head is due in time.
            self._arm(self._limits.client_header_timeout.total_seconds(), "header_timeout")
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            if isinstance(exc.__context__, _HeadTooLargeError):
                self._refuse_head(
                    f"request head over {self._limits.max_request_headers} headers "
                    f"or {self._limits.max_request_head_bytes} bytes"
                )
                return
            self._refuse_malformed(exc)
            return
        except httptools.HttpParserError as exc:
            self._refuse_malformed(exc)
            return
        except httptools.HttpParserUpgrade:
            return  # refused in on_headers_complete, before any app ran
        if self._reading_head:
            # A head still incomplete after a read counts the whole read (never a body sent with it), so a
            # head trickled in over many reads cannot grow httptools' buffers without bound.
            self._unfinished_head_bytes += len(data)
            if self._unfinished_head_bytes > self._limits.max_request_head_bytes:
                self._refuse_head(f"request head over {self._limits.max_request_head_bytes} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True
        self._header_count = 0
        self._head_bytes = 0
        self._unfinished_head_bytes = 0

    def on_url(self, url: bytes) -> None:
        self._head_bytes += len(url)
        if self._head_bytes > self._limits.max_request_head_bytes:
            raise _HeadTooLargeError
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._head_bytes += len(name) + len(value) + 4
        if (
            self._header_count > self._limits.max_request_headers
            or self._head_bytes > self._limits.max_request_head_bytes
        ):
            raise _HeadTooLargeError
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self.parser.should_upgrade():
            # llhttp stops at the head of an upgrade request, so its body would be lost if it ran as a
            # plain request; the proxy relays HTTP/1.1 only.
            self._refusals.refuse("upgrade", "an upgrade request (WebSocket, h2c, ...)")
            self._answer_and_close(400)
            return
        self._reading_head = False
        self._arm(self._limits.client_body_timeout.total_seconds(), "body_timeout")
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    # -- deadlines and refusals --------------------------------------------------------------------------
    def _arm(self, seconds: float, reason: RefusalReason) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._deadline_passed, reason)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _deadline_passed(self, reason: RefusalReason) -> None:
        self._deadline = None
        if self.transport is None or self.transport.is_closing():
            return
        cycle = self.cycle
        self._refusals.refuse(reason, f"a client did not send its request in time ({reason})")
        if cycle is not None and cycle.response_started and not cycle.response_complete:
            self.transport.close()
        else:
            self._answer_and_close(408)

    def _refuse_malformed(self, exc: httptools.HttpParserError) -> None:
        # Counted and logged through the limiter rather than uvicorn's line per request.
        self._refusals.refuse("malformed_request", f"invalid HTTP/1.1 request: {exc}")
        self._refused = True
        self._disarm()
        self.send_400_response("Invalid HTTP request received.")

    def _refuse_head(self, detail: str) -> None:
        self._refusals.refuse("head_too_large", detail)
        self._answer_and_close(431)

    def _answer_and_close(self, status: int) -> None:
        self._refused = True
        self._disarm()
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            % (status, _STATUS_TEXT[status])
        )
        self.transport.close()


def _raise_file_limit(wanted: int) -> None:
    """Raise the soft open-file limit towards ``wanted`` (bounded by the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def serve_proxy(
    app: Any,
    *,
    host: str,
    port: int,
    limits: ProxyLimits,
    refusals: Refusals,
    log_level: str,
    metrics_registry: CollectorRegistry,
    metrics_listen: tuple[str, int] | None = None,
) -> None:
    """Serve ``app`` (the proxy) until SIGTERM/SIGINT; ``/metrics`` on its own address when given."""
    # Each client connection may hold one model connection; leave room for files and the pool's idle ones.
    _raise_file_limit(2 * limits.max_client_connections + 1024)
    if metrics_listen is not None:
        metrics_host, metrics_port = metrics_listen
        try:
            start_http_server(metrics_port, addr=metrics_host, registry=metrics_registry)
        except OSError as exc:
            raise CaptureError(
                f"--metrics-listen: cannot listen on {metrics_host}:{metrics_port}: {exc.strerror or exc}"
            ) from exc
    protocol = functools.partial(GuardedHttpToolsProtocol, limits=limits, refusals=refusals)
    uvicorn.run(
        app,
        host=host,
        port=port,
        http=protocol,  # type: ignore[arg-type]
        ws="none",  # the proxy relays HTTP/1.1 requests only
        log_level=log_level.lower(),
        access_log=False,
        # uvicorn would otherwise take the client address from X-Forwarded-For when the peer is loopback;
        # the proxy appends the real peer to that header itself (capture/inbound.py).
        proxy_headers=False,
        timeout_keep_alive=max(1, round(limits.idle_timeout.total_seconds())),  # uvicorn takes whole seconds
        timeout_graceful_shutdown=30,
        server_header=False,
        date_header=False,
    )
