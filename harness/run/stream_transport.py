"""HTTP/1.1 over asyncio streams: the transport of a provider's client when no proxy is set.

httpx's default transport (httpcore over anyio) spends more per request on its
own bookkeeping than a 50 ms backend takes to answer once 64 requests are in
flight: its pool scans every connection for each request it assigns, and every
read and write goes through several layers of anyio wrappers and locks. This
transport keeps only what a provider run needs, on the standard library's
asyncio streams, with h11 (the parser httpcore itself uses) doing the HTTP/1.1
framing, so messages are read and written exactly as before:

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
import ssl
from collections.abc import AsyncIterator
from typing import Any

import h11
import httpx

_Origin = tuple[str, str, int]
_DEFAULT_PORTS = {"http": 80, "https": 443}
_READ_SIZE = 65_536


class _Connection:
    """One keep-alive connection: the streams and the h11 state machine."""

    __slots__ = ("h11", "origin", "reader", "writer")

    def __init__(self, origin: _Origin, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.origin = origin
        self.reader, self.writer = reader, writer
        self.h11 = h11.Connection(h11.CLIENT)

    def usable(self) -> bool:
        """Idle, and not closed by the server while it waited."""
        return (self.h11.our_state is h11.IDLE and not self.writer.is_closing()
                and not self.reader.at_eof())

    def close(self) -> None:
        self.writer.close()


class StreamTransport(httpx.AsyncBaseTransport):
    """Keep-alive HTTP/1.1 connections per origin, at most ``max_connections`` in use."""

    def __init__(self, max_connections: int) -> None:
        self._slots = asyncio.Semaphore(max(1, max_connections))
        self._idle: dict[_Origin, list[_Connection]] = {}
        self._ssl: ssl.SSLContext | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        scheme = request.url.scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {scheme!r}",
                                            request=request)
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        try:
            async with asyncio.timeout(timeouts.get("pool")):
                await self._slots.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout("no free connection in time", request=request) from None
        connection: _Connection | None = None
        try:
            origin = (scheme, request.url.raw_host.decode("ascii"),
                      request.url.port or _DEFAULT_PORTS[scheme])
            connection = self._checkout(origin) or await self._connect(
                origin, timeouts.get("connect"), request)
            await self._send(connection, request, timeouts.get("write"))
            head = await _receive_head(connection, timeouts.get("read"), request)
        except BaseException:
            if connection is not None:
                connection.close()
            self._slots.release()
            raise
        return httpx.Response(
            head.status_code, headers=head.headers,
            stream=_Body(self, connection, timeouts.get("read"), request),
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

    def _checkin(self, connection: _Connection, finished: bool) -> None:
        """Back to the idle list when its exchange is complete and keep-alive; else closed."""
        state = connection.h11
        if finished and state.our_state is h11.DONE and state.their_state is h11.DONE:
            state.start_next_cycle()
            self._idle.setdefault(connection.origin, []).append(connection)
        else:
            connection.close()
        self._slots.release()

    async def _connect(self, origin: _Origin, timeout: float | None,
                       request: httpx.Request) -> _Connection:
        scheme, host, port = origin
        context = self._tls() if scheme == "https" else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=context, server_hostname=host if context else None,
                    limit=_READ_SIZE)
        except TimeoutError:
            raise httpx.ConnectTimeout(f"no connection to {host}:{port} in time",
                                       request=request) from None
        except OSError as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        return _Connection(origin, reader, writer)

    def _tls(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context()
            self._ssl.set_alpn_protocols(["http/1.1"])
        return self._ssl

    async def _send(self, connection: _Connection, request: httpx.Request,
                    timeout: float | None) -> None:
        state = connection.h11
        try:
            data = state.send(h11.Request(method=request.method, target=request.url.raw_path,
                                          headers=request.headers.raw))
            if isinstance(request.stream, httpx.ByteStream):  # the usual case: one write
                body = b"".join([chunk async for chunk in request.stream])
                data = data or b""
                if body:
                    data += state.send(h11.Data(data=body)) or b""
                data += state.send(h11.EndOfMessage()) or b""
                await _write(connection, data, timeout, request)
                return
            await _write(connection, data or b"", timeout, request)
            async for chunk in request.stream:  # type: ignore[union-attr]
                if chunk:
                    await _write(connection, state.send(h11.Data(data=chunk)) or b"", timeout,
                                 request)
            await _write(connection, state.send(h11.EndOfMessage()) or b"", timeout, request)
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc), request=request) from exc

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


async def _write(connection: _Connection, data: bytes, timeout: float | None,
                 request: httpx.Request) -> None:
    try:
        connection.writer.write(data)
        async with asyncio.timeout(timeout):
            await connection.writer.drain()
    except TimeoutError:
        raise httpx.WriteTimeout("request not sent in time", request=request) from None
    except OSError as exc:
        raise httpx.WriteError(str(exc) or type(exc).__name__, request=request) from exc


async def _next_event(connection: _Connection, timeout: float | None,
                      request: httpx.Request) -> Any:
    """The next h11 event, reading from the socket as needed."""
    state = connection.h11
    while True:
        try:
            event = state.next_event()
        except h11.RemoteProtocolError as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc
        if event is not h11.NEED_DATA:
            return event
        try:
            async with asyncio.timeout(timeout):
                data = await connection.reader.read(_READ_SIZE)
        except TimeoutError:
            raise httpx.ReadTimeout("no answer in time", request=request) from None
        except OSError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        if not data and state.their_state is h11.SEND_RESPONSE:
            raise httpx.RemoteProtocolError("server closed the connection without answering",
                                            request=request)
        state.receive_data(data)  # b"" tells h11 the server closed its side


async def _receive_head(connection: _Connection, timeout: float | None,
                        request: httpx.Request) -> h11.Response:
    while True:
        event = await _next_event(connection, timeout, request)
        if isinstance(event, h11.Response):
            return event
        if not isinstance(event, h11.InformationalResponse):  # 1xx: the answer follows
            raise httpx.RemoteProtocolError(f"unexpected {type(event).__name__}",
                                            request=request)


class _Body(httpx.AsyncByteStream):
    """The response body, read on demand; closing it returns the connection or closes it."""

    def __init__(self, transport: StreamTransport, connection: _Connection,
                 timeout: float | None, request: httpx.Request) -> None:
        self._transport = transport
        self._connection: _Connection | None = connection
        self._timeout = timeout
        self._request = request
        self._finished = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection = self._connection
        if connection is None:
            raise httpx.StreamClosed()
        while True:
            event = await _next_event(connection, self._timeout, self._request)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self._finished = True
                return
            else:
                raise httpx.RemoteProtocolError(f"unexpected {type(event).__name__}",
                                                request=self._request)

    async def aclose(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            self._transport._checkin(connection, self._finished)
