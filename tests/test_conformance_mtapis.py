"""The machine-translation API adapters pass the provider conformance kit.

Each class teaches the kit one backend's wire format (where the texts are in a
request, how a success answer looks) and its documented failure answers, taken
from the provider's API reference; the kit does the rest.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import httpx

from harness.models import LangPair
from harness.testing import Failure, ProviderConformance
from providers.amazon import AmazonProvider
from providers.azure import AzureProvider
from providers.deepl import DeepLProvider
from providers.google import GoogleProvider
from providers.google_v3 import GoogleV3Provider
from providers.libretranslate import LibreTranslateProvider


def _body(request: httpx.Request) -> Any:
    return json.loads(request.content)


def _google_error(code: int, status: str, message: str) -> httpx.Response:
    return httpx.Response(
        code, json={"error": {"code": code, "message": message, "status": status}}
    )


class TestDeepLConformance(ProviderConformance):
    provider_class = DeepLProvider
    options: ClassVar[dict[str, Any]] = {"base_url": "https://deepl.test"}

    def request_texts(self, request: httpx.Request) -> list[str]:
        return list(_body(request)["text"])

    def success_response(self, request: httpx.Request, outputs: list[str]) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "translations": [
                    {"detected_source_language": "EN", "text": text} for text in outputs
                ]
            },
        )

    def failure_response(self, request: httpx.Request, failure: Failure) -> httpx.Response:
        if failure is Failure.RATE_LIMIT:
            return httpx.Response(
                429, headers={"Retry-After": "7"}, json={"message": "Too many requests"}
            )
        status = {
            Failure.AUTH: 403,
            Failure.FORBIDDEN: 403,
            Failure.SERVER_ERROR: 500,
            Failure.UNAVAILABLE: 504,
        }[failure]
        return httpx.Response(status, json={"message": failure.value})


class TestGoogleConformance(ProviderConformance):
    provider_class = GoogleProvider
    options: ClassVar[dict[str, Any]] = {"base_url": "https://google.test"}
    secret_in_url_allowed = True  # Basic v2 takes the API key as the query parameter "key"

    def request_texts(self, request: httpx.Request) -> list[str]:
        return list(_body(request)["q"])

    def success_response(self, request: httpx.Request, outputs: list[str]) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "data": {
                    "translations": [{"translatedText": text, "model": "nmt"} for text in outputs]
                }
            },
        )

    def failure_response(self, request: httpx.Request, failure: Failure) -> httpx.Response:
        if failure is Failure.RATE_LIMIT:
            response = _google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded per minute")
            response.headers["Retry-After"] = "7"
            return response
        return {
            Failure.AUTH: _google_error(
                400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."
            ),
            Failure.FORBIDDEN: _google_error(
                403, "PERMISSION_DENIED", "Requests to this API are blocked."
            ),
            Failure.SERVER_ERROR: _google_error(500, "INTERNAL", "Internal error"),
            Failure.UNAVAILABLE: _google_error(503, "UNAVAILABLE", "Service unavailable"),
        }[failure]


class TestGoogleV3Conformance(ProviderConformance):
    provider_class = GoogleV3Provider
    options: ClassVar[dict[str, Any]] = {
        "base_url": "https://google.test",
        "project": "demo-project",
    }

    def request_texts(self, request: httpx.Request) -> list[str]:
        return list(_body(request)["contents"])

    def success_response(self, request: httpx.Request, outputs: list[str]) -> httpx.Response:
        return httpx.Response(
            200, json={"translations": [{"translatedText": text} for text in outputs]}
        )

    def failure_response(self, request: httpx.Request, failure: Failure) -> httpx.Response:
        if failure is Failure.RATE_LIMIT:
            response = _google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded per minute")
            response.headers["Retry-After"] = "7"
            return response
        return {
            Failure.AUTH: _google_error(
                401, "UNAUTHENTICATED", "Request had invalid authentication credentials."
            ),
            Failure.FORBIDDEN: _google_error(403, "PERMISSION_DENIED", "Permission denied."),
            Failure.SERVER_ERROR: _google_error(500, "INTERNAL", "Internal error"),
            Failure.UNAVAILABLE: _google_error(503, "UNAVAILABLE", "Service unavailable"),
        }[failure]


class TestAzureConformance(ProviderConformance):
    provider_class = AzureProvider
    options: ClassVar[dict[str, Any]] = {"base_url": "https://azure.test", "region": "westeurope"}

    def request_texts(self, request: httpx.Request) -> list[str]:
        return [item["Text"] for item in _body(request)]

    def success_response(self, request: httpx.Request, outputs: list[str]) -> httpx.Response:
        target = request.url.params["to"]
        return httpx.Response(
            200,
            headers={"X-MT-System": "Team"},
            json=[{"translations": [{"text": text, "to": target}]} for text in outputs],
        )

    def failure_response(self, request: httpx.Request, failure: Failure) -> httpx.Response:
        code = {
            Failure.AUTH: 401000,
            Failure.FORBIDDEN: 403000,
            Failure.RATE_LIMIT: 429000,
            Failure.SERVER_ERROR: 500000,
            Failure.UNAVAILABLE: 503000,
        }[failure]
        headers = {"Retry-After": "7"} if failure is Failure.RATE_LIMIT else {}
        return httpx.Response(
            code // 1000, headers=headers, json={"error": {"code": code, "message": failure.value}}
        )


class TestAmazonConformance(ProviderConformance):
    provider_class = AmazonProvider
    options: ClassVar[dict[str, Any]] = {"base_url": "https://amazon.test", "region": "eu-west-1"}
    expected_retry_after = None  # Amazon Translate does not say how long to wait

    def request_texts(self, request: httpx.Request) -> list[str]:
        return [_body(request)["Text"]]

    def success_response(self, request: httpx.Request, outputs: list[str]) -> httpx.Response:
        if not outputs:
            return httpx.Response(200, json={"SourceLanguageCode": "en"})
        body = _body(request)
        return httpx.Response(
            200,
            json={
                "TranslatedText": outputs[0],
                "SourceLanguageCode": body["SourceLanguageCode"],
                "TargetLanguageCode": body["TargetLanguageCode"],
            },
        )

    def failure_response(self, request: httpx.Request, failure: Failure) -> httpx.Response:
        status, kind = {
            Failure.AUTH: (400, "UnrecognizedClientException"),
            Failure.FORBIDDEN: (403, "AccessDeniedException"),
            Failure.RATE_LIMIT: (400, "com.amazonaws.translate#TooManyRequestsException"),
            Failure.SERVER_ERROR: (500, "InternalServerException"),
            Failure.UNAVAILABLE: (503, "ServiceUnavailableException"),
        }[failure]
        return httpx.Response(
            status,
            headers={"Content-Type": "application/x-amz-json-1.1"},
            json={"__type": kind, "message": failure.value},
        )


class TestLibreTranslateConformance(ProviderConformance):
    provider_class = LibreTranslateProvider
    options: ClassVar[dict[str, Any]] = {"base_url": "https://libre.test"}
    pair = LangPair("en", "zh-Hans")

    def request_texts(self, request: httpx.Request) -> list[str]:
        q = _body(request)["q"]
        return [q] if isinstance(q, str) else list(q)

    def success_response(self, request: httpx.Request, outputs: list[str]) -> httpx.Response:
        return httpx.Response(200, json={"translatedText": outputs})

    def failure_response(self, request: httpx.Request, failure: Failure) -> httpx.Response:
        if failure is Failure.RATE_LIMIT:
            return httpx.Response(
                429, headers={"Retry-After": "7"}, json={"error": "Slowdown: 10 per 1 minute"}
            )
        status, message = {
            Failure.AUTH: (403, "Invalid API key"),
            Failure.FORBIDDEN: (400, "Please contact the server operator to get an API key"),
            Failure.SERVER_ERROR: (500, "Cannot translate text: model failed"),
            Failure.UNAVAILABLE: (503, "Service Unavailable"),
        }[failure]
        return httpx.Response(status, json={"error": message})
