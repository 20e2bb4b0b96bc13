"""What the proxy refused, by reason: counted for Prometheus and logged at most once per interval per reason.

A refusal is a request (or a model answer) the proxy would not pass on: too large, too slow, malformed, or
one connection too many. Each is counted in ``modelmonitor_capture_proxy_refusals_total{reason=...}``; the
log gets one line per reason per ``log_interval_seconds`` with the number of refusals it stands for, so a
flood cannot flood the log. Failed model calls are logged through the same limiter (``log_limited``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Literal, get_args

from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

__all__ = ["RefusalReason", "Refusals"]

logger = logging.getLogger("modelmonitor.capture")

RefusalReason = Literal[
    "body_not_allowed",
    "body_timeout",
    "body_too_large",
    "bad_target",
    "client_disconnected",
    "head_too_large",
    "header_timeout",
    "malformed_request",
    "too_many_connections",
    "upgrade",
    "upstream_protocol",
]


class Refusals(Collector):
    """Counters of refusals by reason (request path only, so plain ints) and their rate-limited log."""

    def __init__(
        self,
        endpoint_name: str,
        variant_name: str,
        *,
        log_interval_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._labels = [endpoint_name, variant_name]
        self.counts: dict[str, int] = dict.fromkeys(get_args(RefusalReason), 0)
        self._log_interval_seconds = log_interval_seconds
        self._clock = clock
        self._last_logged: dict[str, float] = {}
        self._unlogged: dict[str, int] = {}

    def refuse(self, reason: RefusalReason, detail: str) -> None:
        self.counts[reason] += 1
        self.log_limited(reason, f"proxy refused ({reason}): {detail}")

    def log_limited(self, key: str, message: str) -> None:
        """Log ``message`` unless a message of ``key`` was logged within the interval (then count it)."""
        now = self._clock()
        last = self._last_logged.get(key)
        if last is not None and now - last < self._log_interval_seconds:
            self._unlogged[key] = self._unlogged.get(key, 0) + 1
            return
        earlier, self._unlogged[key] = self._unlogged.get(key, 0), 0
        self._last_logged[key] = now
        more = f" (and {earlier} more since the last message)" if earlier else ""
        logger.warning("%s%s", message, more)

    def register(self, registry: CollectorRegistry) -> None:
        registry.register(self)

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "modelmonitor_capture_proxy_refusals",
            "Requests, connections and model answers the proxy refused, by reason.",
            labels=["endpoint", "variant", "reason"],
        )
        for reason, count in self.counts.items():
            family.add_metric([*self._labels, reason], count)
        yield family
