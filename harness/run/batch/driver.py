"""Run, resume, watch and cancel runs that go through a provider's batch service.

A batch run plans exactly like a synchronous one (same articles, targets,
variants, shard, same request builders and answer checks) and writes the same
segment lines; only the transport differs:

1. segments already in the cache are written at once; segments longer than the
   adapter's ``max_chars`` are split and sent synchronously (a batch result
   belongs to one whole segment);
2. the rest become one request each, ``custom_id`` from the segment id, split
   into parts under the service's limits (:mod:`harness.run.batch.parts`); each
   part is submitted and its id written to the run file at once;
3. open batches are polled (the interval grows from ``--poll`` up to five
   minutes); when one ends its results are joined on ``custom_id``, each written
   as that segment's output or error; a request without a result (the batch
   expired, was cancelled or failed) is written as that segment's error, so
   ``--retry-errors`` can send it again;
4. the footer is written when no batch is open.

Stopping (Ctrl-C, ``--no-wait``, a fatal error) leaves the batches running at
the service; ``harness run --resume RUN`` picks them up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from harness.errors import ProviderError, RateLimitError, TransientError, UsageError
from harness.models import LangPair, Segment
from harness.provider import Provider
from harness.references.article import Article
from harness.run.batch.api import (
    BatchApi,
    BatchFailedError,
    BatchRequest,
    BatchStatus,
    load_batch_api,
)
from harness.run.batch.parts import split_parts
from harness.run.batch.record import (
    BatchEntry,
    BatchLog,
    read_batches,
    write_ended,
    write_submitted,
)
from harness.run.cache import RequestKeys, TranslationCache
from harness.run.execution import (
    OnProgress,
    OnRecord,
    OnStart,
    RunControl,
    RunResult,
    build_header,
    choose_targets,
    open_provider,
    resume_command,
)
from harness.run.instances import ProviderPlan
from harness.run.pacing import Sleep
from harness.run.plan import Shard, WorkItem, in_shard, plan_items
from harness.run.resume import RunState, read_state
from harness.run.runner import RunCounts, Runner, RunStoppedError
from harness.runfile import RunHeader, RunWriter

T = TypeVar("T")

#: Longest wait between two polls of a batch; batches take minutes to hours.
MOST_POLL_SECONDS = 300.0


@dataclass
class Poller:
    """How often to ask about open batches: ``first`` seconds, growing by ``factor``."""

    first: float = 10.0
    factor: float = 1.5
    sleep: Sleep = asyncio.sleep

    def intervals(self) -> Iterator[float]:
        interval = self.first
        while True:
            yield interval
            interval = min(max(interval * self.factor, self.first), MOST_POLL_SECONDS)


@dataclass
class BatchRunResult(RunResult):
    """A run's outcome plus its batches: submitted by this command, and still open."""

    submitted: int = 0
    open_batches: int = 0
    api: str = ""


def has_batch_api(plan: ProviderPlan) -> None:
    """Refuse ``--batch`` for an adapter without a batch service, before any work."""
    if not plan.cls.batch_api:
        raise UsageError(
            f"{plan.instance.name}: the {plan.cls.name} adapter has no batch API; "
            "run without --batch"
        )


async def execute_batch_run(
    plan: ProviderPlan,
    articles: Sequence[Article],
    *,
    targets: Sequence[str] | None,
    variants: Sequence[str],
    runs_dir: Path,
    shard: Shard | None = None,
    cache: TranslationCache | None = None,
    control: RunControl | None = None,
    poller: Poller | None = None,
    wait: bool = True,
    on_start: OnStart | None = None,
    on_record: OnRecord | None = None,
    on_progress: OnProgress | None = None,
    inputs: Sequence[dict[str, Any]] | None = None,
) -> BatchRunResult:
    """A new run file, its segments sent through the provider's batch service."""
    has_batch_api(plan)
    async with open_provider(plan) as provider:
        api = load_batch_api(provider)
        chosen = await choose_targets(provider, plan, articles, targets)
        items = list(in_shard(plan_items(articles, variants, chosen), shard))
        header = build_header(plan, provider, articles, chosen, variants, shard, inputs=inputs)
        header.batch = {"api": api.name}
        path = runs_dir / f"{header.run_id}.jsonl"
        with RunWriter(path) as writer:
            writer.header(header)
            state = RunState(path, header, False, False)
            state.by_target.update({t: RunCounts() for t in chosen})
            return await _drive(
                plan,
                provider,
                api,
                writer,
                items,
                state,
                BatchLog(),
                cache=cache,
                control=control,
                poller=poller or Poller(),
                wait=wait,
                on_start=on_start,
                on_record=on_record,
                on_progress=on_progress,
            )


