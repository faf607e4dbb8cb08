"""The HTTP client a provider gets: as many keep-alive connections as requests in flight.

Adapters speak httpx's API; underneath, requests go through
:class:`~harness.run.stream_transport.StreamTransport` (HTTP/1.1 over asyncio
streams). httpx's own transport (httpcore over anyio) costs more per request
than a fast backend takes to answer once dozens of requests are in flight:
measured with ``tests/benchmarks/bench_engine.py`` against a 50 ms backend at
concurrency 64 (see also encode/httpx#3215).

When a proxy is configured in the environment (``HTTPS_PROXY`` and friends), the
client is left to httpx's own transport, which honours it.
"""

from __future__ import annotations

import os

import httpx

from harness import __version__
from harness.run.config import RunSettings
from harness.run.stream_transport import StreamTransport

_PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy",
                    "all_proxy")


def build_client(settings: RunSettings) -> httpx.AsyncClient:
    """The client of one provider run: as many connections as requests in flight."""
    connections = max(settings.concurrency, 1)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    proxied = any(os.environ.get(name) for name in _PROXY_VARIABLES)
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.timeout),
        limits=limits,
        transport=None if proxied else StreamTransport(connections),
        headers={"User-Agent": f"harness/{__version__}"},
        follow_redirects=False,
    )
