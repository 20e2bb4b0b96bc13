"""Rate-limited problem reports whose counts stay exact: one line per kind of problem per interval.

A full disk or a hung object store fails every cycle; logging each failure would flood the log, logging only
some would make the numbers lie. Each kind of problem is logged at once the first time, then at most once per
interval, and every line says how many events and records happened since the previous line of that kind.
``flush`` writes what is still uncounted (at shutdown). One instance belongs to one thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ThrottledLog"]


@dataclass
class _Pending:
    events: int = 0
    records: int = 0
    last_logged: float | None = None
    message: str = ""


class ThrottledLog:
    def __init__(
        self,
        logger: logging.Logger,
        interval_seconds: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._interval = interval_seconds
        self._clock = clock
        self._kinds: dict[str, _Pending] = {}

    def report(self, kind: str, message: str, records: int = 0) -> None:
        """Count one event of ``kind`` (losing or holding ``records``); log if the interval has passed."""
        pending = self._kinds.setdefault(kind, _Pending())
        pending.events += 1
        pending.records += records
        pending.message = message
        now = self._clock()
        if pending.last_logged is None or now - pending.last_logged >= self._interval:
            self._emit(pending)
            pending.last_logged = now

    def flush(self) -> None:
        """Log every kind with events not yet in a line."""
        for pending in self._kinds.values():
            if pending.events:
                self._emit(pending)

    def _emit(self, pending: _Pending) -> None:
        self._logger.error(
            "%s [%d event(s), %d record(s) since the last report of this kind]",
            pending.message,
            pending.events,
            pending.records,
        )
        pending.events = 0
        pending.records = 0
