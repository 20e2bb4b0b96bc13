"""Which requests are captured: a fixed percentage, decided per request before any payload is collected."""

from __future__ import annotations

import random

__all__ = ["Sampler"]


class Sampler:
    """Keeps ``percentage`` % of requests at random (0 keeps none, 100 keeps all, no random draw then).

    ``rng`` is injectable so tests can fix the sequence.
    """

    def __init__(self, percentage: float, rng: random.Random | None = None) -> None:
        self._fraction = percentage / 100.0
        self._random = (rng or random.Random()).random

    def keep(self) -> bool:
        if self._fraction >= 1.0:
            return True
        if self._fraction <= 0.0:
            return False
        return self._random() < self._fraction
