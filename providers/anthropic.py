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

from harness.errors import BadResponseError
from harness.kit.chat import ChatError, ChatOptions, ChatProvider, ChatReply
from harness.kit.http import json_body
from harness.models import Usage
from harness.provider import Credential

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


class AnthropicProvider(ChatProvider[AnthropicOptions]):
    name = "anthropic"
    version = "1"
    description = "Anthropic Messages API."
    Options = AnthropicOptions
    batch_api = "providers.anthropic_batch:AnthropicBatchApi"
    credentials = (Credential("ANTHROPIC_API_KEY", help="an Anthropic API key"),)
    key_hint = "check ANTHROPIC_API_KEY"
    reset_headers = RESET_HEADERS
    rejected_statuses = frozenset({400, 404, 413})

    def request_body(self, system: str, text: str) -> dict[str, Any]:
        options = self.options
        return {
            "model": options.model,
            "max_tokens": options.max_tokens,
            "system": system,
            "messages": [{"role": "user", "content": text}],
            "temperature": options.temperature,
        }

    def chat_request(self, system: str, text: str) -> httpx.Request:
        headers = {"x-api-key": self.key or "", "anthropic-version": API_VERSION}
        return self.request(
            "POST",
            f"{self.options.base_url}/v1/messages",
            headers=headers,
            json=self.request_body(system, text),
        )

    def read_reply(self, response: httpx.Response) -> ChatReply:
        body = json_body(response)
        blocks = body.get("content") if isinstance(body, dict) else None
        if (
            not isinstance(body, dict)
            or body.get("type") != "message"
            or not isinstance(blocks, list)
        ):
            raise BadResponseError(f"{self.name}: the answer is not a message", status=200)
        texts = [
            block["text"]
            for block in blocks
            if isinstance(block, dict)
            and block.get("type") == "text"
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

    def read_error(self, body: Any) -> ChatError:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            error = {}
        details = error.get("details")
        code = details.get("error_code") if isinstance(details, dict) else None
        return ChatError(
            str(error.get("type") or "error"), str(code or ""), str(error.get("message") or "")
        )

    def is_quota(self, status: int, error: ChatError) -> bool:
        return status == 402 or error.kind == "billing_error" or error.code in SPEND_LIMIT_CODES
