"""The proxy's HTTP/1.1 client to the model server: keep-alive connections framed by llhttp.

Answers are parsed by httptools' ``HttpResponseParser`` (llhttp, strict mode) on an asyncio protocol of
our own. Why not httpx: measured on the 2-core CI machine, an ``httpx.AsyncClient`` call costs about 1.0 ms
of CPU against well under 0.1 ms for a request written in one piece; the proxy would spend most of its
time in its client.

The proxy sits in every inference call, so an answer is trusted only when it is framed exactly:

- Anything llhttp refuses (signed, underscored or duplicate ``Content-Length``, ``Content-Length`` with
  ``Transfer-Encoding``, bad chunk framing, header lines without a colon, a malformed status), a
  ``Transfer-Encoding`` other than exactly ``chunked``, a ``101`` (upgrades are not relayed), a body after
  a ``204``/``304`` or a ``HEAD`` answer, or a head over the limits is an ``UpstreamProtocolError``.
- A connection goes back to the pool only when its answer was complete, both sides keep it alive, and
  not one byte came after the answer; bytes after an answer, or on an idle connection, close it. So an
  answer meant for one request can never be read as the answer of another.
- A request is sent at most twice: again on a new connection only when its method is idempotent and a
  reused connection was closed before any byte of the answer (the server closed it while idle).
- The whole answer, head and body, must arrive within ``timeout_seconds`` of sending the request.
- Bodies stream in the pieces llhttp hands over (never one read of an announced size); reading from the
  model pauses while more than ``_HIGH_WATER_BYTES`` wait for the client.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections import deque
from collections.abc import AsyncIterator
from typing import cast
from urllib.parse import unquote, urlsplit

import httptools

__all__ = [
    "IDEMPOTENT_METHODS",
    "UpstreamError",
    "UpstreamPool",
    "UpstreamProtocolError",
    "UpstreamResponse",
    "UpstreamTimeoutError",
    "UpstreamUnavailableError",
]

# RFC 9110 §9.2.2.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
_NO_BODY_STATUSES = frozenset({204, 304})
_HIGH_WATER_BYTES = 256 * 1024
_LOW_WATER_BYTES = 64 * 1024
# Chunk-size lines are a few bytes; a chunked body whose framing outgrows its head limit by more than
# this per chunk carries something else (a trailer flood).
_FRAMING_BYTES_PER_CHUNK = 64


class UpstreamError(Exception):
    """The model server did not give a usable answer."""


class UpstreamUnavailableError(UpstreamError):
    """The model server could not be reached or broke the connection (the proxy answers 502)."""


class UpstreamTimeoutError(UpstreamError):
    """The model server did not answer in time (the proxy answers 504)."""


class UpstreamProtocolError(UpstreamError):
    """The model server's answer is not exactly framed HTTP/1.1 (the proxy answers 502)."""


class _NotAnsweredError(UpstreamUnavailableError):
    """A reused connection was closed before any byte of the answer came back."""


