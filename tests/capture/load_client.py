"""Load generator for capture tests, run as its own process: N POSTs at a fixed concurrency.

    python -m tests.capture.load_client URL REQUESTS CONCURRENCY OUT.json

A minimal HTTP/1.1 keep-alive client on asyncio streams, one connection per worker: httpx's connection
pool costs more CPU than the servers under test at this concurrency, and the load must not starve them.
Every request carries a unique ``X-Inference-Id``; OUT.json lists the ids answered 200 with the wall time
of each answer, and counts the failures (connection refused once a proxy is stopped, for instance).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import orjson


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the server keeps the connection open."""
    status_line = await reader.readuntil(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    length = -1
    chunked = False
    keep_alive = True
    while True:
        line = await reader.readuntil(b"\r\n")
        if line == b"\r\n":
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"connection" and b"close" in value.lower():
            keep_alive = False
    if chunked:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            data = await reader.readexactly(size + 2)
            if size == 0:
                break
            parts.append(data[:-2])
        return status, b"".join(parts), keep_alive
    body = await reader.readexactly(length) if length >= 0 else await reader.read()
    return status, body, keep_alive and length >= 0


async def _run(url: str, total: int, concurrency: int) -> dict[str, object]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    answered: list[tuple[str, float]] = []
    failures = 0
    statuses: dict[int, int] = {}
    next_index = 0

    async def worker() -> None:
        nonlocal next_index, failures
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        while next_index < total:
            index = next_index
            next_index += 1
            inference_id = f"load-{index}"
            body = f"{index % 97},{index % 13},{index % 7}.5".encode()
            request = (
                f"POST /invocations HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: text/csv\r\n"
                f"X-Inference-Id: {inference_id}\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            try:
                if connection is None:
                    connection = await asyncio.open_connection(host, port)
                reader, writer = connection
                writer.write(request)
                await writer.drain()
                status, _, keep_alive = await asyncio.wait_for(_read_response(reader), 30)
            except (
                OSError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
                TimeoutError,
                ValueError,
            ):
                failures += 1
                if connection is not None:
                    connection[1].close()
                connection = None
                await asyncio.sleep(0.001)
                continue
            statuses[status] = statuses.get(status, 0) + 1
            if status == 200:
                answered.append((inference_id, time.time()))
            else:
                failures += 1
            if not keep_alive:
                connection[1].close()
                connection = None
        if connection is not None:
            connection[1].close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return {
        "answered": answered,
        "failures": failures,
        "statuses": statuses,
        "elapsed_seconds": time.perf_counter() - started,
    }


def main() -> None:
    url, total, concurrency, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
    result = asyncio.run(_run(url, total, concurrency))
    out.write_bytes(orjson.dumps(result, option=orjson.OPT_NON_STR_KEYS))


if __name__ == "__main__":
    main()
