"""A payload collected chunk by chunk while it streams past, keeping at most a fixed number of bytes."""

from __future__ import annotations

__all__ = ["BoundedBody"]


class BoundedBody:
    """Keeps the first ``limit + 1`` bytes (enough to know the payload was cut) and counts all of them."""

    __slots__ = ("_chunks", "_kept", "_limit", "size")

    def __init__(self, limit: int) -> None:
        self._limit = limit + 1
        self._chunks: list[bytes] = []
        self._kept = 0
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        room = self._limit - self._kept
        if room <= 0 or not chunk:
            return
        piece = chunk if len(chunk) <= room else chunk[:room]
        self._chunks.append(piece)
        self._kept += len(piece)

    @property
    def data(self) -> bytes:
        if len(self._chunks) == 1:
            return self._chunks[0]
        return b"".join(self._chunks)
