"""``azure``: Azure AI Translator, Text Translation v3.0, ``POST /translate``.

Wire format (learn.microsoft.com, Translator v3.0 reference): ``POST
/translate?api-version=3.0&from=en&to=de&textType=plain`` with the body
``[{"Text": "..."}, ...]`` and the headers ``Ocp-Apim-Subscription-Key`` (plus
``Ocp-Apim-Subscription-Region`` for regional and multi-service resources). The
answer is an array aligned with the input, ``[{"translations": [{"text", "to"}]}]``;
the header ``X-Metered-Usage`` gives the characters charged for the whole
request (spread over the segments by length here) and ``X-MT-System`` the kind
of system that translated (``Team`` or ``Custom``), recorded as the engine.

Limits: at most 1,000 array elements and 50,000 characters per request,
counted over every target language (one target per request here).

Errors: ``{"error": {"code": 401000, "message": ...}}``, the code being the HTTP
status followed by three digits: 401000 bad key, 403001 free quota exhausted,
408xxx custom system warming up, 429xxx request limits exceeded, 5xx server
trouble; a 401 can come with an empty body.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Literal

import httpx
from pydantic import Field

from harness.errors import (
    AuthError,
    BadResponseError,
    ProviderError,
    QuotaError,
    RateLimitError,
    TransientError,
)
from harness.kit.http import retry_after
from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import Credential, Limits
from providers.hosted import ApiOptions, HostedProvider, json_bytes

DEFAULT_URL = "https://api.cognitive.microsofttranslator.com"


class AzureOptions(ApiOptions):
    base_url: str = Field(
        DEFAULT_URL,
        description="Translator endpoint: the global host, a regional one "
        "(e.g. https://api-eur.cognitive.microsofttranslator.com) or a "
        "custom domain.",
    )
    region: str | None = Field(
        None,
        pattern=r"^[a-z0-9]+$",
        description="Azure region of the resource (e.g. 'westeurope'); required for regional "
        "and multi-service resources, sent as Ocp-Apim-Subscription-Region.",
    )
    category: str | None = Field(
        None,
        description="Custom Translator category id; unset: the general model.",
    )
    profanity_action: Literal["NoAction", "Marked", "Deleted"] | None = Field(
        None,
        description="What to do with profanity in the output (Translator's default: NoAction).",
    )


def spread(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights`` (largest remainder)."""
    whole = sum(weights)
    if whole <= 0:
        even = [total // len(weights)] * len(weights) if weights else []
        for index in range(total - sum(even)):
            even[index] += 1
        return even
    exact = [total * weight / whole for weight in weights]
    parts = [int(value) for value in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for index in by_remainder[: total - sum(parts)]:
        parts[index] += 1
    return parts


class AzureProvider(HostedProvider[AzureOptions]):
    name = "azure"
    version = "1"
    description = "Azure AI Translator, Text Translation v3.0."
    Options = AzureOptions
    credentials = (Credential("AZURE_TRANSLATOR_KEY", help="Translator resource key"),)
    limits = Limits(max_batch=1000, max_chars=50_000)
    table_name = "azure"

    def _params(self, pair: LangPair) -> list[tuple[str, str]]:
        params = [
            ("api-version", "3.0"),
            ("from", self.source_code(pair)),
            ("to", self.target_code(pair)),
            ("textType", "plain"),
        ]
        if self.options.category:
            params.append(("category", self.options.category))
        if self.options.profanity_action:
            params.append(("profanityAction", self.options.profanity_action))
        return params

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        headers = {
            "Ocp-Apim-Subscription-Key": self.key or "",
            "Content-Type": "application/json; charset=UTF-8",
            "X-ClientTraceId": str(uuid.uuid4()),
        }
        if self.options.region:
            headers["Ocp-Apim-Subscription-Region"] = self.options.region
        body = json_bytes([{"Text": segment.text} for segment in batch])
        response = await self.post(
            f"{self.base_url}/translate", content=body, headers=headers, params=self._params(pair)
        )
        items = self.read_json(response)
        if not isinstance(items, list):
            raise BadResponseError(
                f"{self.name}: the answer is not an array", status=response.status_code
            )
        self.aligned(batch, items, "results")
        texts: list[str] = []
        for index, item in enumerate(items):
            translations = item.get("translations") if isinstance(item, dict) else None
            if (
                not isinstance(translations, list)
                or not translations
                or not isinstance(translations[0], dict)
            ):
                raise BadResponseError(f"{self.name}: result {index} has no translations")
            texts.append(
                self.text_of(translations[0].get("text"), f"[{index}].translations[0].text")
            )
        lengths = [len(segment.text) for segment in batch]
        metered = response.headers.get("x-metered-usage", "").strip()
        characters = spread(int(metered), lengths) if metered.isdigit() else lengths
        engine = response.headers.get("x-mt-system") or None
        return [
            Translation(text, Usage(characters=count), engine)
            for text, count in zip(texts, characters, strict=True)
        ]

    def error_for(self, response: httpx.Response) -> ProviderError:
        status = response.status_code
        code: int | None = None
        message = ""
        try:
            error = response.json().get("error")
            code = int(error.get("code"))
            message = str(error.get("message") or "")
        except (ValueError, AttributeError, TypeError):
            message = response.text
        label = f"{code}" if code is not None else f"HTTP {status}"
        text = f"{self.name}: {label}: {self.scrub(message) or response.reason_phrase}"
        family = code // 1000 if code is not None and code >= 100_000 else status
        if code == 403001:
            return QuotaError(f"{text} (the free-tier character quota is used up)", status=status)
        if family in (401, 403) or status in (401, 403):
            return AuthError(
                f"{text} (check AZURE_TRANSLATOR_KEY and the region option)", status=status
            )
        if family == 429 or status == 429:
            return RateLimitError(text, status=status, retry_after=retry_after(response))
        if family == 408 or family >= 500 or status >= 500:
            return TransientError(text, status=status, retry_after=retry_after(response))
        return ProviderError(text, status=status)
