"""The clock the scheduler runs on, injected: the system clock, or a stepping clock for tests and demos.

``SteppingClock`` jumps: ``sleep(d)`` moves its time forward by ``d`` at once (pausing a little real time
so subprocesses make progress). A daemon on it goes through a day of hourly schedules in seconds while the
executions themselves are real processes. Runtime limits of executions are measured in real time.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "SteppingClock", "SystemClock"]


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Wall-clock time; ``sleep`` ends early when ``wake`` is set (so a daemon stops promptly)."""

    def __init__(self, wake: threading.Event | None = None) -> None:
        self._wake = wake

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if self._wake is not None:
            self._wake.wait(max(0.0, seconds))
        else:
            time.sleep(max(0.0, seconds))


class SteppingClock:
    """Time that advances only when slept through (thread-safe)."""

    def __init__(self, start: datetime, real_pause_seconds: float = 0.0) -> None:
        self._now = start.astimezone(UTC)
        self._pause = real_pause_seconds
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        if self._pause:
            time.sleep(min(self._pause, max(0.0, seconds)))
        self.advance(max(0.0, seconds))
