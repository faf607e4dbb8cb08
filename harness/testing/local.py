"""Conformance kit for local engines: adapters that speak no HTTP (``uses_http = False``).

:class:`~harness.testing.ProviderConformance` watches requests at the HTTP
transport, which an in-process or command-line engine never makes. This kit runs
the real engine instead, so it cannot know the right translation of a text; it
holds the engine to its own answers. For a deterministic engine, the output for a
text must not depend on the batch it travels in, on its neighbours, or on other
calls running at the same time. It checks that

* every batch gets exactly one :class:`~harness.models.Translation` per segment, in
  order, equal to what the engine answers for that text alone, for batch sizes from
  one up to ``limits.max_batch`` and for the kit's sample texts (several scripts,
  ``"."``, a lone emoji);
* the largest text within ``limits.max_chars`` comes back as one translation;
* concurrent ``translate`` calls on one instance stay apart;
* the work runs off the event loop: other tasks keep running while a batch is
  translated (a blocking engine call inside ``translate`` starves them);
* an unsupported pair fails in ``check_pair`` (naming the language) and ``translate``
  refuses it with :class:`~harness.errors.UnsupportedLanguageError`;
* ``identity()`` is JSON, names the adapter and its version, and is the same for two
  instances built alike (run-file headers and comparisons rely on it).

Subclass it as ``Test...`` with ``provider_class``, ``options``, ``pair`` and
``unsupported_pair``; pytest runs each ``test_conformance_*`` method.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import anyio
import pytest

from harness.errors import UnsupportedLanguageError
from harness.models import LangPair, Segment, Translation
from harness.provider import Provider
from harness.testing.backend import SAMPLE_TEXTS

T = TypeVar("T")


class LocalEngineConformance:
    """Base class of conformance tests for local engines; subclass it as ``Test...``."""

    provider_class: ClassVar[type[Provider]]
    options: ClassVar[Mapping[str, Any]] = {}
    pair: ClassVar[LangPair] = LangPair("en", "de")
    #: A direction the engine must refuse; ``qaa`` is reserved for private use.
    unsupported_pair: ClassVar[LangPair | None] = LangPair("en", "qaa")
    #: Upper bounds on the biggest batch and text, to keep a real engine's run short.
    max_batch_tested: ClassVar[int] = 16
    max_chars_tested: ClassVar[int] = 2_000

    def make_provider(self) -> Provider:
        """Build the provider as the core builds a local engine: options, no client."""
        return self.provider_class(self.provider_class.Options(**self.options))

    def _run(self, work: Callable[[Provider], Awaitable[T]]) -> T:
        async def main() -> T:
            provider = self.make_provider()
            try:
                await provider.prepare()
                return await work(provider)
            finally:
                await provider.aclose()

        return anyio.run(main)

    def _batches(self, provider: Provider) -> list[list[Segment]]:
        """Batches of 1, 2, 3 and the most segments, then every sample text at least once."""
        limits = provider.limits
        batches: list[list[Segment]] = []
        counter = 0
        for size in sorted({1, 2, 3, min(limits.max_batch, self.max_batch_tested)}):
            batch: list[Segment] = []
            chars = 0
            while len(batch) < size:
                sample = SAMPLE_TEXTS[counter % len(SAMPLE_TEXTS)]
                text = sample if counter < len(SAMPLE_TEXTS) else f"{counter}. {sample}"
                if chars + len(text) > limits.max_chars:
                    break
                batch.append(Segment(f"s{counter:04d}", text))
                chars += len(text)
                counter += 1
            if batch:
                batches.append(batch)
        for index in range(counter, len(SAMPLE_TEXTS)):
            batches.append([Segment(f"s{index:04d}", SAMPLE_TEXTS[index])])
        return batches

    @staticmethod
    def _check_shape(batch: Sequence[Segment], result: object) -> list[Translation]:
        assert isinstance(result, list), f"translate() returned {type(result).__name__}, not list"
        assert len(result) == len(batch), f"{len(batch)} segments in, {len(result)} out"
        for index, translation in enumerate(result):
            assert isinstance(translation, Translation), (
                f"item {index} is a {type(translation).__name__}, not a Translation"
            )
            assert isinstance(translation.text, str), f"item {index}: text is not a string"
        return result

    # -- the checks ----------------------------------------------------------------------

    def test_conformance_one_output_per_input_in_order(self) -> None:
        async def work(provider: Provider) -> None:
            for batch in self._batches(provider):
                together = self._check_shape(batch, await provider.translate(batch, self.pair))
                for segment, translation in zip(batch, together, strict=True):
                    alone = await provider.translate([segment], self.pair)
                    assert translation.text == alone[0].text, (
                        f"{segment.id} in a batch of {len(batch)}: {translation.text!r}; "
                        f"alone: {alone[0].text!r} (outputs swapped or mixed?)"
                    )

        self._run(work)

    def test_conformance_largest_text_within_limits(self) -> None:
        async def work(provider: Provider) -> None:
            limit = min(provider.limits.max_chars, self.max_chars_tested)
            sentence = "The 14 delegates met in Lisbon on 20 May and agreed on a new budget. "
            text = (sentence * (limit // len(sentence) + 1))[:limit].rstrip()
            batch = [Segment("s-big", text)]
            result = self._check_shape(batch, await provider.translate(batch, self.pair))
            assert result[0].text.strip(), "the largest text came back empty"

        self._run(work)

    def test_conformance_concurrent_calls_stay_apart(self) -> None:
        async def work(provider: Provider) -> None:
            batches = [[Segment(f"c{n}", text)] for n, text in enumerate(SAMPLE_TEXTS[:6])]
            alone = [(await provider.translate(batch, self.pair))[0].text for batch in batches]
            results: dict[int, list[Translation]] = {}

            async def one(index: int) -> None:
                results[index] = await provider.translate(batches[index], self.pair)

            async with anyio.create_task_group() as group:
                for index in range(len(batches)):
                    group.start_soon(one, index)
            for index, batch in enumerate(batches):
                got = self._check_shape(batch, results[index])[0].text
                assert got == alone[index], (
                    f"{batch[0].id} concurrently: {got!r}; alone: {alone[index]!r}"
                )

        self._run(work)

    def test_conformance_work_stays_off_the_event_loop(self) -> None:
        async def work(provider: Provider) -> int:
            batch = [Segment(f"t{n}", text) for n, text in enumerate(SAMPLE_TEXTS[:3])]
            await provider.translate(batch[:1], self.pair)  # a first load may happen here
            ticks = 0
            running = True

            async def ticker() -> None:
                nonlocal ticks
                while running:
                    ticks += 1
                    await anyio.sleep(0)

            async with anyio.create_task_group() as group:
                group.start_soon(ticker)
                await anyio.sleep(0)  # let the ticker start
                before = ticks
                self._check_shape(batch, await provider.translate(batch, self.pair))
                during = ticks - before
                running = False
            return during

        during = self._run(work)
        assert during > 0, "translate() blocked the event loop: no other task ran meanwhile"

    def test_conformance_unsupported_pair_is_refused(self) -> None:
        unsupported = self.unsupported_pair
        if unsupported is None:
            pytest.skip("the provider declares no unsupported language pair")

        async def work(provider: Provider) -> tuple[UnsupportedLanguageError, BaseException]:
            provider.check_pair(self.pair)
            try:
                provider.check_pair(unsupported)
            except UnsupportedLanguageError as exc:
                refused = exc
            else:
                raise AssertionError(f"check_pair accepted the unsupported pair {unsupported}")
            try:
                await provider.translate([Segment("u1", SAMPLE_TEXTS[0])], unsupported)
            except Exception as exc:  # any kind, checked below
                return refused, exc
            raise AssertionError(f"translate() accepted the unsupported pair {unsupported}")

        refused, raised = self._run(work)
        assert unsupported.target in str(refused) or unsupported.source in str(refused), (
            f"the error does not name the language: {refused}"
        )
        assert isinstance(raised, UnsupportedLanguageError), (
            f"translate() raised {type(raised).__name__}, not UnsupportedLanguageError: {raised}"
        )

    def test_conformance_identity_is_json_and_stable(self) -> None:
        async def identity(provider: Provider) -> dict[str, Any]:
            return provider.identity()

        first, second = self._run(identity), self._run(identity)
        text = json.dumps(first, sort_keys=True)
        assert first.get("adapter") == self.provider_class.name, text
        assert first.get("adapter_version"), f"identity() has no adapter_version: {text}"
        assert text == json.dumps(second, sort_keys=True), "identity() differs between instances"
