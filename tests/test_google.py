"""The Google Basic (v2) and Advanced (v3) adapters against fake Cloud Translation servers."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from harness.errors import (
    AuthError,
    BadResponseError,
    QuotaError,
    RateLimitError,
    TransientError,
    UnsupportedLanguageError,
)
from harness.models import LangPair, Segment
from providers.google import MAX_BODY_BYTES, GoogleProvider
from providers.google_v3 import GoogleV3Provider
from tests.fakes.google_server import GoogleV2Fake, google_error
from tests.fakes.google_v3_server import GoogleV3Fake
from tests.fakes.loopback import serve
from tests.mtapi_helpers import CLOSED_URL, adapter, assert_no_secret

KEY = "google-test-key"
TOKEN = "ya29.test-token"
EN_ZH = LangPair("en", "zh-Hans")
# Characters Google escapes under its default format=html.
SEGMENTS = [Segment("a", 'Ukraine\'s "Ukrinform" & <b>'), Segment("b", "20,000 people.")]


# -- Basic (v2) ----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_v2_sends_plain_text_with_the_key_in_the_query() -> None:
    fake = GoogleV2Fake()
    with serve(fake.app) as url:
        async with adapter(GoogleProvider, {"GOOGLE_API_KEY": KEY}, base_url=url) as google:
            result = await google.translate(SEGMENTS, EN_ZH)
    request = fake.requests[0]
    assert request.path == "/language/translate/v2" and request.query == [("key", KEY)]
    assert "authorization" not in request.headers
    assert request.json() == {
        "q": [s.text for s in SEGMENTS],
        "source": "en",
        "target": "zh-CN",
        "format": "text",
        "model": "nmt",
    }
    # format=text: no &#39; or &quot; in the output.
    assert [t.text for t in result] == [f"[zh-CN] {s.text}" for s in SEGMENTS]
    assert [t.engine for t in result] == ["nmt", "nmt"]
    assert [t.usage.characters for t in result] == [len(s.text) for s in SEGMENTS]


@pytest.mark.anyio
async def test_v2_splits_a_batch_over_100k_bytes_and_keeps_order() -> None:
    fake = GoogleV2Fake()
    batch = [Segment(f"s{n}", f"{n}:" + "東" * 300) for n in range(128)]  # ~115 KB of JSON
    with serve(fake.app) as url:
        async with adapter(GoogleProvider, {"GOOGLE_API_KEY": KEY}, base_url=url) as google:
            result = await google.translate(batch, LangPair("en", "ja"))
    assert len(fake.requests) == 2
    assert all(len(r.body) <= MAX_BODY_BYTES for r in fake.requests)
    assert [t.text for t in result] == [f"[ja] {s.text}" for s in batch]


@pytest.mark.anyio
async def test_v2_bad_key_is_an_auth_error_and_no_message_carries_the_url() -> None:
    fake = GoogleV2Fake()
    secret = "AIzaWRONG-0123456789"
    with serve(fake.app) as url:
        async with adapter(GoogleProvider, {"GOOGLE_API_KEY": secret}, base_url=url) as google:
            with pytest.raises(AuthError, match="API key not valid") as caught:
                await google.translate(SEGMENTS, EN_ZH)
    assert caught.value.status == 400
    assert_no_secret(caught.value, secret, "key=")


@pytest.mark.anyio
async def test_v2_user_rate_limit_is_retried_and_daily_limit_stops() -> None:
    fake = GoogleV2Fake(chars_per_minute=30, chars_per_day=10_000)
    with serve(fake.app) as url:
        async with adapter(GoogleProvider, {"GOOGLE_API_KEY": KEY}, base_url=url) as google:
            await google.translate(SEGMENTS[:1], EN_ZH)
            with pytest.raises(RateLimitError, match="User Rate Limit Exceeded") as rate:
                await google.translate(SEGMENTS, EN_ZH)
            fake.day_left = 0
            with pytest.raises(QuotaError, match="Daily Limit Exceeded") as daily:
                await google.translate(SEGMENTS, EN_ZH)
    assert rate.value.status == 403 and rate.value.retryable
    assert daily.value.status == 403 and daily.value.fatal


@pytest.mark.anyio
async def test_v2_429_with_retry_after_and_server_errors() -> None:
    fake = GoogleV2Fake()
    fake.fail_next(
        429,
        {
            "error": {
                "code": 429,
                "status": "RESOURCE_EXHAUSTED",
                "message": "Quota exceeded for quota metric per minute",
            }
        },
        {"Retry-After": "12"},
    )
    fake.fail_next(503, {"error": {"code": 503, "status": "UNAVAILABLE", "message": "down"}})
    with serve(fake.app) as url:
        async with adapter(GoogleProvider, {"GOOGLE_API_KEY": KEY}, base_url=url) as google:
            with pytest.raises(RateLimitError) as rate:
                await google.translate(SEGMENTS, EN_ZH)
            with pytest.raises(TransientError):
                await google.translate(SEGMENTS, EN_ZH)
    assert rate.value.retry_after == 12.0


@pytest.mark.anyio
async def test_v2_misaligned_answer_is_a_bad_response() -> None:
    fake = GoogleV2Fake()
    fake.fail_next(200, {"data": {"translations": [{"translatedText": "x"}] * 3}})
    with serve(fake.app) as url:
        async with adapter(GoogleProvider, {"GOOGLE_API_KEY": KEY}, base_url=url) as google:
            with pytest.raises(BadResponseError, match="sent 2 texts, got 3"):
                await google.translate(SEGMENTS, EN_ZH)


@pytest.mark.anyio
async def test_v2_transport_error_never_shows_the_key() -> None:
    async with adapter(GoogleProvider, {"GOOGLE_API_KEY": KEY}, base_url=CLOSED_URL) as google:
        with pytest.raises(TransientError) as caught:
            await google.translate(SEGMENTS, EN_ZH)
    assert_no_secret(caught.value, KEY)


def test_google_language_codes() -> None:
    google = GoogleProvider()
    assert google.target_code(LangPair("en", "zh-Hant")) == "zh-TW"
    assert google.target_code(LangPair("en", "pt-PT")) == "pt-PT"
    assert google.target_code(LangPair("en", "fil")) == "tl"
    with pytest.raises(UnsupportedLanguageError, match="'tlh'"):
        google.check_pair(LangPair("en", "tlh"))
    with pytest.raises(UnsupportedLanguageError, match="same language"):
        google.check_pair(LangPair("en", "en-GB"))


# -- Advanced (v3) -------------------------------------------------------------------------


@pytest.mark.anyio
async def test_v3_sends_plain_text_with_a_bearer_token() -> None:
    fake = GoogleV3Fake()
    with serve(fake.app) as url:
        async with adapter(
            GoogleV3Provider,
            {"GOOGLE_ACCESS_TOKEN": TOKEN},
            base_url=url,
            project="demo-42",
            location="us-central1",
            model="general/nmt",
            quota_project="billing-7",
        ) as google:
            result = await google.translate(SEGMENTS, EN_ZH)
    request = fake.requests[0]
    assert request.path == "/v3/projects/demo-42/locations/us-central1:translateText"
    assert request.query == []
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["x-goog-user-project"] == "billing-7"
    model = "projects/demo-42/locations/us-central1/models/general/nmt"
    assert request.json() == {
        "contents": [s.text for s in SEGMENTS],
        "mimeType": "text/plain",
        "sourceLanguageCode": "en",
        "targetLanguageCode": "zh-CN",
        "model": model,
    }
    assert [t.text for t in result] == [f"[zh-CN] {s.text}" for s in SEGMENTS]
    assert {t.engine for t in result} == {model}


@pytest.mark.anyio
async def test_v3_without_a_model_reports_no_engine() -> None:
    fake = GoogleV3Fake()
    with serve(fake.app) as url:
        async with adapter(
            GoogleV3Provider, {"GOOGLE_ACCESS_TOKEN": TOKEN}, base_url=url, project="demo-42"
        ) as google:
            result = await google.translate(SEGMENTS[:1], LangPair("en", "de"))
    assert fake.requests[0].path == "/v3/projects/demo-42/locations/global:translateText"
    assert "model" not in fake.requests[0].json() and result[0].engine is None


@pytest.mark.anyio
async def test_v3_fake_enforces_the_code_point_limit_the_adapter_declares() -> None:
    fake = GoogleV3Fake()
    limit = GoogleV3Provider.limits.max_chars
    with serve(fake.app) as url:
        async with adapter(
            GoogleV3Provider, {"GOOGLE_ACCESS_TOKEN": TOKEN}, base_url=url, project="p"
        ) as google:
            await google.translate([Segment("a", "x" * limit)], LangPair("en", "de"))
            with pytest.raises(Exception, match="30000 codepoints") as caught:
                await google.translate([Segment("a", "x" * (limit + 1))], LangPair("en", "de"))
    assert getattr(caught.value, "status", None) == 400


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, google_error(401, "UNAUTHENTICATED", "bad token").body, AuthError),
        (
            403,
            google_error(403, "PERMISSION_DENIED", "Cloud Translation API has not been used").body,
            AuthError,
        ),
        (
            403,
            google_error(
                403, "PERMISSION_DENIED", "This API method requires billing to be enabled."
            ).body,
            QuotaError,
        ),
        (
            429,
            google_error(
                429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'characters per day'"
            ).body,
            QuotaError,
        ),
        (500, google_error(500, "INTERNAL", "Internal error").body, TransientError),
    ],
)
async def test_v3_error_mapping(status: int, body: bytes, kind: type[Exception]) -> None:
    fake = GoogleV3Fake()
    fake.fail_next(status, body, {"Content-Type": "application/json"})
    with serve(fake.app) as url:
        async with adapter(
            GoogleV3Provider, {"GOOGLE_ACCESS_TOKEN": TOKEN}, base_url=url, project="p"
        ) as google:
            with pytest.raises(kind) as caught:
                await google.translate(SEGMENTS, EN_ZH)
    assert getattr(caught.value, "status", None) == status


@pytest.mark.anyio
async def test_v3_wrong_token_is_refused() -> None:
    fake = GoogleV3Fake()
    with serve(fake.app) as url:
        async with adapter(
            GoogleV3Provider,
            {"GOOGLE_ACCESS_TOKEN": "ya29.expired-9876"},
            base_url=url,
            project="p",
        ) as google:
            with pytest.raises(AuthError, match="invalid authentication") as caught:
                await google.translate(SEGMENTS, EN_ZH)
    assert_no_secret(caught.value, "ya29.expired-9876")


def test_v3_needs_a_project() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="project"):
        GoogleV3Provider.Options()


def _token_script(tmp_path: Path, *tokens: str, fail: bool = False) -> str:
    """A token command printing ``tokens`` one per call (the last one again after that)."""
    script = tmp_path / "print_token.py"
    script.write_text(
        "import pathlib, sys\n"
        f"state = pathlib.Path({str(tmp_path / 'calls')!r})\n"
        "calls = int(state.read_text()) if state.exists() else 0\n"
        "state.write_text(str(calls + 1))\n"
        f"tokens = {list(tokens)!r}\n"
        + (
            "sys.stderr.write('ERROR: reauthentication needed\\n'); sys.exit(1)\n"
            if fail
            else "print(tokens[min(calls, len(tokens) - 1)])\n"
        ),
        encoding="utf-8",
    )
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"


@pytest.mark.anyio
async def test_v3_token_command_gives_the_token_and_a_fresh_one_after_a_401(tmp_path: Path) -> None:
    fake = GoogleV3Fake(tokens={"ya29.first"})
    command = _token_script(tmp_path, "ya29.first", "ya29.second")
    with serve(fake.app) as url:
        async with adapter(
            GoogleV3Provider, {}, base_url=url, project="p", token_command=command
        ) as google:
            await google.prepare()
            first = await google.translate(SEGMENTS, EN_ZH)
            fake.tokens = {"ya29.second"}  # an hour later: the first token expired
            second = await google.translate(SEGMENTS, EN_ZH)
    assert [t.text for t in first] == [t.text for t in second]
    assert [r.headers["authorization"] for r in fake.requests] == [
        "Bearer ya29.first",
        "Bearer ya29.first",
        "Bearer ya29.second",
    ]
    assert (tmp_path / "calls").read_text() == "2"  # run once, then once per expiry


@pytest.mark.anyio
async def test_v3_token_command_failure_is_an_auth_error_without_the_token(tmp_path: Path) -> None:
    fake = GoogleV3Fake()
    with serve(fake.app) as url:
        async with adapter(
            GoogleV3Provider,
            {},
            base_url=url,
            project="p",
            token_command=_token_script(tmp_path, "ya29.x", fail=True),
        ) as google:
            with pytest.raises(AuthError, match="exited with status 1: ERROR: reauth"):
                await google.translate(SEGMENTS, EN_ZH)
    assert fake.requests == []


def test_v3_needs_a_token_or_a_token_command(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from harness.cli import main

    args = [
        "run",
        "--provider",
        "google-v3",
        "-o",
        "project=p",
        "--to",
        "de",
        "--runs-dir",
        str(tmp_path),
    ]
    env = {"GOOGLE_ACCESS_TOKEN": ""}
    missing = CliRunner().invoke(main, args, env=env)
    assert missing.exit_code == 2
    assert "GOOGLE_ACCESS_TOKEN or the token_command option" in missing.output
    # The command stands in for the variable; a dry run needs neither.
    with_command = CliRunner().invoke(
        main, [*args, "-o", "token_command='echo token'", "--dry-run"], env=env
    )
    assert with_command.exit_code == 0, with_command.output
    assert CliRunner().invoke(main, [*args, "--dry-run"], env=env).exit_code == 0
    shown = CliRunner().invoke(main, ["providers", "show", "google-v3"], env=env)
    assert "GOOGLE_ACCESS_TOKEN: required unless the token_command option is set" in shown.output
