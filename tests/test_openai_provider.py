"""The ``openai`` adapter against a fake OpenAI-compatible server on 127.0.0.1.

Every test asserts on what the adapter sent (headers, body, URL) or on how it read
the answer; the conformance kit runs it through the generic provider checks too.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from harness.cli import main
from harness.errors import (
    AuthError,
    BadResponseError,
    ProviderError,
    QuotaError,
    RateLimitError,
    RequestRejectedError,
    TransientError,
)
from harness.models import LangPair, Segment, Translation
from harness.testing import Failure, ProviderConformance
from providers.openai import OpenAIOptions, OpenAIProvider
from tests.fakes import openai_server
from tests.fakes.chat_recording import fake_translation
from tests.fakes.loopback import free_port, serve
from tests.fakes.openai_server import FakeOpenAI

KEY = "sk-test-0123456789abcdef"
EN_DE = LangPair("en", "de")
TEXT = "Alexander Bastrykin spoke at the International Legal Forum on May 20."


@pytest.fixture
def fake() -> Iterator[tuple[FakeOpenAI, str]]:
    server = FakeOpenAI(key=KEY)
    with serve(server.app) as url:
        yield server, f"{url}/v1"


async def translate(
    base_url: str,
    texts: list[str],
    pair: LangPair = EN_DE,
    key: str | None = KEY,
    **options: Any,
) -> list[Translation]:
    async with httpx.AsyncClient() as client:
        provider = OpenAIProvider(
            OpenAIOptions(base_url=base_url, **{"model": "gpt-test", **options}),
            client=client,
            secrets={"OPENAI_API_KEY": key} if key else {},
        )
        segments = [Segment(f"p{n:02d}", text) for n, text in enumerate(texts, start=1)]
        return await provider.translate(segments, pair)


async def failure(base_url: str, key: str | None = KEY, **options: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await translate(base_url, [TEXT], key=key, **options)
    return caught.value


@pytest.mark.anyio
async def test_request_follows_the_chat_completions_format(
    fake: tuple[FakeOpenAI, str],
) -> None:
    server, url = fake
    await translate(url, [TEXT])
    sent = server.requests[-1]
    assert sent.method == "POST" and sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["content-type"] == "application/json"
    assert KEY not in sent.url
    assert sent.body.keys() == {"model", "messages", "temperature", "max_completion_tokens"}
    assert sent.body["model"] == "gpt-test"
    assert sent.body["temperature"] == 0
    assert sent.body["max_completion_tokens"] == 4096
    system, user = sent.body["messages"]
    assert system["role"] == "system" and "from English to German" in system["content"]
    assert "name, number" in system["content"]
    assert user == {"role": "user", "content": TEXT}


@pytest.mark.anyio
async def test_one_request_per_paragraph_and_answers_in_order(
    fake: tuple[FakeOpenAI, str],
) -> None:
    server, url = fake
    texts = ["First paragraph about Kyrgyzstan.", "Second one, 20,000 people.", "Third."]
    result = await translate(url, texts)
    assert [t.text for t in result] == [fake_translation(t) for t in texts]
    assert [r.body["messages"][1]["content"] for r in server.requests] == texts


@pytest.mark.anyio
async def test_usage_and_reported_model_are_recorded(fake: tuple[FakeOpenAI, str]) -> None:
    _, url = fake
    (result,) = await translate(url, [TEXT])
    assert result.engine == "gpt-test-2025-01-01"
    assert result.usage.output_tokens == len(TEXT.split())
    assert result.usage.input_tokens is not None and result.usage.input_tokens > len(TEXT.split())
    assert result.flags == ()
    assert result.detail["stop_reason"] == "stop"


@pytest.mark.anyio
async def test_options_reach_the_request(fake: tuple[FakeOpenAI, str]) -> None:
    server, url = fake
    await translate(
        url,
        [TEXT],
        seed=7,
        organization="org-1",
        project="proj-2",
        temperature=0.3,
        max_tokens=50,
        max_tokens_field="max_tokens",
        system_prompt="Render {source} as {target}, {{literally}}.",
    )
    sent = server.requests[-1]
    assert sent.headers["openai-organization"] == "org-1"
    assert sent.headers["openai-project"] == "proj-2"
    assert sent.body["seed"] == 7
    assert sent.body["temperature"] == 0.3
    assert sent.body["max_tokens"] == 50 and "max_completion_tokens" not in sent.body
    assert sent.body["messages"][0]["content"] == "Render English as German, {literally}."


@pytest.mark.anyio
async def test_local_server_without_key_gets_no_authorization_header() -> None:
    server = FakeOpenAI(key=None)
    with serve(server.app) as url:
        (result,) = await translate(f"{url}/v1", [TEXT], key=None)
    assert "authorization" not in server.requests[-1].headers
    assert result.text == fake_translation(TEXT)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("target", "name"),
    [
        ("uk", "Ukrainian"),
        ("zh-Hans", "Chinese (Simplified)"),
        ("pt-BR", "Portuguese (Brazil)"),
    ],
)
async def test_prompt_names_languages_from_cldr(
    fake: tuple[FakeOpenAI, str], target: str, name: str
) -> None:
    server, url = fake
    await translate(url, ["Hello there."], pair=LangPair("en", target))
    assert f"from English to {name}." in server.requests[-1].body["messages"][0]["content"]


@pytest.mark.anyio
async def test_answer_cut_by_the_token_limit_is_flagged_truncated(
    fake: tuple[FakeOpenAI, str],
) -> None:
    _, url = fake
    (result,) = await translate(url, [TEXT], max_tokens=3)
    assert "truncated" in result.flags
    assert result.text == " ".join(fake_translation(TEXT).split()[:3])
    assert result.detail["stop_reason"] == "length"


@pytest.mark.anyio
async def test_refusals_are_flagged(fake: tuple[FakeOpenAI, str]) -> None:
    server, url = fake
    server.reply(None, refusal="I can't help with that.")
    server.reply("", finish_reason="content_filter")
    first, second = await translate(url, [TEXT, TEXT])
    assert first.flags == ("refusal",) and first.text == ""
    assert first.detail["refusal"] == "I can't help with that."
    assert "refusal" in second.flags


@pytest.mark.anyio
async def test_chatter_is_stripped_and_the_raw_answer_kept(fake: tuple[FakeOpenAI, str]) -> None:
    server, url = fake
    raw = 'Sure! Here is the translation:\n\n"Alexander Bastrykin sprach am 20. Mai."'
    server.reply(raw)
    (result,) = await translate(url, ["Alexander Bastrykin spoke on May 20."])
    assert result.text == "Alexander Bastrykin sprach am 20. Mai."
    assert result.flags == ("chatter",)
    assert result.detail["raw"] == raw


@pytest.mark.anyio
async def test_answer_in_the_wrong_script_is_flagged(fake: tuple[FakeOpenAI, str]) -> None:
    server, url = fake
    server.reply("Alexander Bastrykin spoke at the forum in English anyway.")
    server.reply("Александр Бастрыкин выступил на форуме 20 мая.")
    wrong, right = await translate(url, [TEXT, TEXT], pair=LangPair("en", "ru"))
    assert "wrong_language" in wrong.flags and "Cyrl" in wrong.detail["wrong_language"]
    assert right.flags == ()


@pytest.mark.anyio
async def test_wrong_key_is_an_auth_error_without_the_key(fake: tuple[FakeOpenAI, str]) -> None:
    _, url = fake
    wrong = "sk-wrong-9876543210fedcba"
    exc = await failure(url, key=wrong)
    assert isinstance(exc, AuthError) and exc.status == 401 and exc.fatal
    assert "invalid_api_key" in str(exc) and "[redacted]" in str(exc)
    assert wrong[-4:] not in str(exc) and wrong[:8] not in str(exc)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after": "3"}, 3.0),
        ({"x-ratelimit-reset-requests": "1m30s", "x-ratelimit-reset-tokens": "250ms"}, 90.0),
        ({}, None),
    ],
)
async def test_rate_limit_carries_the_wait(
    fake: tuple[FakeOpenAI, str], headers: dict[str, str], expected: float | None
) -> None:
    server, url = fake
    server.rate_limited(headers)
    exc = await failure(url)
    assert isinstance(exc, RateLimitError) and exc.retryable
    assert exc.retry_after == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.anyio
async def test_rate_limit_wait_as_http_date(fake: tuple[FakeOpenAI, str]) -> None:
    server, url = fake
    server.rate_limited({"retry-after": email.utils.formatdate(time.time() + 120, usegmt=True)})
    exc = await failure(url)
    assert isinstance(exc, RateLimitError)
    assert exc.retry_after is not None and 100 < exc.retry_after <= 121


@pytest.mark.anyio
async def test_insufficient_quota_is_fatal_not_a_rate_limit(fake: tuple[FakeOpenAI, str]) -> None:
    server, url = fake
    server.insufficient_quota()
    exc = await failure(url)
    assert isinstance(exc, QuotaError) and exc.fatal and not exc.retryable


@pytest.mark.anyio
@pytest.mark.parametrize("status", [408, 409, 500, 503])
async def test_server_trouble_is_transient(fake: tuple[FakeOpenAI, str], status: int) -> None:
    server, url = fake
    server.fail(status, "The server is overloaded.", "server_error", "server_is_overloaded")
    exc = await failure(url)
    assert isinstance(exc, TransientError) and exc.status == status


@pytest.mark.anyio
async def test_unknown_model_stops_the_run_with_the_servers_reason(
    fake: tuple[FakeOpenAI, str],
) -> None:
    _, url = fake
    exc = await failure(url, model="gpt-nonexistent")
    assert isinstance(exc, RequestRejectedError) and exc.fatal and exc.status == 404
    assert "model_not_found" in str(exc) and "gpt-nonexistent" in str(exc)


@pytest.mark.anyio
async def test_context_overflow_fails_only_the_segment(fake: tuple[FakeOpenAI, str]) -> None:
    server, url = fake
    server.fail(
        400,
        "This model's maximum context length is 8 tokens.",
        "invalid_request_error",
        "context_length_exceeded",
    )
    exc = await failure(url)
    assert type(exc) is BadResponseError and not exc.fatal


@pytest.mark.anyio
async def test_flat_vllm_error_shape_is_read(fake: tuple[FakeOpenAI, str]) -> None:
    server, url = fake
    server.recorder.then(
        lambda body: openai_server.JSONResponse(
            {
                "object": "error",
                "message": "The model `x` does not exist.",
                "type": "NotFoundError",
                "param": None,
                "code": 404,
            },
            status_code=404,
        )
    )
    exc = await failure(url)
    assert isinstance(exc, RequestRejectedError) and "does not exist" in str(exc)


@pytest.mark.anyio
async def test_unreachable_server_is_transient() -> None:
    exc = await failure(f"http://127.0.0.1:{free_port()}/v1")
    assert isinstance(exc, TransientError) and "127.0.0.1" not in str(exc)


def test_options_are_validated() -> None:
    with pytest.raises(ValidationError, match="model"):
        OpenAIOptions()  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="placeholders"):
        OpenAIOptions(model="m", system_prompt="Translate to {language}")
    with pytest.raises(ValidationError, match="base_url"):
        OpenAIOptions(model="m", base_url="localhost:8000/v1")
    assert OpenAIOptions(model="m", base_url="http://h:1/v1/").base_url == "http://h:1/v1"


class TestOpenAIConformance(ProviderConformance):
    provider_class = OpenAIProvider
    options: ClassVar[dict[str, Any]] = {"base_url": "https://openai.test/v1", "model": "gpt-test"}
    pair = EN_DE

    def request_texts(self, request: httpx.Request) -> list[str]:
        messages = json.loads(request.content)["messages"]
        return [m["content"] for m in messages if m["role"] == "user"]

    def success_response(self, request: httpx.Request, outputs: list[str]) -> httpx.Response:
        body = openai_server.completion(outputs[0] if outputs else None, model="gpt-test")
        if not outputs:
            body["choices"] = []
        return httpx.Response(200, json=body)

    def failure_response(self, request: httpx.Request, failure: Failure) -> httpx.Response:
        status, type_, code = {
            Failure.AUTH: (401, "invalid_request_error", "invalid_api_key"),
            Failure.FORBIDDEN: (403, "invalid_request_error", "unsupported_country_region"),
            Failure.RATE_LIMIT: (429, "requests", "rate_limit_exceeded"),
            Failure.SERVER_ERROR: (500, "server_error", None),
            Failure.UNAVAILABLE: (503, "server_error", "server_is_overloaded"),
        }[failure]
        headers = {"retry-after": f"{self.retry_after:g}"} if status == 429 else {}
        body = openai_server.error_envelope(f"fake {failure.value}", type_, code)
        return httpx.Response(status, headers=headers, json=body)


def test_harness_run_records_flags_usage_and_engine(
    fake: tuple[FakeOpenAI, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end through ``harness run``: the run file carries what the adapter noticed."""
    server, url = fake
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    runs = tmp_path / "runs"
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--provider",
            "openai",
            "-o",
            f"base_url={url}",
            "-o",
            "model=gpt-test",
            "--to",
            "uk",
            "--variant",
            "restored",
            "--runs-dir",
            str(runs),
            "--concurrency",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    (run_file,) = runs.glob("*.jsonl")
    text = run_file.read_text(encoding="utf-8")
    assert KEY not in text
    lines = [json.loads(line) for line in text.splitlines()]
    segments = [line for line in lines if line["type"] == "segment"]
    assert segments and len(server.requests) == len(segments)
    for segment in segments:
        assert segment["output"] == fake_translation(segment["source"])
        # The fake answers in Latin script, so a Ukrainian target is flagged.
        assert "wrong_language" in segment["flags"]
        assert segment["engine"] == "gpt-test-2025-01-01"
        assert segment["usage"]["output_tokens"] == len(segment["source"].split())
    assert lines[0]["provider"]["options"]["model"] == "gpt-test"
