"""Data capture: record what a model receives and returns, in SageMaker's capture format and layout.

- ``CaptureMiddleware``: ASGI middleware for Starlette/FastAPI model apps.
- ``create_proxy_app``: a capturing reverse proxy in front of any HTTP model server.
- ``run_batch`` / ``write_batch_manifests``: batch-job capture (manifests, reference §1.4).
- ``read_capture_tree``: read capture files back, skipping (and counting) a torn last line.
"""

from __future__ import annotations

from modelmonitor.capture.asgi import CaptureMiddleware
from modelmonitor.capture.batch import BatchManifests, BatchRunResult, run_batch, write_batch_manifests
from modelmonitor.capture.config import CaptureSettings, CaptureSettingsSource
from modelmonitor.capture.metrics import CaptureStats
from modelmonitor.capture.pipeline import CapturePipeline
from modelmonitor.capture.proxy import EndpointRegistration, ProxyEndpoint, ProxySettings, create_proxy_app
from modelmonitor.capture.reader import CaptureReadResult, parse_capture_bytes, read_capture_tree

__all__ = [
    "BatchManifests",
    "BatchRunResult",
    "CaptureMiddleware",
    "CapturePipeline",
    "CaptureReadResult",
    "CaptureSettings",
    "CaptureSettingsSource",
    "CaptureStats",
    "EndpointRegistration",
    "ProxyEndpoint",
    "ProxySettings",
    "create_proxy_app",
    "parse_capture_bytes",
    "read_capture_tree",
    "run_batch",
    "write_batch_manifests",
]
