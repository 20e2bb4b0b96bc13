"""Shared fixtures: the real SageMaker files kept in tests/conformance/data (see its SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFORMANCE_DIR = Path(__file__).resolve().parent / "conformance" / "data"


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    """The folder of real SageMaker outputs; part of the repository, so never skipped."""
    return CONFORMANCE_DIR
