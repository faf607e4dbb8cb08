"""``harness references``: list the reference articles and check that they are sound."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from harness.cli.options import references_option
from harness.errors import EXIT_GATE_FAILED, ArticleError
from harness.references import check_article, list_article_ids, load_article, references_root


@click.group()
def references() -> None:
    """Reference articles: spun text, restored text, edits, facts."""


@references.command("list")
@references_option
def list_(references_dir: Path | None) -> None:
    """One line per article: id, segments, edits, date, title."""
    root = references_root(references_dir)
    ids = list_article_ids(root)
    if not ids:
        click.echo(f"no reference articles in {root}")
        return
    for article_id in ids:
        article = load_article(article_id, root)
        click.echo(f"{article.id}  {len(article.segments)} segments  {len(article.edits)} edits  "
                   f"{article.meta.get('date', '?')}  {article.title}")


@references.command("check")
@click.argument("article_ids", nargs=-1)
@references_option
def check(article_ids: tuple[str, ...], references_dir: Path | None) -> None:
    """Check articles (default: all): digests, edits reproduce the restored text,
    segments align, metadata complete. Exits 1 when anything is wrong."""
    root = references_root(references_dir)
    ids = list(article_ids) or list_article_ids(root)
    if not ids:
        raise ArticleError(f"no reference articles in {root}")
    failed = 0
    for article_id in ids:
        try:
            article = load_article(article_id, root)
            problems = list(check_article(article))
        except ArticleError as exc:
            problems = [str(exc)]
        if problems:
            failed += 1
            click.echo(f"FAIL {article_id}")
            for problem in problems:
                click.echo(f"  - {problem}")
        else:
            click.echo(f"ok   {article_id} ({len(article.segments)} segments, "
                       f"{len(article.edits)} edits)")
    if failed:
        sys.exit(EXIT_GATE_FAILED)
