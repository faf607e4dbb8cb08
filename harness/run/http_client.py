"""The HTTP client a provider gets: pooled to its concurrency, spread over small pools.

httpcore's connection pool scans all its connections for every request it
assigns, so its cost grows with the square of the connections in use: measured
here, 64 concurrent requests to a 50 ms backend through one pool of 64
connections ran at about 100 requests/s instead of 1,280 (see also
encode/httpx#3215). :class:`SpreadTransport` keeps the pools small (at most
:data:`POOL_SIZE` connections each) and sends each request to the least busy
one, which keeps the client's cost flat as concurrency grows.

When a proxy is configured in the environment (``HTTPS_PROXY`` and friends), the
client is left to httpx's own transport, which honours it.
"""

from __future__ import annotations

import math
import os
from collections.abc import AsyncIterator, Callable

import httpx

from harness import __version__
from harness.run.config import RunSettings

POOL_SIZE = 4
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


class SpreadTransport(httpx.AsyncBaseTransport):
    """Several small connection pools; each request goes to the least busy one."""

    def __init__(self, connections: int, pool_size: int = POOL_SIZE) -> None:
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
        return httpx.Response(
            status_code=response.status_code, headers=response.headers,
            stream=_ReleasingStream(response.stream, release), extensions=response.extensions,
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
        headers={"User-Agent": f"harness/{__version__}"},
        follow_redirects=False,
    )
