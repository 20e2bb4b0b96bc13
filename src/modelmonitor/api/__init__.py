"""The REST API (``modelmonitor serve``): a thin FastAPI interface over ``modelmonitor.service``.

Routes, roles, tokens and the audit log: docs/api.md.
"""

from __future__ import annotations

from modelmonitor.api.app import create_app

__all__ = ["create_app"]