class _ParseAbortError(Exception):
    """Raised in a parser callback to stop llhttp; the reason is already recorded."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection and the state of the exchange running on it (one at a time)."""

    def __init__(self, pool: UpstreamPool) -> None:
        self._pool = pool
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()
        # uvloop may return from create_connection before it calls connection_made: wait for this.
        self.made: asyncio.Future[None] = self._loop.create_future()
        self.reused = False
        self.closed = False
        self._active = False
        self._reset()

    def _reset(self) -> None:
        self._head_request = False
        self._got_bytes = False
        self._head_bytes = 0
        self._header_count = 0
        self._interim = False
        self._headers_done = False
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.content_length: int | None = None
        self._chunked = False
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
            if self._head_request or self.status in _NO_BODY_STATUSES:
                # Not a whole answer followed by noise: an answer that must have no body came with one.
                self.complete = False
                self._fail(UpstreamProtocolError(f"the model sent a body after a {self.status} answer"))
            else:
                self.close()  # the answer is whole; what came after it is never read
        self._wake()

    def _check_sizes(self, framing: int) -> None:
        limits = self._pool
        if not self._headers_done:
            self._head_bytes += framing
            if self._head_bytes > limits.max_head_bytes:
                self._fail(
                    UpstreamProtocolError(f"the model's answer head is over {limits.max_head_bytes} bytes")
                )
        elif self._chunked:
            self._framing_bytes += framing
            if self._framing_bytes > limits.max_head_bytes + _FRAMING_BYTES_PER_CHUNK * self._chunks:
                self._fail(UpstreamProtocolError("the model's chunked answer carries oversized framing"))

    def eof_received(self) -> bool | None:
        return None  # close the transport; connection_lost settles the exchange

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._pool.forget(self)
        self._cancel_deadline()
        if not self._active or self.complete or self.error is not None:
            self._wake()
            return
        if self._until_close and exc is None:
            self.complete = True  # the body ends when the server closes the connection
        elif not self._got_bytes:
            error_type = _NotAnsweredError if self.reused else UpstreamUnavailableError
            self.error = error_type("the model closed the connection without answering")
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
        if self._header_count > self._pool.max_header_count:
            self._fail(UpstreamProtocolError(f"the model sent over {self._pool.max_header_count} headers"))
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
            self._chunked = True
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
            self._chunked = False
            return
        self.status = status
        self._headers_done = True
        self.keep_alive = self._parser.should_keep_alive()
        if self._head_request:
            # llhttp cannot be told the request was HEAD and would wait for the announced body: the
            # answer is complete now, and the connection is closed after it instead of guessing.
            self.complete = True
            self.keep_alive = False
        elif status not in _NO_BODY_STATUSES and self.content_length is None and not self._chunked:
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

    async def _wait(self) -> None:
        self._wakeup = self._loop.create_future()
        await self._wakeup

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _deadline_passed(self) -> None:
        self._deadline = None
        if not self.complete and self.error is None:
            self.error = UpstreamTimeoutError(f"no complete answer within {self._pool.timeout_seconds} s")
            self.close()
            self._wake()

    async def exchange(self, method: str, payload: bytes, deadline: float) -> None:
        """Send one request and wait for the head of its answer (``error`` is raised)."""
        assert self._transport is not None
        self._reset()
        self._active = True
        self._head_request = method == "HEAD"
        self._deadline = self._loop.call_at(deadline, self._deadline_passed)
        try:
            self._transport.write(payload)
            while not self._headers_done and self.error is None:
                await self._wait()
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
            self._pool.give_back(self)
        else:
            self.close()

    def close(self) -> None:
        self._cancel_deadline()
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()


