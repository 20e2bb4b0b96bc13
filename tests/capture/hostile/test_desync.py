"""Issue 13 items 1 and 2, reproduced with raw sockets on both sides of the proxy (the CLI, in a subprocess).

1. A ``GET /ping`` whose body is a complete second request: a stdlib model server ignores the body of a GET
   and would answer the hidden POST too, leaving its answer on the pooled connection for the next client.
2. A model that reads a POST and closes without answering: the proxy must not send it again, let alone to
   every idle connection.
"""

from __future__ import annotations

import base64
import random
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from modelmonitor.capture.reader import read_capture_tree
from tests.capture.hostile.peers import RawUpstream, parse_answers, post, send_raw, start_stdlib_model
from tests.capture.servers import free_port, start_proxy, stop

SMUGGLED = (
    b"POST /smuggled HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 13\r\n\r\nATTACKER-DATA"
)


@pytest.fixture
def stdlib_proxy(tmp_path: Path) -> Iterator[tuple[int, list[str], Path]]:
    server, seen = start_stdlib_model()
    port = free_port()
    destination = tmp_path / "capture"
    extra = ["--flush-interval-seconds", "0.1"]
    process = start_proxy(server.server_address[1], port, str(destination), extra, tmp_path / "proxy.log")
    try:
        yield port, seen, destination
    finally:
        assert stop(process) in (0, -signal.SIGTERM)
        server.shutdown()
        server.server_close()


def test_get_with_a_smuggled_request_in_its_body_is_refused_and_victims_get_their_own_answers(
    stdlib_proxy: tuple[int, list[str], Path],
) -> None:
    port, seen, destination = stdlib_proxy
    assert len(SMUGGLED) == 93  # the probe's Content-Length
    attack = b"GET /ping HTTP/1.1\r\nHost: proxy\r\nContent-Length: 93\r\n\r\n" + SMUGGLED
    (refused,) = parse_answers(send_raw(port, attack))
    assert refused.status == 400
    assert refused.headers[b"connection"] == b"close"
    assert b"body_not_allowed" in refused.body

    def victim(index: int) -> bytes:
        answer = send_raw(port, post(b"/invocations", b"victim-%d" % index, inference_id=b"v%d" % index))
        (parsed,) = parse_answers(answer)
        return parsed.body

    with ThreadPoolExecutor(4) as pool:
        bodies = list(pool.map(victim, range(8)))
    assert bodies == [b"score-of:victim-%d" % index for index in range(8)]
    assert not any("smuggled" in line for line in seen)
    assert sorted(seen) == sorted(["POST /invocations HTTP/1.1"] * 8)
    stop_and_check_capture(destination, {f"v{i}": (f"victim-{i}", f"score-of:victim-{i}") for i in range(8)})


def stop_and_check_capture(destination: Path, expected: dict[str, tuple[str, str]]) -> None:
    """The capture pairs each input with its own output under its own inference id."""
    deadline = time.monotonic() + 10
    pairs: dict[str, tuple[str, str]] = {}
    while time.monotonic() < deadline:
        pairs = {}
        for record in read_capture_tree(str(destination)).records:
            data = record.captureData
            assert data.endpointInput is not None
            assert data.endpointOutput is not None
            pairs[record.eventMetadata.inferenceId or ""] = (
                _text(data.endpointInput.data, data.endpointInput.encoding),
                _text(data.endpointOutput.data, data.endpointOutput.encoding),
            )
        if len(pairs) >= len(expected):
            break
        time.sleep(0.1)
    assert pairs == expected


def _text(data: str, encoding: str) -> str:
    return base64.b64decode(data).decode() if encoding == "BASE64" else data


