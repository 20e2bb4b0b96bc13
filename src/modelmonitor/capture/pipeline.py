"""The capture pipeline of one process: sample → encode → bounded queue → writer thread.

Proxy, ASGI middleware and tests drive capture only through this class. The request path calls
``should_capture(method, path)`` before collecting payloads and ``submit`` once the response is complete;
neither blocks, raises, nor touches the disk.
"""

from __future__ import annotations

import atexit
import logging
import random
import time
from collections.abc import Callable
from fnmatch import fnmatchcase

from prometheus_client.registry import CollectorRegistry

from modelmonitor.capture.buffer import CaptureBuffer
from modelmonitor.capture.config import CaptureSettings
from modelmonitor.capture.guard import DiskGuard, disk_usage_probe
from modelmonitor.capture.metrics import CaptureCollector, CaptureStats, register_capture_metrics
from modelmonitor.capture.records import EventIds, PayloadEncoder, SecondTexts, build_capture_line
from modelmonitor.capture.sampler import Sampler
from modelmonitor.capture.throttled_log import ThrottledLog
from modelmonitor.capture.writer import CaptureWriter

__all__ = ["CapturePipeline"]

logger = logging.getLogger("modelmonitor.capture")


class CapturePipeline:
    """Sampling, encoding, queueing and writing of capture records for one endpoint variant.

    ``disk_probe`` returns the used fraction of the capture disk (default: ``shutil.disk_usage`` of the
    capture directory or spool); ``rng`` and ``clock`` are injectable for tests.
    """

    def __init__(
        self,
        settings: CaptureSettings,
        *,
        disk_probe: Callable[[], float] | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.stats = CaptureStats()
        self.buffer = CaptureBuffer(settings.queue_size)
        self._sampler = Sampler(settings.sampling_percentage, rng)
        self._encoder = PayloadEncoder(settings)
        self._event_ids = EventIds()
        self._second_texts = SecondTexts()
        self._clock = clock
        self._drops = ThrottledLog(logger)  # request-path drops; one line a minute at most, exact counts
        self.writer = CaptureWriter(settings, self.buffer, self.stats, None, clock=clock)
        probe = disk_probe or disk_usage_probe(self.writer.local_root)
        self.guard = DiskGuard(probe, settings.disk_usage_threshold, str(self.writer.local_root))
        self.writer.guard = self.guard

    def start(self) -> None:
        if self.settings.enabled and not self.writer.running:
            self.writer.start()
            # An app that never runs its lifespan shutdown still gets its queue written at exit.
            atexit.register(self.close)

    def flush(self, timeout_seconds: float = 10.0) -> bool:
        """Write every record submitted so far now, and wait for it (``CaptureWriter.flush``)."""
        return self.writer.flush(timeout_seconds)

    def close(self, timeout_seconds: float = 30.0) -> None:
        atexit.unregister(self.close)
        self.writer.close(timeout_seconds)
        self._drops.flush()

    def register_metrics(self, registry: CollectorRegistry) -> CaptureCollector:
        s = self.settings
        return register_capture_metrics(
            registry, self.stats, self.buffer.__len__, s.endpoint_name, s.variant_name
        )

    def should_capture(self, method: str, path: str) -> bool:
        """Decide, before any payload is kept, whether this request is captured (counts sampled-out ones).

        Only inference calls are captured: ``capture_methods`` (default POST) and, when set,
        ``capture_paths``; other calls (health checks) are neither captured nor counted as sampled out.
        """
        s = self.settings
        if not s.enabled or method not in s.capture_methods:
            return False
        if s.capture_paths and not any(fnmatchcase(path, pattern) for pattern in s.capture_paths):
            return False
        if self._sampler.keep():
            return True
        self.stats.sampled_out += 1
        return False

    def submit(
        self,
        *,
        status: int,
        request_body: bytes,
        request_content_type: str | None,
        response_body: bytes,
        response_content_type: str | None,
        inference_id: str | None,
        request_size: int | None = None,
        response_size: int | None = None,
    ) -> bool:
        """Queue the record of one completed call; True when queued. Only 2xx answers are captured."""
        stats = self.stats
        if not 200 <= status < 300:
            stats.not_captured_error_status += 1
            return False
        if self.guard.paused:
            stats.dropped_disk_full += 1
            return False
        s = self.settings
        try:
            input_event = (
                self._encoder.encode(request_body, request_content_type, "INPUT", request_size)
                if s.capture_input
                else None
            )
            output_event = (
                self._encoder.encode(response_body, response_content_type, "OUTPUT", response_size)
                if s.capture_output
                else None
            )
            line = build_capture_line(
                input_event=input_event,
                output_event=output_event,
                inference_id=inference_id,
                epoch_seconds=self._clock(),
                event_ids=self._event_ids,
                second_texts=self._second_texts,
            )
        except Exception:  # a record we cannot encode is counted, never raised into the request
            stats.encode_errors += 1
            logger.exception("capture record could not be encoded")
            return False
        if self.buffer.offer(line):
            stats.captured += 1
            return True
        stats.dropped_queue_full += 1
        self._drops.report(
            "queue_full",
            f"capture queue full ({self.settings.queue_size} records): records dropped as queue_full",
            1,
        )
        return False
