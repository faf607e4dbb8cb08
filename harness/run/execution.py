"""Execute one provider run end to end: new, resumed, or a retry of the failed segments.

Kept apart from the command line so that tests, benchmarks and library users
run exactly what ``harness run`` runs. Every check (provider, languages,
articles, header) happens before a run file is created or touched.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from harness import __version__
from harness.errors import (
    ProviderError,
    TransientError,
    UnsupportedLanguageError,
    UsageError,
    scrub_message,
)
from harness.models import LangPair
from harness.provider import Provider
from harness.references.article import Article
from harness.run.cache import TranslationCache
from harness.run.http_client import build_client
from harness.run.instances import ProviderPlan
from harness.run.langs import closest_lang
from harness.run.pacing import Clock, Sleep
from harness.run.plan import Shard, WorkItem, in_shard, plan_items
from harness.run.resume import RunState, read_state, remaining_items
from harness.run.runner import Runner, RunStoppedError
from harness.runfile import (
    ArticleEntry,
    RunCounts,
    RunHeader,
    RunLockedError,
    RunWriteError,
    RunWriter,
    SegmentRecord,
    is_being_written,
    iter_lines,
    new_run_id,
    utc_now,
)

OnStart = Callable[[str, int, Path], None]
#: A provider's name and each segment's record: cache hits then take the general path.
OnRecord = Callable[[str, SegmentRecord], None]
#: A provider's name and how many segments were just written (hits, answers and errors
#: alike): all a progress bar needs, and cache hits keep their fast path.
OnProgress = Callable[[str, int], None]


@dataclass
class RunResult:
    run_id: str
    path: Path
    provider: str
    counts: RunCounts
    seconds: float
    by_target: dict[str, RunCounts]
    interrupted: bool = False
    requests: int = 0
    cached: int = 0
    copied: int = 0
    already_complete: bool = False
    #: The most frequent error causes of the run file, most frequent first.
    causes: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class RunControl:
    """Shared by the runs of one command: the first Ctrl-C stops all of them."""

    stopping: bool = False
    runners: list[Runner] = field(default_factory=list)
    sleep: Sleep | None = None
    clock: Clock | None = None

    def attach(self, runner: Runner) -> None:
        self.runners.append(runner)
        if self.stopping:
            runner.stop()

    def stop(self) -> None:
        self.stopping = True
        for runner in self.runners:
            runner.stop()


def resume_command(path: Path) -> str:
    return f"harness run --resume {path}"


@asynccontextmanager
async def open_provider(plan: ProviderPlan) -> AsyncIterator[Provider]:
    """The adapter with its client; both are closed on the way out."""
    client = build_client(plan.settings) if plan.cls.uses_http else None
    provider = plan.cls(plan.options, client=client, secrets=plan.secrets)
    try:
        yield provider
    finally:
        await provider.aclose()
        if client is not None:
            await client.aclose()


async def choose_targets(
    provider: Provider,
    plan: ProviderPlan,
    articles: Sequence[Article],
    targets: Sequence[str] | None,
) -> list[str]:
    """The target languages, checked against the provider before any request."""
    # Start-up requests (a language list) get the same timeout as translations: a server
    # that trickles its answer must not hang the run.
    try:
        async with asyncio.timeout(plan.settings.timeout):
            await provider.prepare()
    except ProviderError as exc:  # printed as the command's error: keys must not be in it
        exc.args = (scrub_message(str(exc), provider.secrets.values()),)
        raise
    except TimeoutError:
        raise TransientError(
            f"{plan.instance.name}: no answer to the start-up request within "
            f"{plan.settings.timeout:g} s (the timeout setting)"
        ) from None
    sources = sorted({article.language for article in articles})
    chosen = list(targets or [])
    if not chosen:
        for source in sources:
            chosen += [t for t in provider.default_targets(source) if t not in chosen]
    if not chosen:
        raise UsageError(
            f"{plan.instance.name}: no target languages; give them with --to (e.g. --to de,fr)"
        )
    for source in sources:
        for target in chosen:
            try:
                provider.check_pair(LangPair(source, target))
            except UnsupportedLanguageError as exc:
                raise UnsupportedLanguageError(
                    str(exc) + _suggestion(provider, source, target)
                ) from None
    return chosen


def _suggestion(provider: Provider, source: str, target: str) -> str:
    """``; did you mean pt?`` when the provider has a language close to ``target``."""
    pairs = provider.supported_pairs()
    offered = (
        [p.target for p in pairs if p.source == source]
        if pairs is not None
        else list(provider.language_table() or {})
    )
    close = closest_lang(target, offered)
    return f"; did you mean --to {close}?" if close else ""


def build_header(
    plan: ProviderPlan,
    provider: Provider,
    articles: Sequence[Article],
    targets: Sequence[str],
    variants: Sequence[str],
    shard: Shard | None,
    references: Path | None = None,
    inputs: Sequence[dict[str, Any]] | None = None,
) -> RunHeader:
    sources = sorted({article.language for article in articles})
    return RunHeader(
        run_id=new_run_id(plan.instance.name),
        created=utc_now(),
        harness_version=__version__,
        provider=plan.identity(provider),
        settings={
            "concurrency": plan.settings.concurrency,
            "timeout": plan.settings.timeout,
            "max_attempts": plan.settings.max_attempts,
            "rate_limit": plan.settings.rate_limit,
            "max_wait": plan.settings.max_wait,
        },
        articles=[
            ArticleEntry(
                id=a.id,
                title=a.title,
                language=a.language,
                segments=len(a.segments),
                digests={v: a.digest(v) for v in a.variants},
            )
            for a in articles
        ],
        source_lang=sources[0] if len(sources) == 1 else sources,
        targets=list(targets),
        variants=list(variants),
        shard=shard.as_dict() if shard is not None else None,
        references=str(references.resolve()) if references is not None else None,
        # A user's own files (``--input``): path, format, sha256, reference files.
        inputs=list(inputs) if inputs else None,
    )


async def execute_run(
    plan: ProviderPlan,
    articles: Sequence[Article],
    *,
    targets: Sequence[str] | None,
    variants: Sequence[str],
    runs_dir: Path,
    shard: Shard | None = None,
    cache: TranslationCache | None = None,
    control: RunControl | None = None,
    on_start: OnStart | None = None,
    on_record: OnRecord | None = None,
    on_progress: OnProgress | None = None,
    references: Path | None = None,
    inputs: Sequence[dict[str, Any]] | None = None,
    glossary: dict[str, str] | None = None,
) -> RunResult:
    """Run ``plan`` over ``articles`` into a new run file; ``inputs`` describes the
    user's own files among them for the header; ``glossary`` (its path and digest) is
    recorded there too, for ``score`` and ``compare`` to judge with.

    ``references``, the folder the articles came from when given explicitly, is kept
    in the header so that ``--resume`` finds them again.
    """
    async with open_provider(plan) as provider:
        chosen = await choose_targets(provider, plan, articles, targets)
        items = list(in_shard(plan_items(articles, variants, chosen), shard))
        header = build_header(plan, provider, articles, chosen, variants, shard, references, inputs)
        if glossary is not None:
            header.glossary = glossary
        path = runs_dir / f"{header.run_id}.jsonl"
        with RunWriter(path) as writer:
            writer.header(header)
            state = RunState(path, header, False, False)
            state.by_target.update({t: RunCounts() for t in chosen})
            return await _drive(
                plan,
                provider,
                writer,
                items,
                state,
                cache=cache,
                control=control,
                on_start=on_start,
                on_record=on_record,
                on_progress=on_progress,
            )


async def resume_run(
    path: Path,
    plan: ProviderPlan,
    articles: Sequence[Article],
    *,
    cache: TranslationCache | None = None,
    control: RunControl | None = None,
    on_start: OnStart | None = None,
    on_record: OnRecord | None = None,
    on_progress: OnProgress | None = None,
) -> RunResult:
    """Continue an interrupted run in place: only segments without a line are sent.

    Resuming a complete run changes nothing (so "resume until done" loops are safe).
    """
    # The lock comes first: a live run's file must not be repaired or appended to.
    with RunWriter(path, append=True) as writer:
        state = read_state(path)
        if state.complete:
            return RunResult(
                state.run_id,
                path,
                plan.instance.name,
                state.counts,
                0.0,
                state.by_target,
                already_complete=True,
            )
        async with open_provider(plan) as provider:
            await choose_targets(provider, plan, articles, state.header.targets)
            copied = _copy_from_retried(state, writer)
            items = remaining_items(state.header, list(articles), state.done)
            return await _drive(
                plan,
                provider,
                writer,
                items,
                state,
                cache=cache,
                control=control,
                on_start=on_start,
                on_record=on_record,
                on_progress=on_progress,
                copied=copied,
            )


async def retry_errors(
    path: Path,
    plan: ProviderPlan,
    articles: Sequence[Article],
    *,
    cache: TranslationCache | None = None,
    control: RunControl | None = None,
    on_start: OnStart | None = None,
    on_record: OnRecord | None = None,
    on_progress: OnProgress | None = None,
) -> RunResult:
    """A new run file: the ok segments of ``path`` copied, the failed and missing ones re-sent.

    The cache is not consulted for the re-sent segments (a failure is never cached,
    and an ok answer would have been copied), but fresh answers are stored in it.
    """
    if is_being_written(path):
        raise RunLockedError(
            f"{path}: another harness process is still writing this run; "
            "retry its errors once it has finished"
        )
    old = read_state(path)
    if old.complete and not old.failed:
        return RunResult(
            old.run_id,
            path,
            plan.instance.name,
            old.counts,
            0.0,
            old.by_target,
            already_complete=True,
        )
    async with open_provider(plan) as provider:
        await choose_targets(provider, plan, articles, old.header.targets)
        header = old.header.model_copy(
            update={
                "run_id": new_run_id(plan.instance.name),
                "created": utc_now(),
                "harness_version": __version__,
                "retry_of": {"run_id": old.run_id, "file": path.name},
            }
        )
        new_path = path.parent / f"{header.run_id}.jsonl"
        with RunWriter(new_path) as writer:
            writer.header(header)
            state = RunState(new_path, header, False, False)
            state.by_target.update({t: RunCounts() for t in header.targets})
            copied = _copy_from_retried(state, writer)
            items = remaining_items(header, list(articles), state.done)
            return await _drive(
                plan,
                provider,
                writer,
                items,
                state,
                cache=cache,
                control=control,
                on_start=on_start,
                on_record=on_record,
                on_progress=on_progress,
                copied=copied,
            )


def _copy_from_retried(state: RunState, writer: RunWriter) -> int:
    """For a retry run: copy the ok segments of the run it retries that it does not hold yet."""
    origin = state.header.retry_of
    if not origin:
        return 0
    source = state.path.parent / str(origin.get("file"))
    copied = 0
    for _, line, record in iter_lines(source):
        if not isinstance(record, SegmentRecord) or not record.ok or record.id in state.done:
            continue
        writer.write_line(line)
        state.add(record)
        copied += 1
    return copied


async def _drive(
    plan: ProviderPlan,
    provider: Provider,
    writer: RunWriter,
    items: list[WorkItem],
    state: RunState,
    *,
    cache: TranslationCache | None,
    control: RunControl | None,
    on_start: OnStart | None,
    on_record: OnRecord | None,
    on_progress: OnProgress | None = None,
    copied: int = 0,
) -> RunResult:
    """Send ``items``, then write the footer unless the run stopped early."""
    name = plan.instance.name
    timing: dict[str, Any] = {}
    if control is not None and control.sleep is not None:
        timing["sleep"] = control.sleep
    if control is not None and control.clock is not None:
        timing["clock"] = control.clock
    runner = Runner(
        provider,
        plan.settings,
        writer,
        # Without a caller that wants every record, cache hits need none (the fast path).
        on_record=partial(on_record, name) if on_record is not None else None,
        on_progress=partial(on_progress, name) if on_progress is not None else None,
        cache=cache,
        tally=state.tally,
        **timing,
    )
    if control is not None:
        control.attach(runner)
    if on_start is not None:
        on_start(name, len(items), writer.path)
    started = time.monotonic()
    try:
        counts = await runner.run(items)
    except RunStoppedError as exc:
        raise RunStoppedError(
            f"{exc} — the run stopped; finished segments are saved. Fix the cause, then "
            f"resume with: {resume_command(writer.path)}",
            exc.cause,
        ) from exc.cause
    except RunWriteError as exc:
        raise RunWriteError(
            f"{exc}; the lines written before are kept: make room, then "
            f"resume with: {resume_command(writer.path)}"
        ) from None
    if not runner.stopped:
        writer.footer(state.tally.footer())
    return RunResult(
        state.run_id,
        writer.path,
        name,
        counts,
        time.monotonic() - started,
        state.by_target,
        runner.stopped,
        runner.requests,
        runner.cached,
        copied,
        causes=state.tally.top_causes(),
    )
