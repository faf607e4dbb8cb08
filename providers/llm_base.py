"""What the chat-model adapters (``openai``, ``anthropic``) share.

One paragraph per request: the system prompt names the two languages and the
user message is the paragraph itself, so an answer can never belong to another
segment. Each backend module only builds its request and reads its answer into a
:class:`ChatReply`; this module turns that into a :class:`Translation` and
records what went wrong without failing the segment: ``truncated`` (the token
limit cut the answer), ``refusal``, ``chatter`` (text around the translation,
removed; the raw answer is kept in ``detail["raw"]``) and ``wrong_language``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field, field_validator

from harness.errors import UnsupportedLanguageError
from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import HttpOptions, Limits, Provider
from providers.llm_output import strip_chatter, wrong_language
from providers.llm_prompt import (
    DEFAULT_SYSTEM_PROMPT,
    check_template,
    known_languages,
    language_name,
    system_prompt,
)


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


class ChatProvider(Provider):
    """Base of the chat-model adapters: one paragraph per request, answer checks."""

    # One paragraph per request keeps alignment certain; 8,000 characters is a long
    # paragraph and stays far inside every current model's context.
    limits = Limits(max_batch=1, max_chars=8_000)

    @property
    def chat_options(self) -> ChatOptions:
        assert isinstance(self.options, ChatOptions)
        return self.options

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
        identity["prompt"] = self.chat_options.system_prompt or DEFAULT_SYSTEM_PROMPT
        return identity

    def secret_values(self) -> list[str]:
        return [value for value in self.secrets.values() if value]

    @abstractmethod
    async def complete(self, system: str, text: str) -> ChatReply:
        """Send one paragraph with the system prompt; read the answer or raise a ProviderError."""

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        prompt = system_prompt(self.chat_options.system_prompt, pair.source, pair.target)
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
