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
- A request is sent at most twice: again on a new connection only when its method is idempotent and the
  connection was closed before any byte of the answer (typically a server closing an idle connection
  just as the request was written). To make that race rare for the methods that are never resent,
  connections idle for more than ``max_idle_seconds`` (1.5 s) are closed, not reused.
- The whole answer, head and body, must arrive within ``timeout_seconds`` of sending the request.
- Bodies stream in the pieces llhttp hands over (never one read of an announced size); reading from the
  model pauses while more than 256 KiB wait for the client.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import AsyncIterator
from urllib.parse import unquote, urlsplit

from modelmonitor.capture.upstream_connection import (
    NO_BODY_STATUSES,
    AnswerLimits,
    NotAnsweredError,
    UpstreamConnection,
    UpstreamError,
    UpstreamProtocolError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)

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


class UpstreamResponse:
    """Status and raw headers (names lower-cased) of an answer whose body is read with ``chunks``."""

    __slots__ = ("_connection", "_released", "headers", "status")

    def __init__(self, connection: UpstreamConnection) -> None:
        self._connection = connection
        self.status = connection.status
        self.headers = connection.headers
        self._released = False

    @property
    def content_length(self) -> int | None:
        """The body's length when the server announced it (not chunked, not until close)."""
        connection = self._connection
        if connection.head_request or self.status in NO_BODY_STATUSES:
            return 0
        return None if connection.chunked else connection.content_length

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
                await connection.wait()
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
        max_idle_seconds: float = 1.5,
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
        self._limits = AnswerLimits(max_head_bytes, max_header_count, timeout_seconds)
        self._idle: list[UpstreamConnection] = []
        self._max_idle = max_idle
        self._max_idle_seconds = max_idle_seconds

    def give_back(self, connection: UpstreamConnection) -> None:
        if len(self._idle) < self._max_idle and not connection.closed:
            connection.idle_since = asyncio.get_running_loop().time()
            self._idle.append(connection)
        else:
            connection.close()

    def forget(self, connection: UpstreamConnection) -> None:
        """A connection closed: drop it from the idle list if it is there (the server closed it)."""
        if connection in self._idle:
            self._idle.remove(connection)

    async def aclose(self) -> None:
        while self._idle:
            self._idle.pop().close()

    async def _connect(self) -> UpstreamConnection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout_seconds):
                _, protocol = await loop.create_connection(
                    lambda: UpstreamConnection(self._limits, self.give_back, self.forget),
                    self.host,
                    self.port,
                    ssl=self._ssl,
                )
                await protocol.made
        except TimeoutError as exc:
            raise UpstreamTimeoutError("no connection to the model in time") from exc
        except OSError as exc:
            # strerror, not str(exc): the latter can name the upstream's address, which clients must not see.
            reason = exc.strerror or type(exc).__name__
            raise UpstreamUnavailableError(f"cannot connect to the model: {reason}") from exc
        return protocol

    def _take_idle(self) -> UpstreamConnection | None:
        """The most recently used idle connection, unless it has been idle too long.

        Servers close idle connections on their own clock (uvicorn after 5 s, gunicorn after 2 s); a
        request written just as the server closes is lost, and a POST is not resent. Connections idle
        longer than ``max_idle_seconds`` are closed instead of used: the list is in give-back order, so
        when the newest is too old, all are.
        """
        if not self._idle:
            return None
        oldest_usable = asyncio.get_running_loop().time() - self._max_idle_seconds
        while self._idle:
            connection = self._idle.pop()
            if connection.closed:
                continue
            if connection.idle_since < oldest_usable:
                connection.close()
                while self._idle:
                    self._idle.pop().close()
                return None
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
            except NotAnsweredError:
                connection.close()
                if attempts > 0:
                    continue
                raise UpstreamUnavailableError(
                    "the model closed the connection without answering; "
                    f"not resent, {method} is not idempotent"
                    if method not in IDEMPOTENT_METHODS
                    else "the model closed the connection without answering, twice"
                ) from None
            except UpstreamError:
                connection.close()
                raise
            return UpstreamResponse(connection)
