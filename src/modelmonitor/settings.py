"""Settings read once, at the edge, from MODELMONITOR_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings"]


@dataclass(frozen=True)
class Settings:
    """Where modelmonitor keeps its state.

    - ``home``: ``MODELMONITOR_HOME`` (default ``~/.modelmonitor``): catalog, logs, default outputs.
    - ``catalog_url``: ``MODELMONITOR_CATALOG_URL`` (default SQLite file under home); any SQLAlchemy URL.
    """

    home: Path
    catalog_url: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        home = Path(env.get("MODELMONITOR_HOME", str(Path.home() / ".modelmonitor"))).expanduser()
        catalog_url = env.get("MODELMONITOR_CATALOG_URL") or f"sqlite:///{home / 'catalog.sqlite'}"
        return cls(home=home, catalog_url=catalog_url)
