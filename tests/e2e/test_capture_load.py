"""Capture under load, all real processes on loopback: model server ← proxy ← load client.

Afterwards the captured records must equal the successful responses (same inference ids, each once), every
record must parse, and stopping the proxy must keep every acknowledged record: SIGTERM drains the queue;
kill -9 loses at most the last flush interval, and a torn last line is skipped and counted by the reader.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from modelmonitor.capture.reader import CaptureReadResult, read_capture_tree
from tests.capture.servers import REPO_ROOT, free_port, start_model_server, start_proxy, stop

pytestmark = pytest.mark.e2e

REQUESTS = 10_000
CONCURRENCY = 32
# The stop tests send more than the proxy can answer before it is stopped; the rest fail fast.
STOPPED_REQUESTS = 60_000


@pytest.fixture(scope="module")
def model_port() -> Iterator[int]:
    port = free_port()
    process = start_model_server(port)
    yield port
    stop(process)


def _start_load(proxy_port: int, total: int, out: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "tests.capture.load_client",
        f"http://127.0.0.1:{proxy_port}",
        str(total),
        str(CONCURRENCY),
        str(out),
    ]
    return subprocess.Popen(command, cwd=REPO_ROOT)


def _load_result(process: subprocess.Popen[bytes], out: Path) -> dict[str, object]:
    assert process.wait(240) == 0
    result: dict[str, object] = orjson.loads(out.read_bytes())
    return result


def _captured(destination: Path) -> tuple[CaptureReadResult, list[str]]:
    result = read_capture_tree(str(destination))
    return result, [r.eventMetadata.inferenceId or "" for r in result.records]


def _wait_captured(port: int, at_least: int, timeout_seconds: float = 60) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        line = next(
            x for x in text.splitlines() if x.startswith("modelmonitor_capture_records_captured_total")
        )
        if float(line.rsplit(" ", 1)[1]) >= at_least:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} records captured within {timeout_seconds} s")


def test_every_successful_response_is_captured_once(model_port: int, tmp_path: Path) -> None:
    destination = tmp_path / "capture"
    port = free_port()
    log = tmp_path / "proxy.log"
    proxy = start_proxy(model_port, port, str(destination), ["--queue-size", "50000"], log_path=log)
    try:
        load = _load_result(_start_load(port, REQUESTS, tmp_path / "load.json"), tmp_path / "load.json")
    finally:
        assert stop(proxy) in (0, -signal.SIGTERM)
    answered = [item[0] for item in load["answered"]]  # type: ignore[attr-defined]
    assert len(answered) == REQUESTS
    assert load["failures"] == 0
    result, ids = _captured(destination)
    assert (result.torn_lines, result.bad_lines) == (0, [])
    assert len(ids) == len(set(ids)) == REQUESTS
    assert set(ids) == set(answered)
    stats = orjson.loads(log.read_text().split("capture stopped: ", 1)[1].splitlines()[0])
    assert (stats["dropped_queue_full"], stats["records_written"]) == (0, REQUESTS)


def test_sigterm_mid_load_keeps_every_acknowledged_record(model_port: int, tmp_path: Path) -> None:
    destination = tmp_path / "capture"
    port = free_port()
    proxy = start_proxy(model_port, port, str(destination), ["--queue-size", "50000"])
    load = _start_load(port, STOPPED_REQUESTS, tmp_path / "load.json")
    try:
        _wait_captured(port, 3_000)
    finally:
        assert stop(proxy, signal.SIGTERM) in (0, -signal.SIGTERM)
    result = _load_result(load, tmp_path / "load.json")
    answered = {item[0] for item in result["answered"]}  # type: ignore[attr-defined]
    assert 3_000 <= len(answered) < STOPPED_REQUESTS  # the proxy really stopped mid-load
    read, ids = _captured(destination)
    assert (read.torn_lines, read.bad_lines) == (0, [])
    assert len(ids) == len(set(ids))
    assert answered <= set(ids), f"{len(answered - set(ids))} acknowledged records lost"
    assert len(set(ids) - answered) <= CONCURRENCY  # at most the calls in flight when the client gave up


def test_kill_9_loses_at_most_one_flush_interval(model_port: int, tmp_path: Path) -> None:
    destination = tmp_path / "capture"
    port = free_port()
    proxy = start_proxy(model_port, port, str(destination), ["--flush-interval-seconds", "1"])
    load = _start_load(port, STOPPED_REQUESTS, tmp_path / "load.json")
    started = time.time()
    try:
        _wait_captured(port, 2_000)
        time.sleep(max(0.0, started + 4.0 - time.time()))  # long enough for records older than 2 s
        killed_at = time.time()
    finally:
        assert stop(proxy, signal.SIGKILL) == -signal.SIGKILL
    result = _load_result(load, tmp_path / "load.json")
    answered = dict(result["answered"])  # type: ignore[call-overload]
    read, ids = _captured(destination)
    assert read.bad_lines == []
    assert len(ids) == len(set(ids))
    assert set(ids) <= set(answered)
    # Everything acknowledged more than one flush interval (plus 1 s of scheduling slack) before the kill
    # had been written to the kernel and survives the process.
    old = {i for i, at in answered.items() if at < killed_at - 2.0}
    assert old, "the load ran too briefly before the kill to check anything"
    assert old <= set(ids), f"{len(old - set(ids))} records older than one flush interval lost"
    # A kill during a write leaves a partial last line: every reader skips and counts it.
    newest = max(destination.rglob("*.jsonl"), key=lambda p: p.stat().st_mtime)
    with newest.open("ab") as handle:
        handle.write(b'{"captureData":{"endpointInput":{"observedContentType":"text/csv","mo')
    reread, reread_ids = _captured(destination)
    assert reread.torn_lines == read.torn_lines + 1
    assert reread_ids == ids
