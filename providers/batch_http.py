"""What the batch service wrappers share: calls sent and mapped the adapter's way, and
JSONL result streams read line by line.

Every call is built and sent by the adapter itself (its client, its redaction of
secrets, its ``error_for``), so a refused key, a rate limit or an overloaded
service means the same in batch mode as in the synchronous path.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from harness.errors import BadResponseError
from harness.kit.chat import ChatProvider
from harness.kit.http import json_body, transport_error


async def call_json(
    provider: ChatProvider[Any], name: str, method: str, url: str, **kwargs: Any
) -> dict[str, Any]:
    """One request whose answer is a JSON object; a harness error otherwise."""
    response = await provider.send(provider.request(method, url, **kwargs))
    if response.status_code != 200:
        raise provider.error_for(response)
    body = json_body(response)
    if not isinstance(body, dict):
        raise BadResponseError(f"{name}: the answer is not a JSON object", status=200)
    return body


async def jsonl_lines(
    provider: ChatProvider[Any], name: str, url: str, headers: dict[str, str]
) -> AsyncIterator[dict[str, Any]]:
    """The objects of a JSONL download, streamed (result files can be hundreds of MB)."""
    request = provider.request("GET", url, headers=headers)
    try:
        response = await provider.http.send(request, stream=True)
    except httpx.TransportError as exc:
        # The message names no URL; the cause is dropped as the kit does (it may quote one).
        raise transport_error(name, exc) from None
    try:
        if response.status_code != 200:
            await response.aread()
            raise provider.error_for(response)
        number = 0
        async for line in response.aiter_lines():
            number += 1
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BadResponseError(
                    f"{name}: result line {number} is not JSON", status=200
                ) from exc
            if not isinstance(record, dict):
                raise BadResponseError(f"{name}: result line {number} is not an object", status=200)
            yield record
    except httpx.TransportError as exc:
        raise transport_error(name, exc) from None
    finally:
        await response.aclose()


def compact(value: Any) -> bytes:
    """JSON as the upload carries it: no spaces, UTF-8 (not \\u escapes, which are larger)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
