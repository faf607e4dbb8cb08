"""The OpenAI Batch API for the ``openai`` adapter (``harness run --batch``).

Flow (provider-apis §13, the official SDK's ``batches`` and ``files`` types):
upload the requests as a JSONL file (``POST /v1/files``, multipart,
``purpose=batch``), one line ``{"custom_id", "method": "POST", "url":
"/v1/chat/completions", "body"}`` per segment, the body built by the adapter's
own ``request_body``; create the batch (``POST /v1/batches``,
``completion_window: "24h"``); poll ``GET /v1/batches/{id}``; when it has ended
(``completed``, ``expired``, ``cancelled`` or ``failed``) read the output file
and the error file (``GET /v1/files/{id}/content``) and join on ``custom_id``,
never on line order. A line's ``response.body`` is read by the adapter's
``read_reply`` and checked by the same answer checks as a synchronous answer; a
non-200 ``response`` maps through the adapter's ``error_for``; a line with only
``error`` (``batch_expired``, ``batch_cancelled``) fails its segment.

Limits: 50,000 requests and 200 MB per input file (counted as 200,000,000
bytes, the smaller reading of "MB"). Batches cost half the synchronous price.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from harness.errors import BadResponseError
from harness.kit.chat_prompt import system_prompt
from harness.models import LangPair, Segment, Translation
from harness.run.batch.api import BatchFailedError, BatchLimits, BatchRequest, BatchStatus
from providers.batch_http import call_json, compact, jsonl_lines
from providers.openai import OpenAIProvider

ENDPOINT = "/v1/chat/completions"
ENDED = frozenset({"completed", "expired", "cancelled", "failed"})


class OpenAIBatchApi:
    """The Batch API, driven with the ``openai`` adapter's requests and checks."""

    name = "openai-batch"
    limits = BatchLimits(max_requests=50_000, max_bytes=200_000_000)
    price_factor = 0.5

    def __init__(self, provider: OpenAIProvider) -> None:
        self.provider = provider
        self._prompts: dict[LangPair, str] = {}
        self.base_url = provider.options.base_url

    def custom_id(self, key: str) -> str:
        return key  # any string is accepted: the segment id itself

    def entry(self, request: BatchRequest) -> bytes:
        prompt = self._prompt(request.pair)
        return compact(
            {
                "custom_id": request.custom_id,
                "method": "POST",
                "url": ENDPOINT,
                "body": self.provider.request_body(prompt, request.text),
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
        return count  # one newline after every line

    async def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return await call_json(
            self.provider,
            self.name,
            method,
            f"{self.base_url}{path}",
            headers=self.provider.request_headers(),
            **kwargs,
        )

    async def submit(self, entries: list[bytes], label: str) -> BatchStatus:
        content = b"".join(entry + b"\n" for entry in entries)
        uploaded = await self._json(
            "POST",
            "/files",
            data={"purpose": "batch"},
            files={"file": ("harness-batch.jsonl", content, "application/jsonl")},
        )
        file_id = uploaded.get("id")
        if not isinstance(file_id, str):
            raise BadResponseError(f"{self.name}: the file upload answer has no id", status=200)
        created = await self._json(
            "POST",
            "/batches",
            json={
                "input_file_id": file_id,
                "endpoint": ENDPOINT,
                "completion_window": "24h",
                "metadata": {"harness_run": label[:512]},
            },
        )
        return self._status(created)

    async def status(self, batch_id: str) -> BatchStatus:
        return self._status(await self._json("GET", f"/batches/{batch_id}"))

    async def cancel(self, batch_id: str) -> BatchStatus:
        return self._status(await self._json("POST", f"/batches/{batch_id}/cancel"))

    def _status(self, body: dict[str, Any]) -> BatchStatus:
        batch_id, state = body.get("id"), body.get("status")
        if (
            body.get("object") != "batch"
            or not isinstance(batch_id, str)
            or not isinstance(state, str)
        ):
            raise BadResponseError(f"{self.name}: the answer is not a batch", status=200)
        counts = body.get("request_counts") or {}
        detail: dict[str, Any] = {
            key: body.get(key)
            for key in ("input_file_id", "output_file_id", "error_file_id", "expires_at")
            if body.get(key) is not None
        }
        errors = (
            (body.get("errors") or {}).get("data") if isinstance(body.get("errors"), dict) else None
        )
        if errors:
            detail["reason"] = "; ".join(
                f"{e.get('code')}: {e.get('message')}" for e in errors[:3] if isinstance(e, dict)
            )
        return BatchStatus(
            batch_id,
            state,
            state in ENDED,
            int(counts.get("total") or 0),
            int(counts.get("completed") or 0),
            int(counts.get("failed") or 0),
            detail,
        )

    async def results(self, status: BatchStatus) -> AsyncIterator[tuple[str, Any]]:
        for key in ("output_file_id", "error_file_id"):
            file_id = status.detail.get(key)
            if not file_id:
                continue
            url = f"{self.base_url}/files/{file_id}/content"
            async for line in jsonl_lines(
                self.provider, self.name, url, self.provider.request_headers()
            ):
                custom_id = line.get("custom_id")
                if isinstance(custom_id, str):
                    yield custom_id, line

    def translation(self, result: Any, segment: Segment, pair: LangPair) -> Translation:
        response = result.get("response")
        if isinstance(response, dict) and isinstance(response.get("status_code"), int):
            reply = httpx.Response(response["status_code"], json=response.get("body"))
            if reply.status_code != 200:
                raise self.provider.error_for(reply)
            return self.provider.to_translation(self.provider.read_reply(reply), segment, pair)
        error = result.get("error")
        if isinstance(error, dict):
            raise BatchFailedError(
                f"{self.name}: {error.get('code') or 'error'}: "
                f"{error.get('message') or 'no message'}"
            )
        raise BadResponseError(
            f"{self.name}: a result line has neither response nor error", status=200
        )
