"""A fake Anthropic Messages API: ``POST /v1/messages`` as documented.

Follows the API reference and the official SDK: ``x-api-key`` and
``anthropic-version`` required, ``model``/``max_tokens``/``messages`` required,
unknown top-level fields refused, roles only ``user``/``assistant`` (a ``system``
role is refused: the prompt goes in the top-level ``system`` field), unknown
models 404 ``not_found_error``. Answers carry a content-block list, ``stop_reason``
and ``usage``; errors the envelope ``{"type": "error", "error": {...}, "request_id"}``.
An answer longer than ``max_tokens`` (one token per word here) is cut with
``stop_reason: max_tokens``.

Scripted answers: 429 ``rate_limit_error`` with ``retry-after`` and
``anthropic-ratelimit-*`` headers, 429 spend limit (``error.details.error_code``),
402 ``billing_error``, 529 ``overloaded_error``, 413 ``request_too_large``,
refusals, chatter, wrong language.
"""

from __future__ import annotations

import itertools
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.chat_recording import Recorder, fake_translation

KNOWN_FIELDS = {
    "model",
    "max_tokens",
    "messages",
    "system",
    "temperature",
    "top_p",
    "top_k",
    "stop_sequences",
    "stream",
    "metadata",
    "service_tier",
    "thinking",
    "tools",
    "tool_choice",
}
_ids = itertools.count(1)


def message(
    texts: list[str],
    *,
    model: str,
    stop_reason: str = "end_turn",
    input_tokens: int = 0,
    output_tokens: int = 0,
) -> dict[str, Any]:
    """A ``message`` object with one text block per entry of ``texts``."""
    return {
        "id": f"msg_fake{next(_ids)}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text} for text in texts],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


def error_envelope(type_: str, text: str, error_code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"type": type_, "message": text}
    if error_code is not None:
        error["details"] = {"error_code": error_code}
    return {"type": "error", "error": error, "request_id": "req_fake011"}


def error(
    status: int,
    type_: str,
    text: str,
    error_code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        error_envelope(type_, text, error_code),
        status_code=status,
        headers={"request-id": "req_fake011", **(headers or {})},
    )


def _words(text: str) -> int:
    return len(text.split())


class FakeAnthropic:
    """The fake server: ``app`` to serve, ``recorder`` to inspect and script."""

    def __init__(
        self,
        *,
        key: str = "sk-ant-test-0123456789abcdef",
        models: tuple[str, ...] = ("claude-test",),
    ) -> None:
        self.key = key
        self.models = models
        self.recorder = Recorder()
        self.app = Starlette(routes=[Route("/v1/messages", self.messages, methods=["POST"])])

    @property
    def requests(self) -> list[Any]:
        return self.recorder.requests

    # -- scripted answers ----------------------------------------------------------------

    def reply(self, texts: list[str], *, stop_reason: str = "end_turn", times: int = 1) -> None:
        def build(body: Any) -> Response:
            return JSONResponse(
                message(
                    texts,
                    model=body["model"],
                    stop_reason=stop_reason,
                    input_tokens=12,
                    output_tokens=sum(_words(t) for t in texts),
                )
            )

        self.recorder.then(build, times)

    def fail(
        self,
        status: int,
        type_: str,
        text: str,
        error_code: str | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        self.recorder.then(lambda body: error(status, type_, text, error_code, headers), times)

    # -- the endpoint ----------------------------------------------------------------------

    def _check_headers(self, headers: dict[str, str]) -> Response | None:
        if headers.get("x-api-key") != self.key:
            return error(401, "authentication_error", "invalid x-api-key")
        if not headers.get("anthropic-version"):
            return error(400, "invalid_request_error", "anthropic-version: header is required")
        return None

    def _check_body(self, body: Any) -> Response | None:
        if not isinstance(body, dict):
            return error(400, "invalid_request_error", "The request body is not valid JSON.")
        unknown = sorted(set(body) - KNOWN_FIELDS)
        if unknown:
            return error(
                400, "invalid_request_error", f"{unknown[0]}: Extra inputs are not permitted"
            )
        for name in ("model", "max_tokens", "messages"):
            if name not in body:
                return error(400, "invalid_request_error", f"{name}: Field required")
        if body["model"] not in self.models:
            return error(404, "not_found_error", f"model: {body['model']}")
        if not isinstance(body["max_tokens"], int) or body["max_tokens"] < 1:
            return error(400, "invalid_request_error", "max_tokens: must be a positive integer")
        system = body.get("system")
        if system is not None and not isinstance(system, str | list):
            return error(400, "invalid_request_error", "system: Input should be a valid string")
        messages = body["messages"]
        if not isinstance(messages, list) or not messages:
            return error(400, "invalid_request_error", "messages: at least one message is required")
        for index, item in enumerate(messages):
            role = item.get("role") if isinstance(item, dict) else None
            if role == "system":
                return error(
                    400,
                    "invalid_request_error",
                    'messages: Unexpected role "system". The Messages API accepts a '
                    'top-level `system` parameter, not "system" as an input message '
                    "role.",
                )
            if role not in ("user", "assistant") or not isinstance(item.get("content"), str | list):
                return error(400, "invalid_request_error", f"messages.{index}: invalid message")
        temperature = body.get("temperature", 1)
        if not isinstance(temperature, int | float) or not 0 <= temperature <= 1:
            return error(400, "invalid_request_error", "temperature: range: 0..1")
        return None

    async def messages(self, request: Request) -> Response:
        recorded, body, scripted = await self.recorder.record(request)
        problem = self._check_headers(recorded.headers) or self._check_body(body)
        if problem is not None:
            return problem
        if scripted is not None:
            return scripted.build(body)
        return JSONResponse(self.answer(body), headers={"request-id": "req_fake012"})

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        """The default ``message`` for a valid request (the batch fake uses it too)."""
        user = [m["content"] for m in body["messages"] if m["role"] == "user"]
        answer = fake_translation(str(user[-1])) if user else ""
        stop = "end_turn"
        if _words(answer) > body["max_tokens"]:
            answer, stop = " ".join(answer.split()[: body["max_tokens"]]), "max_tokens"
        prompt = sum(_words(str(m["content"])) for m in body["messages"])
        return message(
            [answer],
            model=body["model"],
            stop_reason=stop,
            input_tokens=prompt + _words(str(body.get("system") or "")),
            output_tokens=_words(answer),
        )
