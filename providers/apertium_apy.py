"""``apertium-apy``: Apertium through its HTTP server, APy.

Wire format (observed on Debian apertium-apy 0.11.7): ``POST /translate`` with a
form body ``langpair=eng|spa&q=...&markUnknown=no`` answers
``{"responseData": {"translatedText": ...}, "responseStatus": 200}``; errors
carry ``{"status": "error", "code": 400, "message": ..., "explanation": ...}``;
503 means a pipeline timed out or died. ``GET /listPairs`` lists what is
installed. One text per request.

APy silently cuts long inputs and still answers 200, so ``max_chars`` (an
option, default 2,000) keeps every request well under where that was seen; the
runner splits longer paragraphs at sentence boundaries and rejoins them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import Field

from harness.errors import (
    BadResponseError,
    HarnessError,
    TransientError,
    UnsupportedLanguageError,
)
from harness.kit.adapter import HttpProvider
from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import HttpOptions, Limits
from providers.apertium_codes import to_apertium, to_bcp47


class ApyOptions(HttpOptions):
    base_url: str = Field("http://127.0.0.1:2737", description="Base URL of the APy server.")
    mark_unknown: bool = Field(False, description="Keep '*' marks on unknown words.")
    max_chars: int = Field(
        2_000,
        ge=100,
        le=20_000,
        description="Longest text sent in one request; longer paragraphs are split at sentences.",
    )


class ApertiumApyProvider(HttpProvider[ApyOptions]):
    name = "apertium-apy"
    version = "1"
    cache_outputs = False  # its output follows the installed packages: never cached
    description = "Apertium through an APy HTTP server (base_url)."
    Options = ApyOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = Limits(max_batch=1, max_chars=self.options.max_chars)
        self._pairs: list[LangPair] | None = None

    def _url(self, path: str) -> str:
        return self.options.base_url.rstrip("/") + path

    async def prepare(self) -> None:
        """Ask the server which pairs it has (``GET /listPairs``)."""
        assert self.client is not None
        try:
            response = await self.client.get(self._url("/listPairs"))
            data = response.json()
            listed = data["responseData"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise TransientError(
                f"apertium-apy: cannot list pairs at {self.options.base_url}: {exc}"
            ) from exc
        pairs = []
        for item in listed:
            source = to_bcp47(str(item.get("sourceLanguage", "")))
            target = to_bcp47(str(item.get("targetLanguage", "")))
            if source and target:
                pairs.append(LangPair(source, target))
        self._pairs = sorted(set(pairs), key=str)

    def supported_pairs(self) -> list[LangPair] | None:
        return self._pairs

    def default_targets(self, source: str) -> list[str]:
        """As ``apertium``: every language once, without a regional or orthographic
        variant (``ca-valencia`` is there for ``--to``)."""
        return sorted(
            {p.target for p in self._pairs or [] if p.source == source and "-" not in p.target}
        )

    def check_pair(self, pair: LangPair) -> None:
        if self._pairs is not None and pair not in self._pairs:
            offered = ", ".join(f"{p.source}->{p.target}" for p in self._pairs) or "none"
            raise UnsupportedLanguageError(
                f"the APy server at {self.options.base_url} has no pair "
                f"{pair.source}->{pair.target}; it offers: {offered}"
            )

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        return [await self._translate_one(seg, pair) for seg in batch]

    async def _translate_one(self, segment: Segment, pair: LangPair) -> Translation:
        form = {
            "langpair": f"{to_apertium(pair.source)}|{to_apertium(pair.target)}",
            "q": segment.text,
            "markUnknown": "yes" if self.options.mark_unknown else "no",
        }
        response = await self.send_checked(self.request("POST", self._url("/translate"), data=form))
        try:
            text = response.json()["responseData"]["translatedText"]
        except (ValueError, KeyError, TypeError) as exc:
            raise BadResponseError(
                f"apertium-apy: unexpected answer: {self.redactor.clean(response.text, 200)!r}"
            ) from exc
        if not isinstance(text, str):
            raise BadResponseError("apertium-apy: translatedText is not a string")
        engine = f"apertium-apy {form['langpair']}"
        return Translation(text.strip(), Usage(characters=len(segment.text)), engine=engine)

    def explain(self, response: httpx.Response, message: str) -> HarnessError | None:
        """APy answers an unknown pair with 400 "That pair is not installed/invalid";
        its other client errors are answers we cannot use, not refused keys."""
        status = response.status_code
        if status >= 500:
            return None
        if "not installed" in message or "pair is invalid" in message:
            return UnsupportedLanguageError(f"apertium-apy: {message}")
        return BadResponseError(f"apertium-apy: HTTP {status}: {message}", status=status)
