"""The ``anthropic`` adapter against a fake Messages API on 127.0.0.1.

Asserts on the request (``x-api-key``, ``anthropic-version``, top-level ``system``,
``max_tokens``) and on how answers and errors are read; the conformance kit runs
the generic provider checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
import pytest

from harness.errors import (
    AuthError,
    ProviderError,
    QuotaError,
    RateLimitError,
    RequestRejectedError,
    TransientError,
)
from harness.models import LangPair, Segment, Translation
from harness.testing import Failure, ProviderConformance
from providers.anthropic import AnthropicOptions, AnthropicProvider
from tests.fakes import anthropic_server
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.chat_recording import fake_translation
from tests.fakes.loopback import serve

KEY = "sk-ant-test-0123456789abcdef"
EN_DE = LangPair("en", "de")
TEXT = "Rights activists said 30,000 to 40,000 migrants could lose citizenship."


@pytest.fixture
def fake() -> Iterator[tuple[FakeAnthropic, str]]:
    server = FakeAnthropic(key=KEY)
    with serve(server.app) as url:
        yield server, url


async def translate(
    base_url: str, texts: list[str], pair: LangPair = EN_DE, key: str = KEY, **options: Any
) -> list[Translation]:
    async with httpx.AsyncClient() as client:
        provider = AnthropicProvider(
            AnthropicOptions(base_url=base_url, **{"model": "claude-test", **options}),
            client=client,
            secrets={"ANTHROPIC_API_KEY": key},
        )
        segments = [Segment(f"p{n:02d}", text) for n, text in enumerate(texts, start=1)]
        return await provider.translate(segments, pair)


async def failure(base_url: str, key: str = KEY, **options: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await translate(base_url, [TEXT], key=key, **options)
    return caught.value


@pytest.mark.anyio
async def test_request_follows_the_messages_format(fake: tuple[FakeAnthropic, str]) -> None:
    server, url = fake
    (result,) = await translate(url, [TEXT])
    sent = server.requests[-1]
    assert sent.method == "POST" and sent.path == "/v1/messages"
    assert sent.headers["x-api-key"] == KEY
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in sent.headers and KEY not in sent.url
    assert sent.body.keys() == {"model", "max_tokens", "system", "messages", "temperature"}
    assert sent.body["max_tokens"] == 4096 and sent.body["temperature"] == 0
    assert "from English to German" in sent.body["system"]
    assert sent.body["messages"] == [{"role": "user", "content": TEXT}]
    assert result.text == fake_translation(TEXT)
    assert result.engine == "claude-test"
    assert result.usage.output_tokens == len(TEXT.split())
    assert result.flags == ()


@pytest.mark.anyio
async def test_several_text_blocks_are_joined(fake: tuple[FakeAnthropic, str]) -> None:
    server, url = fake
    server.reply(["Aktivisten sagten, ", "30.000 bis 40.000 Migranten."])
    (result,) = await translate(url, [TEXT])
    assert result.text == "Aktivisten sagten, 30.000 bis 40.000 Migranten."


@pytest.mark.anyio
async def test_max_tokens_stop_is_flagged_truncated(fake: tuple[FakeAnthropic, str]) -> None:
    _, url = fake
    (result,) = await translate(url, [TEXT], max_tokens=4)
    assert result.flags == ("truncated",)
    assert result.text == " ".join(fake_translation(TEXT).split()[:4])
    assert result.detail["stop_reason"] == "max_tokens"


@pytest.mark.anyio
async def test_refusal_stop_is_flagged(fake: tuple[FakeAnthropic, str]) -> None:
    server, url = fake
    server.reply([], stop_reason="refusal")
    (result,) = await translate(url, [TEXT])
    assert result.flags == ("refusal",) and result.text == ""


@pytest.mark.anyio
async def test_chatter_and_wrong_language(fake: tuple[FakeAnthropic, str]) -> None:
    server, url = fake
    server.reply(["```\n3万至4万名移民可能失去国籍。\n```"])
    server.reply(["Activists said 30,000 to 40,000 migrants could lose citizenship."])
    chatty, english = await translate(url, [TEXT, TEXT], pair=LangPair("en", "zh-Hans"))
    assert chatty.text == "3万至4万名移民可能失去国籍。" and chatty.flags == ("chatter",)
    assert english.flags == ("wrong_language",)


@pytest.mark.anyio
async def test_wrong_key_is_an_auth_error(fake: tuple[FakeAnthropic, str]) -> None:
    _, url = fake
    wrong = "sk-ant-wrong-9876543210"
    exc = await failure(url, key=wrong)
    assert isinstance(exc, AuthError) and exc.status == 401
    assert "authentication_error" in str(exc) and wrong[-8:] not in str(exc)


@pytest.mark.anyio
async def test_permission_error_is_an_auth_error(fake: tuple[FakeAnthropic, str]) -> None:
    server, url = fake
    server.fail(403, "permission_error", "Your API key does not have permission.")
    exc = await failure(url)
    assert isinstance(exc, AuthError) and exc.status == 403


@pytest.mark.anyio
async def test_rate_limit_waits_as_told(fake: tuple[FakeAnthropic, str]) -> None:
    server, url = fake
    reset = (datetime.now(UTC) + timedelta(seconds=40)).isoformat().replace("+00:00", "Z")
    server.fail(
        429,
        "rate_limit_error",
        "Number of requests has exceeded your rate limit.",
        headers={
            "retry-after": "12",
            "anthropic-ratelimit-requests-limit": "50",
            "anthropic-ratelimit-requests-remaining": "0",
            "anthropic-ratelimit-requests-reset": reset,
        },
    )
    server.fail(
        429,
        "rate_limit_error",
        "Number of requests has exceeded your rate limit.",
        headers={"anthropic-ratelimit-requests-reset": reset},
    )
    first = await failure(url)
    second = await failure(url)
    assert isinstance(first, RateLimitError) and first.retry_after == 12
    assert isinstance(second, RateLimitError)
    assert second.retry_after is not None and 30 < second.retry_after <= 41


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "type_", "code"),
    [
        (429, "rate_limit_error", "enforced_spend_limit_reached"),
        (402, "billing_error", None),
    ],
)
async def test_spend_limit_and_billing_are_fatal(
    fake: tuple[FakeAnthropic, str], status: int, type_: str, code: str | None
) -> None:
    server, url = fake
    server.fail(status, type_, "You have reached your specified API usage limits.", code)
    exc = await failure(url)
    assert isinstance(exc, QuotaError) and exc.fatal and exc.status == status


@pytest.mark.anyio
@pytest.mark.parametrize(("status", "type_"), [(500, "api_error"), (529, "overloaded_error")])
async def test_overload_is_transient(
    fake: tuple[FakeAnthropic, str], status: int, type_: str
) -> None:
    server, url = fake
    server.fail(status, type_, "Overloaded")
    exc = await failure(url)
    assert isinstance(exc, TransientError) and exc.status == status and type_ in str(exc)


@pytest.mark.anyio
@pytest.mark.parametrize("status", [413, 400])
async def test_rejected_requests_stop_the_run(fake: tuple[FakeAnthropic, str], status: int) -> None:
    server, url = fake
    server.fail(
        status,
        "request_too_large" if status == 413 else "invalid_request_error",
        "Request exceeds the maximum allowed number of bytes.",
    )
    exc = await failure(url)
    assert isinstance(exc, RequestRejectedError) and exc.fatal and exc.status == status


@pytest.mark.anyio
async def test_unknown_model_names_the_model(fake: tuple[FakeAnthropic, str]) -> None:
    _, url = fake
    exc = await failure(url, model="claude-nonexistent")
    assert isinstance(exc, RequestRejectedError) and "claude-nonexistent" in str(exc)


@pytest.mark.anyio
async def test_fake_server_refuses_a_system_role(fake: tuple[FakeAnthropic, str]) -> None:
    """The fake enforces the documented rule the adapter relies on (system is top-level)."""
    _, url = fake
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{url}/v1/messages",
            headers={"x-api-key": KEY, "anthropic-version": "2023-06-01"},
            json={
                "model": "claude-test",
                "max_tokens": 10,
                "messages": [{"role": "system", "content": "x"}, {"role": "user", "content": "y"}],
            },
        )
        missing = await client.post(
            f"{url}/v1/messages",
            headers={"x-api-key": KEY},
            json={"model": "claude-test", "max_tokens": 10, "messages": []},
        )
    assert response.status_code == 400 and "system" in response.json()["error"]["message"]
    assert missing.status_code == 400 and "anthropic-version" in missing.text


class TestAnthropicConformance(ProviderConformance):
    provider_class = AnthropicProvider
    options: ClassVar[dict[str, Any]] = {
        "base_url": "https://anthropic.test",
        "model": "claude-test",
    }
    pair = EN_DE

    def request_texts(self, request: httpx.Request) -> list[str]:
        return [m["content"] for m in json.loads(request.content)["messages"]]

    def success_response(self, request: httpx.Request, outputs: list[str]) -> httpx.Response:
        return httpx.Response(200, json=anthropic_server.message(outputs, model="claude-test"))

    def failure_response(self, request: httpx.Request, failure: Failure) -> httpx.Response:
        status, type_ = {
            Failure.AUTH: (401, "authentication_error"),
            Failure.FORBIDDEN: (403, "permission_error"),
            Failure.RATE_LIMIT: (429, "rate_limit_error"),
            Failure.SERVER_ERROR: (500, "api_error"),
            Failure.UNAVAILABLE: (529, "overloaded_error"),
        }[failure]
        headers = {"retry-after": f"{self.retry_after:g}"} if status == 429 else {}
        body = anthropic_server.error_envelope(type_, f"fake {failure.value}")
        return httpx.Response(status, headers=headers, json=body)
