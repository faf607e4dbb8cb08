"""HTTP/1.1 over asyncio streams: the transport of a provider's client when no proxy is set.

httpx's default transport (httpcore over anyio) spends more per request on its
own bookkeeping than a 50 ms backend takes to answer once 64 requests are in
flight: its pool scans every connection for each request it assigns, and every
read and write goes through several layers of anyio wrappers and locks. This
transport keeps only what a provider run needs, on the standard library's
asyncio streams, reading and writing HTTP/1.1 messages itself (RFC 9112: bodies
framed by ``Content-Length``, ``chunked`` or the end of the connection; ``1xx``
answers skipped; no body for ``HEAD``, ``204`` and ``304``):

* keep-alive: a connection whose response was read to the end goes back to its
  origin's idle list and is reused; one that the server closed, or whose
  response was abandoned, is closed and replaced;
* at most ``max_connections`` requests in flight; a request waiting longer than
  the pool timeout for a slot fails with :class:`httpx.PoolTimeout`;
* the request's own timeouts (``connect``, ``read``, ``write``) apply to each
  step and raise httpx's own timeout errors, and failures raise httpx's
  transport errors, so adapters handle them exactly as before;
* ``https`` uses httpx's default TLS context (certificate verification on, built
  once per transport, ``SSL_CERT_FILE``/``SSL_CERT_DIR`` honoured).

Proxies are not handled here: :func:`harness.run.http_client.build_client` uses
httpx's own transport whenever one is configured.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import AsyncIterator

import httpx

_Origin = tuple[str, str, int]
_DEFAULT_PORTS = {"http": 80, "https": 443}
_READ_SIZE = 65_536
_STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([0-9]{3})(?: (.*))?")
_UNSAFE_HEADER = re.compile(rb"[\r\n\0]")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;.*)?")
_UNTIL_CLOSE = -1
_CHUNKED = -2


class _Connection:
    """One keep-alive connection: its streams and whether it may carry another request."""

    __slots__ = ("origin", "reader", "writer")

    def __init__(
        self, origin: _Origin, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.origin = origin
        self.reader, self.writer = reader, writer

    def usable(self) -> bool:
        """Not closed by the server while it waited."""
        return not self.writer.is_closing() and not self.reader.at_eof()

    def close(self) -> None:
        self.writer.close()


class _Head:
    __slots__ = ("headers", "keep_alive", "length", "reason", "status")

    def __init__(
        self,
        status: int,
        reason: bytes,
        headers: list[tuple[bytes, bytes]],
        length: int,
        keep_alive: bool,
    ) -> None:
        self.status, self.reason, self.headers = status, reason, headers
        self.length, self.keep_alive = length, keep_alive


class StreamTransport(httpx.AsyncBaseTransport):
    """Keep-alive HTTP/1.1 connections per origin, at most ``max_connections`` in use."""

    def __init__(self, max_connections: int) -> None:
        self._slots = asyncio.Semaphore(max(1, max_connections))
        self._idle: dict[_Origin, list[_Connection]] = {}
        self._ssl: ssl.SSLContext | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        scheme = request.url.scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {scheme!r}", request=request)
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        if self._slots.locked():  # every connection busy: wait, up to the pool timeout
            try:
                async with asyncio.timeout(timeouts.get("pool")):
                    await self._slots.acquire()
            except TimeoutError:
                raise httpx.PoolTimeout("no free connection in time", request=request) from None
        else:
            await self._slots.acquire()  # a free slot: returns at once, no timer needed
        connection: _Connection | None = None
        try:
            origin = (
                scheme,
                request.url.raw_host.decode("ascii"),
                request.url.port or _DEFAULT_PORTS[scheme],
            )
            connection = self._checkout(origin) or await self._connect(
                origin, timeouts.get("connect"), request
            )
            await _send(connection, request, timeouts.get("write"))
            head = await _receive_head(connection, timeouts.get("read"), request)
        except BaseException:
            if connection is not None:
                connection.close()
            self._slots.release()
            raise
        return httpx.Response(
            head.status,
            headers=head.headers,
            stream=_Body(self, connection, head, timeouts.get("read"), request),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": head.reason},
        )

    def _checkout(self, origin: _Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if connection.usable():
                return connection
            connection.close()
        return None

    def _checkin(self, connection: _Connection, reusable: bool) -> None:
        """Back to the idle list when its answer was read whole and keep-alive; else closed."""
        if reusable:
            self._idle.setdefault(connection.origin, []).append(connection)
        else:
            connection.close()
        self._slots.release()

    async def _connect(
        self, origin: _Origin, timeout: float | None, request: httpx.Request
    ) -> _Connection:
        scheme, host, port = origin
        context = self._tls() if scheme == "https" else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host,
                    port,
                    ssl=context,
                    server_hostname=host if context else None,
                    limit=_READ_SIZE,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(
                f"no connection to {host}:{port} in time", request=request
            ) from None
        except OSError as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        return _Connection(origin, reader, writer)

    def _tls(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context()
            self._ssl.set_alpn_protocols(["http/1.1"])
        return self._ssl

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


async def _send(connection: _Connection, request: httpx.Request, timeout: float | None) -> None:
    lines = [b"%s %s HTTP/1.1\r\n" % (request.method.encode("ascii"), request.url.raw_path)]
    chunked = False
    for name, value in request.headers.raw:
        if _UNSAFE_HEADER.search(name) or _UNSAFE_HEADER.search(value) or b":" in name:
            raise httpx.LocalProtocolError(f"header {name!r} cannot be sent", request=request)
        if name.lower() == b"transfer-encoding":
            chunked = value.strip().lower() == b"chunked"
        lines.append(b"%s: %s\r\n" % (name, value))
    lines.append(b"\r\n")
    if isinstance(request.stream, httpx.ByteStream):  # the usual case: one write
        body = b"".join([chunk async for chunk in request.stream])
        lines.append(_chunk(body) + b"0\r\n\r\n" if chunked else body)
        await _write(connection, b"".join(lines), timeout, request)
        return
    await _write(connection, b"".join(lines), timeout, request)
    async for chunk in request.stream:  # type: ignore[union-attr]
        if chunk:
            await _write(connection, _chunk(chunk) if chunked else chunk, timeout, request)
    if chunked:
        await _write(connection, b"0\r\n\r\n", timeout, request)


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data) if data else b""


async def _write(
    connection: _Connection, data: bytes, timeout: float | None, request: httpx.Request
) -> None:
    writer = connection.writer
    try:
        writer.write(data)
        if writer.transport.get_write_buffer_size():  # not all sent yet: drain may wait
            async with asyncio.timeout(timeout):
                await writer.drain()
        else:
            await writer.drain()  # returns at once; raises if the connection was lost
    except TimeoutError:
        raise httpx.WriteTimeout("request not sent in time", request=request) from None
    except OSError as exc:
        raise httpx.WriteError(str(exc) or type(exc).__name__, request=request) from exc


async def _read(
    connection: _Connection,
    timeout: float | None,
    request: httpx.Request,
    *,
    until: bytes = b"",
    size: int = _READ_SIZE,
) -> bytes:
    """Up to ``size`` bytes, or everything through ``until``; b"" at the end of the stream."""
    try:
        async with asyncio.timeout(timeout):
            if until:
                return await connection.reader.readuntil(until)
            return await connection.reader.read(size)
    except TimeoutError:
        raise httpx.ReadTimeout("no answer in time", request=request) from None
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise httpx.RemoteProtocolError(
                "connection closed in the middle of the answer", request=request
            ) from None
        return b""
    except asyncio.LimitOverrunError:
        raise httpx.RemoteProtocolError(
            "answer head or chunk line too long", request=request
        ) from None
    except OSError as exc:
        raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc


async def _receive_head(
    connection: _Connection, timeout: float | None, request: httpx.Request
) -> _Head:
    while True:
        raw = await _read(connection, timeout, request, until=b"\r\n\r\n")
        if not raw:
            raise httpx.RemoteProtocolError(
                "server closed the connection without answering", request=request
            )
        lines = raw[:-4].split(b"\r\n")
        match = _STATUS_LINE.fullmatch(lines[0])
        if match is None:
            raise httpx.RemoteProtocolError(
                f"not an HTTP/1.1 status line: {lines[0][:80]!r}", request=request
            )
        status = int(match.group(2))
        if 100 <= status < 200:  # 100 Continue and friends: the real answer follows
            continue
        headers: list[tuple[bytes, bytes]] = []
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon or not name or name[-1:] in b" \t" or line[:1] in b" \t":
                raise httpx.RemoteProtocolError(
                    f"malformed header line {line[:80]!r}", request=request
                )
            headers.append((name, value.strip(b" \t")))
        length, keep_alive = _framing(request, status, match.group(1) == b"1", headers)
        return _Head(status, match.group(3) or b"", headers, length, keep_alive)


def _framing(
    request: httpx.Request, status: int, http11: bool, headers: list[tuple[bytes, bytes]]
) -> tuple[int, bool]:
    """The body's length (or _CHUNKED / _UNTIL_CLOSE) and whether the connection stays open."""
    lengths: set[bytes] = set()
    codings: list[bytes] = []
    tokens: set[bytes] = set()
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"content-length":
            lengths.update(v.strip() for v in value.split(b","))
        elif lowered == b"transfer-encoding":
            codings += [v.strip().lower() for v in value.split(b",")]
        elif lowered == b"connection":
            tokens.update(v.strip().lower() for v in value.split(b","))
    keep_alive = b"keep-alive" in tokens if not http11 else b"close" not in tokens
    if request.headers.get("connection", "").lower() == "close":
        keep_alive = False
    if request.method == "HEAD" or status in (204, 304):
        return 0, keep_alive
    if codings:
        if codings[-1] == b"chunked":
            return _CHUNKED, keep_alive
        return _UNTIL_CLOSE, False
    if lengths:
        if len(lengths) != 1 or not next(iter(lengths)).isdigit():
            raise httpx.RemoteProtocolError("bad Content-Length", request=request)
        return int(next(iter(lengths))), keep_alive
    return _UNTIL_CLOSE, False


