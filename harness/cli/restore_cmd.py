"""``harness restore``: propose a restoration of a spun text without its original."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from harness.errors import UsageError
from harness.references.add import read_text
from harness.restore.phrasebook import Phrasebook, load_phrasebook
from harness.restore.proposer import (
    Proposal,
    accepted,
    apply_proposals,
    marked_text,
    propose_restoration,
)


@click.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--phrasebook",
    "phrasebook_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Phrasebook TOML (default: the one shipped with harness).",
)
@click.option(
    "--exclude-source",
    "excluded",
    multiple=True,
    help="Leave out phrasebook entries whose source starts with this, e.g. 'seed:'.",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the result here instead of standard output.",
)
@click.option(
    "--proposals",
    "proposals_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write every proposal as JSONL (offsets, confidence, evidence).",
)
@click.option(
    "--apply-above",
    type=click.FloatRange(0, 1),
    help="Write the restored text with only the justified edits at least this "
    "confident, instead of the marked text.",
)
def restore(
    file: Path,
    phrasebook_path: Path | None,
    excluded: tuple[str, ...],
    out_path: Path | None,
    proposals_path: Path | None,
    apply_above: float | None,
) -> None:
    """Propose a restored text for a spun FILE: each likely spun phrase is marked
    inline as [[spun=>restored|confidence]] ('?' after the confidence: ambiguous,
    no context evidence, never applied), for a person to accept."""
    text = read_text(file, "spun")
    book = load_phrasebook(phrasebook_path)
    if excluded:
        book = book.without_sources(excluded)
    proposals = _propose(text, book)
    if apply_above is not None:
        chosen = accepted(proposals, apply_above)
        result = apply_proposals(text, chosen)
        summary = (
            f"{len(proposals)} proposals, {len(chosen)} applied "
            f"(justified, confidence >= {apply_above})"
        )
    else:
        result = marked_text(text, proposals)
        unjustified = sum(1 for p in proposals if not p.justified)
        summary = f"{len(proposals)} proposals ({unjustified} without enough evidence, marked ?)"
    if proposals_path is not None:
        _write(
            proposals_path,
            "".join(json.dumps(p.to_json(), ensure_ascii=False) + "\n" for p in proposals),
        )
    if out_path is not None:
        _write(out_path, result)
    else:
        click.echo(result, nl=False)
    click.echo(summary, err=True)


#: Texts longer than this show a progress bar (on a terminal): about a second of work.
PROGRESS_CHARS = 100_000


def _propose(text: str, book: Phrasebook) -> list[Proposal]:
    if len(text) < PROGRESS_CHARS or not sys.stderr.isatty():
        return propose_restoration(text, book)
    with Progress(
        TextColumn("restore"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("restore", total=len(book.entries))
        return propose_restoration(
            text, book, progress=lambda done, _total: bar.update(task, completed=done)
        )


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
