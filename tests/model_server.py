"""A scikit-learn model served over HTTP on loopback, as a model server behind an endpoint would be.

POST any path with rows as CSV (one row a line), JSON Lines (``{"features": [...]}`` a line) or JSON
(``{"instances": [[...], ...]}``); the answer is the positive-class probability of each row, in the
request's format (CSV: one number a line; JSON Lines: ``{"score": p}`` a line; JSON:
``{"predictions": [{"score": p}, ...]}``). ``fail_when(row)`` makes the server answer 500 to a request
holding such a row (a model that errors on some rows); ``delay`` seconds are slept before each answer;
``fail_first`` answers 503 to the first requests (to exercise retries). ``requests`` counts requests.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np


@dataclass
class ModelServer:
    model: Any
    fail_when: Callable[[Sequence[float]], bool] | None = None
    delay: float = 0.0
    fail_first: int = 0
    requests: int = 0
    rows: int = 0
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def predict(self, rows: list[list[float]]) -> list[float]:
        return [float(p) for p in self.model.predict_proba(np.asarray(rows, dtype=np.float64))[:, 1]]


def _rows(content_type: str, body: bytes) -> list[list[float]]:
    text = body.decode()
    if content_type.startswith("text/csv"):
        return [[float(v) for v in line.split(",")] for line in text.splitlines() if line.strip()]
    if content_type.startswith("application/jsonlines"):
        return [json.loads(line)["features"] for line in text.splitlines() if line.strip()]
    return list(json.loads(text)["instances"])


def _answer(content_type: str, scores: list[float]) -> bytes:
    if content_type.startswith("text/csv"):
        return "\n".join(repr(s) for s in scores).encode()
    if content_type.startswith("application/jsonlines"):
        return "\n".join(json.dumps({"score": s}) for s in scores).encode()
    return json.dumps({"predictions": [{"score": s} for s in scores]}).encode()


@contextmanager
def model_server(
    model: Any,
    *,
    fail_when: Callable[[Sequence[float]], bool] | None = None,
    delay: float = 0.0,
    fail_first: int = 0,
) -> Iterator[ModelServer]:
    served = ModelServer(model, fail_when, delay, fail_first)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            content_type = self.headers.get("Content-Type", "text/csv")
            with served._lock:
                served.requests += 1
                failing = served.requests <= served.fail_first
            if served.delay:
                time.sleep(served.delay)
            rows = _rows(content_type, body)
            if failing or (served.fail_when is not None and any(served.fail_when(row) for row in rows)):
                self._send(500 if not failing else 503, b"model error", "text/plain")
                return
            with served._lock:
                served.rows += len(rows)
            self._send(200, _answer(content_type, served.predict(rows)), content_type)

        def do_GET(self) -> None:
            self._send(200, b"ok", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    served.url = f"http://127.0.0.1:{server.server_address[1]}/invocations"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
