"""Who watches an execution, and for how long: its owner and the owner's lease in the catalog.

Every execution is owned by the process that started it — the scheduler daemon or a ``run-now`` — named
``host:pid:token`` (the random token tells apart two owners whose pid was reused). The owner renews its
lease on its executions from a thread every third of the lease; an execution whose lease has expired has a
dead (or hung) owner, and any scheduler may take it over (``Catalog.take_over``, a compare-and-set).
Leases are kept in real (wall-clock) time whatever clock the scheduler runs its slots on, since they say
whether a process is alive.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from modelmonitor.scheduler.clock import Clock
from modelmonitor.storage.catalog import Catalog

__all__ = ["DEFAULT_LEASE_SECONDS", "LeaseKeeper", "Owner"]

logger = logging.getLogger("modelmonitor.scheduler")

# Long enough that a busy catalog or a slow upload does not lose a live owner its executions; short
# enough that a survivor recovers a dead owner's work within a minute.
DEFAULT_LEASE_SECONDS = 30.0


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    token: str

    @classmethod
    def of_this_process(cls) -> Owner:
        return cls(socket.gethostname(), os.getpid(), secrets.token_hex(8))

    @property
    def id(self) -> str:
        return f"{self.host}:{self.pid}:{self.token}"


class LeaseKeeper:
    """Renews ``owner``'s lease on the executions it holds, from a daemon thread, until released."""

    def __init__(self, catalog: Catalog, owner: Owner, lease_seconds: float, clock: Clock) -> None:
        if lease_seconds <= 0:
            raise ValueError(f"lease_seconds: got {lease_seconds}, expected more than 0")
        self.catalog = catalog
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.clock = clock
        self._held: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def now(self) -> datetime:
        return self.clock.now()

    def expiry(self) -> datetime:
        """When a lease taken or renewed now runs out."""
        return self.clock.now() + timedelta(seconds=self.lease_seconds)

    def hold(self, execution_id: int) -> None:
        with self._lock:
            self._held.add(execution_id)
            if self._thread is None:
                self._thread = threading.Thread(target=self._renew_loop, name="lease-renewal", daemon=True)
                self._thread.start()

    def release(self, execution_id: int) -> None:
        with self._lock:
            self._held.discard(execution_id)

    def renew(self) -> set[int]:
        """Renew every lease held now; the ids whose lease another scheduler took (no longer ours)."""
        with self._lock:
            held = sorted(self._held)
        if not held:
            return set()
        kept = self.catalog.renew_leases(self.owner.id, held, self.expiry())
        lost = set(held) - kept
        for execution_id in sorted(lost):
            logger.error(
                "execution %s: another scheduler took it over (this process %s missed its lease renewals)",
                execution_id,
                self.owner.id,
            )
        return lost

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.lease_seconds / 3):
            try:
                self.renew()
            except (SQLAlchemyError, OSError):
                # The next renewal retries; the lease outlives two missed ones.
                logger.exception("renewing execution leases failed")

    def close(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
