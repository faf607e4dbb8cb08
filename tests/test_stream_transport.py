"""The provider client's transport: HTTP/1.1 over asyncio streams against raw loopback servers.

Each test serves hand-written HTTP/1.1 from an asyncio server on 127.0.0.1, so
framing (length, chunked, close-delimited), keep-alive and connection counts are
exactly what the test says.
"""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from harness.run.config import RunSettings
from harness.run.http_client import build_client
from harness.run.stream_transport import StreamTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Seen:
    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[tuple[bytes, bytes]] = []  # (head, body)


async def read_request(reader: asyncio.StreamReader, seen: Seen) -> bool:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return False
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    body = await reader.readexactly(length)
    seen.requests.append((head, body))
    return True


@asynccontextmanager
async def raw_server(
    answer: Callable[[int], bytes | None], seen: Seen, closes_after: frozenset[int] = frozenset()
) -> AsyncIterator[str]:
    """Answers request n with ``answer(n)`` (None: close the connection instead); after
    answering a request in ``closes_after`` it closes the connection (a keep-alive timeout)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        try:
            while await read_request(reader, seen):
                data = answer(len(seen.requests))
                if data is None:
                    break
                writer.write(data)
                await writer.drain()
                if b"connection: close" in data.lower() or len(seen.requests) in closes_after:
                    break
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


def ok(body: bytes, *extra: bytes) -> bytes:
    headers = b"".join(h + b"\r\n" for h in extra)
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), headers, body)


@pytest.mark.anyio
async def test_keep_alive_reuses_one_connection_and_sends_requests_as_given() -> None:
    seen = Seen()
    async with (
        raw_server(lambda n: ok(b'{"n": %d}' % n, b"Content-Type: application/json"), seen) as url,
        httpx.AsyncClient(transport=StreamTransport(4)) as client,
    ):
        answers = []
        for n in range(5):
            response = await client.post(
                url + "/translate?x=1",
                json={"text": f"é {n}"},
                headers={"Authorization": "Bearer k"},
            )
            answers.append(response.json()["n"])
    assert answers == [1, 2, 3, 4, 5]
    assert seen.connections == 1
    head, body = seen.requests[4]
    assert head.startswith(b"POST /translate?x=1 HTTP/1.1\r\n")
    assert b"\r\nAuthorization: Bearer k\r\n" in head
    assert body == '{"text":"é 4"}'.encode()


@pytest.mark.anyio
async def test_chunked_and_close_delimited_bodies_are_read_whole() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"
    seen = Seen()
    async with (
        raw_server(lambda n: chunked if n == 1 else closing if n == 2 else ok(b"3"), seen) as url,
        httpx.AsyncClient(transport=StreamTransport(4)) as client,
    ):
        texts = [(await client.get(url)).text for _ in range(3)]
    assert texts == ["hello world", "until the end", "3"]
    assert seen.connections == 2  # the close-delimited answer used up its connection


@pytest.mark.anyio
async def test_a_connection_the_server_closed_is_replaced() -> None:
    seen = Seen()
    # After request 1 the server closes the idle connection; request 3 it reads and drops.
    async with (
        raw_server(
            lambda n: ok(b"a") if n != 3 else None, seen, closes_after=frozenset({1})
        ) as url,
        httpx.AsyncClient(transport=StreamTransport(4)) as client,
    ):
        assert (await client.get(url)).text == "a"
        await asyncio.sleep(0.05)
        assert (await client.get(url)).text == "a"  # a new connection, no error
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(url)
        assert (await client.get(url)).text == "a"
    assert seen.connections == 3


@pytest.mark.anyio
async def test_abandoned_body_closes_its_connection() -> None:
    seen = Seen()
    async with (
        raw_server(lambda n: ok(b"x" * 100_000), seen) as url,
        httpx.AsyncClient(transport=StreamTransport(4)) as client,
    ):
        async with client.stream("GET", url) as response:
            assert response.status_code == 200  # body never read
        assert len((await client.get(url)).content) == 100_000
    assert seen.connections == 2


@pytest.mark.anyio
async def test_timeouts_and_connection_errors_are_httpx_errors() -> None:
    seen = Seen()

    async def never(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader, seen)
        await asyncio.sleep(5)

    server = await asyncio.start_server(never, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(
            transport=StreamTransport(1), timeout=httpx.Timeout(0.2)
        ) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get(f"http://127.0.0.1:{port}/")
    finally:
        server.close()
    async with httpx.AsyncClient(transport=StreamTransport(1)) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")  # nothing listens any more
        with pytest.raises(httpx.UnsupportedProtocol):
            await client.get("ftp://127.0.0.1/")


@pytest.mark.anyio
async def test_pool_timeout_when_every_connection_is_busy() -> None:
    seen = Seen()
    async with (
        raw_server(lambda n: ok(b"busy"), seen) as url,
        httpx.AsyncClient(
            transport=StreamTransport(1), timeout=httpx.Timeout(5, pool=0.1)
        ) as client,
    ):
        async with client.stream("GET", url):  # holds the only slot
            with pytest.raises(httpx.PoolTimeout):
                await client.get(url)
        assert (await client.get(url)).text == "busy"  # the slot came back


def test_proxy_in_environment_leaves_the_client_to_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "https_proxy",
        "http_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    direct = build_client(RunSettings(concurrency=8))
    assert isinstance(direct._transport, StreamTransport)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    proxied = build_client(RunSettings(concurrency=8))
    assert not isinstance(proxied._transport, StreamTransport)
    assert any(key.scheme == "https" for key in proxied._mounts)  # the proxy is mounted


@pytest.mark.anyio
async def test_answers_without_body_informational_answers_and_chunk_extensions() -> None:
    answers = {
        1: b"HTTP/1.1 204 No Content\r\n\r\n",
        2: ok(b"head body is not sent"),  # to a HEAD: only the head arrives
        3: b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"after 100"),
        4: (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3;name=value\r\nabc\r\n0\r\nTrailer: x\r\n\r\n"
        ),
        5: b"HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nold!",
        6: ok(b"new"),
    }
    seen = Seen()

    def answer(n: int) -> bytes:
        if n == 2:  # the server must not send a body to HEAD; send the head only
            return b"HTTP/1.1 200 OK\r\nContent-Length: 21\r\n\r\n"
        return answers[n]

    async with (
        raw_server(answer, seen) as url,
        httpx.AsyncClient(transport=StreamTransport(4)) as client,
    ):
        first = await client.get(url)
        head = await client.head(url)
        continued = await client.get(url)
        chunked = await client.get(url)
        old = await client.get(url)
        new = await client.get(url)
    assert (first.status_code, first.content) == (204, b"")
    assert (head.status_code, head.content) == (200, b"")
    assert continued.text == "after 100" and chunked.text == "abc" and old.text == "old!"
    assert new.text == "new"
    assert seen.connections == 2  # one until the HTTP/1.0 answer, which is not kept alive


@pytest.mark.anyio
@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/2 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n broken: fold\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nx",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nshort",
    ],
)
async def test_malformed_answers_are_protocol_errors(answer: bytes) -> None:
    seen = Seen()
    async with (
        raw_server(lambda n: answer, seen) as url,
        httpx.AsyncClient(transport=StreamTransport(1)) as client,
    ):
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(url)


@pytest.mark.anyio
async def test_header_values_that_would_split_the_request_are_refused() -> None:
    seen = Seen()
    async with (
        raw_server(lambda n: ok(b"x"), seen) as url,
        httpx.AsyncClient(transport=StreamTransport(1)) as client,
    ):
        with pytest.raises(httpx.LocalProtocolError):
            await client.get(url, headers={"X-Key": "a\r\nInjected: yes"})
        assert (await client.get(url)).text == "x"  # the slot was given back
    assert seen.requests and all(b"Injected" not in head for head, _ in seen.requests)


@pytest.mark.anyio
async def test_https_verifies_the_certificate_against_the_trusted_roots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    seen = Seen()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        try:
            while await read_request(reader, seen):
                writer.write(ok(b"secret answer"))
                await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
    try:
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        async with httpx.AsyncClient(transport=StreamTransport(2)) as client:
            with pytest.raises(httpx.ConnectError):  # self-signed: not among the usual roots
                await client.get(url)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        async with httpx.AsyncClient(transport=StreamTransport(2)) as client:
            answers = [(await client.get(url)).text for _ in range(3)]
    finally:
        server.close()
    assert answers == ["secret answer"] * 3
    # The refused handshake never reached the handler; the three answers shared one connection.
    assert len(seen.requests) == 3 and seen.connections == 1


@pytest.mark.anyio
async def test_a_request_the_server_does_not_read_fails_with_write_timeout() -> None:
    async def deaf(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)  # never reads: the request fills the socket buffers

    server = await asyncio.start_server(deaf, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(
            transport=StreamTransport(1), timeout=httpx.Timeout(5, write=0.2)
        ) as client:
            with pytest.raises(httpx.WriteTimeout):
                await client.post(f"http://127.0.0.1:{port}/", content=b"x" * 50_000_000)
    finally:
        server.close()
