"""Hostile peers for the proxy, on loopback: a scripted raw upstream, a stdlib model server, a raw client.

Everything is bounded: sockets have timeouts, servers run in daemon threads and are shut down by the tests.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httptools

# What a scripted upstream does for one request: send bytes, sleep seconds, or close the connection (None).
Action = bytes | float | None
Script = Callable[[bytes, bytes], Sequence[Action]]


@dataclass
class Seen:
    """One request as the upstream received it, byte for byte, and the connection it came on."""

    connection: int
    raw: bytes

    @property
    def path(self) -> bytes:
        return self.raw.split(b" ", 2)[1]

    def header(self, name: bytes) -> bytes | None:
        head = self.raw.split(b"\r\n\r\n", 1)[0]
        for line in head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.strip().lower() == name:
                return value.strip()
        return None


@dataclass
class RawUpstream:
    """A model server that answers each request with exactly the bytes ``script(path, request)`` says."""

    script: Script
    seen: list[Seen] = field(default_factory=list)
    closed_connections: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        upstream = self
        counter = iter(range(1, 1_000_000))
        lock = threading.Lock()

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with lock:
                    number = next(counter)
                sock: socket.socket = self.request
                sock.settimeout(20)
                buffer = b""
                try:
                    while True:
                        while b"\r\n\r\n" not in buffer:
                            data = sock.recv(65536)
                            if not data:
                                return
                            buffer += data
                        head, _, rest = buffer.partition(b"\r\n\r\n")
                        length = 0
                        for line in head.split(b"\r\n")[1:]:
                            key, _, value = line.partition(b":")
                            if key.strip().lower() == b"content-length":
                                length = int(value)
                        while len(rest) < length:
                            data = sock.recv(65536)
                            if not data:
                                return
                            rest += data
                        request = head + b"\r\n\r\n" + rest[:length]
                        buffer = rest[length:]
                        upstream.seen.append(Seen(number, request))
                        for action in upstream.script(request.split(b" ", 2)[1], request):
                            if action is None:
                                return
                            if isinstance(action, float):
                                time.sleep(action)
                            else:
                                sock.sendall(action)
                except OSError:
                    return
                finally:
                    upstream.closed_connections.append(number)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def paths(self) -> list[bytes]:
        return [seen.path for seen in self.seen]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class StdlibModel(BaseHTTPRequestHandler):
    """A keep-alive model server on Python's http.server, which ignores the body of a GET, as many do."""

    protocol_version = "HTTP/1.1"
    seen: list[str]

    def do_GET(self) -> None:
        self.seen.append(self.requestline)
        self._answer(b"pong")

    def do_POST(self) -> None:
        self.seen.append(self.requestline)
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        self._answer(b"score-of:" + body)

    def _answer(self, data: bytes) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def start_stdlib_model() -> tuple[ThreadingHTTPServer, list[str]]:
    seen: list[str] = []
    handler = type("Handler", (StdlibModel,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


@dataclass
class Answer:
    status: int
    headers: dict[bytes, bytes]
    body: bytes


def parse_answers(data: bytes) -> list[Answer]:
    """Every complete HTTP/1.1 answer in ``data``, in order (an incomplete last one is left out)."""
    answers: list[Answer] = []

    class Collector:
        def __init__(self) -> None:
            self.headers: dict[bytes, bytes] = {}
            self.body = b""

        def on_message_begin(self) -> None:
            self.headers, self.body = {}, b""

        def on_header(self, name: bytes, value: bytes) -> None:
            self.headers[name.lower()] = value

        def on_body(self, body: bytes) -> None:
            self.body += body

        def on_message_complete(self) -> None:
            answers.append(Answer(parser.get_status_code(), self.headers, self.body))

    collector = Collector()
    parser = httptools.HttpResponseParser(collector)
    with contextlib.suppress(httptools.HttpParserError):
        parser.feed_data(data)
    return answers


def send_raw(port: int, data: bytes, *, timeout_seconds: float = 10.0, pause_seconds: float = 0.0) -> bytes:
    """Send ``data`` on a new connection and read until the proxy closes it (or the timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_seconds) as sock:
        sock.sendall(data)
        if pause_seconds:
            time.sleep(pause_seconds)
        chunks: list[bytes] = []
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def post(path: bytes, body: bytes, *, inference_id: bytes | None = None, close: bool = True) -> bytes:
    """A raw POST with ``Connection: close`` (unless ``close`` is false)."""
    lines = [b"POST " + path + b" HTTP/1.1", b"host: proxy", b"content-type: text/plain"]
    if inference_id is not None:
        lines.append(b"x-inference-id: " + inference_id)
    if close:
        lines.append(b"connection: close")
    lines.append(b"content-length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
