"""What the batch service wrappers share: calls that map failures the adapter's way, and
JSONL result streams read line by line.

Every call goes through the adapter's own ``error_for``, so a refused key, a
rate limit or an overloaded service means the same in batch mode as in the
synchronous path.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from harness.errors import BadResponseError
from providers.http_common import json_body, transport_error

ErrorFor = Callable[[httpx.Response], Exception]


async def call_json(client: httpx.AsyncClient | None, name: str, error_for: ErrorFor,
                    method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    """One request whose answer is a JSON object; a harness error otherwise."""
    if client is None:
        raise RuntimeError(f"the {name} batch service needs an HTTP client")
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise transport_error(name, exc) from exc
    if response.status_code != 200:
        raise error_for(response)
    body = json_body(response)
    if not isinstance(body, dict):
        raise BadResponseError(f"{name}: the answer is not a JSON object", status=200)
    return body


async def jsonl_lines(client: httpx.AsyncClient | None, name: str, error_for: ErrorFor,
                      url: str, headers: dict[str, str]) -> AsyncIterator[dict[str, Any]]:
    """The objects of a JSONL download, streamed (result files can be hundreds of MB)."""
    if client is None:
        raise RuntimeError(f"the {name} batch service needs an HTTP client")
    try:
        async with client.stream("GET", url, headers=headers) as response:
            if response.status_code != 200:
                await response.aread()
                raise error_for(response)
            number = 0
            async for line in response.aiter_lines():
                number += 1
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise BadResponseError(f"{name}: result line {number} is not JSON",
                                           status=200) from exc
                if not isinstance(record, dict):
                    raise BadResponseError(f"{name}: result line {number} is not an object",
                                           status=200)
                yield record
    except httpx.HTTPError as exc:
        raise transport_error(name, exc) from exc


def compact(value: Any) -> bytes:
    """JSON as the upload carries it: no spaces, UTF-8 (not \\u escapes, which are larger)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
