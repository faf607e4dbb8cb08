"""``harness score``: names and numbers fidelity, chrF/BLEU and errors of run files."""

from __future__ import annotations

import json
from pathlib import Path

import click

from harness.cli.options import glossary_option, references_option
from harness.fidelity.glossary import load_glossary
from harness.fidelity.scorer import FidelityStats
from harness.restore.leakage_report import leakage_lines
from harness.score.run_scores import RunScore, score_runs


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:5.1f}%"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:5.1f}"


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:+5.1f}pp"


def _language(stats: FidelityStats) -> str:
    """``ok``, or the outputs that failed as a whole."""
    parts = [
        f"{count} {what}"
        for count, what in (
            (stats.untranslated, "untranslated"),
            (stats.wrong_language, "wrong language"),
            (stats.refusal, "refused"),
        )
        if count
    ]
    text = ", ".join(parts) or "ok"
    return f"{text}; {stats.chatter} chatter" if stats.chatter else text


def _table(score: RunScore) -> list[str]:
    provider = score.provider.get("name", "?")
    state = "" if score.complete else "  (interrupted: no footer)"
    # chrF and BLEU columns only where some language has a reference translation; the
    # notes name the languages without one, once each.
    texts = score.has_references
    lines = [
        f"run {score.run_id}  provider {provider}{state}",
        f"  {'variant':<9}{'target':<8}{'segs':>5}{'errs':>5}{'names':>8}{'numbers':>8}"
        f"{'unexp':>6}" + (f"{'chrF':>7}{'BLEU':>7}" if texts else "") + "  language",
    ]
    for (_, _), group in sorted(score.groups.items()):
        data = group.to_json()
        lines.append(
            f"  {group.variant:<9}{group.target_lang:<8}{group.segments:>5}{group.errors:>5}"
            f"{_pct(data['names_fidelity']):>8}{_pct(data['numbers_fidelity']):>8}"
            f"{group.stats.unexpected:>6}"
            + (f"{_num(data['chrf']):>7}{_num(data['bleu']):>7}" if texts else "")
            + f"  {_language(group.stats)}"
        )
    if score.unreviewed:
        lines.append(
            f"  facts unreviewed for {', '.join(score.unreviewed)}: names and numbers "
            "proposed automatically, not checked by a person"
        )
    for target in score.targets():
        if score.group("spun", target) is None or score.group("restored", target) is None:
            continue  # nothing spun (the user's own content): no spin to measure
        sensitivity = score.spin_sensitivity(target)
        stability = score.spin_stability.get(target)
        lines.append(
            f"  spin {target:<6} sensitivity names {_signed(sensitivity['names'])} "
            f"numbers {_signed(sensitivity['numbers'])}  stability chrF "
            f"{_num(stability.score() if stability else None)}"
        )
    for note in score.notes:
        lines.append(f"  note: {note}")
    for name, sig in score.signatures().items():
        lines.append(f"  {name}: {sig}")
    return lines


@click.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@references_option
@click.option("--json", "as_json", is_flag=True, help="One JSON document with every run.")
@click.option(
    "--workers",
    type=click.IntRange(1),
    default=None,
    help="Processes scoring a run (default: one per usable core; the figures do not depend on it).",
)
@glossary_option
def score(
    runs: tuple[Path, ...],
    references_dir: Path | None,
    as_json: bool,
    workers: int | None,
    glossary_path: Path | None,
) -> None:
    """Score run files: per variant and target language, names and numbers
    fidelity, unexpected facts, chrF and BLEU (against gold translations where
    the article has them), errors; spin sensitivity and stability per language;
    spin leakage: spun spans whose spun meaning reached the translation."""
    glossary = load_glossary(glossary_path) if glossary_path else None
    scores = score_runs(list(runs), references_dir, glossary, workers=workers)
    leakage = [s.leakage for s in scores]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "runs": [
                        {**s.to_json(), "leakage": leak.to_json()}
                        for s, leak in zip(scores, leakage, strict=True)
                    ]
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for index, (run_score, leak) in enumerate(zip(scores, leakage, strict=True)):
        if index:
            click.echo("")
        spun = any(variant == "spun" for variant, _ in run_score.groups)
        click.echo("\n".join(_table(run_score) + (leakage_lines(leak) if spun else [])))