async def resume_batch_run(
    path: Path,
    plan: ProviderPlan,
    articles: Sequence[Article],
    *,
    cache: TranslationCache | None = None,
    control: RunControl | None = None,
    poller: Poller | None = None,
    wait: bool = True,
    on_start: OnStart | None = None,
    on_record: OnRecord | None = None,
    on_progress: OnProgress | None = None,
) -> BatchRunResult:
    """Continue a batch run: poll the batches in flight, submit what was never submitted."""
    # The lock comes first: a live run's file must not be repaired or appended to.
    with RunWriter(path, append=True) as writer:
        state = read_state(path)
        log = read_batches(path)
        if state.complete:
            return BatchRunResult(
                state.run_id,
                path,
                plan.instance.name,
                state.counts,
                0.0,
                state.by_target,
                already_complete=True,
            )
        has_batch_api(plan)
        async with open_provider(plan) as provider:
            api = load_batch_api(provider)
            await choose_targets(provider, plan, articles, state.header.targets)
            items = run_plan(state.header, articles)
            return await _drive(
                plan,
                provider,
                api,
                writer,
                items,
                state,
                log,
                cache=cache,
                control=control,
                poller=poller or Poller(),
                wait=wait,
                on_start=on_start,
                on_record=on_record,
                on_progress=on_progress,
            )


def run_plan(header: RunHeader, articles: Sequence[Article]) -> list[WorkItem]:
    """The run's plan in the order batch ranges refer to (shard applied)."""
    items = plan_items(list(articles), list(header.variants), list(header.targets))
    return list(in_shard(items, Shard.from_header(header.shard)))


async def _drive(
    plan: ProviderPlan,
    provider: Provider,
    api: BatchApi,
    writer: RunWriter,
    items: list[WorkItem],
    state: RunState,
    log: BatchLog,
    *,
    cache: TranslationCache | None,
    control: RunControl | None,
    poller: Poller,
    wait: bool,
    on_start: OnStart | None,
    on_record: OnRecord | None,
    on_progress: OnProgress | None,
) -> BatchRunResult:
    name = plan.instance.name
    runner = Runner(
        provider,
        plan.settings,
        writer,
        on_record=partial(on_record, name) if on_record is not None else None,
        on_progress=partial(on_progress, name) if on_progress is not None else None,
        cache=cache,
        tally=state.tally,
    )
    if control is not None:
        control.attach(runner)
    covered = log.covered()
    pending = [
        (p, item) for p, item in enumerate(items) if item.key not in state.done and p not in covered
    ]
    if on_start is not None:
        on_start(
            name,
            len(pending)
            + sum(1 for b in log.open for p in b.positions() if items[p].key not in state.done),
            writer.path,
        )
    started = time.monotonic()
    work = BatchWork(provider, api, runner, writer, items, state, control, poller)
    to_submit, too_long = work.serve_from_cache(pending)
    submitted = batched = 0
    try:
        for part in split_parts(
            ((p, work.entry(items[p])) for p in to_submit), api.limits, api.framing
        ):
            if work.stopping:
                break
            label = f"{state.run_id} part {len(log.batches) + 1}"
            status = await work.call(partial(api.submit, part.entries, label), creates=True)
            entry = write_submitted(writer, status, api.name, len(log.batches) + 1, part.positions)
            log.batches[entry.batch_id] = entry
            submitted += 1
            batched += entry.count
        if too_long and not work.stopping:
            await runner.run(too_long)
        if wait:
            await work.collect_all(log)
    except RunStoppedError as exc:
        raise RunStoppedError(
            f"{exc} — the run stopped; batches already submitted keep running at the service "
            f"and finished segments are saved. Fix the cause, then resume with: "
            f"{resume_command(writer.path)}",
            exc.cause,
        ) from exc.cause
    total = state.tally.counts
    still_open = len(log.open)
    finished = not still_open and not work.stopping and not runner.stopped
    if finished:
        writer.footer(state.tally.footer())
    return BatchRunResult(
        state.run_id,
        writer.path,
        name,
        total,
        time.monotonic() - started,
        state.by_target,
        interrupted=not finished and wait,
        requests=runner.requests + batched,
        cached=runner.cached,  # hits written by this command, whichever way
        submitted=submitted,
        open_batches=still_open,
        api=api.name,
        causes=state.tally.top_causes(),
    )


