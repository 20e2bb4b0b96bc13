"""Shared fixtures: the conformance folder read in place from ../shared/conformance."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFORMANCE_DIR = REPO_ROOT.parent / "shared" / "conformance"


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    """The folder of real SageMaker outputs. In CI it must exist; elsewhere its absence skips the test."""
    if not CONFORMANCE_DIR.is_dir():
        message = f"conformance files not found at {CONFORMANCE_DIR} (they are read in place from ../shared)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CONFORMANCE_DIR
