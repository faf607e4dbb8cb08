"""The Azure AI Translator adapter against a fake Translator 3.0 server."""

from __future__ import annotations

import pytest

from harness.errors import (
    AuthError,
    BadResponseError,
    ProviderError,
    QuotaError,
    RateLimitError,
    TransientError,
    UnsupportedLanguageError,
)
from harness.models import LangPair, Segment
from providers.azure import AzureProvider, spread
from tests.fakes.azure_server import AzureFake
from tests.fakes.loopback import serve
from tests.mtapi_helpers import adapter, assert_no_secret

KEY = "azure-test-key"
SECRETS = {"AZURE_TRANSLATOR_KEY": KEY}
SEGMENTS = [Segment("a", "Short."), Segment("b", "A much longer paragraph than the first.")]


@pytest.mark.anyio
async def test_request_follows_the_wire_format() -> None:
    fake = AzureFake(region="westeurope")
    with serve(fake.app) as url:
        async with adapter(
            AzureProvider, SECRETS, base_url=url, region="westeurope", profanity_action="Marked"
        ) as azure:
            result = await azure.translate(SEGMENTS, LangPair("en", "zh-Hans"))
    request = fake.requests[0]
    assert request.path == "/translate"
    assert request.query == [
        ("api-version", "3.0"),
        ("from", "en"),
        ("to", "zh-Hans"),
        ("textType", "plain"),
        ("profanityAction", "Marked"),
    ]
    assert request.headers["ocp-apim-subscription-key"] == KEY
    assert request.headers["ocp-apim-subscription-region"] == "westeurope"
    assert request.headers["content-type"].startswith("application/json")
    assert request.json() == [{"Text": s.text} for s in SEGMENTS]
    assert [t.text for t in result] == [f"[zh-Hans] {s.text}" for s in SEGMENTS]
    assert {t.engine for t in result} == {"Team"}
    # X-Metered-Usage covers the request; each segment gets its share by length.
    assert sum(t.usage.characters or 0 for t in result) == sum(len(s.text) for s in SEGMENTS)


@pytest.mark.anyio
async def test_metered_usage_is_spread_by_length() -> None:
    fake = AzureFake()
    fake.fail_next(
        200, [{"translations": [{"text": "x", "to": "de"}]}] * 2, {"X-Metered-Usage": "100"}
    )
    with serve(fake.app) as url:
        async with adapter(AzureProvider, SECRETS, base_url=url) as azure:
            result = await azure.translate(SEGMENTS, LangPair("en", "de"))
    assert [t.usage.characters for t in result] == spread(100, [6, 39]) == [13, 87]
    assert result[0].engine is None  # no X-MT-System header in that answer


def test_spread_keeps_the_total() -> None:
    assert spread(10, [1, 1, 1]) == [4, 3, 3]
    assert spread(7, [0, 0]) == [4, 3]
    assert sum(spread(12345, [17, 2, 900, 33])) == 12345


@pytest.mark.anyio
async def test_wrong_key_and_missing_region_are_auth_errors() -> None:
    fake = AzureFake(region="westeurope")
    with serve(fake.app) as url:
        async with adapter(
            AzureProvider, {"AZURE_TRANSLATOR_KEY": "nope-5678"}, base_url=url, region="westeurope"
        ) as azure:
            with pytest.raises(AuthError, match="401000") as wrong:
                await azure.translate(SEGMENTS, LangPair("en", "de"))
        async with adapter(AzureProvider, SECRETS, base_url=url) as azure:
            with pytest.raises(AuthError):
                await azure.translate(SEGMENTS, LangPair("en", "de"))
    assert wrong.value.status == 401
    assert_no_secret(wrong.value, "nope-5678")


@pytest.mark.anyio
async def test_free_quota_gone_is_fatal() -> None:
    fake = AzureFake(quota=10)
    with serve(fake.app) as url:
        async with adapter(AzureProvider, SECRETS, base_url=url) as azure:
            with pytest.raises(QuotaError, match="403001") as caught:
                await azure.translate(SEGMENTS, LangPair("en", "de"))
    assert caught.value.fatal and caught.value.status == 403


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "body", "headers", "kind"),
    [
        (
            429,
            {"error": {"code": 429001, "message": "too many"}},
            {"Retry-After": "9"},
            RateLimitError,
        ),
        (408, {"error": {"code": 408001, "message": "warming up"}}, {}, TransientError),
        (503, {"error": {"code": 503000, "message": "unavailable"}}, {}, TransientError),
        (401, b"", {}, AuthError),  # reported to come back with an empty body
        (400, {"error": {"code": 400036, "message": "bad to"}}, {}, ProviderError),
    ],
)
async def test_error_mapping(
    status: int, body: object, headers: dict[str, str], kind: type[ProviderError]
) -> None:
    fake = AzureFake()
    fake.fail_next(status, body, headers)
    with serve(fake.app) as url:
        async with adapter(AzureProvider, SECRETS, base_url=url) as azure:
            with pytest.raises(kind) as caught:
                await azure.translate(SEGMENTS, LangPair("en", "de"))
    assert type(caught.value) is kind and caught.value.status == status
    if kind is RateLimitError:
        assert caught.value.retry_after == 9.0  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_answer_without_translations_is_a_bad_response() -> None:
    fake = AzureFake()
    fake.fail_next(200, [{"translations": []}, {"translations": []}])
    with serve(fake.app) as url:
        async with adapter(AzureProvider, SECRETS, base_url=url) as azure:
            with pytest.raises(BadResponseError):
                await azure.translate(SEGMENTS, LangPair("en", "de"))


@pytest.mark.anyio
async def test_the_fake_refuses_requests_over_the_limits() -> None:
    fake = AzureFake()
    with serve(fake.app) as url:
        async with adapter(AzureProvider, SECRETS, base_url=url) as azure:
            await azure.translate([Segment("a", "x" * 50_000)], LangPair("en", "de"))
            with pytest.raises(ProviderError, match="400077"):
                await azure.translate(
                    [Segment("a", "x" * 25_001), Segment("b", "y" * 25_000)], LangPair("en", "de")
                )
            with pytest.raises(ProviderError, match="400072"):
                await azure.translate(
                    [Segment(str(n), "z") for n in range(1001)], LangPair("en", "de")
                )
    assert AzureProvider.limits.max_batch == 1000 and AzureProvider.limits.max_chars == 50_000


def test_language_codes() -> None:
    azure = AzureProvider()
    for lang, code in [
        ("pt-PT", "pt-pt"),
        ("pt", "pt"),
        ("zh-TW", "zh-Hant"),
        ("sr", "sr-Cyrl"),
        ("fr-CA", "fr-ca"),
        ("ckb", "ku"),
    ]:
        assert azure.target_code(LangPair("en", lang)) == code
    with pytest.raises(UnsupportedLanguageError):
        azure.check_pair(LangPair("en", "qaa"))
