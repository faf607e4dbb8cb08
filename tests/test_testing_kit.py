"""The conformance kit itself: a correct provider passes it, and each broken one fails.

``ListProvider`` speaks a minimal JSON-array protocol and follows every rule;
the broken subclasses each break one rule, and the matching check must catch it
(otherwise the kit could pass anything).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import httpx
import pytest

from harness.errors import (
    AuthError,
    BadResponseError,
    ProviderError,
    RateLimitError,
    TransientError,
)
from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import Credential, HttpOptions, Limits, Provider
from harness.testing import FAKE_SECRET, Failure, ProviderConformance, leaked_secret


class ListOptions(HttpOptions):
    base_url: str = "https://list.test"


class ListProvider(Provider):
    """Sends ``{"source", "target", "texts"}``, reads ``{"translations": [...]}``."""

    name = "list"
    Options = ListOptions
    credentials = (Credential("LIST_API_KEY"),)
    limits = Limits(max_batch=5, max_chars=400)

    def language_table(self) -> Mapping[str, str] | None:
        return {"en": "EN", "de": "DE", "fr": "FR"}

    def texts_to_send(self, batch: Sequence[Segment]) -> list[str]:
        return [segment.text for segment in batch]

    def error_message(self, response: httpx.Response) -> str:
        return f"backend answered {response.status_code}"

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        assert self.client is not None
        options = self.options
        assert isinstance(options, ListOptions)
        try:
            response = await self.client.post(
                f"{options.base_url}/translate",
                headers={"Authorization": f"Key {self.key}"},
                json={
                    "source": pair.source,
                    "target": pair.target,
                    "texts": self.texts_to_send(batch),
                },
            )
        except httpx.HTTPError as exc:
            raise TransientError(f"cannot reach the backend: {type(exc).__name__}") from exc
        status = response.status_code
        if status in (401, 403):
            raise AuthError(self.error_message(response), status=status)
        if status == 429:
            retry = response.headers.get("retry-after")
            raise RateLimitError(
                self.error_message(response), retry_after=float(retry) if retry else None
            )
        if status >= 500:
            raise TransientError(self.error_message(response), status=status)
        try:
            outputs = response.json()["translations"]
        except (ValueError, KeyError, TypeError) as exc:
            raise BadResponseError("answer is not a translation list", status=status) from exc
        if not isinstance(outputs, list) or len(outputs) != len(batch):
            raise BadResponseError("answer has the wrong number of translations", status=status)
        return [
            Translation(str(text), Usage(characters=len(s.text)))
            for text, s in zip(outputs, batch, strict=True)
        ]


class ListConformance(ProviderConformance):
    provider_class: ClassVar[type[Provider]] = ListProvider
    pair = LangPair("en", "de")

    def request_texts(self, request: httpx.Request) -> list[str]:
        return list(json.loads(request.content)["texts"])

    def success_response(self, request: httpx.Request, outputs: list[str]) -> httpx.Response:
        return httpx.Response(200, json={"translations": outputs})


class TestListProviderConformance(ListConformance):
    """The correct provider passes every check."""


# -- broken providers: each must be caught ------------------------------------------------


class ReversingProvider(ListProvider):
    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        return list(reversed(await super().translate(batch, pair)))


class ContextPaddingProvider(ListProvider):
    """Adds the previous text as context: the requests outgrow the declared limits."""

    def texts_to_send(self, batch: Sequence[Segment]) -> list[str]:
        return [*(s.text for s in batch), "context: " + "x" * 400]

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        assert self.client is not None
        response = await self.client.post(
            "https://list.test/translate",
            json={"source": pair.source, "target": pair.target, "texts": self.texts_to_send(batch)},
        )
        outputs = response.json()["translations"][: len(batch)]
        return [Translation(text) for text in outputs]


class LeakyProvider(ListProvider):
    def error_message(self, response: httpx.Response) -> str:
        return f"backend refused key {self.key}"


class MaskedLeakProvider(ListProvider):
    def error_message(self, response: httpx.Response) -> str:
        return f"backend refused key ...{(self.key or '')[-10:]}"


class IdentityLeakProvider(ListProvider):
    def identity(self) -> dict[str, Any]:
        return {**super().identity(), "auth": self.key}


class KeyInUrlProvider(ListProvider):
    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        assert self.client is not None
        response = await self.client.post(
            f"https://list.test/translate?key={self.key}",
            json={"texts": [s.text for s in batch]},
        )
        return [Translation(t) for t in response.json()["translations"]]


class EverythingTransientProvider(ListProvider):
    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        try:
            return await super().translate(batch, pair)
        except ProviderError as exc:
            raise TransientError(str(exc), status=exc.status) from exc


class IgnoresRetryAfterProvider(ListProvider):
    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        try:
            return await super().translate(batch, pair)
        except RateLimitError as exc:
            raise RateLimitError(str(exc)) from exc


class TrustingProvider(ListProvider):
    """Pads missing outputs instead of failing, and lets JSON errors escape."""

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        assert self.client is not None
        response = await self.client.post(
            "https://list.test/translate", json={"texts": [s.text for s in batch]}
        )
        outputs = list(response.json().get("translations", []))
        outputs += [""] * (len(batch) - len(outputs))
        return [Translation(t) for t in outputs]


class RawTransportErrorProvider(ListProvider):
    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        assert self.client is not None
        await self.client.post("https://list.test/translate", json={"texts": []})
        return []


class AnyPairProvider(ListProvider):
    def language_table(self) -> Mapping[str, str] | None:
        return None


def kit_for(provider_class: type[Provider]) -> ListConformance:
    kit = ListConformance()
    kit.provider_class = provider_class  # type: ignore[misc]
    return kit


def test_kit_catches_reordered_outputs() -> None:
    with pytest.raises(AssertionError, match="item 0"):
        kit_for(ReversingProvider).test_conformance_one_output_per_input_in_order()


def test_kit_catches_requests_beyond_limits() -> None:
    with pytest.raises(AssertionError, match=r"limits\.max_(batch|chars)"):
        kit_for(ContextPaddingProvider).test_conformance_one_output_per_input_in_order()


@pytest.mark.parametrize("provider_class", [LeakyProvider, MaskedLeakProvider])
def test_kit_catches_key_in_error_messages(provider_class: type[Provider]) -> None:
    with pytest.raises(AssertionError, match="the key"):
        kit_for(provider_class).test_conformance_error_mapping(Failure.AUTH)


def test_kit_catches_key_in_identity() -> None:
    with pytest.raises(AssertionError, match="the key"):
        kit_for(IdentityLeakProvider).test_conformance_no_secret_in_identity_or_repr()


def test_kit_catches_key_in_url() -> None:
    with pytest.raises(AssertionError, match="request URL"):
        kit_for(KeyInUrlProvider).test_conformance_one_output_per_input_in_order()


@pytest.mark.parametrize("failure", [Failure.AUTH, Failure.RATE_LIMIT])
def test_kit_catches_wrong_error_class(failure: Failure) -> None:
    with pytest.raises(AssertionError, match="expected"):
        kit_for(EverythingTransientProvider).test_conformance_error_mapping(failure)


def test_kit_catches_lost_retry_after() -> None:
    with pytest.raises(AssertionError, match="retry_after"):
        kit_for(IgnoresRetryAfterProvider).test_conformance_error_mapping(Failure.RATE_LIMIT)


@pytest.mark.parametrize("answer", ["not_json", "too_few_outputs"])
def test_kit_catches_unusable_answers_passed_on(answer: str) -> None:
    with pytest.raises((AssertionError, ValueError)):
        kit_for(TrustingProvider).test_conformance_unusable_answer_is_bad_response(answer)


def test_kit_catches_raw_transport_errors() -> None:
    with pytest.raises(httpx.ConnectError):
        kit_for(RawTransportErrorProvider).test_conformance_transport_failure_is_transient(
            "connect"
        )


def test_kit_catches_unchecked_language_pair() -> None:
    with pytest.raises(AssertionError, match="accepted the unsupported pair"):
        kit_for(AnyPairProvider).test_conformance_unsupported_pair_fails_before_any_request()


def test_leaked_secret_finds_pieces_and_nothing_else() -> None:
    assert leaked_secret(f"xx {FAKE_SECRET[5:14]} yy") == FAKE_SECRET[5:13]
    assert leaked_secret(f"set LIST_API_KEY, not {FAKE_SECRET[:7]}") is None
    assert leaked_secret("..." + FAKE_SECRET[-8:], ["other", FAKE_SECRET]) is not None


def test_the_documented_example_runs_and_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example in harness.testing's docstring is real code: run every check it defines."""
    import textwrap
    import types

    import harness.testing

    doc = harness.testing.__doc__ or ""
    start = doc.index("::\n\n    import json")
    end = doc.index("\nRun it with")
    source = textwrap.dedent(doc[start + 3 : end])
    plugin = types.ModuleType("my_plugin")
    plugin.MyProvider = ListProvider  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "my_plugin", plugin)
    namespace: dict[str, Any] = {}
    exec(compile(source, "harness.testing example", "exec"), namespace)
    kit = namespace["TestMyProviderConformance"]()
    checks = [name for name in dir(kit) if name.startswith("test_conformance_")]
    assert len(checks) >= 8
    kit.test_conformance_one_output_per_input_in_order()
    kit.test_conformance_largest_text_within_limits()
    kit.test_conformance_no_secret_in_identity_or_repr()
    kit.test_conformance_unsupported_pair_fails_before_any_request()
    for failure in Failure:
        kit.test_conformance_error_mapping(failure)
