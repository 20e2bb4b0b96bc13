"""Hostile clients (raw sockets) in front of the proxy CLI: oversized, slow, malformed, too many, pipelined.

Each test asserts what the client got, what the model server received (byte for byte where it matters) and
what was captured.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from modelmonitor.capture.reader import read_capture_tree
from tests.capture.hostile.peers import RawUpstream, parse_answers, post, send_raw
from tests.capture.servers import free_port, start_proxy, stop


def _script(path: bytes, request: bytes) -> list[bytes | float | None]:
    body = b"answer-to:" + request.split(b"\r\n\r\n", 1)[1]
    answer = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: %d\r\n\r\n" % len(body) + body
    if path == b"/slow":
        return [1.5, answer]
    return [answer]


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, RawUpstream, Path]]:
    upstream = RawUpstream(_script)
    port = free_port()
    destination = tmp_path_factory.mktemp("clients") / "capture"
    extra = [
        "--flush-interval-seconds",
        "0.1",
        "--max-request-body-bytes",
        "1000",
        "--max-request-headers",
        "20",
        "--max-request-head-bytes",
        "4096",
        "--client-header-timeout-seconds",
        "1",
        "--client-body-timeout-seconds",
        "1",
        "--idle-timeout-seconds",
        "1",
        "--max-client-connections",
        "8",
    ]
    process = start_proxy(upstream.port, port, str(destination), extra)
    try:
        yield port, upstream, destination
    finally:
        stop(process)
        upstream.close()


def _refusals(port: int) -> dict[str, float]:
    counts: dict[str, float] = {}
    for line in httpx.get(f"http://127.0.0.1:{port}/metrics").text.splitlines():
        if line.startswith("modelmonitor_capture_proxy_refusals_total{"):
            reason = line.split('reason="', 1)[1].split('"', 1)[0]
            counts[reason] = float(line.rsplit(" ", 1)[1])
    return counts


def _paths(upstream: RawUpstream) -> list[bytes]:
    return upstream.paths()


def test_a_body_over_the_limit_gets_413_without_being_read(proxy: tuple[int, RawUpstream, Path]) -> None:
    port, upstream, _ = proxy
    before = len(upstream.seen)
    head = b"POST /invocations HTTP/1.1\r\nhost: p\r\ncontent-length: 100000000\r\n\r\n"
    (answer,) = parse_answers(send_raw(port, head))  # the body is never sent: 413 comes on the head alone
    assert (answer.status, answer.headers[b"connection"]) == (413, b"close")
    chunked = b"POST /invocations HTTP/1.1\r\nhost: p\r\ntransfer-encoding: chunked\r\n\r\n"
    chunked += b"".join(b"258\r\n" + b"x" * 600 + b"\r\n" for _ in range(3)) + b"0\r\n\r\n"
    (answer,) = parse_answers(send_raw(port, chunked))
    assert answer.status == 413
    assert b"body_too_large" in answer.body
    assert len(upstream.seen) == before
    assert _refusals(port)["body_too_large"] >= 2


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /ping HTTP/1.1\r\nhost: p\r\ncontent-length: 5\r\n\r\nhello",
        b"GET /ping HTTP/1.1\r\nhost: p\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        b"DELETE /x HTTP/1.1\r\nhost: p\r\ncontent-length: 2\r\n\r\nab",
        b"OPTIONS /x HTTP/1.1\r\nhost: p\r\ncontent-length: 1\r\n\r\na",
        b"HEAD /x HTTP/1.1\r\nhost: p\r\ncontent-length: 1\r\n\r\na",
    ],
    ids=["get-length", "get-chunked", "delete", "options", "head"],
)
def test_a_body_on_a_bodyless_method_gets_400(
    proxy: tuple[int, RawUpstream, Path], request_bytes: bytes
) -> None:
    port, upstream, _ = proxy
    before = len(upstream.seen)
    raw = send_raw(port, request_bytes)
    assert raw.startswith(b"HTTP/1.1 400 ")
    assert len(upstream.seen) == before


@pytest.mark.parametrize(
    "extra_headers",
    [
        b"".join(b"x-h%d: v\r\n" % i for i in range(50)),
        b"x-big: " + b"a" * 5000 + b"\r\n",
        b"".join(b"x-h%d: %s\r\n" % (i, b"v" * 1000) for i in range(1000)),  # 1 MB of headers
    ],
    ids=["count", "size", "flood"],
)
def test_oversized_request_heads_get_431(proxy: tuple[int, RawUpstream, Path], extra_headers: bytes) -> None:
    port, upstream, _ = proxy
    before = len(upstream.seen)
    request = b"POST /invocations HTTP/1.1\r\nhost: p\r\n" + extra_headers + b"content-length: 1\r\n\r\nx"
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        # The proxy may answer and close before the flood is over.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert len(upstream.seen) == before


@pytest.mark.parametrize(
    ("opening", "reason"),
    [
        (b"", "header_timeout"),
        (b"POST /invocations HTTP/1.1\r\nhost: p\r\n", "header_timeout"),
        (b"POST /invocations HTTP/1.1\r\nhost: p\r\ncontent-length: 100\r\n\r\n0123456789", "body_timeout"),
    ],
    ids=["silent", "slow-head", "slow-body"],
)
def test_slow_clients_are_cut_off(proxy: tuple[int, RawUpstream, Path], opening: bytes, reason: str) -> None:
    port, upstream, _ = proxy
    before = len(upstream.seen)
    count = _refusals(port)[reason]
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(opening)
        received = b""
        try:
            for _ in range(20 if opening else 0):  # a bit every 0.25 s: the deadline, not the gaps, decides
                time.sleep(0.25)
                sock.sendall(b"x-drip: 1\r\n" if reason == "header_timeout" else b"y")
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            received = sock.recv(65536)
        except ConnectionResetError:
            received = b""
    elapsed = time.monotonic() - started
    assert elapsed < 3, elapsed
    assert received in (
        b"",
        b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    )
    assert len(upstream.seen) == before
    assert _refusals(port)[reason] == count + 1


def test_connections_beyond_the_cap_get_503(proxy: tuple[int, RawUpstream, Path]) -> None:
    port, _, _ = proxy
    time.sleep(0.3)  # connections of earlier tests are gone
    held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(8)]
    try:
        time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as extra:
            assert extra.recv(65536).startswith(b"HTTP/1.1 503 ")
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.3)
    (answer,) = parse_answers(send_raw(port, post(b"/invocations", b"after")))
    assert answer.body == b"answer-to:after"
    assert _refusals(port)["too_many_connections"] >= 1


def test_pipelined_requests_get_their_own_answers_in_order(proxy: tuple[int, RawUpstream, Path]) -> None:
    port, _, destination = proxy
    requests = post(b"/invocations", b"one", inference_id=b"pipe-1", close=False)
    requests += post(b"/invocations", b"two", inference_id=b"pipe-2", close=False)
    requests += post(b"/invocations", b"three", inference_id=b"pipe-3")
    answers = parse_answers(send_raw(port, requests))
    assert [answer.body for answer in answers] == [b"answer-to:one", b"answer-to:two", b"answer-to:three"]
    deadline = time.monotonic() + 5
    pairs: dict[str, tuple[str, str]] = {}
    while len(pairs) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
        pairs = {}
        for record in read_capture_tree(str(destination)).records:
            inference_id = record.eventMetadata.inferenceId or ""
            if inference_id.startswith("pipe-"):
                data = record.captureData
                assert data.endpointInput is not None
                assert data.endpointOutput is not None
                pairs[inference_id] = (
                    base64.b64decode(data.endpointInput.data).decode(),
                    base64.b64decode(data.endpointOutput.data).decode(),
                )
    assert pairs == {
        "pipe-1": ("one", "answer-to:one"),
        "pipe-2": ("two", "answer-to:two"),
        "pipe-3": ("three", "answer-to:three"),
    }


@pytest.mark.parametrize(
    "path",
    [b"/../secret", b"/%2e%2e/secret", b"/a/..%2f..%2fsecret", b"/a/%2E%2e/b", b"/a\\..\\b", b"*"],
    ids=["dots", "encoded", "encoded-slash", "mixed-case", "backslash", "not-absolute"],
)
def test_paths_that_climb_out_of_the_upstream_prefix_get_400(
    proxy: tuple[int, RawUpstream, Path], path: bytes
) -> None:
    port, upstream, _ = proxy
    before = len(upstream.seen)
    raw = send_raw(port, post(path, b"x"))
    assert raw.startswith(b"HTTP/1.1 400 ")
    assert len(upstream.seen) == before


def test_forwarding_headers_are_the_proxys_and_connection_named_headers_are_stripped(
    proxy: tuple[int, RawUpstream, Path],
) -> None:
    port, upstream, _ = proxy
    request = (
        b"POST /invocations HTTP/1.1\r\nhost: model.example\r\nconnection: close, x-secret\r\n"
        b"x-secret: s3cret\r\nx-forwarded-for: 203.0.113.7\r\nx-forwarded-proto: https\r\n"
        b"x-forwarded-host: evil\r\nforwarded: for=198.51.100.1\r\nx-real-ip: 198.51.100.2\r\n"
        b"x-kept: yes\r\ncontent-length: 2\r\n\r\nhi"
    )
    (answer,) = parse_answers(send_raw(port, request))
    assert answer.body == b"answer-to:hi"
    seen = upstream.seen[-1]
    head = seen.raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert head[0] == b"POST /invocations HTTP/1.1"
    assert head[1:] == [
        b"host: 127.0.0.1:%d" % upstream.port,
        b"x-kept: yes",
        b"x-forwarded-for: 203.0.113.7, 127.0.0.1",
        b"x-forwarded-proto: http",
        b"x-forwarded-host: model.example",
        b"content-length: 2",
    ]


def test_a_client_that_disconnects_cancels_its_call_and_is_not_captured(
    proxy: tuple[int, RawUpstream, Path],
) -> None:
    port, upstream, destination = proxy
    count = _refusals(port)["client_disconnected"]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(post(b"/slow", b"abandoned", inference_id=b"gone"))
        time.sleep(0.3)
    deadline = time.monotonic() + 5
    slow = next(seen for seen in upstream.seen if seen.path == b"/slow")
    while slow.connection not in upstream.closed_connections and time.monotonic() < deadline:
        time.sleep(0.05)
    # The proxy closed its model connection instead of waiting for the answer and pooling it.
    assert slow.connection in upstream.closed_connections
    assert _refusals(port)["client_disconnected"] == count + 1
    time.sleep(0.5)
    ids = {r.eventMetadata.inferenceId for r in read_capture_tree(str(destination)).records}
    assert "gone" not in ids


def test_only_inference_calls_are_captured_by_default(proxy: tuple[int, RawUpstream, Path]) -> None:
    port, _, destination = proxy
    ping = b"GET /ping HTTP/1.1\r\nhost: p\r\nx-inference-id: health\r\nconnection: close\r\n\r\n"
    assert parse_answers(send_raw(port, ping))[0].status == 200
    (answer,) = parse_answers(send_raw(port, post(b"/invocations", b"1,2", inference_id=b"call")))
    assert answer.status == 200
    deadline = time.monotonic() + 5
    ids: set[str | None] = set()
    while "call" not in ids and time.monotonic() < deadline:
        time.sleep(0.1)
        ids = {r.eventMetadata.inferenceId for r in read_capture_tree(str(destination)).records}
    assert "call" in ids
    assert "health" not in ids


def test_credentials_go_to_the_model_as_basic_auth_and_metrics_can_live_apart(tmp_path: Path) -> None:
    def script(path: bytes, request: bytes) -> list[bytes | float | None]:
        if path == b"/base/drop":
            return [None]
        return [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"]

    upstream = RawUpstream(script)
    port, metrics_port = free_port(), free_port()
    process = start_proxy(
        upstream.port,
        port,
        str(tmp_path / "capture"),
        ["--metrics-listen", f"127.0.0.1:{metrics_port}"],
        upstream_url=f"http://admin:s3cret@127.0.0.1:{upstream.port}/base",
        ready_url=f"http://127.0.0.1:{port}/ping",  # answered by the model: the proxy is serving
    )
    try:
        raw = send_raw(port, post(b"/invocations", b"x", close=True).replace(b"host: proxy", b"host: p"))
        assert parse_answers(raw)[0].body == b"ok"
        seen = upstream.seen[-1]
        assert seen.path == b"/base/invocations"
        assert seen.header(b"authorization") == b"Basic " + base64.b64encode(b"admin:s3cret")
        failed = send_raw(port, post(b"/drop", b"x"))
        assert failed.startswith(b"HTTP/1.1 502 ")
        assert b"s3cret" not in failed
        assert b"admin" not in failed
        # /metrics on the model's port is the model's; the proxy's metrics are on their own address.
        assert send_raw(port, b"GET /metrics HTTP/1.1\r\nhost: p\r\nconnection: close\r\n\r\n").endswith(
            b"ok"
        )
        assert upstream.seen[-1].path == b"/base/metrics"
        assert (
            "modelmonitor_capture_proxy_refusals_total"
            in httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
        )
    finally:
        stop(process)
        upstream.close()


def test_an_upgrade_request_gets_400(proxy: tuple[int, RawUpstream, Path]) -> None:
    port, upstream, _ = proxy
    before = len(upstream.seen)
    request = (
        b"POST /invocations HTTP/1.1\r\nhost: p\r\nconnection: upgrade\r\nupgrade: websocket\r\n"
        b"sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n"
        b"content-length: 2\r\n\r\nup"
    )
    assert send_raw(port, request, timeout_seconds=3).startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert len(upstream.seen) == before
    assert _refusals(port)["upgrade"] == 1


@pytest.mark.parametrize(
    "framing",
    [
        b"content-length: 2\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
        b"content-length: 2\r\ncontent-length: 3\r\n\r\nabc",
        b"content-length: -2\r\n\r\nab",
        b"content-length: +2\r\n\r\nab",
        b"content-length: 1_0\r\n\r\n0123456789",
        b"transfer-encoding: chunked\r\n\r\n0x2\r\nab\r\n0\r\n\r\n",
        b"transfer-encoding: chunked\r\n\r\n2\r\nabXX0\r\n\r\n",
        b"transfer-encoding: gzip\r\n\r\nab",
    ],
    ids=[
        "length-and-chunked",
        "two-lengths",
        "negative",
        "signed",
        "underscored",
        "hex-prefix",
        "bad-chunk",
        "gzip",
    ],
)
def test_requests_with_ambiguous_framing_get_400_and_never_reach_the_model(
    proxy: tuple[int, RawUpstream, Path], framing: bytes
) -> None:
    port, upstream, _ = proxy
    before = len(upstream.seen)
    count = _refusals(port)["malformed_request"]
    raw = send_raw(port, b"POST /invocations HTTP/1.1\r\nhost: p\r\n" + framing, timeout_seconds=3)
    assert raw.startswith(b"HTTP/1.1 400 ")
    assert len(upstream.seen) == before
    assert _refusals(port)["malformed_request"] == count + 1
