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

# error.type / error.code values that mean money or quota, not speed (provider-apis §8).
QUOTA_CODES = frozenset({
    "insufficient_quota",
    "billing_hard_limit_reached",
    "billing_not_active",
    "credit_balance_exhausted",
})
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


class OpenAIProvider(ChatProvider):
    name = "openai"
    version = "1"
    description = "OpenAI-compatible chat completions (OpenAI, vLLM, llama.cpp, Ollama, LM Studio)."
    Options = OpenAIOptions
    batch_api = "providers.openai_batch:OpenAIBatchApi"
    credentials = (
        Credential("OPENAI_API_KEY", required=False, help="not needed by most local servers"),
    )

    @property
    def openai_options(self) -> OpenAIOptions:
        assert isinstance(self.options, OpenAIOptions)
        return self.options

    def request_headers(self) -> dict[str, str]:
        options = self.openai_options
        headers: dict[str, str] = {}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        if options.organization:
            headers["OpenAI-Organization"] = options.organization
        if options.project:
            headers["OpenAI-Project"] = options.project
        return headers

    def request_body(self, system: str, text: str) -> dict[str, Any]:
        options = self.openai_options
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

    async def complete(self, system: str, text: str) -> ChatReply:
        if self.client is None:
            raise RuntimeError("the openai adapter needs an HTTP client")
        url = f"{self.openai_options.base_url}/chat/completions"
        try:
            response = await self.client.post(
                url, headers=self.request_headers(), json=self.request_body(system, text)
            )
        except httpx.HTTPError as exc:
            raise transport_error(self.name, exc) from exc
        if response.status_code != 200:
            raise self.error_for(response)
        return self.read_reply(response)

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

    def error_for(self, response: httpx.Response) -> Exception:
        """The harness error for a non-200 answer; the message names what the server said."""
        status = response.status_code
        body = json_body(response)
        # Nested {"error": {...}} (OpenAI, newer vLLM, Ollama), flat {"object": "error", ...}
        # (older vLLM) or {"error": "text"}.
        error = body.get("error", body) if isinstance(body, dict) else {}
        if isinstance(error, str):
            error = {"message": error}
        if not isinstance(error, dict):
            error = {}
        kind = str(error.get("type") or "")
        code = str(error.get("code") or "")
        said = error.get("message") or response.reason_phrase or "no message"
        what = redact(short(str(said)), self.secret_values())
        label = f"{code or kind or 'error'}"
        message = f"{self.name}: HTTP {status} {label}: {what}"
        if status in (401, 403):
            return AuthError(f"{message} (check OPENAI_API_KEY and base_url)", status=status)
        if status == 429:
            if kind in QUOTA_CODES or code in QUOTA_CODES:
                return QuotaError(message, status=status)
            wait = retry_after_seconds(response.headers, reset_headers=RESET_HEADERS)
            return RateLimitError(message, status=status, retry_after=wait)
        if status in (408, 409) or status >= 500:
            wait = retry_after_seconds(response.headers)
            return TransientError(message, status=status, retry_after=wait)
        if status in (400, 404, 422):
            if code in SEGMENT_CODES:
                return BadResponseError(message, status=status)
            return RequestRejectedError(f"{message} (check model and options)", status=status)
        return BadResponseError(message, status=status)
