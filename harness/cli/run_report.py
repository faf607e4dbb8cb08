"""What ``harness run`` prints when it ends: per-provider summaries, errors, how to resume."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from harness.errors import EXIT_OK, EXIT_RUNTIME, HarnessError, scrub_message
from harness.run.estimate import Estimate
from harness.run.execution import RunResult, resume_command
from harness.run.runner import RunStoppedError

EXIT_INTERRUPTED = 130  # the shell's convention for a command stopped by SIGINT


def print_outcomes(
    outcomes: Sequence[RunResult | BaseException], paths: dict[str, Path], cancelled: bool
) -> int:
    """Print every provider's outcome; returns the exit code of the whole command."""
    code = EXIT_OK
    reported: set[Path] = set()
    for outcome in outcomes:
        if isinstance(outcome, RunResult):
            _print_summary(outcome)
            reported.add(outcome.path)
            if outcome.interrupted:
                click.echo(
                    f"{outcome.provider}: interrupted; resume with: {resume_command(outcome.path)}",
                    err=True,
                )
                code = max(code, EXIT_INTERRUPTED)
            elif outcome.counts.segments and not outcome.counts.ok:
                causes = "; ".join(f"{n} x {cause}" for cause, n in outcome.causes)
                click.echo(
                    f"harness: error: {outcome.provider}: every segment failed: {causes}", err=True
                )
                code = max(code, EXIT_RUNTIME)
        elif isinstance(outcome, RunStoppedError):
            click.echo(f"harness: error: {outcome}", err=True)
            code = max(code, EXIT_RUNTIME)
        elif isinstance(outcome, HarnessError):
            click.echo(f"harness: error: {scrub_message(str(outcome), limit=None)}", err=True)
            code = max(code, outcome.exit_code)
        else:
            raise outcome
    if cancelled:
        for provider, path in paths.items():
            if path not in reported:
                click.echo(
                    f"{provider}: cancelled; finished segments are saved; resume with: "
                    f"{resume_command(path)}",
                    err=True,
                )
        code = EXIT_INTERRUPTED
    return code


def _print_summary(result: RunResult) -> None:
    counts = result.counts
    if result.already_complete:
        click.echo(
            f"{result.provider}: {result.path} is complete and has no failed segment; nothing to do"
        )
    else:
        click.echo(f"{result.provider}: wrote {result.path}")
    extra = []
    if result.cached:
        extra.append(f"{result.cached} from the cache")
    if result.copied:
        extra.append(f"{result.copied} copied from the retried run")
    note = f" ({', '.join(extra)})" if extra else ""
    click.echo(
        f"  {counts.segments} segments, {counts.ok} ok, {counts.errors} errors{note}; "
        f"{result.requests} requests in {result.seconds:.1f} s"
    )
    for target, tc in result.by_target.items():
        click.echo(f"  {target:<8} {tc.ok:>5} ok {tc.errors:>5} errors")
    if counts.errors and not result.interrupted:
        click.echo(
            f"  {counts.errors} segment(s) failed; their errors are in the run file; "
            f"to send them again: harness run --retry-errors {result.path}",
            err=True,
        )


def print_estimates(estimates: Sequence[Estimate]) -> None:
    click.echo(
        f"{'provider':<20} {'targets':<16} {'segments':>8} {'cached':>7} "
        f"{'requests':>8} {'characters':>11} {'~tokens':>9} {'cost':>10}"
    )
    for e in estimates:
        cost = f"{e.cost:.4f}" if e.cost is not None else "-"
        click.echo(
            f"{e.provider:<20} {','.join(e.targets):<16} {e.segments:>8} {e.cached:>7} "
            f"{e.requests:>8} {e.characters:>11} {e.tokens:>9} {cost:>10}"
        )
    click.echo("nothing was sent (dry run); tokens are estimated at 4 characters each")
    for source in dict.fromkeys(e.price_source for e in estimates if e.price_source):
        who = ", ".join(e.provider for e in estimates if e.price_source == source)
        click.echo(
            f"cost of {who}: "
            + (
                "the instance's price_per_million_* settings"
                if source == "config"
                else f"the shipped {source} (list prices; set "
                "price_per_million_* on the instance to override)"
            )
        )
