"""Start real servers for capture tests: the model server and the capturing proxy, each a subprocess."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
# A readiness wait, not a speed check: it returns at the first answer, and a full suite on a loaded 2-core
# machine has taken over 20 s to start a Python server.
STARTUP_TIMEOUT_SECONDS = 60.0
MODELMONITOR = str(Path(sys.executable).parent / "modelmonitor")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_http(
    url: str, process: subprocess.Popen[bytes], timeout_seconds: float = STARTUP_TIMEOUT_SECONDS
) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            httpx.get(url, timeout=0.5)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"no answer from {url} within {timeout_seconds} s")


def start_model_server(
    port: int, app: str = "tests.capture.model_server:app", timeout_seconds: float = STARTUP_TIMEOUT_SECONDS
) -> subprocess.Popen[bytes]:
    """An ASGI model (``module:attribute``, default the capture tests' one) under uvicorn on loopback."""
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-access-log"],
        cwd=REPO_ROOT,
    )  # fmt: skip
    try:
        wait_http(f"http://127.0.0.1:{port}/ping", process, timeout_seconds)
    except BaseException:
        stop(process)  # as start_proxy: a server too slow to answer is not left running
        raise
    return process


def start_proxy(
    upstream_port: int,
    port: int,
    destination: str,
    extra: Sequence[str] = (),
    log_path: Path | None = None,
    *,
    upstream_url: str | None = None,
    ready_url: str | None = None,
) -> subprocess.Popen[bytes]:
    """The proxy CLI in a subprocess; ready once ``ready_url`` (default: its /metrics) answers."""
    command = [
        MODELMONITOR,
        "capture",
        "proxy",
        "--upstream",
        upstream_url or f"http://127.0.0.1:{upstream_port}",
        "--listen",
        f"127.0.0.1:{port}",
        "--endpoint-name",
        "churn",
        "--destination",
        destination,
        "--sampling-percentage",
        "100",
        *extra,
    ]
    stderr = open(log_path, "wb") if log_path else None  # noqa: SIM115 - the child owns it
    # The proxy registers its endpoint in the catalog under MODELMONITOR_HOME: keep tests out of the real one.
    home = tempfile.mkdtemp(prefix="modelmonitor-home-")
    env = {**os.environ, "MODELMONITOR_HOME": home}
    env.pop("MODELMONITOR_CATALOG_URL", None)
    process = subprocess.Popen(command, cwd=REPO_ROOT, stderr=stderr, env=env)
    try:
        wait_http(ready_url or f"http://127.0.0.1:{port}/metrics", process)
    except BaseException:
        stop(process)  # a proxy too slow to answer was left running after the failed test
        raise
    return process


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout_seconds: float = 30.0) -> int:
    if process.poll() is None:
        os.kill(process.pid, sig)
    try:
        return process.wait(timeout_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()
