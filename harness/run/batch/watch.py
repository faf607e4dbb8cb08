"""``harness run --batch --status RUN`` and ``--cancel RUN``: look at or stop a batch run.

Both read the run file for its batches and ask the service about the ones still
open; neither writes to the run file (a ``harness run`` that is still polling
may be appending to it). Cancelling only asks the service to stop; the
cancelled batches end with the results they finished, which ``harness run
--resume RUN`` then writes (the rest as errors that ``--retry-errors`` sends again).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.references.article import Article
from harness.run.batch.api import BatchStatus, load_batch_api
from harness.run.batch.driver import has_batch_api, run_plan
from harness.run.batch.record import BatchEntry, read_batches
from harness.run.execution import open_provider
from harness.run.instances import ProviderPlan
from harness.run.resume import read_state


@dataclass
class BatchView:
    """One batch: what the run file says, and (while open) what the service says now."""

    entry: BatchEntry
    live: BatchStatus | None = None


@dataclass
class RunProgress:
    path: Path
    planned: int
    written: int
    ok: int
    errors: int
    complete: bool
    batches: list[BatchView] = field(default_factory=list)


async def batch_status(path: Path, plan: ProviderPlan, articles: Sequence[Article]) -> RunProgress:
    state = read_state(path, repair=False)
    log = read_batches(path)
    progress = RunProgress(
        path,
        len(run_plan(state.header, articles)),
        state.counts.segments,
        state.counts.ok,
        state.counts.errors,
        state.complete,
        [BatchView(entry) for entry in log.batches.values()],
    )
    if not log.open:
        return progress
    has_batch_api(plan)
    async with open_provider(plan) as provider:
        api = load_batch_api(provider)
        for view in progress.batches:
            if not view.entry.ended:
                view.live = await api.status(view.entry.batch_id)
    return progress


async def cancel_batches(path: Path, plan: ProviderPlan) -> list[BatchStatus]:
    """Ask the service to cancel every open batch of the run; their new states."""
    log = read_batches(path)
    if not log.open:
        return []
    has_batch_api(plan)
    async with open_provider(plan) as provider:
        api = load_batch_api(provider)
        return [await api.cancel(entry.batch_id) for entry in log.open]
