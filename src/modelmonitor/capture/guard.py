"""Disk-usage guard: capture pauses above a used fraction of the capture disk and resumes below it.

SageMaker stops capturing when the instance disk is too full (it recommends staying under 75%); serving goes
on. The probe is injectable (a function returning the used fraction) so the pause/resume can be tested
without filling a disk. Transitions are logged once each, not per dropped record.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

__all__ = ["DiskGuard", "disk_usage_probe"]

logger = logging.getLogger("modelmonitor.capture")

DiskProbe = Callable[[], float]


def disk_usage_probe(path: str | Path) -> DiskProbe:
    """The used fraction of the filesystem holding ``path`` (``shutil.disk_usage``)."""

    def probe() -> float:
        usage = shutil.disk_usage(path)
        return usage.used / usage.total if usage.total else 0.0

    return probe


class DiskGuard:
    """``paused`` is read on the request path; ``check`` is called periodically by the writer thread."""

    def __init__(self, probe: DiskProbe, threshold: float, where: str) -> None:
        self._probe = probe
        self.threshold = threshold
        self.where = where
        self.paused = False
        self.pauses = 0
        self.last_used_fraction = 0.0

    def check(self) -> bool:
        """Probe the disk and update ``paused``; returns it. A failing probe leaves the state unchanged."""
        try:
            used = self._probe()
        except OSError as exc:
            logger.warning("capture disk check failed for %s: %s", self.where, exc)
            return self.paused
        self.last_used_fraction = used
        if not self.paused and used >= self.threshold:
            self.paused = True
            self.pauses += 1
            logger.warning(
                "capture paused: disk at %s is %.1f%% used (threshold %.1f%%); serving continues",
                self.where,
                used * 100,
                self.threshold * 100,
            )
        elif self.paused and used < self.threshold:
            self.paused = False
            logger.warning("capture resumed: disk at %s is %.1f%% used", self.where, used * 100)
        return self.paused
