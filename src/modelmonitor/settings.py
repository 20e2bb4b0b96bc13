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
    - ``lease_seconds``: ``MODELMONITOR_LEASE_SECONDS`` (default 30): how long an execution's owner (a
      scheduler or ``run-now``) holds it without renewing; past it, another scheduler takes it over.
    """

    home: Path
    catalog_url: str
    lease_seconds: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        # Absolute at once: jobs run in their execution folder, so a relative home would be read relative
        # to it (an execution's exit message then landed in home/executions/1/home/executions/1/).
        home = Path(env.get("MODELMONITOR_HOME", str(Path.home() / ".modelmonitor"))).expanduser().absolute()
        catalog_url = _absolute_sqlite(env.get("MODELMONITOR_CATALOG_URL") or "") or (
            f"sqlite:///{home / 'catalog.sqlite'}"
        )
        lease = env.get("MODELMONITOR_LEASE_SECONDS") or "30"
        try:
            lease_seconds = float(lease)
        except ValueError:
            lease_seconds = -1.0
        if not lease_seconds > 0:
            # errors sits beside settings in the layers, so this one is a ValueError.
            raise ValueError(
                f"MODELMONITOR_LEASE_SECONDS: got {lease!r}, expected a number of seconds greater than 0"
            )
        return cls(home=home, catalog_url=catalog_url, lease_seconds=lease_seconds)


def _absolute_sqlite(url: str) -> str:
    """``sqlite:///relative.db`` names a file relative to the working directory: make it absolute."""
    prefix = "sqlite:///"
    if (
        not url.startswith(prefix)
        or url.startswith(prefix + "/")
        or url[len(prefix) :].startswith(":memory:")
    ):
        return url
    path, _, query = url[len(prefix) :].partition("?")
    if not path:
        return url
    absolute = f"{prefix}{Path(path).expanduser().absolute()}"
    return f"{absolute}?{query}" if query else absolute
