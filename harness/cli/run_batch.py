"""The batch side of ``harness run``: jobs for ``--batch``, ``--status``, ``--cancel``, and
what they print."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from harness.cli.run_report import print_estimates, print_outcomes
from harness.errors import UsageError
from harness.references.article import Article
from harness.run.batch.driver import BatchRunResult, Poller
from harness.run.batch.estimate import BatchEstimate
from harness.run.batch.watch import RunProgress, batch_status, cancel_batches
from harness.run.execution import RunResult, resume_command
from harness.run.instances import ProviderPlan
from harness.runfile import RunHeader


def is_batch_run(header: RunHeader) -> bool:
    """A run made with ``--batch`` (a retry of one is synchronous: it has its own header)."""
    return bool(header.batch) and not header.retry_of


def check_batch_flags(batch: bool, no_wait: bool, poll: float | None) -> Poller:
    if not batch and (no_wait or poll is not None):
        raise UsageError("--no-wait and --poll only apply to --batch runs (and resuming one)")
    return Poller() if poll is None else Poller(first=poll)


def print_batch_outcomes(
    outcomes: Sequence[RunResult | BaseException], paths: dict[str, Path], cancelled: bool
) -> int:
    """As for any run, plus each run's batches: submitted, and how to collect open ones."""
    code = print_outcomes(outcomes, paths, cancelled)
    for outcome in outcomes:
        if not isinstance(outcome, BatchRunResult) or outcome.already_complete:
            continue
        if outcome.open_batches and not outcome.interrupted:  # --no-wait
            click.echo(
                f"{outcome.provider}: submitted {outcome.submitted} batch(es) to "
                f"{outcome.api}; {outcome.counts.segments} segment(s) written so far"
            )
            click.echo(
                f"  {outcome.open_batches} batch(es) in flight; progress: harness run "
                f"--batch --status {outcome.path}; collect: "
                f"{resume_command(outcome.path)}"
            )
        elif outcome.submitted:
            click.echo(
                f"  {outcome.submitted} batch(es) submitted to {outcome.api} "
                "(each request in them counts as one above)"
            )
    return code


def print_batch_estimates(estimates: Sequence[BatchEstimate]) -> None:
    print_estimates([e.base for e in estimates])
    for e in estimates:
        discount = f"{1 - e.price_factor:.0%} off"
        cost = (
            f"; cost at batch price {e.cost:.4f} ({discount} {e.base.cost:.4f})"
            if e.cost is not None and e.base.cost is not None
            else f"; batch price: {discount}"
        )
        click.echo(f"{e.base.provider}: {len(e.parts)} batch(es) for {e.api}{cost}")
        for number, (requests, size) in enumerate(e.parts, start=1):
            click.echo(
                f"  batch {number}: {requests:,} of {e.limits.max_requests:,} requests, "
                f"{size:,} of {e.limits.max_bytes:,} bytes"
            )


def show_status(path: Path, plan: ProviderPlan, articles: Sequence[Article]) -> None:
    progress = asyncio.run(batch_status(path, plan, articles))
    _print_progress(progress)


def _print_progress(progress: RunProgress) -> None:
    state = "complete" if progress.complete else "in progress"
    click.echo(
        f"{progress.path}: {state}; {progress.written:,} of {progress.planned:,} "
        f"segments written ({progress.ok:,} ok, {progress.errors:,} errors)"
    )
    for view in progress.batches:
        entry = view.entry
        if view.live is None:
            status = entry.status
            click.echo(
                f"  batch {entry.part} {entry.batch_id}: {status.get('state')}, "
                f"collected; {entry.count:,} requests"
            )
            continue
        live = view.live
        click.echo(
            f"  batch {entry.part} {entry.batch_id}: {live.state}; "
            f"{live.succeeded:,} ok, {live.failed:,} failed of {entry.count:,} requests"
            f" (submitted {entry.submitted}{_expiry(live.detail.get('expires_at'))})"
        )
    if not progress.complete:
        click.echo(f"collect finished batches with: {resume_command(progress.path)}")


def _expiry(value: Any) -> str:
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value, UTC).isoformat(timespec="seconds")
    return f", expires {value}" if value else ""


def cancel(path: Path, plan: ProviderPlan) -> None:
    states = asyncio.run(cancel_batches(path, plan))
    if not states:
        click.echo(f"{path}: no batch in flight; nothing to cancel")
        return
    for status in states:
        click.echo(f"batch {status.id}: {status.state}")
    click.echo(
        f"asked to cancel {len(states)} batch(es); what they finished is kept. Write it "
        f"(and the rest as errors) with: {resume_command(path)}"
    )
