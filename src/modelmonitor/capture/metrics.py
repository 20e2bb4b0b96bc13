"""Capture counters, and their exposition as Prometheus metrics on a caller-owned registry.

Each counter is incremented from one thread only (request path or writer thread), so plain ints suffice and
the request path pays no lock. Prometheus reads them through a custom collector at scrape time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

__all__ = ["CaptureCollector", "CaptureStats", "register_capture_metrics"]


@dataclass
class CaptureStats:
    """What capture did since start. Request-path counters first, writer counters after."""

    captured: int = 0
    sampled_out: int = 0
    dropped_queue_full: int = 0
    dropped_disk_full: int = 0
    dropped_write_error: int = 0  # counted by the writer thread: queued, then never written
    not_captured_error_status: int = 0
    upstream_errors: int = 0
    encode_errors: int = 0
    records_written: int = 0
    bytes_written: int = 0
    files_closed: int = 0
    write_errors: int = 0
    upload_errors: int = 0
    flush_lag_seconds: float = 0.0
    last_flush_monotonic: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


class CaptureCollector(Collector):
    """Exposes a ``CaptureStats`` and the queue depth; labels name the endpoint and variant."""

    def __init__(
        self, stats: CaptureStats, queue_depth: Callable[[], int], endpoint_name: str, variant_name: str
    ) -> None:
        self._stats = stats
        self._queue_depth = queue_depth
        self._labels = [endpoint_name, variant_name]

    def _counter(self, name: str, doc: str, value: float, extra: dict[str, str] | None = None) -> Metric:
        names = ["endpoint", "variant", *(extra or {})]
        family = CounterMetricFamily(name, doc, labels=names)
        family.add_metric([*self._labels, *(extra or {}).values()], value)
        return family

    def _gauge(self, name: str, doc: str, value: float) -> Metric:
        family = GaugeMetricFamily(name, doc, labels=["endpoint", "variant"])
        family.add_metric(self._labels, value)
        return family

    def collect(self) -> Iterator[Metric]:
        s = self._stats
        yield self._counter(
            "modelmonitor_capture_records_captured", "Records queued for writing.", s.captured
        )
        yield self._counter(
            "modelmonitor_capture_records_sampled_out", "Requests not captured by sampling.", s.sampled_out
        )
        dropped = CounterMetricFamily(
            "modelmonitor_capture_records_dropped",
            "Records not captured, by reason.",
            labels=["endpoint", "variant", "reason"],
        )
        dropped.add_metric([*self._labels, "queue_full"], s.dropped_queue_full)
        dropped.add_metric([*self._labels, "disk_full"], s.dropped_disk_full)
        dropped.add_metric([*self._labels, "write_error"], s.dropped_write_error)
        dropped.add_metric([*self._labels, "error_status"], s.not_captured_error_status)
        dropped.add_metric([*self._labels, "encode_error"], s.encode_errors)
        yield dropped
        yield self._counter(
            "modelmonitor_capture_records_written", "Records written to capture files.", s.records_written
        )
        yield self._counter(
            "modelmonitor_capture_bytes_written", "Bytes written to capture files.", s.bytes_written
        )
        yield self._counter("modelmonitor_capture_files_closed", "Capture files completed.", s.files_closed)
        yield self._counter(
            "modelmonitor_capture_write_errors", "Failed writes of capture files.", s.write_errors
        )
        yield self._counter(
            "modelmonitor_capture_upload_errors", "Failed uploads of capture files.", s.upload_errors
        )
        yield self._counter(
            "modelmonitor_capture_upstream_errors",
            "Calls the model did not answer (502/504).",
            s.upstream_errors,
        )
        yield self._gauge(
            "modelmonitor_capture_queue_depth", "Records waiting for the writer.", self._queue_depth()
        )
        yield self._gauge(
            "modelmonitor_capture_flush_lag_seconds",
            "Age of the oldest record at the last flush.",
            s.flush_lag_seconds,
        )
        since = time.monotonic() - s.last_flush_monotonic if s.last_flush_monotonic else 0.0
        yield self._gauge(
            "modelmonitor_capture_seconds_since_flush", "Seconds since the writer last flushed.", since
        )


def register_capture_metrics(
    registry: CollectorRegistry,
    stats: CaptureStats,
    queue_depth: Callable[[], int],
    endpoint_name: str,
    variant_name: str,
) -> CaptureCollector:
    collector = CaptureCollector(stats, queue_depth, endpoint_name, variant_name)
    registry.register(collector)
    return collector
