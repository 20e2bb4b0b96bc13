"""The processes of executions on this host, seen from any process: alive, age, stop.

An execution's process is the leader of its own process group (``start_new_session``), so signalling the
group reaches the job and its children. A pid is only trusted when the process's environment names the
execution (``MODELMONITOR_EXECUTION_ID`` and, when known, its exit message file), so a recycled pid — or an
execution with the same id in another catalog — is never mistaken for it. Linux ``/proc`` is read; where it
cannot be read the process counts as not ours.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from modelmonitor.formats.job_definition import EXECUTION_ID_VARIABLE

__all__ = ["group_alive", "is_execution_process", "process_age_seconds", "stop_group"]

_POLL_SECONDS = 0.05


def is_execution_process(pid: int, execution_id: int, message_file: Path | None = None) -> bool:
    """True when ``pid`` is a live (not zombie) process whose environment names this execution."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    if state == "Z":
        return False
    if f"{EXECUTION_ID_VARIABLE}={execution_id}".encode() not in environ:
        return False
    return message_file is None or f"output_message_file={message_file}".encode() in environ


def process_age_seconds(pid: int) -> float | None:
    """How long ``pid`` has run (real time), from its start time in ``/proc``; None when unknown."""
    try:
        start_ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return None
    return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))


def group_alive(pgid: int) -> bool:
    """True while any process of the group exists."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_group(pgid: int, grace_seconds: float, reap: Callable[[], object] | None = None) -> None:
    """SIGTERM the group, wait up to ``grace_seconds`` for it to be gone, then SIGKILL what is left.

    ``reap`` collects the leader's exit when it is the caller's child (``Popen.poll``): a zombie leader
    would keep the group alive.
    """
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        if reap is not None:
            reap()
        if not group_alive(pgid):
            return
        time.sleep(_POLL_SECONDS)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return
