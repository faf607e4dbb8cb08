"""The DeepL adapter against a fake DeepL API v2 on loopback."""

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
from providers.deepl import FREE_URL, MAX_BODY_BYTES, PRO_URL, DeepLProvider
from tests.fakes.deepl_server import DeepLFake
from tests.fakes.loopback import serve
from tests.mtapi_helpers import CLOSED_URL, adapter, assert_no_secret

KEY = "deepl-test-key"
SECRETS = {"DEEPL_API_KEY": KEY}
EN_DE = LangPair("en", "de")
SEGMENTS = [Segment("a", "On May 20, 20,000 people signed."), Segment("b", "Ціна — €4.50.")]


@pytest.mark.anyio
async def test_request_follows_the_wire_format_and_outputs_align() -> None:
    fake = DeepLFake()
    with serve(fake.app) as url:
        async with adapter(DeepLProvider, SECRETS, base_url=url) as deepl:
            result = await deepl.translate(SEGMENTS, LangPair("en-GB", "en-US"))
    request = fake.requests[0]
    assert request.path == "/v2/translate" and request.method == "POST"
    assert request.headers["authorization"] == f"DeepL-Auth-Key {KEY}"
    assert request.headers["content-type"] == "application/json"
    assert KEY not in str(request.query) and "auth_key" not in request.json()
    assert request.json() == {
        "text": [s.text for s in SEGMENTS],
        "source_lang": "EN",
        "target_lang": "EN-US",
        "show_billed_characters": True,
    }
    assert [t.text for t in result] == [f"[EN-US] {s.text}" for s in SEGMENTS]
    assert [t.usage.characters for t in result] == [len(s.text) for s in SEGMENTS]
    assert all(t.engine is None for t in result)  # DeepL names no model unless one is asked


@pytest.mark.anyio
async def test_options_are_sent_and_the_model_used_is_the_engine() -> None:
    fake = DeepLFake()
    with serve(fake.app) as url:
        async with adapter(
            DeepLProvider,
            SECRETS,
            base_url=url,
            formality="prefer_more",
            model_type="prefer_quality_optimized",
            split_sentences=0,
            context="A news article.",
        ) as deepl:
            result = await deepl.translate(SEGMENTS[:1], LangPair("en", "pt-PT"))
    body = fake.requests[0].json()
    assert body["target_lang"] == "PT-PT"
    assert (body["formality"], body["model_type"], body["split_sentences"], body["context"]) == (
        "prefer_more",
        "prefer_quality_optimized",
        "0",
        "A news article.",
    )
    assert result[0].engine == "quality_optimized"


def test_free_keys_go_to_the_free_host_unless_base_url_is_set() -> None:
    def base(key: str, **options: str) -> str:
        return DeepLProvider(
            DeepLProvider.Options(**options), secrets={"DEEPL_API_KEY": key}
        ).base_url

    assert base("abc:fx") == FREE_URL
    assert base("abc") == PRO_URL
    assert base("abc:fx", base_url="http://127.0.0.1:1234/") == "http://127.0.0.1:1234"


@pytest.mark.anyio
async def test_a_batch_over_128_kib_is_split_and_stays_aligned() -> None:
    fake = DeepLFake()
    # 50 texts of 900 four-byte characters: about 180 KB of JSON, over DeepL's 128 KiB.
    batch = [Segment(f"s{n}", f"{n} " + "😀" * 900) for n in range(50)]
    with serve(fake.app) as url:
        async with adapter(DeepLProvider, SECRETS, base_url=url) as deepl:
            result = await deepl.translate(batch, EN_DE)
    assert len(fake.requests) == 2
    assert all(len(r.body) <= MAX_BODY_BYTES for r in fake.requests)
    assert [t.text for t in result] == [f"[DE] {s.text}" for s in batch]


@pytest.mark.anyio
async def test_a_text_no_request_can_carry_fails_without_a_request() -> None:
    fake = DeepLFake()
    with serve(fake.app) as url:
        async with adapter(DeepLProvider, SECRETS, base_url=url) as deepl:
            with pytest.raises(ProviderError, match="at most 131072 bytes") as caught:
                await deepl.translate([Segment("big", "😀" * 40_000)], EN_DE)
    assert type(caught.value) is ProviderError and not fake.requests


