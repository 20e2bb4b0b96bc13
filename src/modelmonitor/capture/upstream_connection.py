"""One keep-alive connection to the model server, whose answers llhttp frames (see ``upstream.py``).

An asyncio protocol fed to httptools' ``HttpResponseParser``: it runs one exchange at a time, hands the
answer's head to the pool's caller, queues body pieces for ``UpstreamResponse.chunks`` (pausing reads above
``_HIGH_WATER_BYTES``), and decides whether the connection may be reused: only after an exactly framed,
complete, kept-alive answer with not one byte after it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import httptools

__all__ = [
    "AnswerLimits",
    "NotAnsweredError",
    "UpstreamConnection",
    "UpstreamError",
    "UpstreamProtocolError",
    "UpstreamTimeoutError",
    "UpstreamUnavailableError",
]

NO_BODY_STATUSES = frozenset({204, 304})
_HIGH_WATER_BYTES = 256 * 1024
_LOW_WATER_BYTES = 64 * 1024
# Chunk-size lines are a few bytes; a chunked body whose framing outgrows its head limit by more than
# this per chunk carries something else (a trailer flood).
_FRAMING_BYTES_PER_CHUNK = 64


@dataclass(frozen=True, slots=True)
class AnswerLimits:
    """What one answer may cost: head size and header count, and the time for the whole answer."""

    max_head_bytes: int
    max_header_count: int
    timeout_seconds: float


class UpstreamError(Exception):
    """The model server did not give a usable answer."""


class UpstreamUnavailableError(UpstreamError):
    """The model server could not be reached or broke the connection (the proxy answers 502)."""


class UpstreamTimeoutError(UpstreamError):
    """The model server did not answer in time (the proxy answers 504)."""


class UpstreamProtocolError(UpstreamError):
    """The model server's answer is not exactly framed HTTP/1.1 (the proxy answers 502)."""


class NotAnsweredError(UpstreamUnavailableError):
    """The connection was closed before any byte of the answer came back (an idempotent request is resent)."""


class _ParseAbortError(Exception):
    """Raised in a parser callback to stop llhttp; the reason is already recorded."""


