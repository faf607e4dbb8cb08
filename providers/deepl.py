"""``deepl``: DeepL API v2, ``POST /v2/translate``.

Wire format (DeepL OpenAPI spec, developers.deepl.com): JSON body
``{"text": [...], "target_lang": "DE", "source_lang": "EN", "show_billed_characters": true}``,
header ``Authorization: DeepL-Auth-Key <key>`` (keys in the query or body are no
longer accepted); the answer is ``{"translations": [{"text", "detected_source_language",
"billed_characters", "model_type_used"?}]}`` in request order. Free-plan keys end
in ``:fx`` and live on ``api-free.deepl.com``, like the official client picks.

Limits: the whole body at most 128 KiB (413 beyond it) and at most 50 texts (the
"translating large volumes" guide; the spec dropped the cap in 2024, the cap is
kept because being under it costs nothing). ``max_chars`` keeps a request of
4-byte characters under the body limit; the adapter also measures the encoded
body and splits a batch that would still exceed it.

Errors (``{"message": ...}``): 403 bad key, 456 quota exhausted, 429 too many
requests, 500/504 server trouble, 529 overload.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import httpx
from pydantic import Field, field_validator

from harness.errors import AuthError, BadResponseError, ProviderError, QuotaError, TransientError
from harness.kit.http import error_text, retry_after
from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import Credential, Limits
from providers.hosted import ApiOptions, HostedProvider

PRO_URL = "https://api.deepl.com"
FREE_URL = "https://api-free.deepl.com"
#: Whole request body (openapi.yaml: "The total request body size must not exceed 128 KiB").
MAX_BODY_BYTES = 128 * 1024
MAX_TEXTS = 50


class DeepLOptions(ApiOptions):
    base_url: str = Field(
        PRO_URL,
        description="API host. If not set, a key ending in ':fx' (Free plan) uses "
        f"{FREE_URL}, any other key {PRO_URL}.",
    )
    formality: Literal["default", "more", "less", "prefer_more", "prefer_less"] | None = Field(
        None,
        description="Formality of the output; 'more'/'less' fail for targets without "
        "formality support, 'prefer_*' fall back silently.",
    )
    model_type: (
        Literal["quality_optimized", "prefer_quality_optimized", "latency_optimized"] | None
    ) = Field(
        None,
        description="Which DeepL model to use; the answer then names the "
        "model used (recorded as the engine).",
    )
    split_sentences: Literal["0", "1", "nonewlines"] | None = Field(
        None,
        description="Sentence splitting: '0' none, '1' at punctuation and newlines "
        "(DeepL's default), 'nonewlines' at punctuation only.",
    )
    preserve_formatting: bool | None = Field(
        None,
        description="Keep the source's formatting (punctuation, upper/lower case at the "
        "start of sentences) instead of correcting it.",
    )
    context: str | None = Field(
        None,
        description="Text that shapes the translation but is not translated or billed.",
    )
    glossary_id: str | None = Field(
        None, description="Glossary to apply (needs a glossary made for this language pair)."
    )

    @field_validator("split_sentences", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        # "-o split_sentences=0" arrives as the integer 0.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class DeepLProvider(HostedProvider[DeepLOptions]):
    name = "deepl"
    version = "1"
    description = "DeepL API v2 (Free and Pro hosts)."
    Options = DeepLOptions
    credentials = (Credential("DEEPL_API_KEY", help="DeepL authentication key"),)
    # 30,000 code points of 4 UTF-8 bytes each stay under 128 KiB with room for the JSON.
    limits = Limits(max_batch=MAX_TEXTS, max_chars=30_000)
    table_name = "deepl"

    @property
    def base_url(self) -> str:
        if "base_url" not in self.options.model_fields_set and (self.key or "").endswith(":fx"):
            return FREE_URL
        return self.options.base_url

    def _payload(self, pair: LangPair) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "text": [],
            "source_lang": self.source_code(pair),
            "target_lang": self.target_code(pair),
            "show_billed_characters": True,
        }
        for option in (
            "formality",
            "model_type",
            "split_sentences",
            "preserve_formatting",
            "context",
            "glossary_id",
        ):
            value = getattr(self.options, option)
            if value is not None:
                payload[option] = value
        return payload

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        return await self.send_json_batches(
            batch, self._payload(pair), "text", MAX_BODY_BYTES, self._request
        )

    async def _request(self, run: Sequence[Segment], body: bytes) -> list[Translation]:
        response = await self.post(
            f"{self.base_url}/v2/translate",
            content=body,
            headers={
                "Authorization": f"DeepL-Auth-Key {self.key}",
                "Content-Type": "application/json",
            },
        )
        data = self.read_json(response)
        items = data.get("translations") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise BadResponseError(
                f"{self.name}: the answer has no 'translations' list", status=response.status_code
            )
        self.aligned(run, items, "translations")
        out: list[Translation] = []
        for index, (segment, item) in enumerate(zip(run, items, strict=True)):
            if not isinstance(item, dict):
                raise BadResponseError(f"{self.name}: translation {index} is not an object")
            text = self.text_of(item.get("text"), f"translations[{index}].text")
            billed = item.get("billed_characters")
            characters = billed if isinstance(billed, int) else len(segment.text)
            engine = item.get("model_type_used")
            out.append(
                Translation(
                    text, Usage(characters=characters), engine if isinstance(engine, str) else None
                )
            )
        return out

    def error_for(self, response: httpx.Response) -> ProviderError:
        status = response.status_code
        message = error_text(response) or response.reason_phrase
        text = f"{self.name}: HTTP {status}: {self.scrub(message)}"
        if status == 456:
            return QuotaError(f"{text} (the character quota is used up)", status=status)
        if status in (401, 403):
            return AuthError(f"{text} (check DEEPL_API_KEY; Free keys end in ':fx')", status=status)
        if status == 529:
            return TransientError(text, status=status, retry_after=retry_after(response))
        return self.status_error(response, message)
