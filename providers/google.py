"""``google``: Google Cloud Translation Basic (v2), ``POST /language/translate/v2``.

Wire format (discovery document translate.v2.json, cloud.google.com/translate/docs):
JSON body ``{"q": [...], "source": "en", "target": "de", "format": "text", "model": "nmt"}``
with the API key as the query parameter ``key`` (the one place the Basic API
takes it; URLs never appear in our messages). The answer is
``{"data": {"translations": [{"translatedText", "model"?}]}}`` in the order of ``q``.
``format`` defaults to ``html`` at Google, which HTML-escapes the output
(``'`` -> ``&#39;``), so plain paragraphs are sent as ``text``.

Limits: at most 128 strings and 100K bytes per request (400 beyond); Google
recommends at most 5,000 code points per request, which is ``max_chars``. The
adapter also measures the encoded body and splits a batch that would exceed
100K bytes into several requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import Field

from harness.errors import BadResponseError, ProviderError
from harness.models import LangPair, Segment, Translation
from harness.provider import Credential, Limits
from providers.google_common import google_error
from providers.hosted import ApiOptions, HostedProvider, code_points

DEFAULT_URL = "https://translation.googleapis.com"
MAX_STRINGS = 128
#: Request size limit of the Basic edition (Cloud Translation quotas and limits page).
MAX_BODY_BYTES = 100_000


class GoogleOptions(ApiOptions):
    base_url: str = Field(
        DEFAULT_URL, description="API host (the path /language/translate/v2 is added)."
    )
    model: str | None = Field(
        "nmt",
        description="Translation model ('nmt'; 'base' is mapped to NMT by Google). "
        "Google names it in the answer, recorded as the engine. "
        "Empty: do not send a model.",
    )


class GoogleProvider(HostedProvider[GoogleOptions]):
    name = "google"
    version = "1"
    description = "Google Cloud Translation Basic (v2), API key."
    Options = GoogleOptions
    credentials = (
        Credential(
            "GOOGLE_API_KEY", help="Google Cloud API key with the Cloud Translation API enabled"
        ),
    )
    limits = Limits(max_batch=MAX_STRINGS, max_chars=5_000)
    table_name = "google"

    def _payload(self, pair: LangPair) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "q": [],
            "source": self.source_code(pair),
            "target": self.target_code(pair),
            "format": "text",
        }
        if self.options.model:
            payload["model"] = self.options.model
        return payload

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        return await self.send_json_batches(
            batch, self._payload(pair), "q", MAX_BODY_BYTES, self._request
        )

    async def _request(self, run: Sequence[Segment], body: bytes) -> list[Translation]:
        response = await self.post(
            f"{self.base_url}/language/translate/v2",
            content=body,
            params=[("key", self.key or "")],
            headers={"Content-Type": "application/json"},
        )
        data = self.read_json(response)
        inner = data.get("data") if isinstance(data, dict) else None
        items = inner.get("translations") if isinstance(inner, dict) else None
        if not isinstance(items, list):
            raise BadResponseError(
                f"{self.name}: the answer has no 'data.translations' list",
                status=response.status_code,
            )
        self.aligned(run, items, "translations")
        out: list[Translation] = []
        for index, (segment, item) in enumerate(zip(run, items, strict=True)):
            if not isinstance(item, dict):
                raise BadResponseError(f"{self.name}: translation {index} is not an object")
            text = self.text_of(item.get("translatedText"), f"translations[{index}].translatedText")
            model = item.get("model")
            out.append(
                Translation(
                    text, code_points(segment.text), model if isinstance(model, str) else None
                )
            )
        return out

    def error_for(self, response: httpx.Response) -> ProviderError:
        return google_error(self, response)
