"""Files and folders only their owner can read: captured payloads, catalog, execution logs, lock files.

The policy, whatever the process's umask: a folder modelmonitor creates to hold such data is made 0700, a
file 0600. A folder that already exists keeps its mode (a capture destination the user made is theirs to
set), except a spool root, which must be private (``require_private_dir``): the proxy uploads what is in it
with its own credentials, so nobody else may be able to put anything there.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from modelmonitor.errors import ConfigurationError

__all__ = [
    "PRIVATE_DIR_MODE",
    "PRIVATE_FILE_MODE",
    "make_private_dirs",
    "open_private",
    "require_private_dir",
    "tighten_private_file",
]

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def make_private_dirs(path: Path) -> None:
    """Create ``path`` and its missing parents, each 0700 (``Path.mkdir`` gives parents the umask's mode)."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, PRIVATE_DIR_MODE)
        except FileExistsError:  # another process or thread made it meanwhile
            continue


def open_private(path: Path, flags: int) -> int:
    """``os.open`` creating ``path`` 0600 if missing, never through a symlink in the last component."""
    return os.open(path, flags | os.O_CREAT | os.O_NOFOLLOW, PRIVATE_FILE_MODE)


def tighten_private_file(path: Path) -> None:
    """Make an existing file of ours 0600 (left by an earlier version, or created by a library)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and info.st_mode & 0o077:
        os.chmod(path, PRIVATE_FILE_MODE)


def require_private_dir(path: Path, what: str, *, owner_uid: int | None = None) -> None:
    """Create ``path`` 0700 if missing; refuse one that is a symlink, not ours or open to others.

    ``owner_uid`` is the owner expected (default: this process's effective uid).
    """
    make_private_dirs(path)
    info = os.lstat(path)
    expected_uid = os.geteuid() if owner_uid is None else owner_uid
    fix = f"use a folder of your own with mode 0700 (mkdir -m 700 {path})"
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise ConfigurationError(f"{what} {path}: got a symlink or a file, expected a real folder; {fix}")
    if info.st_uid != expected_uid:
        raise ConfigurationError(
            f"{what} {path}: owned by uid {info.st_uid}, expected uid {expected_uid} (this process); {fix}"
        )
    if info.st_mode & 0o077:
        raise ConfigurationError(
            f"{what} {path}: mode {stat.S_IMODE(info.st_mode):04o} lets others in, expected 0700; {fix}"
        )
