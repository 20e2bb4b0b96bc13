from __future__ import annotations

from pathlib import Path

from modelmonitor.settings import Settings


def test_defaults_live_under_home(tmp_path: Path) -> None:
    settings = Settings.from_env({"MODELMONITOR_HOME": str(tmp_path)})
    assert settings.home == tmp_path
    assert settings.catalog_url == f"sqlite:///{tmp_path / 'catalog.sqlite'}"


def test_catalog_url_overrides() -> None:
    url = "postgresql+psycopg://u@127.0.0.1:5432/mm"
    settings = Settings.from_env({"MODELMONITOR_HOME": "/x", "MODELMONITOR_CATALOG_URL": url})
    assert settings.catalog_url == url
