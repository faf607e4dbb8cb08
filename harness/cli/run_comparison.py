"""The short comparison ``harness run`` prints after several providers: one row per language.

Each finished run file is scored like ``harness score`` does (names and numbers
judged against the restored source's facts) and shown as a compact table, so the
default run ends with Apertium and Bergamot side by side. Percentages are given for
the restored and the spun source (one figure for your own texts, which have one
version); speed is the provider's whole run (all its
languages, wall clock), because the languages of one run are translated at once.
``harness score`` and ``harness compare`` give the full picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from harness.errors import HarnessError
from harness.run.execution import RunResult

if TYPE_CHECKING:
    from harness.score.run_scores import RunScore


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}"


def _by_variant(score: RunScore, target: str, metric: str) -> str:
    """Restored / spun for a reference article; one figure for a text of one version."""
    present = {variant for variant, lang in score.groups if lang == target}
    order = [v for v in ("restored", "spun") if v in present] + sorted(
        present - {"restored", "spun"}
    )
    values = []
    for variant in order:
        group = score.group(variant, target)
        values.append(_percent(getattr(group.stats, f"{metric}_fidelity") if group else None))
    return " / ".join(values)


def comparison_rows(
    results: Sequence[RunResult], references: Path | None
) -> list[tuple[str, str, int, str, str, float | None]]:
    """(provider, language, segments, names %, numbers %, segments/s) per run and language."""
    # The scorer (Babel, sacreBLEU, RapidFuzz) loads only when a comparison is printed, so
    # that a run of one provider starts without it.
    from harness.score.run_scores import score_run

    rows: list[tuple[str, str, int, str, str, float | None]] = []
    for result in results:
        speed = result.counts.segments / result.seconds if result.seconds > 0 else None
        score = score_run(result.path, references)
        for target in score.targets():
            segments = sum(
                group.segments for (_, lang), group in score.groups.items() if lang == target
            )
            rows.append(
                (
                    result.provider,
                    target,
                    segments,
                    _by_variant(score, target, "names"),
                    _by_variant(score, target, "numbers"),
                    speed,
                )
            )
    return rows


def print_comparison(results: Sequence[RunResult], references: Path | None) -> None:
    """Print the table for the runs that finished; a run that cannot be scored is named."""
    finished = [r for r in results if not r.interrupted and not r.already_complete]
    if len(finished) < 2:
        return
    try:
        rows = comparison_rows(finished, references)
    except HarnessError as exc:
        click.echo(f"harness: no comparison: {exc}", err=True)
        return
    click.echo("")
    click.echo(
        "names and numbers kept, % (restored / spun source; one figure for a text of one version):"
    )
    click.echo(
        f"  {'provider':<16} {'lang':<6} {'segments':>8} {'names %':>11} "
        f"{'numbers %':>11} {'segments/s':>10}"
    )
    for provider, target, segments, names, numbers, speed in rows:
        rate = "-" if speed is None else f"{speed:.1f}"
        click.echo(
            f"  {provider:<16} {target:<6} {segments:>8} {names:>11} {numbers:>11} {rate:>10}"
        )
    click.echo(
        "  segments/s: each provider's whole run, all its languages at once; "
        "details: harness score RUN"
    )
