"""Conformance kit: the checks every provider (first-party or plugin) must pass.

A plugin author subclasses :class:`ProviderConformance` in a test module, names
the provider class and the options to build it with, and teaches the kit the
backend's wire format through two small hooks: how to read the texts out of a
request and how to wrap translated texts into a success response. Optionally a
third hook maps the kit's failure kinds (bad key, rate limit, server error...)
onto the backend's own error statuses and bodies. The kit then runs the provider
against a fake backend behind :class:`httpx.MockTransport` (no sockets, no
network) and checks that

* every batch gets exactly one output per input, in order, for batch sizes from
  one up to ``limits.max_batch`` and texts up to ``limits.max_chars``, including
  non-ASCII scripts and tiny texts such as ``"."`` or a lone emoji;
* no request sent to the backend carries more texts or characters than the
  provider's own ``limits`` (counted at the transport);
* the backend's failures map onto the harness error tree: bad or refused key ->
  :class:`~harness.errors.AuthError`, rate limit -> :class:`~harness.errors.RateLimitError`
  with ``retry_after`` read from the response, server errors and connection
  failures -> :class:`~harness.errors.TransientError`, an answer that cannot be
  used (not JSON, wrong shape, too few outputs) -> :class:`~harness.errors.BadResponseError`;
* no secret (a recognisable fake key the kit hands in) appears in ``identity()``,
  ``repr()``, exception messages and their causes, ``Translation.detail``, or a
  request URL;
* an unsupported language pair fails in ``check_pair`` before any request;
* one provider instance serves concurrent ``translate`` calls without mixing them up.

The backend translates by a fixed rule (:meth:`ProviderConformance.fake_translate`),
so the kit knows which output belongs to which input. Only pytest itself is
needed: the checks are plain synchronous test methods that drive the async
provider with :func:`anyio.run`.

A complete example, for a backend that takes ``{"source", "target", "texts": [...]}``
and answers ``{"translations": [...]}``::

    import json
    from typing import Any, ClassVar

    import httpx

    from harness.models import LangPair
    from harness.testing import Failure, ProviderConformance
    from my_plugin import MyProvider


    class TestMyProviderConformance(ProviderConformance):
        provider_class = MyProvider
        options: ClassVar[dict[str, Any]] = {"base_url": "https://backend.test"}
        pair = LangPair("en", "de")
        unsupported_pair = LangPair("en", "qaa")

        def request_texts(self, request: httpx.Request) -> list[str]:
            return list(json.loads(request.content)["texts"])

        def success_response(self, request: httpx.Request, outputs: list[str]) -> httpx.Response:
            return httpx.Response(200, json={"translations": outputs})

        def failure_response(
            self, request: httpx.Request, failure: Failure
        ) -> httpx.Response | None:
            if failure is Failure.RATE_LIMIT:
                return httpx.Response(
                    429, headers={"Retry-After": str(self.retry_after)}, json={"error": "slow down"}
                )
            status = {Failure.AUTH: 401, Failure.FORBIDDEN: 403,
                      Failure.SERVER_ERROR: 500, Failure.UNAVAILABLE: 503}[failure]
            return httpx.Response(status, json={"error": failure.value})

Run it with ``pytest``: each check is a ``test_conformance_*`` method of the
subclass. A check that does not apply to a backend (say it has no 503 answer)
is skipped by returning ``None`` from ``failure_response`` for that kind.
Adapters that speak no HTTP (``uses_http = False``: command-line and in-process
engines) are outside this kit's reach, because it watches the transport; their kit
is :class:`LocalEngineConformance` (:mod:`harness.testing.local`), which runs the
real engine and holds it to its own answers.

The fake backend, the failure kinds and the secret scans live in
:mod:`harness.testing.backend` and are re-exported here.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import anyio
import httpx
import pytest

from harness.errors import (
    BadResponseError,
    ProviderError,
    RateLimitError,
    TransientError,
    UnsupportedLanguageError,
)
from harness.models import LangPair, Segment, Translation
from harness.provider import Provider
from harness.testing.backend import (
    EXPECTED_ERROR,
    FAKE_SECRET,
    SAMPLE_TEXTS,
    Failure,
    FakeBackend,
    RecordedRequest,
    exception_texts,
    leaked_secret,
)
from harness.testing.local import LocalEngineConformance

__all__ = [
    "FAKE_SECRET",
    "SAMPLE_TEXTS",
    "Failure",
    "FakeBackend",
    "LocalEngineConformance",
    "ProviderConformance",
    "RecordedRequest",
    "exception_texts",
    "leaked_secret",
]

T = TypeVar("T")


class ProviderConformance:
    """Base class of conformance tests; subclass it as ``Test...`` and fill in the hooks."""

    #: The adapter under test.
    provider_class: ClassVar[type[Provider]]
    #: Options to build it with (validated by ``provider_class.Options``).
    options: ClassVar[Mapping[str, Any]] = {}
    #: A direction the provider supports.
    pair: ClassVar[LangPair] = LangPair("en", "de")
    #: A direction it must refuse in ``check_pair``; ``qaa`` is reserved for private use.
    unsupported_pair: ClassVar[LangPair | None] = LangPair("en", "qaa")
    #: Seconds the fake backend asks to wait on a rate limit (use it in ``failure_response``).
    retry_after: ClassVar[float] = 7.0
    #: What ``RateLimitError.retry_after`` must be; ``None`` if the backend never says.
    expected_retry_after: ClassVar[float | None] = 7.0
    #: Some backends take the key as a query parameter (Google Basic); most must not.
    secret_in_url_allowed: ClassVar[bool] = False
    #: Upper bounds on the kit's biggest batch and text, to keep the run short.
    max_batch_tested: ClassVar[int] = 1000
    max_chars_tested: ClassVar[int] = 100_000

    # -- hooks the author implements ---------------------------------------------------

    def request_texts(self, request: httpx.Request) -> list[str]:
        """The source texts one request carries, in order (parse the backend's wire format)."""
        raise NotImplementedError("implement request_texts() for your backend's request format")

    def success_response(self, request: httpx.Request, outputs: list[str]) -> httpx.Response:
        """The backend's success answer carrying ``outputs`` (one per text, in order)."""
        raise NotImplementedError("implement success_response() for your backend's answers")

    def failure_response(self, request: httpx.Request, failure: Failure) -> httpx.Response | None:
        """The backend's answer for ``failure``; ``None`` skips that check.

        The default speaks plain HTTP: 401, 403, 429 with ``Retry-After``, 500, 503.
        """
        if failure is Failure.RATE_LIMIT:
            return httpx.Response(
                429, headers={"Retry-After": f"{self.retry_after:g}"}, json={"error": "rate"}
            )
        status = {
            Failure.AUTH: 401,
            Failure.FORBIDDEN: 403,
            Failure.SERVER_ERROR: 500,
            Failure.UNAVAILABLE: 503,
        }[failure]
        return httpx.Response(status, json={"error": failure.value})

    # -- hooks with defaults -------------------------------------------------------------

    def secrets(self) -> dict[str, str]:
        """Every credential variable of the provider, set to a recognisable fake key."""
        return {
            cred.env: f"{FAKE_SECRET}{index:02d}"
            for index, cred in enumerate(self.provider_class.credentials)
        }

    def _leak(self, text: str) -> str | None:
        return leaked_secret(text, [FAKE_SECRET, *self.secrets().values()])

    def make_provider(self, client: httpx.AsyncClient, secrets: Mapping[str, str]) -> Provider:
        """Build the provider as the core would: validated options, client and secrets."""
        options = self.provider_class.Options(**self.options)
        return self.provider_class(options, client=client, secrets=secrets)

    def fake_translate(self, text: str, pair: LangPair) -> str:
        """The fake backend's deterministic "translation": tagged with the target language."""
        return f"{pair.target.upper()}·{text}"

    # -- machinery -----------------------------------------------------------------------

    def _run(
        self,
        work: Callable[[Provider, FakeBackend], Awaitable[T]],
        *,
        pair: LangPair | None = None,
    ) -> tuple[T, FakeBackend]:
        backend = FakeBackend(self, pair or self.pair)

        async def main() -> T:
            async with httpx.AsyncClient(transport=httpx.MockTransport(backend)) as client:
                provider = self.make_provider(client, self.secrets())
                try:
                    return await work(provider, backend)
                finally:
                    await provider.aclose()

        return anyio.run(main), backend

    def _assert_within_limits(self, provider: Provider, backend: FakeBackend) -> None:
        limits = provider.limits
        for number, recorded in enumerate(backend.requests, start=1):
            chars = sum(len(text) for text in recorded.texts)
            assert len(recorded.texts) <= limits.max_batch, (
                f"request {number} carried {len(recorded.texts)} texts; "
                f"limits.max_batch is {limits.max_batch}"
            )
            assert chars <= limits.max_chars, (
                f"request {number} carried {chars} characters; "
                f"limits.max_chars is {limits.max_chars}"
            )
            url = str(recorded.request.url)
            if not self.secret_in_url_allowed:
                assert self._leak(url) is None, f"the key appears in the request URL: {url}"

    def _check_outputs(
        self, batch: Sequence[Segment], result: Sequence[Translation], pair: LangPair
    ) -> None:
        assert isinstance(result, list), f"translate() returned {type(result).__name__}, not list"
        assert len(result) == len(batch), (
            f"{len(batch)} segments in, {len(result)} translations out"
        )
        for index, (segment, translation) in enumerate(zip(batch, result, strict=True)):
            assert isinstance(translation, Translation), (
                f"item {index} is a {type(translation).__name__}, not a Translation"
            )
            expected = self.fake_translate(segment.text, pair)
            assert translation.text == expected, (
                f"item {index} ({segment.id}): expected {expected!r}, got {translation.text!r}"
            )
            detail = json.dumps(translation.detail, default=str, ensure_ascii=False)
            assert self._leak(detail) is None, f"item {index}: the key appears in detail"

    def _batches(self, provider: Provider) -> list[list[Segment]]:
        """Batches of sizes 1, 2, 3 and the maximum, within both limits."""
        limits = provider.limits
        batches: list[list[Segment]] = []
        counter = 0
        for size in sorted({1, 2, 3, min(limits.max_batch, self.max_batch_tested)}):
            if size > limits.max_batch:
                continue
            batch: list[Segment] = []
            chars = 0
            while len(batch) < size:
                sample = SAMPLE_TEXTS[counter % len(SAMPLE_TEXTS)]
                # Past the first round the texts get a number, so they stay distinct.
                text = sample if counter < len(SAMPLE_TEXTS) else f"{counter}. {sample}"
                if chars + len(text) > limits.max_chars:
                    break
                batch.append(Segment(f"s{counter:04d}", text))
                chars += len(text)
                counter += 1
            if batch:
                batches.append(batch)
        # The rest of the samples, so every script goes through at least once.
        for sample_index in range(counter, len(SAMPLE_TEXTS)):
            batches.append([Segment(f"s{sample_index:04d}", SAMPLE_TEXTS[sample_index])])
        return batches

    def _expect_error(
        self, behaviour: Callable[[httpx.Request, list[str]], httpx.Response]
    ) -> tuple[ProviderError, FakeBackend]:
        batch = [Segment("s0001", SAMPLE_TEXTS[0])]

        async def work(provider: Provider, backend: FakeBackend) -> ProviderError:
            backend.behaviour = behaviour
            try:
                await provider.translate(batch, self.pair)
            except ProviderError as exc:
                return exc
            raise AssertionError("translate() returned normally on a failed request")

        exc, backend = self._run(work)
        assert backend.requests, "the provider raised without sending a request"
        for text in exception_texts(exc):
            piece = self._leak(text)
            assert piece is None, f"the key ({piece!r}...) appears in an error: {text}"
        assert str(exc).strip(), f"{type(exc).__name__} has an empty message"
        return exc, backend

    # -- the checks ----------------------------------------------------------------------

    def test_conformance_one_output_per_input_in_order(self) -> None:
        async def work(provider: Provider, backend: FakeBackend) -> None:
            for batch in self._batches(provider):
                result = await provider.translate(batch, self.pair)
                self._check_outputs(batch, result, self.pair)
            self._assert_within_limits(provider, backend)

        _, backend = self._run(work)
        assert backend.requests, "the provider translated without sending any request"

    def test_conformance_largest_text_within_limits(self) -> None:
        async def work(provider: Provider, backend: FakeBackend) -> None:
            limit = min(provider.limits.max_chars, self.max_chars_tested)
            words = " ".join(f"w{n}" for n in range(limit))[:limit].rstrip()
            batch = [Segment("s-big", words)]
            result = await provider.translate(batch, self.pair)
            self._check_outputs(batch, result, self.pair)
            self._assert_within_limits(provider, backend)

        self._run(work)

    def test_conformance_concurrent_calls_stay_apart(self) -> None:
        async def work(provider: Provider, backend: FakeBackend) -> None:
            results: dict[int, list[Translation]] = {}
            batches = [[Segment(f"c{n}", text)] for n, text in enumerate(SAMPLE_TEXTS[:6])]

            async def one(index: int) -> None:
                results[index] = await provider.translate(batches[index], self.pair)

            async with anyio.create_task_group() as group:
                for index in range(len(batches)):
                    group.start_soon(one, index)
            for index, batch in enumerate(batches):
                self._check_outputs(batch, results[index], self.pair)

        self._run(work)

    @pytest.mark.parametrize("failure", list(Failure), ids=lambda f: f.value)
    def test_conformance_error_mapping(self, failure: Failure) -> None:
        probe = httpx.Request("POST", "https://backend.test/")
        if self.failure_response(probe, failure) is None:
            pytest.skip(f"{failure.value} does not apply to this backend")

        def behaviour(request: httpx.Request, texts: list[str]) -> httpx.Response:
            response = self.failure_response(request, failure)
            assert response is not None
            return response

        exc, backend = self._expect_error(behaviour)
        expected = EXPECTED_ERROR[failure]
        assert isinstance(exc, expected), (
            f"{failure.value}: expected {expected.__name__}, got {type(exc).__name__}: {exc}"
        )
        answer = self.failure_response(backend.requests[-1].request, failure)
        assert answer is not None
        assert exc.status == answer.status_code, (
            f"{failure.value}: error.status is {exc.status}, "
            f"the backend answered {answer.status_code}"
        )
        if failure is Failure.RATE_LIMIT and self.expected_retry_after is not None:
            assert isinstance(exc, RateLimitError)
            assert exc.retry_after == pytest.approx(self.expected_retry_after), (
                f"retry_after is {exc.retry_after}, the backend said {self.expected_retry_after}"
            )

    @pytest.mark.parametrize("answer", ["not_json", "wrong_shape", "too_few_outputs"])
    def test_conformance_unusable_answer_is_bad_response(self, answer: str) -> None:
        def behaviour(request: httpx.Request, texts: list[str]) -> httpx.Response:
            if answer == "not_json":
                return httpx.Response(
                    200, headers={"content-type": "text/html"}, text="<html>gateway</html>"
                )
            if answer == "wrong_shape":
                return httpx.Response(200, json={"unexpected": [1, 2, 3]})
            outputs = [self.fake_translate(text, self.pair) for text in texts]
            return self.success_response(request, outputs[:-1])

        exc, _ = self._expect_error(behaviour)
        assert isinstance(exc, BadResponseError), (
            f"{answer}: expected BadResponseError, got {type(exc).__name__}: {exc}"
        )

    @pytest.mark.parametrize("cause", ["connect", "timeout"])
    def test_conformance_transport_failure_is_transient(self, cause: str) -> None:
        def behaviour(request: httpx.Request, texts: list[str]) -> httpx.Response:
            if cause == "connect":
                raise httpx.ConnectError("connection refused", request=request)
            raise httpx.ReadTimeout("timed out", request=request)

        exc, _ = self._expect_error(behaviour)
        assert isinstance(exc, TransientError), (
            f"{cause}: expected TransientError, got {type(exc).__name__}: {exc}"
        )

    def test_conformance_no_secret_in_identity_or_repr(self) -> None:
        async def work(provider: Provider, backend: FakeBackend) -> list[str]:
            identity = provider.identity()
            return [json.dumps(identity, ensure_ascii=False), repr(provider), str(provider)]

        texts, backend = self._run(work)
        for text in texts:
            piece = self._leak(text)
            assert piece is None, f"the key ({piece!r}...) appears in: {text}"
        assert not backend.requests, "identity() or repr() sent a request"

    def test_conformance_unsupported_pair_fails_before_any_request(self) -> None:
        unsupported = self.unsupported_pair
        if unsupported is None:
            pytest.skip("the provider declares no unsupported language pair")

        async def work(provider: Provider, backend: FakeBackend) -> UnsupportedLanguageError:
            provider.check_pair(self.pair)
            try:
                provider.check_pair(unsupported)
            except UnsupportedLanguageError as exc:
                return exc
            raise AssertionError(f"check_pair accepted the unsupported pair {unsupported}")

        exc, backend = self._run(work, pair=unsupported)
        assert not backend.requests, "check_pair sent a request"
        assert unsupported.target in str(exc) or unsupported.source in str(exc), (
            f"the error does not name the language: {exc}"
        )
