"""The conformance kit's fake backend, failure kinds, sample texts and secret scans.

Used by :class:`harness.testing.ProviderConformance`; importable on their own for
authors who want the same scans in their own tests.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from harness.errors import AuthError, ProviderError, RateLimitError, TransientError
from harness.models import LangPair


class BackendHooks(Protocol):
    """What the fake backend needs from the author's test class."""

    def request_texts(self, request: httpx.Request) -> list[str]: ...

    def success_response(self, request: httpx.Request, outputs: list[str]) -> httpx.Response: ...

    def fake_translate(self, text: str, pair: LangPair) -> str: ...


#: The fake key the kit hands to providers; the scans look for any 8-character piece of it.
FAKE_SECRET = "kit-SECRET-4b7e19d2c0a8f356"

#: Texts the kit translates: several scripts, combining marks, right-to-left, digits,
#: markup-like characters and texts of a single character. Distinct, so order is checkable.
SAMPLE_TEXTS: tuple[str, ...] = (
    "On May 20, 2025, 20,000 people signed the petition in St. Petersburg.",
    "Александр Бастрыкин выступил на Петербургском международном юридическом форуме.",
    "Ukraine's «Ukrinform» reported: ціна зросла на 14%.",
    "東京で3万人が集まった。",
    "The café's crème brûlée costs €4.50 — naïve, isn't it?",
    "Noe\u0301l and Zoë met at 10:30.",
    "قال المتحدث إن 40 شخصا حضروا.",
    'Tags like <b> & "quotes" are plain text here.',
    ".",
    "🙂",
    "7",
    "A",
)


class Failure(enum.Enum):
    """Backend failures whose wire form differs between backends (see ``failure_response``)."""

    AUTH = "auth"  # the key is wrong or missing -> AuthError
    FORBIDDEN = "forbidden"  # the key is valid but not allowed -> AuthError
    RATE_LIMIT = "rate_limit"  # too many requests, retry after N seconds -> RateLimitError
    SERVER_ERROR = "server_error"  # the backend broke -> TransientError
    UNAVAILABLE = "unavailable"  # overloaded or down for a moment -> TransientError


EXPECTED_ERROR: Mapping[Failure, type[ProviderError]] = {
    Failure.AUTH: AuthError,
    Failure.FORBIDDEN: AuthError,
    Failure.RATE_LIMIT: RateLimitError,
    Failure.SERVER_ERROR: TransientError,
    Failure.UNAVAILABLE: TransientError,
}


@dataclass
class RecordedRequest:
    """One request the provider sent, with the texts the author's hook read out of it."""

    request: httpx.Request
    texts: list[str]


@dataclass
class FakeBackend:
    """The MockTransport handler: records requests and answers by the current ``behaviour``."""

    kit: BackendHooks
    pair: LangPair
    #: ``None`` translates; otherwise a callable producing the (bad) answer or raising.
    behaviour: Callable[[httpx.Request, list[str]], httpx.Response] | None = None
    requests: list[RecordedRequest] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        texts = self.kit.request_texts(request)
        self.requests.append(RecordedRequest(request, texts))
        if self.behaviour is not None:
            return self.behaviour(request, texts)
        outputs = [self.kit.fake_translate(text, self.pair) for text in texts]
        return self.kit.success_response(request, outputs)


def leaked_secret(
    text: str, secrets: Iterable[str] = (FAKE_SECRET,), window: int = 8
) -> str | None:
    """The first ``window``-character piece of any of ``secrets`` found in ``text``, if any.

    Pieces rather than the whole value, so a "masked" key (``...c0a8f356``) counts as a leak.
    """
    for secret in secrets:
        for start in range(max(len(secret) - window, 0) + 1):
            piece = secret[start : start + window]
            if piece in text:
                return piece
    return None


def exception_texts(exc: BaseException) -> list[str]:
    """``str`` and ``repr`` of an exception and of every cause or context behind it."""
    texts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current)]
        current = current.__cause__ or current.__context__
    return texts
