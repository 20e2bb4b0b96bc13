"""A small binary classifier for the model-quality end-to-end test, served by uvicorn on loopback.

POST /invocations  text/csv ``x`` (one feature in [0, 1]) → the probability of class 1, as text/csv.
                   The true label of ``x`` is 1 when ``x >= 0.5``: the healthy model answers ``x``.
POST /degrade      from now on the model answers ``1 - x``: every prediction wrong, on purpose.
GET  /ping         health.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_state = {"degraded": False}


async def invocations(request: Request) -> Response:
    x = float((await request.body()).decode())
    probability = 1.0 - x if _state["degraded"] else x
    return Response(f"{probability:.6f}", media_type="text/csv")


async def degrade(_: Request) -> Response:
    _state["degraded"] = True
    return Response("degraded", media_type="text/plain")


async def ping(_: Request) -> Response:
    return Response("ok", media_type="text/plain")


app = Starlette(
    routes=[
        Route("/invocations", invocations, methods=["POST"]),
        Route("/degrade", degrade, methods=["POST"]),
        Route("/ping", ping),
    ]
)
