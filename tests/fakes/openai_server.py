"""A fake OpenAI-compatible server: ``POST /v1/chat/completions`` as documented.

Follows the wire format of the OpenAI API reference and the official SDK:
``Authorization: Bearer`` checked when a key is configured (401 with the error
envelope and a masked echo of the wrong key, as OpenAI does), ``model`` and
``messages`` validated, unknown request fields refused (400), unknown models 404
``model_not_found``. Answers are ``chat.completion`` objects with ``usage`` and a
``finish_reason``; an answer longer than ``max_completion_tokens``/``max_tokens``
(one token per word here) is cut and marked ``length``. The reported ``model`` is
the dated name of the requested one, as OpenAI reports it.

Scripted answers (:class:`FakeOpenAI` methods) produce rate limits with
``retry-after``/``retry-after-ms``/``x-ratelimit-*`` headers, ``insufficient_quota``,
server errors, refusals, chatter and answers in the wrong language.
"""

from __future__ import annotations

import itertools
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.chat_recording import Recorder, fake_translation

ROLES = {"system", "developer", "user", "assistant", "tool"}
KNOWN_FIELDS = {
    "model",
    "messages",
    "temperature",
    "max_tokens",
    "max_completion_tokens",
    "seed",
    "n",
    "stop",
    "top_p",
    "response_format",
    "stream",
    "stream_options",
    "reasoning_effort",
    "service_tier",
    "store",
    "metadata",
    "user",
    "presence_penalty",
    "frequency_penalty",
    "logprobs",
    "top_logprobs",
    "logit_bias",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
}
_ids = itertools.count(1)


def completion(
    content: str | None,
    *,
    model: str,
    finish_reason: str = "stop",
    refusal: str | None = None,
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
) -> dict[str, Any]:
    """A ``chat.completion`` object carrying one choice."""
    return {
        "id": f"chatcmpl-fake{next(_ids)}",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0},
        },
        "system_fingerprint": "fp_fake",
        "service_tier": "default",
    }


def error_envelope(
    message: str, type_: str, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def error(
    status: int,
    message: str,
    type_: str,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        error_envelope(message, type_, code),
        status_code=status,
        headers={"x-request-id": "req_fake", **(headers or {})},
    )


def mask(key: str) -> str:
    """How OpenAI echoes a wrong key: first three characters, stars, last four."""
    return key[:3] + "*" * max(len(key) - 7, 4) + key[-4:]


def _words(text: str) -> int:
    return len(text.split())


class FakeOpenAI:
    """The fake server: ``app`` to serve, ``recorder`` to inspect and script."""

    def __init__(
        self,
        *,
        key: str | None = "sk-test-0123456789abcdef",
        models: tuple[str, ...] = ("gpt-test",),
    ) -> None:
        self.key = key
        self.models = models
        self.recorder = Recorder()
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self.chat_completions, methods=["POST"]),
            ]
        )

    @property
    def requests(self) -> list[Any]:
        return self.recorder.requests

    @staticmethod
    def reported_model(model: str) -> str:
        return f"{model}-2025-01-01"

    # -- scripted answers ----------------------------------------------------------------

    def reply(
        self,
        content: str | None,
        *,
        finish_reason: str = "stop",
        refusal: str | None = None,
        times: int = 1,
    ) -> None:
        def build(body: Any) -> Response:
            return JSONResponse(
                completion(
                    content,
                    model=self.reported_model(body["model"]),
                    finish_reason=finish_reason,
                    refusal=refusal,
                    prompt_tokens=12,
                    completion_tokens=_words(content or ""),
                )
            )

        self.recorder.then(build, times)

    def fail(
        self,
        status: int,
        message: str,
        type_: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        self.recorder.then(lambda body: error(status, message, type_, code, headers), times)

    def rate_limited(self, headers: dict[str, str], times: int = 1) -> None:
        self.fail(
            429,
            "Rate limit reached for requests per min (RPM): Limit 3, Used 3.",
            "requests",
            "rate_limit_exceeded",
            headers,
            times,
        )

    def insufficient_quota(self) -> None:
        self.fail(
            429,
            "You exceeded your current quota, please check your plan and billing details.",
            "insufficient_quota",
            "insufficient_quota",
        )

    # -- the endpoint ----------------------------------------------------------------------

    def _check_auth(self, headers: dict[str, str]) -> Response | None:
        if self.key is None:
            return None
        given = headers.get("authorization", "")
        if not given:
            return error(
                401,
                "You didn't provide an API key. You need to provide your API key "
                "in an Authorization header using Bearer auth.",
                "invalid_request_error",
            )
        if given != f"Bearer {self.key}":
            shown = mask(given.removeprefix("Bearer "))
            return error(
                401,
                f"Incorrect API key provided: {shown}. You can find your API key "
                "at https://platform.openai.com/account/api-keys.",
                "invalid_request_error",
                "invalid_api_key",
            )
        return None

    def _check_body(self, body: Any) -> Response | None:
        if not isinstance(body, dict):
            return error(
                400, "We could not parse the JSON body of your request.", "invalid_request_error"
            )
        unknown = sorted(set(body) - KNOWN_FIELDS)
        if unknown:
            return error(
                400,
                f"Unrecognized request argument supplied: {unknown[0]}",
                "invalid_request_error",
            )
        if not body.get("model"):
            return error(400, "you must provide a model parameter", "invalid_request_error")
        if body["model"] not in self.models:
            return error(
                404,
                f"The model `{body['model']}` does not exist or you do not have access to it.",
                "invalid_request_error",
                "model_not_found",
            )
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return error(400, "Missing required parameter: 'messages'.", "invalid_request_error")
        for index, message in enumerate(messages):
            if (
                not isinstance(message, dict)
                or message.get("role") not in ROLES
                or not isinstance(message.get("content"), str | list)
            ):
                return error(
                    400, f"Invalid value for 'messages[{index}]'.", "invalid_request_error"
                )
        temperature = body.get("temperature", 1)
        if not isinstance(temperature, int | float) or not 0 <= temperature <= 2:
            return error(
                400, "Invalid 'temperature': must be between 0 and 2.", "invalid_request_error"
            )
        for name in ("max_tokens", "max_completion_tokens", "seed"):
            value = body.get(name)
            if value is not None and (not isinstance(value, int) or (value < 1 and name != "seed")):
                return error(400, f"Invalid '{name}'.", "invalid_request_error")
        return None

    async def chat_completions(self, request: Request) -> Response:
        recorded, body, scripted = await self.recorder.record(request)
        problem = self._check_auth(recorded.headers) or self._check_body(body)
        if problem is not None:
            return problem
        if scripted is not None:
            return scripted.build(body)
        return JSONResponse(self.answer(body), headers={"x-request-id": "req_fake"})

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        """The default ``chat.completion`` for a valid request (the batch fake uses it too)."""
        user = [m["content"] for m in body["messages"] if m["role"] == "user"]
        answer = fake_translation(str(user[-1])) if user else ""
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        finish = "stop"
        if limit is not None and _words(answer) > limit:
            answer, finish = " ".join(answer.split()[:limit]), "length"
        prompt_tokens = sum(_words(str(m["content"])) for m in body["messages"])
        return completion(
            answer,
            model=self.reported_model(body["model"]),
            finish_reason=finish,
            prompt_tokens=prompt_tokens,
            completion_tokens=_words(answer),
        )