class UpstreamResponse:
    """Status and raw headers (names lower-cased) of an answer whose body is read with ``chunks``."""

    __slots__ = ("_connection", "_released", "headers", "status")

    def __init__(self, connection: _Connection) -> None:
        self._connection = connection
        self.status = connection.status
        self.headers = connection.headers
        self._released = False

    @property
    def content_length(self) -> int | None:
        """The body's length when the server announced it (not chunked, not until close)."""
        connection = self._connection
        if connection._head_request or self.status in _NO_BODY_STATUSES:
            return 0
        return None if connection._chunked else connection.content_length

    def header(self, name: bytes) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value.decode("latin-1")
        return None

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives (chunked transfer coding removed)."""
        connection = self._connection
        if self._released:
            return
        try:
            while True:
                piece = connection.take_body()
                if piece is not None:
                    yield piece
                    continue
                if connection.error is not None:
                    raise connection.error
                if connection.complete:
                    break
                await connection._wait()
        except BaseException:
            self._release()
            raise
        self._release()

    def _release(self) -> None:
        if not self._released:
            self._released = True
            self._connection.release()

    async def aclose(self) -> None:
        """Give the connection back if the answer was read to its exact end, else close it."""
        self._release()


class UpstreamPool:
    """Keep-alive connections to one ``http://`` or ``https://`` base URL.

    Credentials in the URL (``http://user:password@host``) are sent as ``Authorization: Basic`` on every
    request, replacing any the client sent; they are never shown to clients.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout_seconds: float,
        connect_timeout_seconds: float,
        max_idle: int = 512,
        max_head_bytes: int = 64 * 1024,
        max_header_count: int = 100,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("upstream: expected http://HOST:PORT or https://HOST:PORT")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self._ssl = ssl.create_default_context() if parts.scheme == "https" else None
        self._host_header = (parts.netloc.rsplit("@", 1)[-1]).encode("latin-1")
        self._prefix = parts.path.rstrip("/").encode("latin-1")
        self._authorization: bytes | None = None
        if parts.username is not None or parts.password is not None:
            user_pass = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
            self._authorization = b"Basic " + base64.b64encode(user_pass.encode())
        self.timeout_seconds = timeout_seconds
        self.connect_timeout_seconds = connect_timeout_seconds
        self.max_head_bytes = max_head_bytes
        self.max_header_count = max_header_count
        self._idle: list[_Connection] = []
        self._max_idle = max_idle

    @property
    def prefix(self) -> bytes:
        """The base URL's path (no trailing slash): every forwarded target is below it."""
        return self._prefix

    def give_back(self, connection: _Connection) -> None:
        if len(self._idle) < self._max_idle and not connection.closed:
            connection.reused = True
            self._idle.append(connection)
        else:
            connection.close()

    def forget(self, connection: _Connection) -> None:
        """A connection closed: drop it from the idle list if it is there (the server closed it)."""
        if connection in self._idle:
            self._idle.remove(connection)

    async def aclose(self) -> None:
        while self._idle:
            self._idle.pop().close()

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout_seconds):
                _, protocol = await loop.create_connection(
                    lambda: _Connection(self), self.host, self.port, ssl=self._ssl
                )
                await protocol.made
        except TimeoutError as exc:
            raise UpstreamTimeoutError("no connection to the model in time") from exc
        except OSError as exc:
            # strerror, not str(exc): the latter can name the upstream's address, which clients must not see.
            reason = exc.strerror or type(exc).__name__
            raise UpstreamUnavailableError(f"cannot connect to the model: {reason}") from exc
        return protocol

    def _take_idle(self) -> _Connection | None:
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                return connection
        return None

    def _encode(self, method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
        lines = [
            method.encode("latin-1"),
            b" ",
            self._prefix + target,
            b" HTTP/1.1\r\nhost: ",
            self._host_header,
        ]
        for name, value in headers:
            if self._authorization is not None and name == b"authorization":
                continue
            lines += [b"\r\n", name, b": ", value]
        if self._authorization is not None:
            lines += [b"\r\nauthorization: ", self._authorization]
        if body or method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
            lines += [b"\r\ncontent-length: ", str(len(body)).encode()]
        lines += [b"\r\n\r\n", body]
        return b"".join(lines)

    async def request(
        self, method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> UpstreamResponse:
        """Send one request; return once the answer's head is in. ``headers`` must hold no framing headers.

        ``target`` is the path and query below the base URL's path. Cancelling the call closes the
        connection: an answer nobody waits for is never read.
        """
        payload = self._encode(method, target, headers, body)
        deadline = asyncio.get_running_loop().time() + self.timeout_seconds
        attempts = 2 if method in IDEMPOTENT_METHODS else 1
        while True:
            attempts -= 1
            connection = self._take_idle() or await self._connect()
            try:
                await connection.exchange(method, payload, deadline)
            except _NotAnsweredError:
                connection.close()
                if attempts > 0:
                    continue
                raise UpstreamUnavailableError(
                    "the model closed a kept-alive connection without answering; not retried, "
                    f"{method} is not idempotent"
                    if method not in IDEMPOTENT_METHODS
                    else "the model closed the connection without answering, twice"
                ) from None
            except UpstreamError:
                connection.close()
                raise
            return UpstreamResponse(connection)
