"""The proxy's HTTP/1.1 client to the model server: keep-alive connections on asyncio streams.

Why not httpx: measured on the 2-core CI machine, an ``httpx.AsyncClient`` call costs about 1.0 ms of CPU
against 0.05–0.09 ms for a request written in one piece on an asyncio stream, and its pool scans every
connection on each request; the proxy would spend most of its time in its client. This module does only
what a reverse proxy needs: one request write, the response head, and the body framed by
``Content-Length``, ``chunked`` or end of connection, yielded as it arrives.

A connection is reused only when its previous response was read to the end and neither side asked to
close. A reused connection that turns out to be closed before any byte of the answer is retried once on
a new connection (the server closed it while idle); any other failure is reported, never retried.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = [
    "UpstreamError",
    "UpstreamPool",
    "UpstreamResponse",
    "UpstreamTimeoutError",
    "UpstreamUnavailableError",
]

_NO_BODY_STATUSES = frozenset({204, 304})


class UpstreamError(Exception):
    """The model server did not give a usable answer."""


class UpstreamUnavailableError(UpstreamError):
    """The model server could not be reached or broke the connection (the proxy answers 502)."""


class UpstreamTimeoutError(UpstreamError):
    """The model server did not answer in time (the proxy answers 504)."""


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    reused: bool = False

    def close(self) -> None:
        self.writer.close()


@dataclass
class UpstreamResponse:
    """Status and raw headers (names lower-cased) of an answer whose body is read with ``chunks``."""

    status: int
    headers: list[tuple[bytes, bytes]]
    _pool: UpstreamPool
    _connection: _Connection | None
    _length: int | None  # None: chunked or until close, see _chunked
    _chunked: bool
    _keep_alive: bool
    _done: bool = field(default=False)

    @property
    def content_length(self) -> int | None:
        """The body's length when the server announced it (not chunked, not until close)."""
        return None if self._chunked else self._length

    def header(self, name: bytes) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value.decode("latin-1")
        return None

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives (chunked transfer coding removed)."""
        connection = self._connection
        if connection is None or self._done:
            return
        reader = connection.reader
        timeout = self._pool.timeout_seconds
        try:
            # asyncio.timeout, not wait_for: wait_for wraps every read in a new Task, which costs more CPU
            # than the read of an answer already in the buffer (py-spy on the proxy at 500 req/s).
            if self._chunked:
                while True:
                    async with asyncio.timeout(timeout):
                        size_line = await reader.readuntil(b"\r\n")
                    size = int(size_line.split(b";", 1)[0].strip(), 16)
                    if size == 0:
                        async with asyncio.timeout(timeout):
                            while await reader.readuntil(b"\r\n") != b"\r\n":
                                pass  # trailers are dropped, as hop-by-hop metadata
                        break
                    async with asyncio.timeout(timeout):
                        data = await reader.readexactly(size + 2)
                    yield data[:-2]
            elif self._length is not None:
                remaining = self._length
                while remaining > 0:
                    async with asyncio.timeout(timeout):
                        data = await reader.read(min(remaining, 65536))
                    if not data:
                        raise UpstreamUnavailableError(
                            "the model closed the connection before the end of its answer"
                        )
                    remaining -= len(data)
                    yield data
            else:
                while True:
                    async with asyncio.timeout(timeout):
                        data = await reader.read(65536)
                    if not data:
                        break
                    yield data
                self._keep_alive = False
        except TimeoutError as exc:
            self._abandon()
            raise UpstreamTimeoutError("the model stopped sending its answer") from exc
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            self._abandon()
            raise UpstreamUnavailableError(f"the model's answer broke off: {exc!r}") from exc
        self._done = True
        self._release()

    def _release(self) -> None:
        if self._connection is not None:
            if self._keep_alive:
                self._pool.give_back(self._connection)
            else:
                self._connection.close()
            self._connection = None

    def _abandon(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def aclose(self) -> None:
        """Give the connection back if the body was read to the end, else close it."""
        if self._done or (self._length == 0 and not self._chunked):
            self._release()
        else:
            self._abandon()


class UpstreamPool:
    """Keep-alive connections to one ``http://`` or ``https://`` base URL."""

    def __init__(
        self, base_url: str, *, timeout_seconds: float, connect_timeout_seconds: float, max_idle: int = 512
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"upstream: got {base_url!r}, expected http://HOST:PORT or https://HOST:PORT")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self._ssl = ssl.create_default_context() if parts.scheme == "https" else None
        self._host_header = (parts.netloc.rsplit("@", 1)[-1]).encode("latin-1")
        self._prefix = parts.path.rstrip("/").encode("latin-1")
        self.timeout_seconds = timeout_seconds
        self.connect_timeout_seconds = connect_timeout_seconds
        self._idle: list[_Connection] = []
        self._max_idle = max_idle

    def give_back(self, connection: _Connection) -> None:
        if len(self._idle) < self._max_idle and not connection.reader.at_eof():
            connection.reused = True
            self._idle.append(connection)
        else:
            connection.close()

    async def aclose(self) -> None:
        while self._idle:
            self._idle.pop().close()

    async def _connect(self) -> _Connection:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port, ssl=self._ssl, limit=1 << 20),
                self.connect_timeout_seconds,
            )
        except TimeoutError as exc:
            raise UpstreamTimeoutError(f"no connection to {self.host}:{self.port} in time") from exc
        except OSError as exc:
            raise UpstreamUnavailableError(
                f"cannot connect to {self.host}:{self.port}: {exc.strerror or exc}"
            ) from exc
        return _Connection(reader, writer)

    def _encode(self, method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
        lines = [
            method.encode("latin-1"),
            b" ",
            self._prefix + target,
            b" HTTP/1.1\r\nhost: ",
            self._host_header,
        ]
        for name, value in headers:
            lines += [b"\r\n", name, b": ", value]
        if body or method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
            lines += [b"\r\ncontent-length: ", str(len(body)).encode()]
        lines += [b"\r\n\r\n", body]
        return b"".join(lines)

    async def request(
        self, method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> UpstreamResponse:
        """Send one request; return once the response head is in. ``headers`` must hold no framing headers."""
        payload = self._encode(method, target, headers, body)
        while True:
            connection = self._idle.pop() if self._idle else await self._connect()
            try:
                async with asyncio.timeout(self.timeout_seconds):
                    return await self._exchange(connection, method, payload)
            except TimeoutError as exc:
                connection.close()
                raise UpstreamTimeoutError(
                    f"no answer from {self.host}:{self.port} within {self.timeout_seconds} s"
                ) from exc
            except _StaleConnectionError:
                connection.close()
                continue  # an idle connection the server had closed: try the next one, or a new one
            except UpstreamError:
                connection.close()
                raise
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
                connection.close()
                raise UpstreamUnavailableError(f"the model broke the connection: {exc!r}") from exc

    async def _exchange(self, connection: _Connection, method: str, payload: bytes) -> UpstreamResponse:
        reader = connection.reader
        try:
            connection.writer.write(payload)
            await connection.writer.drain()
            status_line = await reader.readuntil(b"\r\n")
        except (OSError, asyncio.IncompleteReadError) as exc:
            if connection.reused:
                raise _StaleConnectionError from exc
            raise UpstreamUnavailableError(
                f"the model closed the connection without answering: {exc!r}"
            ) from exc
        while True:
            version, status, headers = await _read_head(reader, status_line)
            if not 100 <= status < 200 or status == 101:
                break
            status_line = await reader.readuntil(b"\r\n")  # 1xx interim answers are skipped
        length: int | None = None
        chunked = False
        connection_tokens = b""
        for name, value in headers:
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                connection_tokens = value.lower()
        keep_alive = (
            b"close" not in connection_tokens
            if version == b"HTTP/1.1"
            else b"keep-alive" in connection_tokens
        )
        if method == "HEAD" or status in _NO_BODY_STATUSES:
            length, chunked = 0, False
        elif chunked:
            length = None
        elif length is None:
            keep_alive = False  # the body ends when the server closes the connection
        return UpstreamResponse(status, headers, self, connection, length, chunked, keep_alive)


class _StaleConnectionError(Exception):
    """A reused keep-alive connection was closed by the server before it answered."""


async def _read_head(
    reader: asyncio.StreamReader, status_line: bytes
) -> tuple[bytes, int, list[tuple[bytes, bytes]]]:
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        raise ValueError(f"not an HTTP status line: {status_line[:80]!r}")
    headers: list[tuple[bytes, bytes]] = []
    while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
        name, _, value = line.partition(b":")
        headers.append((name.strip().lower(), value.strip()))
    return parts[0], int(parts[1]), headers
