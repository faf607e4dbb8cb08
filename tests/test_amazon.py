"""The Amazon Translate adapter against a fake that verifies SigV4 signatures in full."""

from __future__ import annotations

import sys

import httpx
import pytest

from harness.errors import (
    AuthError,
    BadResponseError,
    ProviderError,
    RateLimitError,
    TransientError,
    UsageError,
)
from harness.models import LangPair, Segment
from providers.amazon import MAX_TEXT_BYTES, AmazonProvider, byte_pieces
from tests.fakes.amazon_server import TEST_ACCESS_KEY, TEST_SECRET_KEY, AmazonFake
from tests.fakes.loopback import serve
from tests.mtapi_helpers import adapter, assert_no_secret

SECRETS = {"AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": TEST_SECRET_KEY}
EN_DE = LangPair("en", "de")
SEGMENTS = [Segment("a", "On May 20, 20,000 people signed."), Segment("b", "Цена: 4,50 €.")]


@pytest.mark.anyio
async def test_signed_requests_pass_full_signature_verification() -> None:
    fake = AmazonFake(region="eu-west-1")
    with serve(fake.app) as url:
        async with adapter(
            AmazonProvider,
            SECRETS,
            base_url=url,
            region="eu-west-1",
            formality="FORMAL",
            profanity=True,
        ) as amazon:
            result = await amazon.translate(SEGMENTS, LangPair("en", "zh-Hant"))
    assert [t.text for t in result] == [f"[zh-TW] {s.text}" for s in SEGMENTS]
    assert [t.usage.characters for t in result] == [len(s.text) for s in SEGMENTS]
    assert len(fake.requests) == 2  # one text per call
    request = fake.requests[0]
    assert request.path == "/" and request.query == []
    assert request.headers["content-type"] == "application/x-amz-json-1.1"
    assert request.headers["x-amz-target"] == "AWSShineFrontendService_20170701.TranslateText"
    assert request.headers["authorization"].startswith(
        f"AWS4-HMAC-SHA256 Credential={TEST_ACCESS_KEY}/"
    )
    assert "/eu-west-1/translate/aws4_request" in request.headers["authorization"]
    assert TEST_SECRET_KEY not in str(request)
    assert request.json() == {
        "Text": SEGMENTS[0].text,
        "SourceLanguageCode": "en",
        "TargetLanguageCode": "zh-TW",
        "Settings": {"Formality": "FORMAL", "Profanity": "MASK"},
    }


@pytest.mark.anyio
async def test_session_token_is_sent_and_signed() -> None:
    fake = AmazonFake(session_token="FwoGZXIvYXdzEXAMPLETOKEN")
    secrets = {**SECRETS, "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLETOKEN"}
    with serve(fake.app) as url:
        async with adapter(AmazonProvider, secrets, base_url=url, region="eu-west-1") as amazon:
            await amazon.translate(SEGMENTS[:1], EN_DE)
    headers = fake.requests[0].headers
    assert headers["x-amz-security-token"] == "FwoGZXIvYXdzEXAMPLETOKEN"
    assert "x-amz-security-token" in headers["authorization"]


@pytest.mark.anyio
async def test_the_fake_rejects_a_tampered_body() -> None:
    """The verifier is real: a correct signature over another body is refused."""
    fake = AmazonFake()
    with serve(fake.app) as url:
        async with adapter(AmazonProvider, SECRETS, base_url=url, region="eu-west-1") as amazon:
            signed = b'{"Text":"a","SourceLanguageCode":"en","TargetLanguageCode":"de"}'
            headers = amazon.signed_headers(f"{url}/", signed)
        async with httpx.AsyncClient() as client:
            good = await client.post(f"{url}/", content=signed, headers=headers)
            bad = await client.post(
                f"{url}/", content=signed.replace(b'"a"', b'"b"'), headers=headers
            )
    assert good.status_code == 200
    assert bad.status_code == 403 and bad.json()["__type"] == "InvalidSignatureException"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "secrets",
    [
        {"AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": "not-the-secret-4321"},
        {"AWS_ACCESS_KEY_ID": "AKIAUNKNOWN000000000", "AWS_SECRET_ACCESS_KEY": TEST_SECRET_KEY},
    ],
    ids=["wrong-secret", "unknown-key-id"],
)
async def test_bad_credentials_are_auth_errors(secrets: dict[str, str]) -> None:
    fake = AmazonFake()
    with serve(fake.app) as url:
        async with adapter(AmazonProvider, secrets, base_url=url, region="eu-west-1") as amazon:
            with pytest.raises(AuthError) as caught:
                await amazon.translate(SEGMENTS[:1], EN_DE)
    assert caught.value.fatal
    assert_no_secret(caught.value, *secrets.values())


