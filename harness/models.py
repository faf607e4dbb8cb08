"""Plain value types passed between the runner and the adapters.

Language codes are BCP-47 everywhere inside the harness (``en``, ``pt-BR``,
``zh-Hans``); each adapter maps them to its backend's own codes in one table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class LangPair:
    """A translation direction, in BCP-47 codes."""

    source: str
    target: str

    def __str__(self) -> str:
        return f"{self.source}-{self.target}"


@dataclass(frozen=True, slots=True)
class Segment:
    """One unit of text to translate: a paragraph of an article (or a piece of one)."""

    id: str
    text: str


@dataclass(frozen=True, slots=True)
class Usage:
    """What a request cost, as far as the backend tells: characters or tokens."""

    characters: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None

    def as_dict(self) -> dict[str, int]:
        return {
            k: v
            for k, v in (
                ("characters", self.characters),
                ("input_tokens", self.input_tokens),
                ("output_tokens", self.output_tokens),
            )
            if v is not None
        }


@dataclass(frozen=True, slots=True)
class Translation:
    """The backend's answer for one segment.

    ``flags`` records what the adapter noticed without failing the segment
    (``truncated``, ``refusal``, ``wrong_language``, ``chatter``); ``engine`` is
    the model or engine version the backend reported, if any.
    """

    text: str
    usage: Usage = field(default_factory=Usage)
    engine: str | None = None
    flags: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)