@pytest.mark.parametrize(
    ("method", "sends"), [("POST", 1), ("PUT", 2)], ids=["post-never-resent", "put-once"]
)
def test_a_request_the_model_drops_is_sent_at_most_once_more_and_only_if_idempotent(
    tmp_path: Path, method: str, sends: int
) -> None:
    def script(path: bytes, request: bytes) -> list[bytes | float | None]:
        if path == b"/drop":
            return [None]  # read the request, close without answering
        return [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"]

    upstream = RawUpstream(script)
    port = free_port()
    process = start_proxy(upstream.port, port, str(tmp_path / "capture"))
    try:
        # Fill the pool with idle keep-alive connections: concurrent calls each open one.
        with ThreadPoolExecutor(16) as pool:
            warm = list(pool.map(lambda _: send_raw(port, post(b"/warm", b"x")), range(16)))
        assert all(parse_answers(answer)[0].status == 200 for answer in warm)
        request = post(b"/drop", b"side-effect").replace(b"POST", method.encode(), 1)
        (answer,) = parse_answers(send_raw(port, request))
        assert answer.status == 502
        assert upstream.paths().count(b"/drop") == sends
    finally:
        stop(process)
        upstream.close()


def test_bytes_after_an_answer_never_reach_the_next_client(tmp_path: Path) -> None:
    smuggled_answer = b"HTTP/1.1 200 OK\r\ncontent-length: 13\r\n\r\nATTACKER-DATA"

    def script(path: bytes, request: bytes) -> list[bytes | float | None]:
        body = request.split(b"\r\n\r\n", 1)[1]
        answer = b"answer-to:" + body
        framed = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: %d\r\n\r\n" % len(answer)
        if path == b"/long":
            return [framed + answer + smuggled_answer]  # a body longer than its Content-Length
        if path == b"/late":
            return [framed + answer, 0.2, smuggled_answer]  # the extra answer comes once the pool has it
        return [framed + answer]

    upstream = RawUpstream(script)
    port = free_port()
    destination = tmp_path / "capture"
    process = start_proxy(upstream.port, port, str(destination), ["--flush-interval-seconds", "0.1"])
    try:
        for index, path in enumerate([b"/long", b"/late"]):
            (first,) = parse_answers(
                send_raw(port, post(path, b"first-%d" % index, inference_id=b"a%d" % index))
            )
            assert first.body == b"answer-to:first-%d" % index
            time.sleep(0.4)
            for victim in range(3):
                tag = b"%d-%d" % (index, victim)
                raw = send_raw(port, post(b"/invocations", b"victim-" + tag, inference_id=b"v" + tag))
                (answer,) = parse_answers(raw)
                assert answer.body == b"answer-to:victim-%d-%d" % (index, victim)
        # The connection of each answer with trailing bytes was closed, never reused.
        for index, seen in enumerate(upstream.seen):
            if seen.path in (b"/long", b"/late"):
                assert [s for s in upstream.seen[index + 1 :] if s.connection == seen.connection] == []
    finally:
        assert stop(process) in (0, -signal.SIGTERM)
        upstream.close()
    expected = {f"a{i}": (f"first-{i}", f"answer-to:first-{i}") for i in range(2)}
    for tag in (f"{i}-{v}" for i in range(2) for v in range(3)):
        expected[f"v{tag}"] = (f"victim-{tag}", f"answer-to:victim-{tag}")
    stop_and_check_capture(destination, expected)


def test_under_concurrency_with_a_misbehaving_model_no_client_gets_another_clients_answer(
    tmp_path: Path,
) -> None:
    """Many clients at once; the model answers each request in one of several broken or slow ways."""
    rng = random.Random(13)
    lock = threading.Lock()

    def script(path: bytes, request: bytes) -> list[bytes | float | None]:
        body = request.split(b"\r\n\r\n", 1)[1]
        answer = b"answer-to:" + body
        framed = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: %d\r\n\r\n" % len(answer)
        foreign = b"HTTP/1.1 200 OK\r\ncontent-length: 13\r\n\r\nanswer-to:???"
        # Not here: an extra answer sent some time *after* the real one. Once the proxy has written the
        # next request on that connection, no HTTP/1.1 client can tell such bytes from the next answer
        # (docs/capture.md says so); the sequential test above covers the idle case the proxy can catch.
        with lock:
            behaviour = rng.randrange(6)
        if behaviour in (0, 1):
            return [framed + answer + foreign]  # an extra answer glued on
        if behaviour == 2:
            return [framed[:-2] + b"content-length: 1\r\n\r\n" + answer]  # two lengths
        if behaviour == 3:
            return [framed + answer[:3], None]  # cut short
        if behaviour == 4:
            return [0.02, framed + answer]
        return [framed + answer]

    upstream = RawUpstream(script)
    port = free_port()
    destination = tmp_path / "capture"
    process = start_proxy(upstream.port, port, str(destination), ["--flush-interval-seconds", "0.1"])
    try:

        def call(index: int) -> tuple[int, bytes]:
            raw = send_raw(port, post(b"/invocations", b"c%03d" % index, inference_id=b"c%03d" % index))
            answers = parse_answers(raw)
            return (answers[0].status, answers[0].body) if answers else (0, raw)

        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(call, range(200)))
    finally:
        assert stop(process) in (0, -signal.SIGTERM)
        upstream.close()
    for index, (status, body) in enumerate(results):
        if status == 200:
            assert body == b"answer-to:c%03d" % index  # its own answer, never another's
        else:
            assert status in (0, 502), (status, body)  # refused, or cut short (no complete answer)
    assert sum(status == 200 for status, _ in results) > 60
    for record in read_capture_tree(str(destination)).records:
        data = record.captureData
        assert data.endpointInput is not None
        assert data.endpointOutput is not None
        sent = _text(data.endpointInput.data, data.endpointInput.encoding)
        assert record.eventMetadata.inferenceId == sent
        assert _text(data.endpointOutput.data, data.endpointOutput.encoding) == "answer-to:" + sent
