"""Set-up the end-to-end notebook and schedule tests share: a notebook's working folder, the model
behind uvicorn, the scheduler daemon, the CLI and ground-truth uploads, counting captured records."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from modelmonitor.service import MonitoringService
from modelmonitor.settings import Settings
from tests.capture.servers import MODELMONITOR, REPO_ROOT, free_port, start_model_server, start_proxy, stop

# A phase's requests through the proxy on a port: (inference id, true label) of each.
PhaseCalls = Callable[[httpx.Client, int, str], list[tuple[str, str]]]


def enter_notebook_folder(folder: Path, monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    """Work in ``folder`` as a notebook would, with MODELMONITOR_HOME=home there and ``endpoint``
    registered as a proxy's capture into ``capture``."""
    monkeypatch.chdir(folder)
    monkeypatch.setenv("MODELMONITOR_HOME", "home")
    monkeypatch.delenv("MODELMONITOR_CATALOG_URL", raising=False)
    service = MonitoringService.from_settings(Settings.from_env())
    service.register_endpoint(endpoint, "capture", source="proxy")
    service.close()


@contextmanager
def served_model(app: str) -> Iterator[int]:
    """The ASGI model ``app`` (``module:attribute``) under uvicorn on loopback; its port."""
    port = free_port()
    process = start_model_server(port, app, timeout_seconds=60)
    try:
        yield port
    finally:
        stop(process)


@contextmanager
def scheduler_daemon(folder: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``modelmonitor scheduler`` in another process, on ``folder``/home, polling every 0.2 s."""
    process = subprocess.Popen(
        [MODELMONITOR, "scheduler", "--metrics-port", "0", "--poll-seconds", "0.2"],
        cwd=folder,
        env={**os.environ, "MODELMONITOR_HOME": str(folder / "home")},
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def capture_two_phases(
    client: httpx.Client, model_port: int, capture: Path, call: PhaseCalls, change: str, changed: str
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Traffic through a capture proxy (writing to ``capture``) in front of the model: ``call`` for phase
    "healthy", then POST /``change`` to the model, then ``call`` for phase ``changed``; what each
    phase's ``call`` returned."""
    proxy_port = free_port()
    proxy = start_proxy(model_port, proxy_port, str(capture), ["--flush-interval-seconds", "0.2"])
    try:
        healthy = call(client, proxy_port, "healthy")
        client.post(f"http://127.0.0.1:{model_port}/{change}").raise_for_status()
        after = call(client, proxy_port, changed)
    finally:
        assert stop(proxy) in (0, -signal.SIGTERM)  # SIGTERM drains the queue first
    return healthy, after


def run_cli(*args: str) -> str:
    """``modelmonitor ARGS`` from the repository root; its stdout, after asserting it succeeded."""
    done = subprocess.run([MODELMONITOR, *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def upload_labels(
    labels: list[tuple[str, str]], path: Path, destination: Path, collected_at: datetime
) -> str:
    """(inference id, label) pairs as a CSV at ``path``, uploaded by ``modelmonitor ground-truth upload``."""
    path.write_text("inference_id,label\n" + "".join(f"{i},{label}\n" for i, label in labels))
    return run_cli("ground-truth", "upload", str(path), "--destination", str(destination),
                   "--collected-at", collected_at.isoformat())  # fmt: skip


def captured_records(folder: Path) -> int:
    """The records the capture wrote under ``folder`` (one JSON line each)."""
    return sum(len(path.read_text().splitlines()) for path in folder.rglob("*.jsonl"))
