"""harness-yandex: Yandex Cloud Translate API v2 as a harness provider."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
from pydantic import Field

from harness.errors import (
    AuthError,
    BadResponseError,
    RateLimitError,
    TransientError,
    UnsupportedLanguageError,
)
from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import Credential, HttpOptions, Limits, Provider


class YandexOptions(HttpOptions):
    base_url: str = Field(
        default="https://translate.api.cloud.yandex.net", description="API root."
    )
    folder_id: str | None = Field(
        default=None, description="Cloud folder; needed only with a user IAM token."
    )


class YandexProvider(Provider):
    name = "yandex"
    description = "Yandex Cloud Translate API v2."
    Options = YandexOptions
    credentials = (Credential("YANDEX_API_KEY", help="a service account API key"),)
    # All texts of one request together may have at most 10,000 characters.
    limits = Limits(max_batch=50, max_chars=10_000)

    def check_pair(self, pair: LangPair) -> None:
        # Yandex takes ISO 639-1 codes: the primary subtag of a BCP-47 tag.
        for code in (pair.source, pair.target):
            if len(code.split("-")[0]) != 2:
                raise UnsupportedLanguageError(f"yandex takes ISO 639-1 languages, not {code!r}")

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        assert self.client is not None and isinstance(self.options, YandexOptions)
        body = {
            "texts": [segment.text for segment in batch],
            "sourceLanguageCode": pair.source.split("-")[0],
            "targetLanguageCode": pair.target.split("-")[0],
            "format": "PLAIN_TEXT",
        }
        if self.options.folder_id:
            body["folderId"] = self.options.folder_id
        try:
            response = await self.client.post(
                f"{self.options.base_url}/translate/v2/translate",
                headers={"Authorization": f"Api-Key {self.key}"},
                json=body,
            )
        except httpx.HTTPError as exc:
            raise TransientError(f"yandex: request failed ({type(exc).__name__})") from exc
        status = response.status_code
        if status in (401, 403):
            raise AuthError(f"yandex refused the key (HTTP {status})", status=status)
        if status == 429:
            try:
                wait: float | None = float(response.headers.get("retry-after", ""))
            except ValueError:
                wait = None
            raise RateLimitError("yandex: too many requests", retry_after=wait)
        if status >= 500:
            raise TransientError(f"yandex: server error (HTTP {status})", status=status)
        try:
            texts = [item["text"] for item in response.json()["translations"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise BadResponseError(f"yandex: unreadable answer (HTTP {status})") from exc
        if status != 200 or len(texts) != len(batch):
            raise BadResponseError(f"yandex: {len(texts)} translations for {len(batch)} texts")
        return [
            Translation(text, Usage(characters=len(segment.text)))
            for text, segment in zip(texts, batch, strict=True)
        ]
