"""harness-yandex: Yandex Cloud Translate API v2 as a harness provider."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from harness.errors import BadResponseError, UnsupportedLanguageError
from harness.kit import HttpProvider
from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import Credential, HttpOptions, Limits


class YandexOptions(HttpOptions):
    base_url: str = Field(default="https://translate.api.cloud.yandex.net", description="API root.")
    folder_id: str | None = Field(
        default=None, description="Cloud folder; needed only with a user IAM token."
    )


class YandexProvider(HttpProvider[YandexOptions]):
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
        body = {
            "texts": [segment.text for segment in batch],
            "sourceLanguageCode": pair.source.split("-")[0],
            "targetLanguageCode": pair.target.split("-")[0],
            "format": "PLAIN_TEXT",
        }
        if self.options.folder_id:
            body["folderId"] = self.options.folder_id
        request = self.request(
            "POST",
            f"{self.options.base_url}/translate/v2/translate",
            headers={"Authorization": f"Api-Key {self.key}"},
            json=body,
        )
        # Timeouts, refused connections, 401/403, 408, 429 (with Retry-After) and 5xx
        # become the harness errors; messages are scrubbed of the key.
        response = await self.send_checked(request)
        try:
            texts = [item["text"] for item in self.read_json(response)["translations"]]
        except (KeyError, TypeError) as exc:
            raise BadResponseError("yandex: the answer has no translations[].text") from exc
        self.aligned(batch, texts, "translations")
        return [
            Translation(self.text_of(text, "text"), Usage(characters=len(segment.text)))
            for text, segment in zip(texts, batch, strict=True)
        ]