@pytest.mark.anyio
async def test_wrong_region_fails_signature_scope() -> None:
    fake = AmazonFake(region="us-west-2")
    with serve(fake.app) as url:
        async with adapter(AmazonProvider, SECRETS, base_url=url, region="eu-west-1") as amazon:
            with pytest.raises(AuthError, match="InvalidSignatureException"):
                await amazon.translate(SEGMENTS[:1], EN_DE)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "body", "headers", "kind"),
    [
        (
            400,
            {
                "__type": "com.amazonaws.translate#TooManyRequestsException:http://internal",
                "message": "slow",
            },
            {},
            RateLimitError,
        ),
        (
            400,
            {"message": "slow"},
            {"X-Amzn-ErrorType": "TooManyRequestsException:http://x"},
            RateLimitError,
        ),
        (500, {"__type": "InternalServerException", "Message": "oops"}, {}, TransientError),
        (503, {"__type": "ServiceUnavailableException"}, {}, TransientError),
        (400, {"__type": "UnsupportedLanguagePairException", "message": "no"}, {}, ProviderError),
        (502, b"Bad Gateway", {}, TransientError),
        (403, {"__type": "SomeFutureAuthException", "message": "no"}, {}, AuthError),
        (429, {"__type": "SomeFutureThrottle"}, {"Retry-After": "2"}, RateLimitError),
    ],
)
async def test_errors_are_classified_by_type(
    status: int, body: object, headers: dict[str, str], kind: type[ProviderError]
) -> None:
    fake = AmazonFake()
    fake.fail_next(status, body, headers)
    with serve(fake.app) as url:
        async with adapter(AmazonProvider, SECRETS, base_url=url, region="eu-west-1") as amazon:
            with pytest.raises(kind) as caught:
                await amazon.translate(SEGMENTS[:1], EN_DE)
    assert type(caught.value) is kind and caught.value.status == status


@pytest.mark.anyio
async def test_text_over_10000_bytes_is_cut_into_pieces_the_fake_accepts() -> None:
    fake = AmazonFake()
    sentence = "東京で3万人が集まった。" * 100  # 12 characters, 34 bytes, per sentence
    text = " ".join([sentence] * 4)  # 13,603 bytes, under max_chars in characters
    assert len(text) <= AmazonProvider.limits.max_chars
    with serve(fake.app) as url:
        async with adapter(AmazonProvider, SECRETS, base_url=url, region="eu-west-1") as amazon:
            [result] = await amazon.translate([Segment("cjk", text)], LangPair("en", "ja"))
    assert len(fake.requests) >= 2
    assert all(len(r.json()["Text"].encode()) <= MAX_TEXT_BYTES for r in fake.requests)
    assert result.flags == ("split",)
    assert result.text.replace("[ja] ", "").replace(" ", "") == text.replace(" ", "")


def test_byte_pieces_keep_every_character() -> None:
    text = "Ёлка. " * 3000  # 2 bytes per letter: 27,000 bytes
    pieces = byte_pieces(text.strip(), 10_000)
    assert all(len(p.encode()) <= 10_000 for p in pieces) and len(pieces) == 3
    assert " ".join(pieces) == text.strip()
    assert byte_pieces("short", 10_000) == ["short"]


@pytest.mark.anyio
async def test_answer_without_translated_text_is_a_bad_response() -> None:
    fake = AmazonFake()
    fake.fail_next(200, {"SourceLanguageCode": "en"})
    with serve(fake.app) as url:
        async with adapter(AmazonProvider, SECRETS, base_url=url, region="eu-west-1") as amazon:
            with pytest.raises(BadResponseError):
                await amazon.translate(SEGMENTS[:1], EN_DE)


def test_default_endpoint_follows_the_region() -> None:
    amazon = AmazonProvider(AmazonProvider.Options(region="ap-southeast-2"), secrets=SECRETS)
    assert amazon.base_url == "https://translate.ap-southeast-2.amazonaws.com"


def test_missing_botocore_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "botocore.auth", None)
    with pytest.raises(UsageError, match=r"pip install 'harness\[amazon\]'"):
        AmazonProvider(secrets=SECRETS)