class _Body(httpx.AsyncByteStream):
    """The response body, read on demand; closing it returns the connection or closes it."""

    def __init__(
        self,
        transport: StreamTransport,
        connection: _Connection,
        head: _Head,
        timeout: float | None,
        request: httpx.Request,
    ) -> None:
        self._transport = transport
        self._connection: _Connection | None = connection
        self._head = head
        self._timeout = timeout
        self._request = request
        self._finished = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection = self._connection
        if connection is None:
            raise httpx.StreamClosed()
        length = self._head.length
        if length == _CHUNKED:
            async for data in self._chunks(connection):
                yield data
        elif length == _UNTIL_CLOSE:
            while data := await _read(connection, self._timeout, self._request):
                yield data
        else:
            while length > 0:
                data = await _read(
                    connection, self._timeout, self._request, size=min(length, _READ_SIZE)
                )
                if not data:
                    raise httpx.RemoteProtocolError(
                        "connection closed before the body ended", request=self._request
                    )
                length -= len(data)
                yield data
        self._finished = True

    async def _chunks(self, connection: _Connection) -> AsyncIterator[bytes]:
        timeout, request = self._timeout, self._request
        while True:
            line = await _read(connection, timeout, request, until=b"\r\n")
            match = _CHUNK_SIZE.fullmatch(line[:-2])
            if match is None:
                raise httpx.RemoteProtocolError("bad chunk size line", request=request)
            size = int(match.group(1), 16)
            if size == 0:
                while (await _read(connection, timeout, request, until=b"\r\n")) not in (
                    b"\r\n",
                    b"",
                ):
                    pass  # trailer fields: not used
                return
            try:
                async with asyncio.timeout(timeout):
                    data = await connection.reader.readexactly(size + 2)
            except TimeoutError:
                raise httpx.ReadTimeout("no answer in time", request=request) from None
            except asyncio.IncompleteReadError:
                raise httpx.RemoteProtocolError(
                    "connection closed in the middle of a chunk", request=request
                ) from None
            if not data.endswith(b"\r\n"):
                raise httpx.RemoteProtocolError("chunk not followed by CRLF", request=request)
            yield data[:-2]

    async def aclose(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            self._transport._checkin(connection, self._finished and self._head.keep_alive)
