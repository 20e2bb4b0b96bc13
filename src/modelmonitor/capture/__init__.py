"""Data capture: record what a model receives and returns, in SageMaker's capture format and layout.

- ``CaptureMiddleware``: ASGI middleware for Starlette/FastAPI model apps.
- ``create_proxy_app``: a capturing reverse proxy in front of any HTTP model server.
- ``run_batch`` / ``write_batch_manifests``: batch-job capture (manifests, docs/sagemaker.md#batch-capture).
- ``read_capture_tree``: read capture files back, skipping (and counting) a torn last line.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelmonitor.capture.asgi import CaptureMiddleware
    from modelmonitor.capture.batch import BatchManifests, BatchRunResult, run_batch, write_batch_manifests
    from modelmonitor.capture.config import CaptureSettings, CaptureSettingsSource
    from modelmonitor.capture.limits import ProxyLimits
    from modelmonitor.capture.metrics import CaptureStats
    from modelmonitor.capture.pipeline import CapturePipeline
    from modelmonitor.capture.proxy import (
        EndpointRegistration,
        ProxyEndpoint,
        ProxySettings,
        create_proxy_app,
    )
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
    "ProxyLimits",
    "ProxySettings",
    "create_proxy_app",
    "parse_capture_bytes",
    "read_capture_tree",
    "run_batch",
    "write_batch_manifests",
]

# Loaded on first use: the CLI imports this package for every command, and the proxy's and batch
# modules' dependencies (uvicorn, starlette, httpx) would otherwise cost every command their import time.
_EXPORTED_FROM = {
    "BatchManifests": "modelmonitor.capture.batch",
    "BatchRunResult": "modelmonitor.capture.batch",
    "CaptureMiddleware": "modelmonitor.capture.asgi",
    "CapturePipeline": "modelmonitor.capture.pipeline",
    "CaptureReadResult": "modelmonitor.capture.reader",
    "CaptureSettings": "modelmonitor.capture.config",
    "CaptureSettingsSource": "modelmonitor.capture.config",
    "CaptureStats": "modelmonitor.capture.metrics",
    "EndpointRegistration": "modelmonitor.capture.proxy",
    "ProxyEndpoint": "modelmonitor.capture.proxy",
    "ProxyLimits": "modelmonitor.capture.limits",
    "ProxySettings": "modelmonitor.capture.proxy",
    "create_proxy_app": "modelmonitor.capture.proxy",
    "parse_capture_bytes": "modelmonitor.capture.reader",
    "read_capture_tree": "modelmonitor.capture.reader",
    "run_batch": "modelmonitor.capture.batch",
    "write_batch_manifests": "modelmonitor.capture.batch",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTED_FROM.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
