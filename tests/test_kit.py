"""The public adapter kit: Retry-After, redaction, send-and-map-status, typing marker.

HTTP is faked at the transport (:class:`httpx.MockTransport`); every test asserts
on what the kit returned or raised for a given answer.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import anyio
import httpx
import pytest

from harness.errors import (
    AuthError,
    ProviderError,
    RateLimitError,
    TransientError,
)
from harness.kit import (
    MAX_RETRY_AFTER,
    REDACTED,
    HttpProvider,
    Redactor,
    retry_after_seconds,
    send_checked,
)
from harness.models import LangPair, Segment, Translation
from harness.provider import HttpOptions
from providers.openai import OpenAIOptions, OpenAIProvider
from tests.helpers import REPO

NOW = 1_750_000_000.0
KEY = "sk-kit-0123456789abcdefXYZ"


# -- Retry-After ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "soon", "retry-after": "3"}, 3.0),  # unreadable ms: the next header
        ({"Retry-After": "12"}, 12.0),
        ({"Retry-After": "Sun, 15 Jun 2025 15:07:00 GMT"}, 20.0),
        ({"Retry-After": "86400"}, MAX_RETRY_AFTER),  # a day: capped
        ({"Retry-After": "Mon, 16 Jun 2025 15:06:40 GMT"}, MAX_RETRY_AFTER),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "-5"}, None),
        ({"x-reset-a": "1m30s", "x-reset-b": "2025-06-15T15:06:50Z"}, 90.0),
        ({}, None),
    ],
)
def test_retry_after_reads_every_form_and_caps(
    headers: dict[str, str], seconds: float | None
) -> None:
    wait = retry_after_seconds(headers, reset_headers=("x-reset-a", "x-reset-b"), now=NOW)
    assert wait == (pytest.approx(seconds) if seconds is not None else None)


# -- redaction -----------------------------------------------------------------------------

ODD_KEY = 'k3y/with+plus="quote"\\back=='


@pytest.mark.parametrize(
    ("secret", "spelled"),
    [
        (KEY, KEY),
        (KEY + "\r\n", KEY),  # read from a file with its line end; sent without
        ("ab\r\ncdefgh12", "abcdefgh12"),
        (ODD_KEY, quote(ODD_KEY, safe="")),
        (ODD_KEY, quote(ODD_KEY, safe="").lower()),
        (ODD_KEY, json.dumps(ODD_KEY)[1:-1]),
        (ODD_KEY, repr(ODD_KEY)[1:-1]),
    ],
)
def test_redactor_removes_every_spelling(secret: str, spelled: str) -> None:
    cleaned = Redactor([secret])(f"backend said: key {spelled} is not valid")
    assert spelled not in cleaned and REDACTED in cleaned
    assert cleaned.startswith("backend said: key ")


def test_redactor_removes_url_credentials_and_keeps_the_rest() -> None:
    text = (
        "GET https://user:hunter2@api.test/v2/translate?q=hello&key=AIzaSecret"
        "&X-Amz-Signature=abc123&target=de failed"
    )
    cleaned = Redactor()(text)
    assert "hunter2" not in cleaned and "AIzaSecret" not in cleaned and "abc123" not in cleaned
    assert "q=hello" in cleaned and "target=de" in cleaned and "api.test/v2/translate" in cleaned
    assert cleaned.endswith(" failed")


def test_redaction_comes_before_shortening() -> None:
    # The key starts seven characters before the cut: shortening first would keep them.
    message = "x" * 291 + " " + KEY
    cleaned = Redactor([KEY]).clean(message, 300)
    assert len(cleaned) <= 300
    assert not any(KEY[i : i + 6] in cleaned for i in range(len(KEY) - 5))


@pytest.mark.anyio
async def test_chat_error_message_is_redacted_before_it_is_cut() -> None:
    said = "x" * 291 + " " + KEY

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": {"message": said, "type": "invalid_key"}})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        provider = OpenAIProvider(
            OpenAIOptions(base_url="https://chat.test/v1", model="m"),
            client=client,
            secrets={"OPENAI_API_KEY": KEY},
        )
        with pytest.raises(AuthError) as caught:
            await provider.translate([Segment("a", "Hello.")], LangPair("en", "de"))
    assert not any(KEY[i : i + 6] in str(caught.value) for i in range(len(KEY) - 5))


# -- send and map status -------------------------------------------------------------------


def answer(
    status: int, headers: dict[str, str] | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(
        status, headers=headers, json={"error": {"message": f"status {status}"}}
    )


def raising(exc: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


async def outcome(handler: Callable[[httpx.Request], httpx.Response]) -> Any:
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        request = client.build_request("POST", f"https://backend.test/t?key={KEY}")
        try:
            return await send_checked(client, request, backend="demo", redactor=Redactor([KEY]))
        except ProviderError as exc:
            return exc


@pytest.mark.parametrize(
    ("handler", "kind", "retryable", "wait"),
    [
        (answer(401), AuthError, False, None),
        (answer(403), AuthError, False, None),
        (answer(408), TransientError, True, None),
        (answer(429, {"Retry-After": "7"}), RateLimitError, True, 7.0),
        (answer(500), TransientError, True, None),
        (answer(503, {"retry-after-ms": "250"}), TransientError, True, 0.25),
        (answer(400), ProviderError, False, None),
        (raising(httpx.ConnectError(f"refused for {KEY}")), TransientError, True, None),
        (raising(httpx.ReadTimeout("slow")), TransientError, True, None),
    ],
)
def test_send_checked_maps_status_and_transport_failures(
    handler: Callable[[httpx.Request], httpx.Response],
    kind: type[ProviderError],
    retryable: bool,
    wait: float | None,
) -> None:
    error = anyio.run(outcome, handler)
    assert type(error) is kind and error.retryable == retryable
    assert getattr(error, "retry_after", None) == wait
    chain = f"{error!s} {error!r} {error.__cause__!s} {error.__cause__!r}"
    assert KEY not in chain and "backend.test" not in str(error)
    assert str(error).startswith("demo: ")


def test_send_checked_returns_a_success() -> None:
    response = anyio.run(outcome, lambda request: httpx.Response(200, json={"ok": True}))
    assert isinstance(response, httpx.Response) and response.json() == {"ok": True}


# -- a provider built on the kit -----------------------------------------------------------


class DemoOptions(HttpOptions):
    base_url: str = "https://demo.test"
    shout: bool = False


class DemoProvider(HttpProvider[DemoOptions]):
    name = "demo"
    Options = DemoOptions

    async def translate(self, batch: list[Segment], pair: LangPair) -> list[Translation]:
        request = self.request(
            "POST", f"{self.options.base_url}/t", json=[segment.text for segment in batch]
        )
        texts = self.read_json(await self.send_checked(request))
        self.aligned(batch, texts, "texts")
        return [Translation(text.upper() if self.options.shout else text) for text in texts]


@pytest.mark.anyio
async def test_http_provider_is_typed_by_its_options_and_sends_through_the_kit() -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        return httpx.Response(200, json=["hallo", "welt"])

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        provider = DemoProvider(DemoOptions(shout=True), client=client)
        out = await provider.translate(
            [Segment("a", "hello"), Segment("b", "world")], LangPair("en", "de")
        )
    assert provider.options.shout is True
    assert [t.text for t in out] == ["HALLO", "WELT"]
    assert json.loads(seen[0]) == ["hello", "world"]


def test_package_is_marked_typed_and_ships_the_marker() -> None:
    assert (REPO / "harness" / "py.typed").is_file()
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = config["tool"]["hatch"]["build"]["targets"]["wheel"]
    # The wheel takes whole package folders, so the marker inside harness/ goes with them.
    assert "harness" in wheel["packages"]
    assert not any("py.typed" in pattern for pattern in wheel.get("exclude", []))


@pytest.mark.anyio
@pytest.mark.parametrize("status", [403, 500])
async def test_hosted_error_text_is_redacted_before_it_is_cut(status: int) -> None:
    from providers.deepl import DeepLProvider

    key = "Kq7-0123456789abcdefZW"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text="x" * 195 + " " + key)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        deepl = DeepLProvider(client=client, secrets={"DEEPL_API_KEY": key})
        with pytest.raises(ProviderError) as caught:
            await deepl.translate([Segment("a", "Hello.")], LangPair("en", "de"))
    assert not any(key[i : i + 4] in str(caught.value) for i in range(len(key) - 3))
