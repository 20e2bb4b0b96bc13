"""A misbehaving model server (raw socket) behind the proxy CLI: every answer that is not exactly framed
HTTP/1.1 is refused with 502, never relayed, never captured, and its connection is never reused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from modelmonitor.capture.reader import read_capture_tree
from tests.capture.hostile.peers import RawUpstream, parse_answers, post, send_raw
from tests.capture.servers import free_port, start_proxy, stop

OK = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n"
BAD_ANSWERS = {
    "negative-length": OK + b"content-length: -1\r\n\r\n",
    "signed-length": OK + b"content-length: +0\r\n\r\n",
    "underscored-length": OK + b"content-length: 1_0\r\n\r\n0123456789",
    "duplicate-differing-length": OK + b"content-length: 1\r\ncontent-length: 2\r\n\r\nab",
    "length-and-chunked": OK + b"content-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n",
    "chunk-without-crlf": OK + b"transfer-encoding: chunked\r\n\r\n5\r\nhelloXX0x3\r\nabc\r\n0\r\n\r\n",
    "hex-prefixed-chunk-size": OK + b"transfer-encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n",
    "negative-chunk-size": OK + b"transfer-encoding: chunked\r\n\r\n-2\r\nab\r\n0\r\n\r\n",
    "not-chunked-coding": OK + b"transfer-encoding: notchunked\r\n\r\nabc",
    "gzip-then-chunked": OK + b"transfer-encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "header-without-colon": OK + b"no colon here\r\ncontent-length: 2\r\n\r\nok",
    "underscored-status": b"HTTP/1.1 2_00 OK\r\ncontent-length: 2\r\n\r\nok",
    "switching-protocols": b"HTTP/1.1 101 Switching\r\nconnection: upgrade\r\nupgrade: x\r\n\r\nraw",
    "no-content-with-body": b"HTTP/1.1 204 No Content\r\ncontent-length: 5\r\n\r\nhello",
    "not-modified-with-body": b"HTTP/1.1 304 Not Modified\r\n\r\n" + OK + b"content-length: 1\r\n\r\nx",
    "header-flood": OK
    + b"".join(b"x-h%d: v\r\n" % i for i in range(20_000))
    + b"content-length: 2\r\n\r\nok",
    "huge-header": OK + b"x-big: " + b"a" * 200_000 + b"\r\ncontent-length: 2\r\n\r\nok",
}


def _echo(request: bytes) -> bytes:
    body = b"answer-to:" + request.split(b"\r\n\r\n", 1)[1]
    return OK + b"content-length: %d\r\n\r\n" % len(body) + body


def _script(path: bytes, request: bytes) -> list[bytes | float | None]:
    name = path.rsplit(b"/", 1)[-1].decode()
    if path.startswith(b"/bad/"):
        return [BAD_ANSWERS[name]]
    if path == b"/huge-chunk":
        # announces 4 GiB in one chunk, sends 1 MiB of it and stops: streamed in pieces, never held whole
        return [OK + b"transfer-encoding: chunked\r\n\r\nFFFFFFFF\r\n" + b"z" * (1 << 20), 1.0, None]
    if path == b"/connection-named":
        return [
            OK
            + b"connection: x-internal\r\nx-internal: secret\r\nx-public: yes\r\ncontent-length: 2\r\n\r\nok"
        ]
    if path == b"/drip":
        return [OK + b"content-length: 100\r\n\r\n", *[item for _ in range(100) for item in (b"d", 0.1)]]
    return [_echo(request)]


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, RawUpstream, Path]]:
    upstream = RawUpstream(_script)
    port = free_port()
    destination = tmp_path_factory.mktemp("answers") / "capture"
    extra = ["--timeout-seconds", "2", "--flush-interval-seconds", "0.1"]
    process = start_proxy(upstream.port, port, str(destination), extra)
    try:
        yield port, upstream, destination
    finally:
        stop(process)
        upstream.close()


@pytest.mark.parametrize("name", list(BAD_ANSWERS))
def test_an_answer_that_is_not_exactly_framed_is_refused_and_its_connection_dropped(
    proxy: tuple[int, RawUpstream, Path], name: str
) -> None:
    port, upstream, destination = proxy
    (answer,) = parse_answers(send_raw(port, post(b"/bad/" + name.encode(), b"in", inference_id=b"bad")))
    assert answer.status == 502
    assert answer.headers[b"content-type"] == b"application/json"
    assert b'"error":"upstream_invalid_response"' in answer.body
    assert b"127.0.0.1" not in answer.body
    assert str(upstream.port).encode() not in answer.body
    bad = max(i for i, seen in enumerate(upstream.seen) if seen.path == b"/bad/" + name.encode())
    # The next call gets its own answer, and not on the refused answer's connection.
    (after,) = parse_answers(send_raw(port, post(b"/invocations", b"next-" + name.encode())))
    assert after.body == b"answer-to:next-" + name.encode()
    following = [s for s in upstream.seen[bad + 1 :] if s.connection == upstream.seen[bad].connection]
    assert following == []
    assert "bad" not in {r.eventMetadata.inferenceId for r in read_capture_tree(str(destination)).records}


def test_a_huge_chunk_is_streamed_in_bounded_pieces(proxy: tuple[int, RawUpstream, Path]) -> None:
    port, _, _ = proxy
    started = time.monotonic()
    raw = send_raw(port, post(b"/huge-chunk", b"x"), timeout_seconds=10)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    # The client got the megabyte that came (chunked to it), then the connection ended: a broken answer.
    assert body.count(b"z") == 1 << 20
    assert not body.endswith(b"0\r\n\r\n")
    assert time.monotonic() - started < 5
    metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    assert "modelmonitor_capture_upstream_errors_total" in metrics


def test_a_dripping_answer_does_not_outlive_the_timeout(proxy: tuple[int, RawUpstream, Path]) -> None:
    port, _, _ = proxy
    started = time.monotonic()
    raw = send_raw(port, post(b"/drip", b"x", inference_id=b"drip"), timeout_seconds=15)
    elapsed = time.monotonic() - started
    assert raw.startswith(b"HTTP/1.1 200 OK")
    assert raw.count(b"d") < 100  # cut off: the answer never completed
    assert 1.5 < elapsed < 4.5, elapsed  # --timeout-seconds 2 bounds the whole answer


def test_answer_headers_named_in_connection_are_not_relayed(proxy: tuple[int, RawUpstream, Path]) -> None:
    port, _, _ = proxy
    (answer,) = parse_answers(send_raw(port, post(b"/connection-named", b"x")))
    assert (answer.status, answer.body) == (200, b"ok")
    assert answer.headers[b"x-public"] == b"yes"
    assert b"x-internal" not in answer.headers