class UpstreamConnection(asyncio.Protocol):
    """One keep-alive connection and the state of the exchange running on it (one at a time)."""

    def __init__(
        self,
        limits: AnswerLimits,
        give_back: Callable[[UpstreamConnection], None],
        forget: Callable[[UpstreamConnection], None],
    ) -> None:
        self._limits = limits
        self._give_back = give_back
        self._forget = forget
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()
        # uvloop may return from create_connection before it calls connection_made: wait for this.
        self.made: asyncio.Future[None] = self._loop.create_future()
        self.idle_since = 0.0  # loop time of the last give-back to the pool
        self.closed = False
        self._active = False
        self._reset()

    def _reset(self) -> None:
        self.head_request = False
        self._got_bytes = False
        self._head_bytes = 0
        self._header_count = 0
        self._interim = False
        self._headers_done = False
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.content_length: int | None = None
        self.chunked = False
        self._chunks = 0
        self._framing_bytes = 0
        self._until_close = False
        self.keep_alive = False
        self._body: deque[bytes] = deque()
        self._buffered = 0
        self._paused = False
        self.complete = False
        self._trailing = False
        self.error: UpstreamError | None = None
        self._wakeup: asyncio.Future[None] | None = None
        self._deadline: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol ------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.made.set_result(None)

    def data_received(self, data: bytes) -> None:
        if not self._active or self.complete or self.error is not None:
            # Bytes nobody asked for: whatever they are, this connection can no longer be trusted.
            self._trailing = True
            self.close()
            return
        self._got_bytes = True
        body_before = self._buffered
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(UpstreamProtocolError("the model answered 101 Switching Protocols: not relayed"))
        except httptools.HttpParserError as exc:
            if self.complete:
                self._trailing = True
            elif self.error is None:
                self._fail(UpstreamProtocolError(f"the model's answer is not valid HTTP/1.1: {exc}"))
        if self.error is None:
            self._check_sizes(len(data) - (self._buffered - body_before))
        if self._trailing:
            if self.head_request or self.status in NO_BODY_STATUSES:
                # Not a whole answer followed by noise: an answer that must have no body came with one.
                self.complete = False
                self._fail(UpstreamProtocolError(f"the model sent a body after a {self.status} answer"))
            else:
                self.close()  # the answer is whole; what came after it is never read
        self._wake()

    def _check_sizes(self, framing: int) -> None:
        limits = self._limits
        if not self._headers_done:
            self._head_bytes += framing
            if self._head_bytes > limits.max_head_bytes:
                self._fail(
                    UpstreamProtocolError(f"the model's answer head is over {limits.max_head_bytes} bytes")
                )
        elif self.chunked:
            self._framing_bytes += framing
            if self._framing_bytes > limits.max_head_bytes + _FRAMING_BYTES_PER_CHUNK * self._chunks:
                self._fail(UpstreamProtocolError("the model's chunked answer carries oversized framing"))

    def eof_received(self) -> bool | None:
        return None  # close the transport; connection_lost settles the exchange

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._forget(self)
        self._cancel_deadline()
        if not self._active or self.complete or self.error is not None:
            self._wake()
            return
        if self._until_close and exc is None:
            self.complete = True  # the body ends when the server closes the connection
        elif not self._got_bytes:
            self.error = NotAnsweredError("the model closed the connection without answering")
        else:
            self.error = UpstreamUnavailableError(
                "the model closed the connection before the end of its answer"
            )
        self._wake()

    def pause_writing(self) -> None:
        pass

    def resume_writing(self) -> None:
        pass

    # -- llhttp callbacks --------------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        if self.complete:
            self._trailing = True
            raise _ParseAbortError

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self._limits.max_header_count:
            self._fail(UpstreamProtocolError(f"the model sent over {self._limits.max_header_count} headers"))
            raise _ParseAbortError
        if self._headers_done:
            return  # a trailer: dropped, as hop-by-hop metadata
        key = name.lower()
        if key == b"transfer-encoding" and value.strip().lower() != b"chunked":
            self._fail(
                UpstreamProtocolError(
                    f"the model's Transfer-Encoding is {value[:40]!r}, expected exactly chunked"
                )
            )
            raise _ParseAbortError
        if key == b"content-length":
            self.content_length = int(value)  # llhttp has checked it is digits only
        elif key == b"transfer-encoding":
            self.chunked = True
        self.headers.append((key, value))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if status == 101:
            self._fail(UpstreamProtocolError("the model answered 101 Switching Protocols: not relayed"))
            raise _ParseAbortError
        if 100 <= status < 200:
            self._interim = True  # 100 Continue and friends: skipped, the real answer follows
            self.headers = []
            self.content_length = None
            self.chunked = False
            return
        self.status = status
        self._headers_done = True
        self.keep_alive = self._parser.should_keep_alive()
        if self.head_request:
            # llhttp cannot be told the request was HEAD and would wait for the announced body: the
            # answer is complete now, and the connection is closed after it instead of guessing.
            self.complete = True
            self.keep_alive = False
        elif status not in NO_BODY_STATUSES and self.content_length is None and not self.chunked:
            self._until_close = True
            self.keep_alive = False

    def on_chunk_header(self) -> None:
        self._chunks += 1

    def on_body(self, body: bytes) -> None:
        if self.complete:
            self._trailing = True
            raise _ParseAbortError
        self._body.append(body)
        self._buffered += len(body)
        if self._buffered > _HIGH_WATER_BYTES and not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()

    def on_message_complete(self) -> None:
        if self._interim:
            self._interim = False
            return
        self.complete = True
        self._cancel_deadline()

    # -- the exchange --------------------------------------------------------------------------------------
    def _fail(self, error: UpstreamError) -> None:
        if self.error is None and not self.complete:
            self.error = error
        self.close()

    def _wake(self) -> None:
        waiter = self._wakeup
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self) -> None:
        self._wakeup = self._loop.create_future()
        await self._wakeup

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _deadline_passed(self) -> None:
        self._deadline = None
        if not self.complete and self.error is None:
            self.error = UpstreamTimeoutError(f"no complete answer within {self._limits.timeout_seconds} s")
            self.close()
            self._wake()

    async def exchange(self, method: str, payload: bytes, deadline: float) -> None:
        """Send one request and wait for the head of its answer (``error`` is raised)."""
        assert self._transport is not None
        self._reset()
        self._active = True
        self.head_request = method == "HEAD"
        self._deadline = self._loop.call_at(deadline, self._deadline_passed)
        try:
            self._transport.write(payload)
            while not self._headers_done and self.error is None:
                await self.wait()
        except BaseException:
            self.close()  # cancelled (the client went away): the answer will never be read
            raise
        if self.error is not None:
            raise self.error

    def take_body(self) -> bytes | None:
        """The next body piece waiting, or None."""
        if not self._body:
            return None
        piece = self._body.popleft()
        self._buffered -= len(piece)
        if self._paused and self._buffered <= _LOW_WATER_BYTES and self._transport is not None:
            self._paused = False
            self._transport.resume_reading()
        return piece

    def reusable(self) -> bool:
        return self.complete and self.keep_alive and not self._trailing and not self.closed

    def release(self) -> None:
        """The exchange is over: back to the pool when the answer was exact, else closed."""
        self._active = False
        self._cancel_deadline()
        if self.reusable():
            self._give_back(self)
        else:
            self.close()

    def close(self) -> None:
        self._cancel_deadline()
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()
