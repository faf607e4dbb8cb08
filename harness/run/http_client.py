"""The HTTP client a provider gets: as many keep-alive connections as requests in flight.

Adapters speak httpx's API; underneath, requests go through
:class:`~harness.run.stream_transport.StreamTransport` (HTTP/1.1 over asyncio
streams). httpx's own transport (httpcore over anyio) costs more per request
than a fast backend takes to answer once dozens of requests are in flight:
measured with ``tests/benchmarks/bench_engine.py`` against a 50 ms backend at
concurrency 64 (see also encode/httpx#3215).

Answers are limited in size as they arrive: :class:`ProviderTransport` decodes
``gzip``/``deflate`` itself (the only encodings the client asks for) and fails the
request with a :class:`~harness.errors.BadResponseError` once the decoded body
passes :data:`MAX_RESPONSE_BYTES`, so neither a huge body nor a compression bomb
(1 MB that expands to 1 GiB) is ever held in memory.

When a proxy is configured in the environment (``HTTPS_PROXY`` and friends), the
client is left to httpx's own transport, which honours it (without the size limit).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import AsyncIterator

import httpx

from harness import __version__
from harness.errors import BadResponseError
from harness.run.config import RunSettings
from harness.run.stream_transport import StreamTransport

#: The largest answer body accepted, after decoding. A batch of 50 paragraphs of 5,000
#: characters is about 1 MB of JSON; 32 MiB leaves room for chatty LLM answers.
MAX_RESPONSE_BYTES = 32 * 2**20
_ACCEPTED_ENCODINGS = "gzip, deflate"
_PROXY_VARIABLES = (
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "ALL_PROXY",
    "https_proxy",
    "http_proxy",
    "all_proxy",
)


class _LimitedStream(httpx.AsyncByteStream):
    """A body decoded here (gzip or deflate) and cut off past ``limit`` decoded bytes."""

    def __init__(self, stream: httpx.AsyncByteStream, encoding: str, limit: int, host: str) -> None:
        self._stream = stream
        # wbits MAX_WBITS | 32 reads both the gzip and the zlib ("deflate") framing.
        self._decoder = zlib.decompressobj(zlib.MAX_WBITS | 32) if encoding else None
        self._limit = limit
        self._host = host

    def _too_large(self) -> BadResponseError:
        return BadResponseError(
            f"the answer from {self._host} is larger than "
            f"{self._limit // 2**20} MiB (decoded); refused"
        )

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
                    raise BadResponseError(
                        f"the answer from {self._host} is not valid compressed data ({exc})"
                    ) from None
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


class ProviderTransport(StreamTransport):
    """:class:`StreamTransport` with answers decoded here and limited in size."""

    def __init__(self, connections: int, max_response_bytes: int = MAX_RESPONSE_BYTES) -> None:
        super().__init__(connections)
        self.max_response_bytes = max_response_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        stream = response.stream
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding in ("", "identity"):
            encoding = ""
        elif encoding not in ("gzip", "x-gzip", "deflate"):
            await stream.aclose()
            raise BadResponseError(
                f"{request.url.host} answered with content-encoding "
                f"{encoding!r}, which was not asked for"
            )
        limited = _LimitedStream(stream, encoding, self.max_response_bytes, request.url.host)
        if not encoding:
            response.stream = limited
            return response
        # Decoded here, so the headers must not make httpx decode (or count) it again.
        headers = [
            (name, value)
            for name, value in response.headers.raw
            if name.lower() not in (b"content-encoding", b"content-length")
        ]
        return httpx.Response(
            status_code=response.status_code,
            headers=headers,
            stream=limited,
            extensions=response.extensions,
        )


def build_client(settings: RunSettings) -> httpx.AsyncClient:
    """The client of one provider run: as many connections as requests in flight."""
    connections = max(settings.concurrency, 1)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    proxied = any(os.environ.get(name) for name in _PROXY_VARIABLES)
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.timeout),
        limits=limits,
        transport=None if proxied else ProviderTransport(connections),
        headers={"User-Agent": f"harness/{__version__}", "Accept-Encoding": _ACCEPTED_ENCODINGS},
        follow_redirects=False,
    )
