"""Helpers for tests that start daemons as processes and wait on them: poll until a condition holds,
tell a live process from an exited one, run the CLI the way the installed script does."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

# ``python -c CLI_MAIN ARGS`` is ``modelmonitor ARGS``. main() returns the exit code of a command that
# ends with typer.Exit: sys.exit passes it on, or wait() would see 0.
CLI_MAIN = "import sys; from modelmonitor.cli.main import main; sys.exit(main())"


def wait_until(predicate: Callable[[], bool], seconds: float, what: str, poll_seconds: float = 0.1) -> None:
    """Return once ``predicate()`` holds; an AssertionError naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(poll_seconds)


def alive(pid: int) -> bool:
    """The process runs: it exists and is not a zombie (killed, not yet reaped by its parent)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    # the state follows the command name in parentheses, which may itself hold spaces
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")
