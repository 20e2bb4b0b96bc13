"""What holds captured data or secrets is private: 0600 files in 0700 folders, whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from modelmonitor.errors import ConfigurationError
from modelmonitor.scheduler.clock import SteppingClock
from modelmonitor.scheduler.loop import Scheduler
from modelmonitor.storage.catalog import Catalog
from modelmonitor.storage.private import require_private_dir


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    """The most permissive common umask: private modes must not depend on the user's."""
    previous = os.umask(0o000)
    yield
    os.umask(previous)


def test_catalog_home_lock_and_wal_are_private(tmp_path: Path) -> None:
    home = tmp_path / "new" / "home"
    catalog = Catalog(f"sqlite:///{home / 'catalog.sqlite'}")
    now = datetime(2026, 11, 21, 10, tzinfo=UTC)
    catalog.put_endpoint("ep", "/capture", ["AllTraffic"], "manual", now)
    assert _mode(home / "catalog.sqlite") == 0o600
    assert _mode(home / "catalog.sqlite-wal") == 0o600
    assert _mode(home) == 0o700
    assert _mode(tmp_path / "new") == 0o700
    scheduler = Scheduler(catalog, home, SteppingClock(now))
    scheduler.acquire_lock()
    try:
        assert _mode(home / "scheduler.lock") == 0o600
    finally:
        scheduler.release_lock()
        catalog.close()


def test_a_catalog_left_readable_by_an_earlier_version_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    Catalog(f"sqlite:///{path}").close()
    os.chmod(path, 0o644)
    Catalog(f"sqlite:///{path}").close()
    assert _mode(path) == 0o600


def test_a_spool_folder_others_can_enter_is_refused(tmp_path: Path) -> None:
    open_folder = tmp_path / "open"
    open_folder.mkdir(mode=0o755)
    with pytest.raises(ConfigurationError, match=r"mode 0755 lets others in, expected 0700"):
        require_private_dir(open_folder, "capture spool folder")
    link = tmp_path / "link"
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    link.symlink_to(private)
    with pytest.raises(ConfigurationError, match="symlink"):
        require_private_dir(link, "capture spool folder")
    with pytest.raises(
        ConfigurationError, match=f"owned by uid {os.geteuid()}, expected uid {os.geteuid() + 1}"
    ):
        require_private_dir(private, "capture spool folder", owner_uid=os.geteuid() + 1)
    require_private_dir(private, "capture spool folder")  # ours and 0700: accepted
    created = tmp_path / "a" / "b"
    require_private_dir(created, "capture spool folder")
    assert (_mode(tmp_path / "a"), _mode(created)) == (0o700, 0o700)
