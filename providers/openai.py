"""``openai``: chat completions on OpenAI or any server that speaks its API.

Works with OpenAI itself and with local servers (vLLM, llama.cpp ``llama-server``,
Ollama's ``/v1``, LM Studio): set ``base_url`` to the server's ``.../v1``. The key
comes from ``OPENAI_API_KEY`` and is optional, because local servers usually need
none; without it no ``Authorization`` header is sent.

Errors, following the official SDK and the error-code guide: 401/403 refused key;
429 is a quota problem when ``error.type``/``error.code`` says so (not worth a retry)
and a rate limit otherwise (wait from ``retry-after-ms``, ``retry-after`` or the
``x-ratelimit-reset-*`` headers); 408, 409 and 5xx are transient; 400 and 404 mean
the request itself is wrong (unknown model, unsupported option) and stop the run,
except a context overflow, which fails only its segment.
"""

from __future__ import annotations

from typing import Any, Literal

import httpx
from pydantic import Field

from harness.errors import BadResponseError
from harness.kit.chat import ChatError, ChatOptions, ChatProvider, ChatReply
from harness.kit.http import json_body
from harness.models import Usage
from harness.provider import Credential

# error.type / error.code values that mean money or quota, not speed (provider-apis §8).
QUOTA_CODES = frozenset(
    {
        "insufficient_quota",
        "billing_hard_limit_reached",
        "billing_not_active",
        "credit_balance_exhausted",
    }
)
# A 400 that concerns this one paragraph, not the configuration.
SEGMENT_CODES = frozenset({"context_length_exceeded", "string_above_max_length"})
RESET_HEADERS = ("x-ratelimit-reset-requests", "x-ratelimit-reset-tokens")


class OpenAIOptions(ChatOptions):
    base_url: str = Field(
        default="https://api.openai.com/v1",
        description="API root up to /v1, e.g. http://127.0.0.1:8000/v1 for vLLM.",
    )
    max_tokens_field: Literal["max_completion_tokens", "max_tokens"] = Field(
        default="max_completion_tokens",
        description="Request field for the answer limit; older local servers (Ollama) "
        "only know max_tokens.",
    )
    seed: int | None = Field(
        default=None, description="Sampling seed, for backends that support repeatable output."
    )
    organization: str | None = Field(
        default=None, description="Sent as the OpenAI-Organization header."
    )
    project: str | None = Field(default=None, description="Sent as the OpenAI-Project header.")


class OpenAIProvider(ChatProvider[OpenAIOptions]):
    name = "openai"
    version = "1"
    description = "OpenAI-compatible chat completions (OpenAI, vLLM, llama.cpp, Ollama, LM Studio)."
    Options = OpenAIOptions
    batch_api = "providers.openai_batch:OpenAIBatchApi"
    credentials = (
        Credential("OPENAI_API_KEY", required=False, help="not needed by most local servers"),
    )
    key_hint = "check OPENAI_API_KEY and base_url"
    reset_headers = RESET_HEADERS
    segment_codes = SEGMENT_CODES

    def request_headers(self) -> dict[str, str]:
        options = self.options
        headers: dict[str, str] = {}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        if options.organization:
            headers["OpenAI-Organization"] = options.organization
        if options.project:
            headers["OpenAI-Project"] = options.project
        return headers

    def request_body(self, system: str, text: str) -> dict[str, Any]:
        options = self.options
        body: dict[str, Any] = {
            "model": options.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": text},
            ],
            "temperature": options.temperature,
            options.max_tokens_field: options.max_tokens,
        }
        if options.seed is not None:
            body["seed"] = options.seed
        return body

    def chat_request(self, system: str, text: str) -> httpx.Request:
        return self.request(
            "POST",
            f"{self.options.base_url}/chat/completions",
            headers=self.request_headers(),
            json=self.request_body(system, text),
        )

    def read_reply(self, response: httpx.Response) -> ChatReply:
        body = json_body(response)
        try:
            choice = body["choices"][0]
            message = choice["message"]
            content = message.get("content")
            finish = choice.get("finish_reason")
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise BadResponseError(
                f"{self.name}: the answer has no choices[0].message", status=response.status_code
            ) from exc
        if content is not None and not isinstance(content, str):
            raise BadResponseError(f"{self.name}: message.content is not text", status=200)
        refusal = message.get("refusal")
        if finish == "content_filter" and refusal is None:
            refusal = ""
        if content is None and refusal is None and finish != "length":
            raise BadResponseError(f"{self.name}: the answer has no content", status=200)
        usage = body.get("usage")
        if not isinstance(usage, dict):
            usage = {}
        model = body.get("model")
        return ChatReply(
            text=content,
            stop_reason=finish,
            usage=Usage(
                input_tokens=usage.get("prompt_tokens"),
                output_tokens=usage.get("completion_tokens"),
            ),
            model=model if isinstance(model, str) else None,
            truncated=finish == "length",
            refusal=None if refusal is None else str(refusal),
        )

    def read_error(self, body: Any) -> ChatError:
        # Nested {"error": {...}} (OpenAI, newer vLLM, Ollama), flat {"object": "error", ...}
        # (older vLLM) or {"error": "text"}.
        error = body.get("error", body) if isinstance(body, dict) else {}
        if isinstance(error, str):
            error = {"message": error}
        if not isinstance(error, dict):
            error = {}
        return ChatError(
            str(error.get("type") or ""),
            str(error.get("code") or ""),
            str(error.get("message") or ""),
        )

    def is_quota(self, status: int, error: ChatError) -> bool:
        return status == 429 and (error.kind in QUOTA_CODES or error.code in QUOTA_CODES)
