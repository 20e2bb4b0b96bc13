"""Bodies larger than ``MAX_BODY_BYTES`` are refused (413) before anything reads them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import JSONResponse, Response

__all__ = ["MAX_BODY_BYTES", "limit_body_size"]

# A schedule definition is a few KiB; a megabyte is far beyond any legitimate request.
MAX_BODY_BYTES = 1 << 20


async def limit_body_size(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            return JSONResponse({"detail": f"content-length: got {declared!r}, expected a number"}, 400)
        if int(declared) > MAX_BODY_BYTES:
            return JSONResponse(
                {"detail": f"request body of {declared} bytes is over the limit of {MAX_BODY_BYTES} bytes"},
                413,
            )
    elif request.headers.get("transfer-encoding", "").lower() == "chunked":
        return JSONResponse({"detail": "chunked request bodies are not accepted: send content-length"}, 411)
    return await call_next(request)
