"""The proxy's upstream client against raw HTTP servers on loopback that answer exactly as scripted."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from modelmonitor.capture.upstream import (
    UpstreamPool,
    UpstreamProtocolError,
    UpstreamResponse,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head + await reader.readexactly(length)


async def _with_server(handler: Handler, client: Callable[[UpstreamPool], Awaitable[None]]) -> None:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pool = UpstreamPool(f"http://127.0.0.1:{port}/base", timeout_seconds=1.0, connect_timeout_seconds=1.0)
    try:
        await client(pool)
    finally:
        await pool.aclose()
        server.close()


async def _body(response: UpstreamResponse) -> bytes:
    return b"".join([chunk async for chunk in response.chunks()])


def test_keep_alive_reuses_one_connection_and_sends_one_clean_request() -> None:
    seen: list[bytes] = []
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                seen.append(await _read_request(reader))
            except asyncio.IncompleteReadError:
                return
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\ncontent-length: 3\r\n\r\n0.5")

    async def client(pool: UpstreamPool) -> None:
        for _ in range(3):
            response = await pool.request(
                "POST", b"/invocations?a=1", [(b"content-type", b"text/csv")], b"1,2"
            )
            assert (response.status, response.header(b"content-type"), await _body(response)) == (
                200,
                "text/csv",
                b"0.5",
            )
            await response.aclose()

    asyncio.run(_with_server(handler, client))
    assert connections == 1
    assert seen[0] == (
        b"POST /base/invocations?a=1 HTTP/1.1\r\nhost: 127.0.0.1:"
        + seen[0].split(b"host: 127.0.0.1:")[1].split(b"\r\n")[0]
        + b"\r\ncontent-type: text/csv\r\ncontent-length: 3\r\n\r\n1,2"
    )


def test_chunked_body_is_decoded_and_interim_answers_skipped() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nt: 1\r\n\r\n"
        )
        await writer.drain()

    async def client(pool: UpstreamPool) -> None:
        response = await pool.request("POST", b"/", [], b"x")
        assert response.status == 200
        assert [chunk async for chunk in response.chunks()] == [b"abc", b"de"]

    asyncio.run(_with_server(handler, client))


def test_body_until_close_and_no_body_statuses() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await _read_request(reader)
        if request.startswith(b"GET"):
            writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            request = await _read_request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\n\r\nall of it")
        writer.close()

    async def client(pool: UpstreamPool) -> None:
        empty = await pool.request("GET", b"/", [], b"")
        assert (empty.status, await _body(empty)) == (204, b"")
        await empty.aclose()
        response = await pool.request("POST", b"/", [], b"x")
        assert await _body(response) == b"all of it"

    asyncio.run(_with_server(handler, client))


def test_idle_connection_closed_by_the_server_is_replaced() -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()  # closes without saying "connection: close"

    async def client(pool: UpstreamPool) -> None:
        for _ in range(2):
            response = await pool.request("POST", b"/", [], b"x")
            assert await _body(response) == b"ok"
            await response.aclose()
            await asyncio.sleep(0.05)

    asyncio.run(_with_server(handler, client))
    assert connections == 2


def test_unreachable_and_silent_servers() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    async def times_out(pool: UpstreamPool) -> None:
        with pytest.raises(UpstreamTimeoutError, match=r"within 1\.0 s"):
            await pool.request("POST", b"/", [], b"x")

    asyncio.run(_with_server(silent, times_out))

    async def refused() -> None:
        pool = UpstreamPool("http://127.0.0.1:9", timeout_seconds=1, connect_timeout_seconds=1)
        with pytest.raises(UpstreamUnavailableError, match="cannot connect"):
            await pool.request("POST", b"/", [], b"x")

    asyncio.run(refused())


def test_answer_cut_short_is_reported() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc")
        await writer.drain()
        writer.close()

    async def client(pool: UpstreamPool) -> None:
        response = await pool.request("POST", b"/", [], b"x")
        with pytest.raises(UpstreamUnavailableError, match="before the end"):
            await _body(response)

    asyncio.run(_with_server(handler, client))


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc",
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n",
    ],
    ids=["content-length", "chunked"],
)
def test_answer_that_stalls_mid_body_times_out_and_drops_the_connection(head: bytes) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(head)
        await writer.drain()
        await asyncio.sleep(5)  # never sends the rest

    async def client(pool: UpstreamPool) -> None:
        response = await pool.request("POST", b"/", [], b"x")
        chunks: list[bytes] = []

        async def collect() -> None:
            async for chunk in response.chunks():
                chunks.append(chunk)

        with pytest.raises(UpstreamTimeoutError, match=r"no complete answer within 1\.0 s"):
            await collect()
        assert chunks == [b"abc"]  # what arrived before the stall was passed on
        assert pool._idle == []  # a half-read connection is never reused

    asyncio.run(_with_server(handler, client))


def test_head_answer_is_complete_at_its_head_and_its_connection_is_not_reused() -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                request = await _read_request(reader)
            except asyncio.IncompleteReadError:
                return
            if request.startswith(b"HEAD"):
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")  # no body, as HEAD requires
            else:
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")

    async def client(pool: UpstreamPool) -> None:
        head = await pool.request("HEAD", b"/", [], b"")
        assert (head.status, head.content_length, await _body(head)) == (200, 0, b"")
        assert pool._idle == []  # llhttp would wait for 5 body bytes: the connection is closed instead
        response = await pool.request("POST", b"/", [], b"x")
        assert await _body(response) == b"ok"

    asyncio.run(_with_server(handler, client))
    assert connections == 2


def test_unsolicited_bytes_on_an_idle_connection_close_it() -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                await _read_request(reader)
            except asyncio.IncompleteReadError:
                return
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            await writer.drain()
            await asyncio.sleep(0.05)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nstolen")  # nobody asked for it

    async def client(pool: UpstreamPool) -> None:
        for _ in range(2):
            response = await pool.request("POST", b"/", [], b"x")
            assert await _body(response) == b"ok"
            await asyncio.sleep(0.2)

    asyncio.run(_with_server(handler, client))
    assert connections == 2


def test_a_large_answer_is_read_no_faster_than_it_is_consumed() -> None:
    size = 8 * 1024 * 1024

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % size + b"z" * size)
        await writer.drain()

    async def client(pool: UpstreamPool) -> None:
        response = await pool.request("POST", b"/", [], b"x")
        chunks = response.chunks()
        received = len(await anext(chunks))
        await asyncio.sleep(0.3)  # a slow client: the proxy must stop reading, not buffer 8 MiB
        assert response._connection._buffered <= 256 * 1024 + 256 * 1024  # high water + one read
        async for chunk in chunks:
            received += len(chunk)
        assert received == size

    asyncio.run(_with_server(handler, client))


def test_url_credentials_are_sent_as_basic_auth_instead_of_the_clients() -> None:
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await _read_request(reader))
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()

    async def run() -> None:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        pool = UpstreamPool(
            f"http://ad%40min:s3cret@127.0.0.1:{port}", timeout_seconds=1, connect_timeout_seconds=1
        )
        try:
            response = await pool.request("POST", b"/x", [(b"authorization", b"Bearer client")], b"")
            await response.aclose()
        finally:
            await pool.aclose()
            server.close()

    asyncio.run(run())
    (request,) = seen
    assert b"Bearer client" not in request
    assert b"\r\nauthorization: Basic YWRAbWluOnMzY3JldA==\r\n" in request  # base64 of "ad@min:s3cret"


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nx-t: "
        + b"a" * 300_000
        + b"\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n"
        + b"".join(b"x-%d: v\r\n" % i for i in range(101))
        + b"content-length: 0\r\n\r\n",
    ],
    ids=["trailer-flood", "101-headers"],
)
def test_answers_over_the_head_limits_are_refused(answer: bytes) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(answer)
        await writer.drain()
        await asyncio.sleep(1)

    async def request_and_read(pool: UpstreamPool) -> None:
        # Refused either before the head is handed over or while the body is read.
        await _body(await pool.request("POST", b"/", [], b"x"))

    async def client(pool: UpstreamPool) -> None:
        with pytest.raises(UpstreamProtocolError, match=r"over 100 headers|oversized framing"):
            await request_and_read(pool)
        assert pool._idle == []

    asyncio.run(_with_server(handler, client))


def test_connections_idle_too_long_are_closed_instead_of_reused() -> None:
    connections = 0
    ended = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections, ended
        connections += 1
        while True:
            try:
                await _read_request(reader)
            except asyncio.IncompleteReadError:
                ended += 1
                return
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")

    async def run() -> None:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        pool = UpstreamPool(
            f"http://127.0.0.1:{port}", timeout_seconds=1, connect_timeout_seconds=1, max_idle_seconds=0.2
        )
        try:
            for pause in (0.05, 0.4):  # reused after 0.05 s; after 0.4 s a new connection is opened
                response = await pool.request("POST", b"/", [], b"x")
                assert await _body(response) == b"ok"
                await asyncio.sleep(pause)
            response = await pool.request("POST", b"/", [], b"x")
            assert await _body(response) == b"ok"
            await asyncio.sleep(0.1)
        finally:
            await pool.aclose()
            server.close()

    asyncio.run(run())
    assert connections == 2
    assert ended >= 1  # the stale one was closed by the pool, not left open
