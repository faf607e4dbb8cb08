"""``anthropic``: the Anthropic Messages API (``POST /v1/messages``).

The key comes from ``ANTHROPIC_API_KEY`` and goes in ``x-api-key`` with the pinned
``anthropic-version: 2023-06-01``. The translation prompt is the top-level
``system`` field (the API has no system role in ``messages``); ``max_tokens`` is
required by the API, so the option always has a value.

Errors, following the official SDK and the error documentation: 401
``authentication_error`` and 403 ``permission_error`` are refused keys; 402
``billing_error`` and a 429 whose ``error.details.error_code`` is
``enforced_spend_limit_reached`` are quota problems (stop, do not retry); other 429s
are rate limits (``retry-after``, else the ``anthropic-ratelimit-*-reset`` times);
408, 409, 5xx and 529 ``overloaded_error`` are transient; 400, 404 and 413 mean the
request itself is wrong and stop the run.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import Field

from harness.errors import AuthError, BadResponseError, QuotaError, RateLimitError, TransientError
from harness.models import Usage
from harness.provider import Credential
from providers.http_common import (
    RequestRejectedError,
    json_body,
    redact,
    retry_after_seconds,
    short,
    transport_error,
)
from providers.llm_base import ChatOptions, ChatProvider, ChatReply

API_VERSION = "2023-06-01"
SPEND_LIMIT_CODES = frozenset({"enforced_spend_limit_reached"})
RESET_HEADERS = (
    "anthropic-ratelimit-requests-reset",
    "anthropic-ratelimit-tokens-reset",
    "anthropic-ratelimit-input-tokens-reset",
    "anthropic-ratelimit-output-tokens-reset",
)
# stop_reason values meaning the answer was cut short.
TRUNCATING_STOPS = frozenset({"max_tokens", "model_context_window_exceeded"})


class AnthropicOptions(ChatOptions):
    base_url: str = Field(
        default="https://api.anthropic.com", description="API root (without /v1)."
    )
    temperature: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Sampling temperature, 0 to 1; 0 for faithful."
    )


class AnthropicProvider(ChatProvider):
    name = "anthropic"
    version = "1"
    description = "Anthropic Messages API."
    Options = AnthropicOptions
    batch_api = "providers.anthropic_batch:AnthropicBatchApi"
    credentials = (Credential("ANTHROPIC_API_KEY", help="an Anthropic API key"),)

    def request_body(self, system: str, text: str) -> dict[str, Any]:
        options = self.chat_options
        return {
            "model": options.model,
            "max_tokens": options.max_tokens,
            "system": system,
            "messages": [{"role": "user", "content": text}],
            "temperature": options.temperature,
        }

    async def complete(self, system: str, text: str) -> ChatReply:
        if self.client is None:
            raise RuntimeError("the anthropic adapter needs an HTTP client")
        headers = {"x-api-key": self.key or "", "anthropic-version": API_VERSION}
        try:
            response = await self.client.post(
                f"{self.chat_options.base_url}/v1/messages",
                headers=headers,
                json=self.request_body(system, text),
            )
        except httpx.HTTPError as exc:
            raise transport_error(self.name, exc) from exc
        if response.status_code != 200:
            raise self.error_for(response)
        return self.read_reply(response)

    def read_reply(self, response: httpx.Response) -> ChatReply:
        body = json_body(response)
        blocks = body.get("content") if isinstance(body, dict) else None
        if not isinstance(body, dict) or body.get("type") != "message" or not isinstance(
            blocks, list
        ):
            raise BadResponseError(f"{self.name}: the answer is not a message", status=200)
        texts = [
            block["text"]
            for block in blocks
            if isinstance(block, dict) and block.get("type") == "text"
            and isinstance(block.get("text"), str)
        ]
        stop = body.get("stop_reason")
        refused = stop == "refusal"
        truncated = stop in TRUNCATING_STOPS
        if not texts and not refused and not truncated:
            raise BadResponseError(f"{self.name}: the message has no text block", status=200)
        usage = body.get("usage")
        if not isinstance(usage, dict):
            usage = {}
        model = body.get("model")
        text = "".join(texts)
        return ChatReply(
            text=text,
            stop_reason=stop if isinstance(stop, str) else None,
            usage=Usage(
                input_tokens=usage.get("input_tokens"), output_tokens=usage.get("output_tokens")
            ),
            model=model if isinstance(model, str) else None,
            truncated=truncated,
            refusal=text if refused else None,
        )

    def error_for(self, response: httpx.Response) -> Exception:
        """The harness error for a non-200 answer; the message names what the API said."""
        status = response.status_code
        body = json_body(response)
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            error = {}
        kind = str(error.get("type") or "error")
        details = error.get("details")
        if not isinstance(details, dict):
            details = {}
        code = str(details.get("error_code") or "")
        said = error.get("message") or response.reason_phrase or "no message"
        what = redact(short(str(said)), self.secret_values())
        message = f"{self.name}: HTTP {status} {code or kind}: {what}"
        if status in (401, 403):
            return AuthError(f"{message} (check ANTHROPIC_API_KEY)", status=status)
        if status == 402 or kind == "billing_error" or code in SPEND_LIMIT_CODES:
            return QuotaError(message, status=status)
        if status == 429:
            wait = retry_after_seconds(response.headers, reset_headers=RESET_HEADERS)
            return RateLimitError(message, status=status, retry_after=wait)
        if status in (408, 409) or status >= 500:
            wait = retry_after_seconds(response.headers)
            return TransientError(message, status=status, retry_after=wait)
        if status in (400, 404, 413):
            return RequestRejectedError(f"{message} (check model and options)", status=status)
        return BadResponseError(message, status=status)
