"""The harness conformance kit, applied to the harness-yandex plugin."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import httpx
from harness_yandex import YandexProvider

from harness.models import LangPair
from harness.testing import Failure, ProviderConformance


class TestYandexConformance(ProviderConformance):
    provider_class = YandexProvider
    options: ClassVar[dict[str, Any]] = {"base_url": "https://yandex.test"}
    pair = LangPair("en", "de")

    def request_texts(self, request: httpx.Request) -> list[str]:
        return list(json.loads(request.content)["texts"])

    def success_response(self, request: httpx.Request, outputs: list[str]) -> httpx.Response:
        translations = [{"text": text, "detectedLanguageCode": "en"} for text in outputs]
        return httpx.Response(200, json={"translations": translations})

    def failure_response(self, request: httpx.Request, failure: Failure) -> httpx.Response:
        status = {
            Failure.AUTH: 401,
            Failure.FORBIDDEN: 403,
            Failure.RATE_LIMIT: 429,
            Failure.SERVER_ERROR: 500,
            Failure.UNAVAILABLE: 503,
        }[failure]
        headers = {"Retry-After": "7"} if status == 429 else {}
        body = {"code": status, "message": failure.value, "details": []}
        return httpx.Response(status, headers=headers, json=body)
