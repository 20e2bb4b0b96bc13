"""The bounded in-memory queue between request handlers and the writer thread.

``offer`` never blocks and never waits for a lock held by the writer: it appends to a ``deque`` (atomic in
CPython) after a length check, so a full queue costs one comparison and a counter increment. The bound is
approximate by at most the number of threads offering at the same instant.
"""

from __future__ import annotations

import threading
from collections import deque

from modelmonitor.capture.records import CaptureLine

__all__ = ["CaptureBuffer"]


class CaptureBuffer:
    """At most ``capacity`` lines; the writer is woken early when the queue is half full."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._high_water = max(1, capacity // 2)
        self._lines: deque[CaptureLine] = deque()
        self.wakeup = threading.Event()

    def __len__(self) -> int:
        return len(self._lines)

    def offer(self, line: CaptureLine) -> bool:
        """Queue ``line``; False (and nothing queued) when the queue is full."""
        size = len(self._lines)
        if size >= self.capacity:
            return False
        self._lines.append(line)
        if size + 1 >= self._high_water:
            self.wakeup.set()
        return True

    def drain(self) -> list[CaptureLine]:
        """Everything queued so far, oldest first (called by the writer only)."""
        taken: list[CaptureLine] = []
        pop = self._lines.popleft
        try:
            for _ in range(len(self._lines)):
                taken.append(pop())
        except IndexError:  # pragma: no cover - only the writer pops, so this cannot race
            pass
        return taken
