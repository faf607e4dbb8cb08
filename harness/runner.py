"""Send every segment of every article, variant and target language through a provider.

The runner owns what adapters must not do themselves: batching within the
provider's limits, splitting over-long segments, concurrency, rate limits,
timeouts and retries with backoff. Each finished segment becomes one run-file
line at once; a failed segment is recorded with its error and the run goes on,
except for fatal errors (a refused key, an exhausted quota), which stop the run
without a footer so that ``--resume`` can continue it once the cause is fixed.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.config import RunSettings
from harness.errors import BadResponseError, HarnessError, ProviderError, TransientError
from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import Provider
from harness.references import Article, ArticleSegment
from harness.runfile import RunWriter, segment_key
from harness.splitting import join_pieces, split_text

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One segment of one article variant, to be translated into one language."""

    article: str
    segment: ArticleSegment
    index: int
    variant: str
    source_lang: str
    target_lang: str

    @property
    def key(self) -> str:
        return segment_key(self.article, self.segment.id, self.variant, self.target_lang)

    @property
    def text(self) -> str:
        return self.segment.text(self.variant)


def plan_items(
    articles: Sequence[Article], variants: Sequence[str], targets: Sequence[str],
    source_lang: str,
) -> list[WorkItem]:
    """Every (article, target, variant, segment) in a stable order."""
    return [
        WorkItem(article.id, seg, index, variant, source_lang, target)
        for article in articles
        for target in targets
        for variant in variants
        for index, seg in enumerate(article.segments)
    ]


@dataclass
class RunCounts:
    segments: int = 0
    ok: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"segments": self.segments, "ok": self.ok, "errors": self.errors}


class RunStoppedError(HarnessError):
    """A fatal provider error stopped the run; finished segments are saved."""


@dataclass
class _Batch:
    items: list[WorkItem]
    pieces: list[list[str]] = field(default_factory=list)  # per item, its text pieces


class Backoff:
    """Exponential backoff with full jitter, capped; ``retry_after`` from the backend wins."""

    def __init__(self, base: float = 0.5, cap: float = 30.0, rng: random.Random | None = None):
        self.base, self.cap = base, cap
        self.rng = rng or random.Random()

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, 600.0)
        return self.rng.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))


class RateLimiter:
    """Spaces request starts at least ``1/rate`` seconds apart (None: no limit)."""

    def __init__(self, rate: float | None, clock: Clock, sleep: Sleep) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.clock, self.sleep = clock, sleep
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        if not self.interval:
            return
        async with self._lock:
            now = self.clock()
            wait = self._next - now
            self._next = max(now, self._next) + self.interval
        if wait > 0:
            await self.sleep(wait)


