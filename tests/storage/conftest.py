"""The catalog under test, SQLite and PostgreSQL (``catalog_url``: tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modelmonitor.storage.catalog import Catalog


@pytest.fixture
def catalog(catalog_url: str) -> Iterator[Catalog]:
    cat = Catalog(catalog_url)
    yield cat
    cat.close()
