"""Anthropic Message Batches for the ``anthropic`` adapter (``harness run --batch``).

Flow (provider-apis §13, the official SDK's ``messages.batches``): ``POST
/v1/messages/batches`` with ``{"requests": [{"custom_id", "params"}]}`` (inline,
no upload), ``params`` built by the adapter's own ``request_body``; poll ``GET
/v1/messages/batches/{id}`` until ``processing_status`` is ``ended``; stream the
JSONL at ``results_url`` and join on ``custom_id`` (results come in any order).
A ``succeeded`` result's ``message`` is read by the adapter's ``read_reply`` and
checked like a synchronous answer; ``errored`` maps its error type through the
adapter's ``error_for``; ``canceled`` and ``expired`` fail their segment.

``custom_id`` must match ``^[a-zA-Z0-9_-]{1,64}$`` (API reference), which a
segment id (``article/p01/spun/pt-BR``) does not: it becomes the id with other
characters as ``_``, cut to 47 characters, plus ``-`` and 16 hex digits of its
sha256, so it stays readable and unique. The key is only ever sent to
``base_url``: a ``results_url`` on another host is refused.

Limits: 100,000 requests and 256 MB per batch (counted as 256,000,000 bytes of
request body). Batches cost half the synchronous price.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx

from harness.errors import BadResponseError
from harness.kit.chat_prompt import system_prompt
from harness.models import LangPair, Segment, Translation
from harness.run.batch.api import BatchFailedError, BatchLimits, BatchRequest, BatchStatus
from providers.anthropic import API_VERSION, AnthropicProvider
from providers.batch_http import call_json, compact, jsonl_lines

_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_-]")
_OPEN, _CLOSE = b'{"requests":[', b"]}"
# The HTTP status each error type of the API stands for (error documentation), so that
# an errored result is classified by the adapter's own error_for.
ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


class AnthropicBatchApi:
    """Message Batches, driven with the ``anthropic`` adapter's requests and checks."""

    name = "anthropic-batch"
    limits = BatchLimits(max_requests=100_000, max_bytes=256_000_000)
    price_factor = 0.5

    def __init__(self, provider: AnthropicProvider) -> None:
        self.provider = provider
        self._prompts: dict[LangPair, str] = {}
        self.base_url = provider.options.base_url

    def custom_id(self, key: str) -> str:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        return f"{_NOT_ALLOWED.sub('_', key)[:47]}-{digest}"

    def entry(self, request: BatchRequest) -> bytes:
        prompt = self._prompt(request.pair)
        return compact(
            {
                "custom_id": request.custom_id,
                "params": self.provider.request_body(prompt, request.text),
            }
        )

    def _prompt(self, pair: LangPair) -> str:
        # One prompt per direction, not per request: a batch holds up to 100,000 requests.
        prompt = self._prompts.get(pair)
        if prompt is None:
            template = self.provider.options.system_prompt
            prompt = self._prompts[pair] = system_prompt(template, pair.source, pair.target)
        return prompt

    def framing(self, count: int) -> int:
        return len(_OPEN) + len(_CLOSE) + max(count - 1, 0)  # commas between entries

    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.provider.key or "", "anthropic-version": API_VERSION}

    async def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        return await call_json(
            self.provider, self.name, method, f"{self.base_url}{path}", headers=headers, **kwargs
        )

    async def submit(self, entries: list[bytes], label: str) -> BatchStatus:
        body = _OPEN + b",".join(entries) + _CLOSE
        created = await self._json(
            "POST",
            "/v1/messages/batches",
            content=body,
            headers={"content-type": "application/json"},
        )
        return self._status(created)

    async def status(self, batch_id: str) -> BatchStatus:
        return self._status(await self._json("GET", f"/v1/messages/batches/{batch_id}"))

    async def cancel(self, batch_id: str) -> BatchStatus:
        return self._status(await self._json("POST", f"/v1/messages/batches/{batch_id}/cancel"))

    def _status(self, body: dict[str, Any]) -> BatchStatus:
        batch_id, state = body.get("id"), body.get("processing_status")
        if (
            body.get("type") != "message_batch"
            or not isinstance(batch_id, str)
            or not isinstance(state, str)
        ):
            raise BadResponseError(f"{self.name}: the answer is not a message batch", status=200)
        counts = body.get("request_counts") or {}
        number = {
            k: int(counts.get(k) or 0)
            for k in ("processing", "succeeded", "errored", "canceled", "expired")
        }
        detail = {
            key: body[key]
            for key in ("results_url", "expires_at", "ended_at", "cancel_initiated_at")
            if body.get(key)
        }
        return BatchStatus(
            batch_id,
            state,
            state == "ended",
            sum(number.values()),
            number["succeeded"],
            number["errored"] + number["canceled"] + number["expired"],
            detail,
        )

    async def results(self, status: BatchStatus) -> AsyncIterator[tuple[str, Any]]:
        url = status.detail.get("results_url")
        if not url:
            return
        if not str(url).startswith(f"{self.base_url}/"):
            raise BadResponseError(
                f"{self.name}: results_url is not on base_url; the key is not sent elsewhere",
                status=200,
            )
        async for line in jsonl_lines(self.provider, self.name, str(url), self.headers()):
            custom_id = line.get("custom_id")
            if isinstance(custom_id, str):
                yield custom_id, line.get("result")

    def translation(self, result: Any, segment: Segment, pair: LangPair) -> Translation:
        kind = result.get("type") if isinstance(result, dict) else None
        if kind == "succeeded":
            reply = httpx.Response(200, json=result.get("message"))
            return self.provider.to_translation(self.provider.read_reply(reply), segment, pair)
        if kind == "errored":
            envelope = result.get("error")
            inner = envelope.get("error") if isinstance(envelope, dict) else None
            error_type = str(inner.get("type")) if isinstance(inner, dict) else "api_error"
            reply = httpx.Response(ERROR_STATUS.get(error_type, 500), json=envelope)
            raise self.provider.error_for(reply)
        if kind in ("canceled", "expired"):
            raise BatchFailedError(f"{self.name}: the request was {kind} before it ran")
        raise BadResponseError(f"{self.name}: a result of unknown type {kind!r}", status=200)