class Runner:
    """Runs work items through one provider and writes each result as it completes."""

    def __init__(
        self,
        provider: Provider,
        settings: RunSettings,
        writer: RunWriter,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        backoff: Backoff | None = None,
        on_record: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.provider = provider
        self.settings = settings
        self.writer = writer
        self.sleep, self.clock = sleep, clock
        self.backoff = backoff or Backoff()
        self.limiter = RateLimiter(settings.rate_limit, clock, sleep)
        self.on_record = on_record
        self.counts = RunCounts()
        self.engines: set[str] = set()
        self._fatal: ProviderError | None = None

    # -- batching ------------------------------------------------------------------

    def batches(self, items: Iterable[WorkItem]) -> Iterator[_Batch]:
        """Group consecutive items of one language pair within the provider's limits."""
        limits = self.provider.limits
        current: _Batch | None = None
        size = 0
        for item in items:
            pieces = split_text(item.text, limits.max_chars)
            if len(pieces) > 1:
                # A long segment travels alone; its pieces are batched by _translate_batch.
                yield _Batch([item], [pieces])
                continue
            length = len(item.text)
            fits = (
                current is not None
                and current.items[0].target_lang == item.target_lang
                and current.items[0].source_lang == item.source_lang
                and len(current.items) < limits.max_batch
                and size + length <= limits.max_chars
            )
            if not fits:
                if current is not None:
                    yield current
                current, size = _Batch([], []), 0
            assert current is not None
            current.items.append(item)
            current.pieces.append(pieces)
            size += length
        if current is not None and current.items:
            yield current

    # -- running -------------------------------------------------------------------

    async def run(self, items: Iterable[WorkItem]) -> RunCounts:
        queue = iter(self.batches(items))
        workers = [asyncio.create_task(self._worker(queue))
                   for _ in range(max(1, self.settings.concurrency))]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
        if self._fatal is not None:
            raise RunStoppedError(
                f"{self.provider.name}: {self._fatal} — the run stopped; "
                "fix the cause and resume it"
            ) from self._fatal
        return self.counts

    async def _worker(self, queue: Iterator[_Batch]) -> None:
        for batch in queue:  # a shared iterator: each batch goes to exactly one worker
            if self._fatal is not None:
                return
            await self._process(batch)

    async def _process(self, batch: _Batch) -> None:
        started = self.clock()
        attempts = 0
        outputs: list[Translation] | None = None
        error: BaseException | None = None
        while True:
            attempts += 1
            try:
                outputs = await self._translate_batch(batch)
                error = None
                break
            except ProviderError as exc:
                error = exc
                if exc.fatal:
                    self._fatal = exc
                    return
                if not exc.retryable or attempts >= self.settings.max_attempts:
                    break
                retry_after = getattr(exc, "retry_after", None)
                await self.sleep(self.backoff.delay(attempts, retry_after))
            except Exception as exc:  # a bug in an adapter fails its segments, not the run
                error = exc
                break
        latency_ms = round((self.clock() - started) * 1000 / max(1, len(batch.items)), 3)
        for position, item in enumerate(batch.items):
            translation = outputs[position] if outputs is not None else None
            self._emit(item, translation, error, attempts, latency_ms)

    async def _translate_batch(self, batch: _Batch) -> list[Translation]:
        pair = LangPair(batch.items[0].source_lang, batch.items[0].target_lang)
        if len(batch.items) == 1 and len(batch.pieces[0]) > 1:
            return [await self._translate_pieces(batch.items[0], batch.pieces[0], pair)]
        segments = [Segment(item.key, item.text) for item in batch.items]
        return await self._call(segments, pair)

    async def _translate_pieces(self, item: WorkItem, pieces: list[str],
                                pair: LangPair) -> Translation:
        limits = self.provider.limits
        translated: list[Translation] = []
        group: list[Segment] = []
        size = 0
        for number, piece in enumerate(pieces):
            if group and (len(group) >= limits.max_batch or size + len(piece) > limits.max_chars):
                translated.extend(await self._call(group, pair))
                group, size = [], 0
            group.append(Segment(f"{item.key}#{number}", piece))
            size += len(piece)
        if group:
            translated.extend(await self._call(group, pair))
        usage = _sum_usage(translated)
        flags = tuple(sorted({flag for t in translated for flag in t.flags} | {"split"}))
        return Translation(
            join_pieces([t.text for t in translated], pair.target), usage,
            translated[0].engine if translated else None, flags,
            {"pieces": len(pieces)},
        )

    async def _call(self, segments: list[Segment], pair: LangPair) -> list[Translation]:
        await self.limiter.acquire()
        try:
            async with asyncio.timeout(self.settings.timeout):
                result = await self.provider.translate(segments, pair)
        except TimeoutError as exc:
            raise TransientError(f"no answer within {self.settings.timeout:g} s") from exc
        if len(result) != len(segments):
            raise BadResponseError(
                f"{self.provider.name} returned {len(result)} translations "
                f"for {len(segments)} segments"
            )
        return result

    def _emit(self, item: WorkItem, translation: Translation | None,
              error: BaseException | None, attempts: int, latency_ms: float) -> None:
        record: dict[str, Any] = {
            "id": item.key,
            "article": item.article,
            "segment": item.segment.id,
            "variant": item.variant,
            "index": item.index,
            "source_lang": item.source_lang,
            "target_lang": item.target_lang,
            "source": item.text,
            "output": translation.text if translation is not None else None,
            "error": _error_record(error) if translation is None and error is not None else None,
            "attempts": attempts,
            "latency_ms": latency_ms,
            "cached": False,
            "usage": translation.usage.as_dict() if translation is not None else {},
            "engine": translation.engine if translation is not None else None,
            "flags": list(translation.flags) if translation is not None else [],
        }
        if translation is not None and translation.engine:
            self.engines.add(translation.engine)
        self.counts.segments += 1
        if record["error"] is None:
            self.counts.ok += 1
        else:
            self.counts.errors += 1
        self.writer.segment(record)
        if self.on_record is not None:
            self.on_record(record)


def _sum_usage(translations: Sequence[Translation]) -> Usage:
    def total(attr: str) -> int | None:
        values = [v for t in translations if (v := getattr(t.usage, attr)) is not None]
        return sum(values) if values else None

    return Usage(total("characters"), total("input_tokens"), total("output_tokens"))


def _error_record(error: BaseException) -> dict[str, Any]:
    return {
        "type": type(error).__name__,
        "message": str(error) or type(error).__name__,
        "status": getattr(error, "status", None),
    }