class BatchWork:
    """The state one command works with: plan, writer, and the service's answers."""

    def __init__(
        self,
        provider: Provider,
        api: BatchApi,
        runner: Runner,
        writer: RunWriter,
        items: list[WorkItem],
        state: RunState,
        control: RunControl | None,
        poller: Poller,
    ) -> None:
        self.provider, self.api, self.runner, self.writer = provider, api, runner, writer
        self.items, self.state, self.control, self.poller = items, state, control, poller
        self.keys = RequestKeys(provider.identity())

    @property
    def stopping(self) -> bool:
        return self.control is not None and self.control.stopping

    def entry(self, item: WorkItem) -> bytes:
        return self.api.entry(
            BatchRequest(
                self.api.custom_id(item.key),
                item.text,
                LangPair(item.source_lang, item.target_lang),
            )
        )

    def serve_from_cache(
        self, pending: list[tuple[int, WorkItem]]
    ) -> tuple[list[int], list[WorkItem]]:
        """Write cache hits; return positions to batch and items too long for one request."""
        cache = self.runner.cache
        keys = [self.keys(item.source_lang, item.target_lang, item.text) for _, item in pending]
        hits = cache.get_many(keys) if cache is not None else {}
        to_submit: list[int] = []
        too_long: list[WorkItem] = []
        for key, (position, item) in zip(keys, pending, strict=True):
            if hits:
                hit = hits.get(key)
                if hit is not None:
                    self.runner.write_result(item, hit, None, attempts=0, cached=True)
                    self.state.done.add(item.key)
                    continue
            if len(item.text) > self.provider.limits.max_chars:
                too_long.append(item)
            else:
                to_submit.append(position)
        return to_submit, too_long

    async def call(self, make: Callable[[], Awaitable[T]], *, creates: bool = False) -> T:
        """One call to the service, retried on rate limits and transient failures.

        A call that ``creates`` a batch is retried only when the service answered (a 429
        or 5xx means nothing was created); after a timeout or a dropped connection it may
        have been, and a second batch would be paid twice, so the run stops instead.
        """
        attempts = 0
        waits = self.poller.intervals()
        while True:
            attempts += 1
            try:
                return await make()
            except (RateLimitError, TransientError) as exc:
                unanswered = creates and exc.status is None
                if unanswered or attempts >= self.runner.settings.max_attempts:
                    if unanswered:
                        exc = TransientError(
                            f"{exc}; the batch may have been created all the same: check the "
                            "provider's batch list before resuming, or it may run twice",
                            status=exc.status,
                        )
                    raise RunStoppedError(f"{self.api.name}: {exc}", exc) from exc
                await self.poller.sleep(exc.retry_after or next(waits))
            except ProviderError as exc:
                raise RunStoppedError(f"{self.api.name}: {exc}", exc) from exc

    async def collect_all(self, log: BatchLog) -> None:
        waits = self.poller.intervals()
        while log.open and not self.stopping:
            for entry in log.open:
                status = await self.call(partial(self.api.status, entry.batch_id))
                if status.ended:
                    await self.collect(entry, status)
                    write_ended(self.writer, entry, status)
            if log.open and not self.stopping:
                await self._pause(next(waits))

    async def _pause(self, seconds: float) -> None:
        # In steps, so that a first Ctrl-C during a long wait stops the run promptly.
        while seconds > 0 and not self.stopping:
            step = min(seconds, 1.0)
            await self.poller.sleep(step)
            seconds -= step

    async def collect(self, entry: BatchEntry, status: BatchStatus) -> None:
        """Write every segment of an ended batch: its result, or why it has none."""
        try:
            await self._write_results(entry, status)
        except ProviderError as exc:
            raise RunStoppedError(f"{self.api.name}: {exc}", exc) from exc

    async def _write_results(self, entry: BatchEntry, status: BatchStatus) -> None:
        by_id = {self.api.custom_id(self.items[p].key): self.items[p] for p in entry.positions()}
        extra = {"batch": entry.batch_id}
        done = self.state.done
        async for custom_id, result in self.api.results(status):
            item = by_id.get(custom_id)
            if item is None or item.key in done:
                continue
            pair = LangPair(item.source_lang, item.target_lang)
            try:
                translation = self.api.translation(result, Segment(item.key, item.text), pair)
            except ProviderError as exc:
                self.runner.write_result(item, None, exc, extra=extra)
            else:
                self.runner.write_result(item, translation, None, extra=extra)
            done.add(item.key)
        reason = status.detail.get("reason")
        for item in by_id.values():
            if item.key not in done:
                missing = BatchFailedError(
                    f"{self.api.name}: batch {entry.batch_id} ended as {status.state!r} "
                    "without a result for this request" + (f" ({reason})" if reason else "")
                )
                self.runner.write_result(item, None, missing, attempts=0, extra=extra)
                done.add(item.key)
