"""The chat adapter template: what every chat-model adapter (``openai``, ``anthropic``) shares.

One paragraph per request: the system prompt names the two languages and the
user message is the paragraph itself, so an answer can never belong to another
segment. A backend subclass of :class:`ChatProvider` only builds its request
(:meth:`~ChatProvider.chat_request`), reads its answer into a :class:`ChatReply`
(:meth:`~ChatProvider.read_reply`) and its error body into a :class:`ChatError`
(:meth:`~ChatProvider.read_error`). The template sends, maps failures onto the
harness error tree (refused key, quota, rate limit, transient, a request the
backend rejects) and turns the reply into a :class:`Translation`, recording what
went wrong without failing the segment: ``truncated`` (the token limit cut the
answer), ``refusal``, ``chatter`` (text around the translation, removed; the raw
answer is kept in ``detail["raw"]``) and ``wrong_language``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx
from pydantic import Field, field_validator
from typing_extensions import TypeVar

from harness.errors import (
    AuthError,
    BadResponseError,
    ProviderError,
    QuotaError,
    RateLimitError,
    RequestRejectedError,
    TransientError,
    UnsupportedLanguageError,
)
from harness.kit.adapter import HttpProvider
from harness.kit.chat_output import strip_chatter, wrong_language
from harness.kit.chat_prompt import (
    DEFAULT_SYSTEM_PROMPT,
    check_template,
    known_languages,
    language_name,
    system_prompt,
)
from harness.kit.http import json_body
from harness.kit.retry_after import retry_after_seconds
from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import HttpOptions, Limits


class ChatOptions(HttpOptions):
    """Options every chat adapter takes; ``base_url`` gets its default in each adapter."""

    model: str = Field(min_length=1, description="Model name as the backend knows it.")
    system_prompt: str | None = Field(
        default=None,
        description="Replaces the built-in translation prompt; {source} and {target} become "
        "English language names.",
    )
    temperature: float = Field(
        default=0.0, ge=0.0, le=2.0, description="Sampling temperature; 0 for faithful output."
    )
    max_tokens: int = Field(
        default=4096, ge=1, description="Most tokens one answer may have; longer ones are cut."
    )

    @field_validator("system_prompt")
    @classmethod
    def _valid_template(cls, value: str | None) -> str | None:
        return None if value is None else check_template(value)

    @field_validator("base_url")
    @classmethod
    def _valid_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value.rstrip("/")


@dataclass(frozen=True)
class ChatReply:
    """A chat backend's answer, read out of its wire format."""

    text: str | None
    stop_reason: str | None
    usage: Usage
    model: str | None
    truncated: bool = False
    #: The model's refusal message ("" if it refused without one); None if it did not refuse.
    refusal: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChatError:
    """A chat backend's error body: its type, its finer code, and what it said."""

    kind: str = ""
    code: str = ""
    message: str = ""


ChatOptionsT = TypeVar("ChatOptionsT", bound=ChatOptions, default=ChatOptions)


class ChatProvider(HttpProvider[ChatOptionsT]):
    """Base of the chat-model adapters: one paragraph per request, answer checks."""

    # One paragraph per request keeps alignment certain; 8,000 characters is a long
    # paragraph and stays far inside every current model's context.
    limits = Limits(max_batch=1, max_chars=8_000)
    #: Said after a refused key: which variable (and option) to check.
    key_hint: ClassVar[str] = "check the key"
    #: Statuses meaning the request itself is wrong (unknown model, bad option): fatal.
    rejected_statuses: ClassVar[frozenset[int]] = frozenset({400, 404, 422})
    #: Error codes of a rejected request that concern only this paragraph (too long).
    segment_codes: ClassVar[frozenset[str]] = frozenset()

    def language_table(self) -> Mapping[str, str] | None:
        """Every language CLDR names: the model is told the language by that name."""
        return known_languages()

    def check_pair(self, pair: LangPair) -> None:
        for role, code in (("source", pair.source), ("target", pair.target)):
            if language_name(code) is None:
                raise UnsupportedLanguageError(
                    f"{self.name}: no language name for {role} language {code!r}; "
                    "use a BCP-47 tag that CLDR knows (e.g. uk, zh-Hans, pt-BR)"
                )

    def identity(self) -> dict[str, Any]:
        # The prompt decides the output as much as the model: record the one in effect.
        identity = super().identity()
        identity["prompt"] = self.options.system_prompt or DEFAULT_SYSTEM_PROMPT
        return identity

    # -- what a backend writes ------------------------------------------------------------

    @abstractmethod
    def chat_request(self, system: str, text: str) -> httpx.Request:
        """The request for one paragraph with the system prompt (built with ``self.request``)."""

    @abstractmethod
    def read_reply(self, response: httpx.Response) -> ChatReply:
        """Read a 200 answer; raise BadResponseError if it is not one the backend sends."""

    @abstractmethod
    def read_error(self, body: Any) -> ChatError:
        """Read a failed answer's decoded JSON body (None when it had none)."""

    def is_quota(self, status: int, error: ChatError) -> bool:
        """True when the failure means money or quota is exhausted (not worth a retry)."""
        return False

    # -- the template --------------------------------------------------------------------

    async def complete(self, system: str, text: str) -> ChatReply:
        """Send one paragraph with the system prompt; read the answer or raise a ProviderError."""
        response = await self.send(self.chat_request(system, text))
        if response.status_code != 200:
            raise self.error_for(response)
        return self.read_reply(response)

    def error_for(self, response: httpx.Response) -> ProviderError:
        """The harness error for a non-200 answer; the message names what the backend said."""
        status = response.status_code
        error = self.read_error(json_body(response))
        said = self.redactor.clean(error.message or response.reason_phrase or "no message")
        message = f"{self.name}: HTTP {status} {error.code or error.kind or 'error'}: {said}"
        if status in (401, 403):
            return AuthError(f"{message} ({self.key_hint})", status=status)
        if self.is_quota(status, error):
            return QuotaError(message, status=status)
        if status == 429:
            wait = retry_after_seconds(response.headers, reset_headers=self.reset_headers)
            return RateLimitError(message, status=status, retry_after=wait)
        if status in (408, 409) or status >= 500:
            wait = retry_after_seconds(response.headers)
            return TransientError(message, status=status, retry_after=wait)
        if status in self.rejected_statuses and error.code not in self.segment_codes:
            return RequestRejectedError(f"{message} (check model and options)", status=status)
        return BadResponseError(message, status=status)

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        prompt = system_prompt(self.options.system_prompt, pair.source, pair.target)
        return [self.to_translation(await self.complete(prompt, s.text), s, pair) for s in batch]

    def to_translation(self, reply: ChatReply, segment: Segment, pair: LangPair) -> Translation:
        flags: list[str] = []
        detail: dict[str, Any] = {"stop_reason": reply.stop_reason, **reply.extra}
        raw = reply.text or ""
        if reply.truncated:
            flags.append("truncated")
        if reply.refusal is not None:
            flags.append("refusal")
            detail["refusal"] = reply.refusal
        cleaned = strip_chatter(raw, segment.text)
        if cleaned.stripped:
            flags.append("chatter")
            detail["raw"] = raw
        if cleaned.text and reply.refusal is None:
            reason = wrong_language(cleaned.text, segment.text, pair.target)
            if reason is not None:
                flags.append("wrong_language")
                detail["wrong_language"] = reason
        return Translation(
            cleaned.text, reply.usage, engine=reply.model, flags=tuple(flags), detail=detail
        )
