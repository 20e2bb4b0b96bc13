"""A small model server for capture tests: served by uvicorn in a subprocess on loopback.

POST /invocations   text/csv in, one score out (text/csv; charset=utf-8); JSON in, JSON out
POST /binary        answers bytes that are not UTF-8
GET  /stream        streams 5 chunks
POST /slow          answers after 3 seconds (for upstream timeouts)
POST /fail          answers 500
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route


async def invocations(request: Request) -> Response:
    body = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        features = orjson.loads(body)["instances"]
        return Response(
            orjson.dumps({"predictions": [sum(f) / 10 for f in features]}), media_type="application/json"
        )
    values = [float(v) for v in body.decode().split(",")]
    return Response(f"{sum(values) / 100:.6f}", media_type="text/csv; charset=utf-8")


async def binary(_: Request) -> Response:
    return Response(b"\xff\xfe\x00\x81model", media_type="application/octet-stream")


async def stream(_: Request) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for index in range(5):
            await asyncio.sleep(0.01)
            yield f'{{"token": {index}}}\n'.encode()

    return StreamingResponse(chunks(), media_type="application/json")


async def slow_stream(_: Request) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"first\n"
        await asyncio.sleep(1.0)
        yield b"second\n"

    return StreamingResponse(chunks(), media_type="text/plain")


async def slow(_: Request) -> Response:
    await asyncio.sleep(3)
    return Response("late", media_type="text/csv")


async def fail(_: Request) -> Response:
    return Response("model error", status_code=500, media_type="text/plain")


async def ping(_: Request) -> Response:
    return Response("ok")


app = Starlette(
    routes=[
        Route("/invocations", invocations, methods=["POST"]),
        Route("/binary", binary, methods=["POST"]),
        Route("/stream", stream),
        Route("/slow-stream", slow_stream),
        Route("/slow", slow, methods=["POST"]),
        Route("/fail", fail, methods=["POST"]),
        Route("/ping", ping),
    ]
)
