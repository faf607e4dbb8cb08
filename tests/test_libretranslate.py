"""The LibreTranslate adapter against a fake LibreTranslate 1.9 server."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from harness.errors import (
    AuthError,
    BadResponseError,
    ProviderError,
    RateLimitError,
    TransientError,
    UnsupportedLanguageError,
)
from harness.models import LangPair, Segment
from providers.libretranslate import LibreTranslateProvider
from tests.fakes.libretranslate_server import LibreTranslateFake
from tests.fakes.loopback import serve
from tests.mtapi_helpers import adapter, assert_no_secret

SEGMENTS = [Segment("a", "On May 20, 20,000 people signed."), Segment("b", "Zoë met Noël.")]


@pytest.mark.anyio
async def test_request_follows_the_wire_format() -> None:
    fake = LibreTranslateFake()
    with serve(fake.app) as url:
        async with adapter(LibreTranslateProvider, {}, base_url=url) as libre:
            result = await libre.translate(SEGMENTS, LangPair("en", "pt-BR"))
    [request] = fake.calls("/translate")
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "q": [s.text for s in SEGMENTS],
        "source": "en",
        "target": "pt-BR",
        "format": "text",
    }
    assert [t.text for t in result] == [f"[pt-BR] {s.text}" for s in SEGMENTS]
    assert [t.usage.characters for t in result] == [len(s.text) for s in SEGMENTS]


@pytest.mark.anyio
async def test_the_key_travels_in_the_body_only() -> None:
    fake = LibreTranslateFake(api_keys={"lt-key-2468"})
    with serve(fake.app) as url:
        async with adapter(
            LibreTranslateProvider, {"LIBRETRANSLATE_API_KEY": "lt-key-2468"}, base_url=url
        ) as libre:
            await libre.translate(SEGMENTS, LangPair("en", "de"))
    [request] = fake.calls("/translate")
    assert request.json()["api_key"] == "lt-key-2468"
    assert "lt-key-2468" not in str(request.query) + str(request.headers)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("secrets", "status"),
    [({}, 400), ({"LIBRETRANSLATE_API_KEY": "wrong-1357"}, 403)],
    ids=["missing", "wrong"],
)
async def test_key_problems_are_auth_errors(secrets: dict[str, str], status: int) -> None:
    fake = LibreTranslateFake(api_keys={"lt-key-2468"})
    with serve(fake.app) as url:
        async with adapter(LibreTranslateProvider, secrets, base_url=url) as libre:
            with pytest.raises(AuthError) as caught:
                await libre.translate(SEGMENTS, LangPair("en", "de"))
    assert caught.value.status == status
    assert_no_secret(caught.value, "wrong-1357")


@pytest.mark.anyio
async def test_prepare_learns_the_servers_pairs_and_char_limit() -> None:
    fake = LibreTranslateFake(char_limit=300, languages=("en", "de", "zh-Hans"))
    with serve(fake.app) as url:
        async with adapter(LibreTranslateProvider, {}, base_url=url) as libre:
            await libre.prepare()
            libre.check_pair(LangPair("en", "zh"))  # zh is zh-Hans
            libre.check_pair(LangPair("de", "en"))
            with pytest.raises(UnsupportedLanguageError, match="translates into de, zh-hans"):
                libre.check_pair(LangPair("en", "fr"))
            with pytest.raises(UnsupportedLanguageError, match="'qaa' is not a language"):
                libre.check_pair(LangPair("en", "qaa"))
    assert libre.limits.max_chars == 300 and libre.limits.max_batch == 25


@pytest.mark.anyio
async def test_a_server_without_listings_falls_back_on_the_table() -> None:
    fake = LibreTranslateFake()
    bare = Starlette(routes=[Route("/translate", fake.translate, methods=["POST"])])
    with serve(bare) as url:
        async with adapter(LibreTranslateProvider, {}, base_url=url) as libre:
            await libre.prepare()
            libre.check_pair(LangPair("en", "fr"))
            with pytest.raises(UnsupportedLanguageError, match="target language 'qaa'"):
                libre.check_pair(LangPair("en", "qaa"))
    assert libre.limits.max_chars == 5_000


@pytest.mark.anyio
async def test_over_the_server_limits_is_a_clear_error() -> None:
    fake = LibreTranslateFake(batch_limit=1)
    with serve(fake.app) as url:
        async with adapter(LibreTranslateProvider, {}, base_url=url) as libre:
            with pytest.raises(ProviderError, match=r"exceeds text limit.*batch_limit") as caught:
                await libre.translate(SEGMENTS, LangPair("en", "de"))
    assert type(caught.value) is ProviderError and caught.value.status == 400


@pytest.mark.anyio
async def test_slowdown_and_server_errors_are_retryable() -> None:
    fake = LibreTranslateFake(req_limit=1)
    fake.fail_next(500, {"error": "Cannot translate text: boom"})
    with serve(fake.app) as url:
        async with adapter(LibreTranslateProvider, {}, base_url=url) as libre:
            with pytest.raises(TransientError):
                await libre.translate(SEGMENTS, LangPair("en", "de"))
            await libre.translate(SEGMENTS, LangPair("en", "de"))
            with pytest.raises(RateLimitError, match="Slowdown") as caught:
                await libre.translate(SEGMENTS, LangPair("en", "de"))
    assert caught.value.retry_after is None and caught.value.status == 429


@pytest.mark.anyio
async def test_a_string_answer_to_a_list_is_a_bad_response() -> None:
    fake = LibreTranslateFake()
    fake.fail_next(200, {"translatedText": "one string"})
    with serve(fake.app) as url:
        async with adapter(LibreTranslateProvider, {}, base_url=url) as libre:
            with pytest.raises(BadResponseError):
                await libre.translate(SEGMENTS, LangPair("en", "de"))


@pytest.mark.anyio
async def test_a_listing_without_targets_pairs_every_listed_language() -> None:
    """LibreTranslate servers older than the "targets" field list bare codes."""
    fake = LibreTranslateFake()

    async def old_listing(request: Request) -> Response:
        return JSONResponse([{"code": "en", "name": "English"}, {"code": "de", "name": "German"}])

    app = Starlette(
        routes=[
            Route("/languages", old_listing),
            Route("/translate", fake.translate, methods=["POST"]),
        ]
    )
    with serve(app) as url:
        async with adapter(LibreTranslateProvider, {}, base_url=url) as libre:
            await libre.prepare()
            libre.check_pair(LangPair("de", "en"))
            with pytest.raises(UnsupportedLanguageError, match=r"from 'en' it translates into de$"):
                libre.check_pair(LangPair("en", "fr"))


@pytest.mark.anyio
async def test_servers_listing_model_codes_get_model_codes() -> None:
    """Before 1.6 servers called simplified Chinese "zh"; the listing says which spelling."""
    fake = LibreTranslateFake(languages=("en", "zh", "pt"))
    with serve(fake.app) as url:
        async with adapter(LibreTranslateProvider, {}, base_url=url) as libre:
            await libre.prepare()
            libre.check_pair(LangPair("en", "zh-Hans"))
            result = await libre.translate(SEGMENTS[:1], LangPair("en", "zh-Hans"))
    assert fake.calls("/translate")[0].json()["target"] == "zh"
    assert result[0].text == f"[zh] {SEGMENTS[0].text}"
