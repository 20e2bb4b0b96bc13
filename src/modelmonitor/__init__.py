"""modelmonitor: self-hosted monitoring of ML models in production, file-compatible with SageMaker.

Importing this package has no side effects: nothing is read, started or sent anywhere.
"""

from __future__ import annotations

from modelmonitor.errors import ModelMonitorError
from modelmonitor.settings import Settings

__all__ = ["ModelMonitorError", "Settings", "__version__"]

__version__ = "0.1.0"
