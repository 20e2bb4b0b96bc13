"""``modelmonitor serve`` as users start it: a real process, a token from ``token create``, SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.capture.servers import free_port


def test_serve_process_answers_with_tokens_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "MODELMONITOR_HOME": str(tmp_path / "home")}
    env.pop("MODELMONITOR_CATALOG_URL", None)
    command = [str(Path(sys.executable).parent / "modelmonitor")]
    created = subprocess.run(
        [*command, "token", "create", "--role", "viewer", "--name", "probe"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    token = created.stdout.strip()
    assert token.startswith("mm_")
    assert "shown once" in created.stderr
    port = free_port()
    server = subprocess.Popen(
        [*command, "serve", "--listen", f"127.0.0.1:{port}", "--scheduler"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            assert time.monotonic() < deadline
            time.sleep(0.2)
        headers = {"Authorization": f"Bearer {token}"}
        info = httpx.get(f"http://127.0.0.1:{port}/api/v1/server", headers=headers, timeout=10).json()
        assert info["scheduler_running"] is True
        assert info["home"] == str(tmp_path / "home")
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/schedules", timeout=10).status_code == 401
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
    assert "Traceback" not in output
