"""Send work items through a provider and write each finished segment as one run-file line.

The runner owns what adapters must not do themselves: batching within the
provider's limits, splitting over-long segments, the cache, concurrency and
rate limits that adapt to 429s (:mod:`harness.run.pacing`), per-request timeouts
and retries with backoff. A failed segment is recorded with its error and the
run goes on. A fatal error (a refused key, an exhausted quota) stops the run:
requests in flight finish and are written, nothing new is sent, and no footer
is written, so ``--resume`` continues once the cause is fixed. :meth:`Runner.stop`
(the first Ctrl-C) does the same without an error. Segments whose requests were
abandoned get no line at all: a missing line means "not done yet", never "lost".
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from harness.errors import (
    BadResponseError,
    HarnessError,
    ProviderError,
    RateLimitError,
    TransientError,
    WaitTooLongError,
    scrub_message,
)
from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import Provider
from harness.run.batching import Batch, make_batches, piece_groups
from harness.run.cache import RequestKeys, TranslationCache, decode_value
from harness.run.cache_hits import HitLines
from harness.run.config import RunSettings
from harness.run.pacing import Backoff, Clock, Pacing, Sleep
from harness.run.plan import WorkItem, plan_items, segment_key
from harness.run.splitting import join_pieces
from harness.run.truncation import SUSPECT_TRUNCATION, TruncationRule, default_rule
from harness.runfile import (
    RunCounts,
    RunWriter,
    SegmentError,
    SegmentRecord,
    Tally,
    dump_record,
)

__all__ = ["RunCounts", "RunStoppedError", "Runner", "WorkItem", "plan_items", "segment_key"]


#: Work items looked up in the cache at once: the cache sorts the keys of one lookup, and
#: SQLite finds many sorted keys faster than the same keys a few hundred at a time.
_LOOKUP_CHUNK = 5000


class RunStoppedError(HarnessError):
    """A fatal provider error stopped the run; finished segments are saved."""

    def __init__(self, message: str, cause: ProviderError) -> None:
        super().__init__(message)
        self.cause = cause


class _Abandoned(Exception):  # noqa: N818 - internal marker, never raised to callers
    """The run is stopping: this request was not (fully) answered and gets no line."""


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
        on_record: Callable[[SegmentRecord], None] | None = None,
        on_progress: Callable[[int], None] | None = None,
        cache: TranslationCache | None = None,
        truncation: TruncationRule | None = None,
        tally: Tally | None = None,
    ) -> None:
        self.provider = provider
        self.settings = settings
        self.writer = writer
        self.sleep, self.clock = sleep, clock
        self.backoff = backoff or Backoff()
        self.pacing = Pacing(settings.concurrency, settings.rate_limit, clock=clock, sleep=sleep)
        # on_record gets a record per segment (cache hits then take the general path);
        # on_progress only the number of segments of each write, which costs a hit nothing.
        self.on_record = on_record
        self.on_progress = on_progress
        # Local engines (no HTTP, or an engine server such as APy) are cheap and their
        # installed version can change under the same options: only hosted backends are cached.
        self.cache = cache if provider.uses_http and provider.cache_outputs else None
        self.truncation = truncation or default_rule()
        # Counts of the whole file: a resumed run's tally already holds the earlier lines.
        self.tally = tally if tally is not None else Tally()
        self.requests = 0
        #: Segments served from the cache.
        self.cached = 0
        self._keys = RequestKeys(provider.identity())
        self._hit_lines = HitLines(self.truncation)
        self._fatal: ProviderError | None = None
        self._stopping = False

    # -- control -------------------------------------------------------------------

    def stop(self) -> None:
        """Send nothing new; requests in flight finish and are written."""
        self._stopping = True

    @property
    def stopped(self) -> bool:
        """True when the run ended early (stop() or a fatal error): no footer is due."""
        return self._stopping or self._fatal is not None

    # -- running -------------------------------------------------------------------

    async def run(self, items: Iterable[WorkItem]) -> RunCounts:
        queue = make_batches(self._not_cached(items), self.provider.limits)
        workers = [
            asyncio.create_task(self._worker(queue)) for _ in range(self.pacing.max_concurrency)
        ]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            if self.cache is not None:
                self.cache.flush()
        if self._fatal is not None:
            message = self._scrub(str(self._fatal))
            if not message.startswith(f"{self.provider.name}:"):  # adapters often name themselves
                message = f"{self.provider.name}: {message}"
            raise RunStoppedError(message, self._fatal) from self._fatal
        return self.tally.counts

    def _not_cached(self, items: Iterable[WorkItem]) -> Iterator[WorkItem]:
        """Write cache hits at once; yield the items that must be sent."""
        cache = self.cache
        if cache is None:
            yield from items
            return
        chunk: list[WorkItem] = []
        for item in items:
            chunk.append(item)
            if len(chunk) >= _LOOKUP_CHUNK:
                yield from self._serve_cached(cache, chunk)
                chunk = []
        yield from self._serve_cached(cache, chunk)

    def _serve_cached(self, cache: TranslationCache, items: list[WorkItem]) -> list[WorkItem]:
        """Write the hits among ``items`` (one lookup, one write); return the misses."""
        request_keys = self._keys
        keys = [request_keys(item.source_lang, item.target_lang, item.text) for item in items]
        found = cache.values(keys)
        if not found:
            return items
        misses: list[WorkItem] = []
        lines: list[str] = []
        records: list[SegmentRecord] = []  # the hits that took the general path
        by_target: dict[str, int] = {}
        engines: set[str] = set()
        # on_record wants a record per segment: then every hit takes the general path.
        fast = self._hit_lines if self.on_record is None else None
        for item, key in zip(items, keys, strict=True):
            raw = found.get(key)
            if raw is None:
                misses.append(item)
                continue
            hit = fast.line(item, raw) if fast is not None else None
            if hit is not None:
                line, engine = hit
                lines.append(line)
                target = item.target_lang
                by_target[target] = by_target.get(target, 0) + 1
                if engine:
                    engines.add(engine)
            else:
                record = self._record(item, decode_value(raw), None, 0, 0.0, cached=True)
                records.append(record)
                lines.append(dump_record(record) + "\n")
        self.writer.lines(lines)
        self.tally.add_ok(by_target, engines)
        self.cached += len(lines) - len(records)
        self._count(records)
        if self.on_progress is not None:
            self.on_progress(len(lines))
        return misses

    def _cache_key(self, item: WorkItem) -> str:
        return self._keys(item.source_lang, item.target_lang, item.text)

    async def _worker(self, queue: Iterator[Batch]) -> None:
        for batch in queue:  # a shared iterator: each batch goes to exactly one worker
            if self.stopped:
                return
            await self._process(batch)

    async def _process(self, batch: Batch) -> None:
        first = batch.items[0]
        pair = LangPair(first.source_lang, first.target_lang)
        error: BaseException | None = None
        outputs: list[Translation] | None = None
        if batch.split:
            try:
                joined, attempts, seconds = await self._send_pieces(first, batch.pieces[0], pair)
                outputs = [joined]
            except _Abandoned:
                return
            except _Failed as failed:
                error, attempts, seconds = failed.error, failed.attempts, failed.seconds
        else:
            segments = [Segment(item.key, item.text) for item in batch.items]
            try:
                outputs, attempts, seconds = await self._send(segments, pair)
            except _Abandoned:
                return
            except _Failed as failed:
                error, attempts, seconds = failed.error, failed.attempts, failed.seconds
        # The backend's time only: pacing, backoff and Retry-After waits are the harness's.
        latency_ms = round(seconds * 1000 / len(batch.items), 3)
        self._write(
            [
                self._record(
                    item,
                    outputs[position] if outputs is not None else None,
                    error,
                    attempts,
                    latency_ms,
                )
                for position, item in enumerate(batch.items)
            ]
        )

    async def _send_pieces(
        self, item: WorkItem, pieces: list[str], pair: LangPair
    ) -> tuple[Translation, int, float]:
        translated: list[Translation] = []
        attempts, seconds = 0, 0.0
        for group in piece_groups(pieces, self.provider.limits):
            segments = [Segment(f"{item.key}#{n}", pieces[n]) for n in group]
            try:
                result, used, took = await self._send(segments, pair)
            except _Failed as failed:
                failed.attempts += attempts
                failed.seconds += seconds
                raise
            translated.extend(result)
            attempts += used
            seconds += took
        flags = tuple(sorted({flag for t in translated for flag in t.flags} | {"split"}))
        return (
            Translation(
                join_pieces([t.text for t in translated], pair.target),
                _sum_usage(translated),
                translated[0].engine if translated else None,
                flags,
                {"pieces": len(pieces)},
            ),
            attempts,
            seconds,
        )

    async def _send(
        self, segments: list[Segment], pair: LangPair
    ) -> tuple[list[Translation], int, float]:
        """One request with retries: the translations, the attempts it took and the seconds
        the backend took to give the last answer."""
        attempts = 0
        while True:
            if self.stopped:
                raise _Abandoned
            attempts += 1
            ticket = await self.pacing.acquire()
            self.requests += 1
            started = self.clock()
            try:
                result = await self._call(segments, pair)
            except ProviderError as exc:
                retry_after = getattr(exc, "retry_after", None)
                self.pacing.release(
                    ticket,
                    rate_limited=isinstance(exc, RateLimitError) or exc.status == 429,
                    retry_after=retry_after,
                )
                error = exc
            except Exception as exc:  # a bug in an adapter fails its segments, not the run
                self.pacing.release(ticket)
                raise _Failed(exc, attempts, self.clock() - started) from exc
            except BaseException:  # cancelled: the slot must not leak
                self.pacing.release(ticket)
                raise
            else:
                took = self.clock() - started
                self.pacing.release(ticket, ok=True)
                return result, attempts, took
            took = self.clock() - started
            if retry_after is not None and retry_after > self.settings.max_wait:
                error = WaitTooLongError(
                    f"the backend asks to wait {retry_after:.0f} s before the next request, "
                    f"longer than max_wait ({self.settings.max_wait:g} s)",
                    status=error.status,
                )
            if error.fatal:
                if self._fatal is None:
                    self._fatal = error
                raise _Abandoned
            if not error.retryable or attempts >= self.settings.max_attempts:
                raise _Failed(error, attempts, took)
            await self.sleep(self.backoff.delay(attempts, retry_after))

    async def _call(self, segments: list[Segment], pair: LangPair) -> list[Translation]:
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

    def _scrub(self, message: str) -> str:
        return scrub_message(message, self.provider.secrets.values())

    def write_result(
        self,
        item: WorkItem,
        translation: Translation | None,
        error: BaseException | None,
        *,
        attempts: int = 1,
        latency_ms: float = 0.0,
        cached: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Write a segment that was answered elsewhere (a batch service) as a run would."""
        self._write(
            [
                self._record(
                    item, translation, error, attempts, latency_ms, cached=cached, extra=extra
                )
            ]
        )

    def _record(
        self,
        item: WorkItem,
        translation: Translation | None,
        error: BaseException | None,
        attempts: int,
        latency_ms: float,
        *,
        cached: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> SegmentRecord:
        flags: list[str] = []
        text = item.text  # a property: read once
        if translation is not None and len(translation.text) > max_output_chars(text):
            # A backend that answers megabytes for a paragraph is broken or hostile; scoring
            # such a line would take minutes and gigabytes.
            error = BadResponseError(
                f"{len(translation.text)} characters of output for {len(text)} of source"
            )
            translation = None
        if translation is not None:
            translation = valid_unicode(translation)
            flags = list(translation.flags)
            if self.truncation.looks_truncated(
                text, translation.text, item.source_lang, item.target_lang
            ):
                flags.append(SUSPECT_TRUNCATION)
            if self.cache is not None and not cached and SUSPECT_TRUNCATION not in flags:
                self.cache.put(self._cache_key(item), translation)
        return SegmentRecord(
            id=item.key,
            article=item.article,
            segment=item.segment.id,
            variant=item.variant,
            index=item.index,
            source_lang=item.source_lang,
            target_lang=item.target_lang,
            source=text,
            output=translation.text if translation is not None else None,
            error=(
                _error_record(error, self._scrub)
                if translation is None and error is not None
                else None
            ),
            attempts=attempts,
            latency_ms=latency_ms,
            cached=cached,
            usage=translation.usage.as_dict() if translation is not None else {},
            engine=translation.engine if translation is not None else None,
            flags=flags,
            detail=translation.detail or None if translation is not None else None,
            **(extra or {}),  # kept as extra keys, e.g. the batch a segment came back in
        )

    def _write(self, records: list[SegmentRecord]) -> None:
        """The lines of one request: one write, one flush."""
        if not records:
            return
        self.writer.segments(records)
        self._count(records)
        if self.on_progress is not None:
            self.on_progress(len(records))

    def _count(self, records: list[SegmentRecord]) -> None:
        """Records just written: into the tally and to ``on_record``."""
        for record in records:
            self.tally.add(record)
            self.cached += record.cached
            if self.on_record is not None:
                self.on_record(record)


class _Failed(Exception):  # noqa: N818 - internal carrier of a segment's final error
    def __init__(self, error: BaseException, attempts: int, seconds: float) -> None:
        super().__init__(str(error))
        self.error, self.attempts, self.seconds = error, attempts, seconds


def _sum_usage(translations: Sequence[Translation]) -> Usage:
    def total(attr: str) -> int | None:
        values = [v for t in translations if (v := getattr(t.usage, attr)) is not None]
        return sum(values) if values else None

    return Usage(total("characters"), total("input_tokens"), total("output_tokens"))


def _error_record(error: BaseException, scrub: Callable[[str], str]) -> SegmentError:
    status = getattr(error, "status", None)
    return SegmentError(
        type=type(error).__name__,
        message=scrub(str(error)) or type(error).__name__,
        status=status if isinstance(status, int) else None,
    )


#: Flag of an output whose invalid code points (lone surrogates) were replaced by U+FFFD.
INVALID_UNICODE = "invalid_unicode"


def max_output_chars(source: str) -> int:
    """The longest output accepted for ``source``: generous for any script or expansion."""
    return 50 * len(source) + 10_000


def valid_unicode(translation: Translation) -> Translation:
    """``translation`` with text and detail encodable as UTF-8, flagged when it was not.

    JSON lets a backend send half of a surrogate pair (``"\\ud83d"``); such a string
    cannot be written to a file or the cache.
    """
    try:
        if translation.detail:  # most answers have none: no JSON to build for every segment
            json.dumps(translation.detail, ensure_ascii=False).encode("utf-8")
        translation.text.encode("utf-8")
    except UnicodeEncodeError:
        detail = json.loads(_replace_surrogates(json.dumps(translation.detail, ensure_ascii=False)))
        return replace(
            translation,
            text=_replace_surrogates(translation.text),
            detail=detail,
            flags=(*translation.flags, INVALID_UNICODE),
        )
    return translation


def _replace_surrogates(text: str) -> str:
    # Through UTF-16, paired surrogates become their character and lone ones U+FFFD.
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
