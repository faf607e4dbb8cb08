"""The HTTP client a provider gets: pooled to its concurrency, spread over small pools.

httpcore's connection pool scans all its connections for every request it
assigns, so its cost grows with the square of the connections in use: measured
here, 64 concurrent requests to a 50 ms backend through one pool of 64
connections ran at about 100 requests/s instead of 1,280 (see also
encode/httpx#3215). :class:`SpreadTransport` keeps the pools small (at most
:data:`POOL_SIZE` connections each) and sends each request to the least busy
one, which keeps the client's cost flat as concurrency grows.

Answers are limited in size as they arrive: :class:`SpreadTransport` decodes
``gzip``/``deflate`` itself (the only encodings the client asks for) and fails the
request with a :class:`~harness.errors.BadResponseError` once the decoded body
passes :data:`MAX_RESPONSE_BYTES`, so neither a huge body nor a compression bomb
(1 MB that expands to 1 GiB) is ever held in memory.

When a proxy is configured in the environment (``HTTPS_PROXY`` and friends), the
client is left to httpx's own transport, which honours it (without the size limit).
"""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import AsyncIterator, Callable

import httpx

from harness import __version__
from harness.errors import BadResponseError
from harness.run.config import RunSettings

POOL_SIZE = 4
#: The largest answer body accepted, after decoding. A batch of 50 paragraphs of 5,000
#: characters is about 1 MB of JSON; 32 MiB leaves room for chatty LLM answers.
MAX_RESPONSE_BYTES = 32 * 2**20
_ACCEPTED_ENCODINGS = "gzip, deflate"
_PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy",
                    "all_proxy")


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that reports when it is closed (its connection is free again)."""

    def __init__(self, stream: httpx.AsyncByteStream, on_close: Callable[[], None]) -> None:
        self._stream = stream
        self._on_close: Callable[[], None] | None = on_close

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._on_close is not None:
                self._on_close()
                self._on_close = None


class _LimitedStream(httpx.AsyncByteStream):
    """A body decoded here (gzip or deflate) and cut off past ``limit`` decoded bytes."""

    def __init__(self, stream: httpx.AsyncByteStream, encoding: str, limit: int,
                 host: str) -> None:
        self._stream = stream
        # wbits MAX_WBITS | 32 reads both the gzip and the zlib ("deflate") framing.
        self._decoder = zlib.decompressobj(zlib.MAX_WBITS | 32) if encoding else None
        self._limit = limit
        self._host = host

    def _too_large(self) -> BadResponseError:
        return BadResponseError(f"the answer from {self._host} is larger than "
                                f"{self._limit // 2**20} MiB (decoded); refused")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        total = 0
        async for chunk in self._stream:
            if self._decoder is None:
                total += len(chunk)
                if total > self._limit:
                    raise self._too_large()
                yield chunk
                continue
            pending = chunk
            while pending:
                try:
                    data = self._decoder.decompress(pending, self._limit - total + 1)
                except zlib.error as exc:
                    raise BadResponseError(f"the answer from {self._host} is not valid "
                                           f"compressed data ({exc})") from None
                total += len(data)
                if total > self._limit:
                    raise self._too_large()
                if data:
                    yield data
                pending = self._decoder.unconsumed_tail
        if self._decoder is not None:
            tail = self._decoder.flush()
            if total + len(tail) > self._limit:
                raise self._too_large()
            if tail:
                yield tail

    async def aclose(self) -> None:
        await self._stream.aclose()


class SpreadTransport(httpx.AsyncBaseTransport):
    """Several small connection pools; each request goes to the least busy one."""

    def __init__(self, connections: int, pool_size: int = POOL_SIZE,
                 max_response_bytes: int = MAX_RESPONSE_BYTES) -> None:
        self.max_response_bytes = max_response_bytes
        count = max(1, math.ceil(connections / pool_size))
        per_pool = max(1, math.ceil(connections / count))
        limits = httpx.Limits(max_connections=per_pool, max_keepalive_connections=per_pool)
        self._pools = [httpx.AsyncHTTPTransport(limits=limits) for _ in range(count)]
        self._busy = [0] * count

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index = min(range(len(self._pools)), key=self._busy.__getitem__)
        self._busy[index] += 1

        def release() -> None:
            self._busy[index] -= 1

        try:
            response = await self._pools[index].handle_async_request(request)
        except BaseException:
            release()
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        stream: httpx.AsyncByteStream = _ReleasingStream(response.stream, release)
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding in ("", "identity"):
            encoding = ""
        elif encoding not in ("gzip", "x-gzip", "deflate"):
            await stream.aclose()
            raise BadResponseError(f"{request.url.host} answered with content-encoding "
                                   f"{encoding!r}, which was not asked for")
        # Decoded here, so the headers must not make httpx decode (or count) it again.
        headers = [(name, value) for name, value in response.headers.raw
                   if name.lower() not in (b"content-encoding", b"content-length")] \
            if encoding else response.headers.raw
        return httpx.Response(
            status_code=response.status_code, headers=headers,
            stream=_LimitedStream(stream, encoding, self.max_response_bytes,
                                  request.url.host),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()


def build_client(settings: RunSettings) -> httpx.AsyncClient:
    """The client of one provider run: as many connections as requests in flight."""
    connections = max(settings.concurrency, 1)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    proxied = any(os.environ.get(name) for name in _PROXY_VARIABLES)
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.timeout),
        limits=limits,
        transport=None if proxied else SpreadTransport(connections),
        headers={"User-Agent": f"harness/{__version__}",
                 "Accept-Encoding": _ACCEPTED_ENCODINGS},
        follow_redirects=False,
    )