@pytest.mark.anyio
async def test_the_fake_refuses_more_than_50_texts_like_the_documented_limit() -> None:
    fake = DeepLFake()
    with serve(fake.app) as url:
        async with adapter(DeepLProvider, SECRETS, base_url=url) as deepl:
            with pytest.raises(ProviderError, match="Too many texts") as caught:
                await deepl.translate([Segment(str(n), "x") for n in range(51)], EN_DE)
    assert caught.value.status == 400 and not caught.value.retryable
    assert DeepLProvider.limits.max_batch == 50


@pytest.mark.anyio
async def test_bad_key_is_an_auth_error_without_the_key() -> None:
    fake = DeepLFake()
    with serve(fake.app) as url:
        async with adapter(
            DeepLProvider, {"DEEPL_API_KEY": "wrong-key-1234"}, base_url=url
        ) as deepl:
            with pytest.raises(AuthError) as caught:
                await deepl.translate(SEGMENTS, EN_DE)
    assert caught.value.status == 403 and caught.value.fatal
    assert_no_secret(caught.value, "wrong-key-1234")


@pytest.mark.anyio
async def test_quota_runs_out_with_456() -> None:
    fake = DeepLFake(quota=40)
    with serve(fake.app) as url:
        async with adapter(DeepLProvider, SECRETS, base_url=url) as deepl:
            await deepl.translate(SEGMENTS[:1], EN_DE)
            with pytest.raises(QuotaError, match="456") as caught:
                await deepl.translate(SEGMENTS[:1], EN_DE)
    assert caught.value.fatal and caught.value.status == 456


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "headers", "kind", "wait"),
    [
        (429, {"Retry-After": "3"}, RateLimitError, 3.0),
        (429, {}, RateLimitError, None),
        (529, {}, TransientError, None),
        (500, {}, TransientError, None),
        (504, {}, TransientError, None),
    ],
)
async def test_retryable_answers(
    status: int, headers: dict[str, str], kind: type[ProviderError], wait: float | None
) -> None:
    fake = DeepLFake()
    fake.fail_next(status, {"message": "Too many requests"}, headers)
    with serve(fake.app) as url:
        async with adapter(DeepLProvider, SECRETS, base_url=url) as deepl:
            with pytest.raises(kind) as caught:
                await deepl.translate(SEGMENTS, EN_DE)
            again = await deepl.translate(SEGMENTS, EN_DE)  # the next request goes through
    assert caught.value.retryable and caught.value.status == status
    assert getattr(caught.value, "retry_after", None) == wait
    assert len(again) == 2


@pytest.mark.anyio
@pytest.mark.parametrize(
    "body",
    [
        {"translations": [{"text": "only one"}]},
        {"translations": "nope"},
        b"<html>bad gateway</html>",
    ],
)
async def test_unusable_answers_are_bad_responses(body: object) -> None:
    fake = DeepLFake()
    fake.fail_next(200, body)
    with serve(fake.app) as url:
        async with adapter(DeepLProvider, SECRETS, base_url=url) as deepl:
            with pytest.raises(BadResponseError):
                await deepl.translate(SEGMENTS, EN_DE)


@pytest.mark.anyio
async def test_unreachable_host_is_transient() -> None:
    async with adapter(DeepLProvider, SECRETS, base_url=CLOSED_URL) as deepl:
        with pytest.raises(TransientError, match="cannot reach") as caught:
            await deepl.translate(SEGMENTS, EN_DE)
    assert_no_secret(caught.value, KEY)


def test_language_codes() -> None:
    deepl = DeepLProvider(secrets=SECRETS)
    assert deepl.source_code(LangPair("pt-BR", "de")) == "PT"
    for target, code in [
        ("en", "EN-US"),
        ("en-GB", "EN-GB"),
        ("pt", "PT-BR"),
        ("pt-pt", "PT-PT"),
        ("zh", "ZH-HANS"),
        ("zh-Hant", "ZH-HANT"),
    ]:
        assert deepl.target_code(LangPair("de", target)) == code
    with pytest.raises(UnsupportedLanguageError, match="target language 'ga'"):
        deepl.check_pair(LangPair("en", "ga"))
    with pytest.raises(UnsupportedLanguageError, match="source language 'es-419'"):
        deepl.check_pair(LangPair("es-419", "en"))
