"""The test helpers' servers leave no process behind when they fail to start."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.capture.servers import free_port, start_proxy


def _processes_listening_on(port: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"proxy" in command and f"127.0.0.1:{port}".encode() in command:
            found.append(int(entry.name))
    return found


def test_a_proxy_that_never_answers_its_readiness_check_is_stopped(tmp_path: Path) -> None:
    port = free_port()
    never = f"http://127.0.0.1:{free_port()}/nothing-listens-here"
    with pytest.raises(RuntimeError, match="no answer from"):
        start_proxy(free_port(), port, str(tmp_path / "capture"), ready_url=never)
    assert _processes_listening_on(port) == []
