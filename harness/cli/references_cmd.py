"""``harness references``: list the reference articles, check that they are sound, show
their facts and propose name forms from Wikidata."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import httpx

from harness.cli.options import references_option, split_list
from harness.errors import EXIT_GATE_FAILED, ArticleError, UsageError
from harness.references.add import ArticleMeta, add_article, add_text_article, read_text
from harness.references.align import DEFAULT_MAX_CHANGED
from harness.references.article import list_article_ids, load_article, references_root
from harness.references.checks import check_article
from harness.references.facts import article_facts
from harness.references.wikidata import (
    DEFAULT_URL,
    URL_ENV,
    WikidataClient,
    glossary_csv,
    propose,
)
from harness.references.wikidata import (
    wikidata_url as wikidata_url_for,
)


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
        click.echo(
            f"{article.id}  {len(article.segments)} segments  {len(article.edits)} edits  "
            f"{article.meta.get('date', '?')}  {article.title}"
        )


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
            click.echo(
                f"ok   {article_id} ({len(article.segments)} segments, {len(article.edits)} edits)"
            )
    if failed:
        sys.exit(EXIT_GATE_FAILED)


@references.command("add")
@click.argument("article_id")
@click.option(
    "--spun",
    "spun_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The spun text, as it reached you.",
)
@click.option(
    "--restored",
    "restored_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The same text with every spun word put back (the original).",
)
@click.option(
    "--text",
    "text_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Instead of --spun/--restored: a plain article (no spun version).",
)
@click.option("--title", help="Headline of the article (with --text: default its first line).")
@click.option("--publisher", help="Who published the original (required with --spun).")
@click.option("--date", help="Publication date, YYYY-MM-DD (required with --spun).")
@click.option("--language", default="en", show_default=True, help="Source language (BCP-47).")
@click.option("--url", "urls", multiple=True, help="Where the original is; repeat for several.")
@click.option(
    "--max-changed",
    type=click.FloatRange(0, 1),
    default=DEFAULT_MAX_CHANGED,
    show_default=True,
    help="Largest share of changed words accepted as spinning.",
)
@references_option
def add(
    article_id: str,
    spun_path: Path | None,
    restored_path: Path | None,
    text_path: Path | None,
    title: str | None,
    publisher: str | None,
    date: str | None,
    language: str,
    urls: tuple[str, ...],
    max_changed: float,
    references_dir: Path | None,
) -> None:
    """Add an article from its spun text and its restoration (derives the edits by
    paragraph and word alignment), or from a plain text (--text); proposes a facts
    inventory to review and runs the check."""
    root = references_root(references_dir)
    if text_path is not None:
        if spun_path or restored_path:
            raise UsageError(
                "--text is a plain article; give either --text or --spun and --restored"
            )
        heading = title or _first_line(text_path)
        article = add_text_article(
            root,
            article_id,
            text_path,
            ArticleMeta(heading, publisher or "", date or "", language, urls),
        )
        click.echo(
            f"added {article.path}: {len(article.segments)} segments (plain text, "
            "one variant: original)"
        )
    else:
        missing = [
            flag
            for flag, value in (
                ("--spun", spun_path),
                ("--restored", restored_path),
                ("--title", title),
                ("--publisher", publisher),
                ("--date", date),
            )
            if not value
        ]
        if missing:
            raise UsageError(
                f"missing {', '.join(missing)} (or give --text FILE for a plain article)"
            )
        assert spun_path and restored_path and title and publisher and date
        added = add_article(
            root,
            article_id,
            spun_path,
            restored_path,
            ArticleMeta(title, publisher, date, language, urls),
            max_changed,
        )
        article, alignment = added.article, added.alignment
        click.echo(
            f"added {article.path}: {len(article.segments)} segments, "
            f"{len(alignment.edits)} edits, {alignment.changed_words} of "
            f"{alignment.words} words spun ({100 * alignment.changed_share:.0f}%)"
            + (
                f", {alignment.number_swaps} numbers written as words or back"
                if alignment.number_swaps
                else ""
            )
        )
        for line, text in alignment.furniture:
            click.echo(f"  furniture (spun line {line}, not translated): {text}")
        for text in alignment.dropped:
            click.echo(f"  dropped (in the original, not in the spun copy): {text}")
        joined = [
            f"{count} {what}"
            for count, what in ((alignment.merged, "merged"), (alignment.split, "split"))
            if count
        ]
        if joined:
            click.echo(f"  paragraphs the copy {' and '.join(joined)}")
        if (article.path / "original.txt").is_file():
            click.echo(
                "  restored.txt follows the lines of spun.txt; original.txt keeps the "
                "restored text as given"
            )
    click.echo(
        f"  review {article.path / 'facts.toml'}: proposed names and numbers "
        "(add accepted forms per language, then set reviewed = true)"
    )
    problems = list(check_article(article))
    if problems:
        click.echo(f"FAIL {article.id}")
        for problem in problems:
            click.echo(f"  - {problem}")
        sys.exit(EXIT_GATE_FAILED)
    click.echo(f"ok   {article.id}")


def _first_line(path: Path) -> str:
    """A plain article's headline: its first non-empty line, shortened."""
    first = next(
        (line.strip() for line in read_text(path, "plain").split("\n") if line.strip()), path.stem
    )
    return first if len(first) <= 120 else first[:117] + "..."


@references.command("facts")
@click.argument("article_id")
@click.option(
    "--wikidata",
    is_flag=True,
    help="Propose accepted forms per language from Wikidata labels and aliases.",
)
@click.option(
    "--lang",
    "langs",
    multiple=True,
    help="Languages to propose forms for (default: those the facts have forms in).",
)
@click.option(
    "--wikidata-url", help=f"Wikidata API endpoint (default: ${URL_ENV} or {DEFAULT_URL})."
)
@click.option(
    "--output",
    "output_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the proposals (default: <article>/wikidata-forms.csv).",
)
@references_option
def facts(
    article_id: str,
    wikidata: bool,
    langs: tuple[str, ...],
    wikidata_url: str | None,
    output_path: Path | None,
    references_dir: Path | None,
) -> None:
    """The article's names with their accepted forms per language; with --wikidata,
    forms proposed from Wikidata, written as a glossary CSV (source,lang,form) to
    review and then use with --glossary. facts.toml itself is never changed."""
    article = load_article(article_id, references_root(references_dir))
    article_names = article_facts(article)
    if article_names is None:
        raise ArticleError(f"{article.id}: the article has no facts.toml")
    names = article_names.names
    for name in names:
        counts = ", ".join(f"{lang} {len(forms)}" for lang, forms in sorted(name.forms.items()))
        click.echo(f"{name.id:<28} {name.source:<32} {counts or 'no curated forms'}")
    if not wikidata:
        return
    languages = split_list(langs) or sorted({lang for n in names for lang in n.forms})
    if not languages:
        raise UsageError("no languages to propose forms for: give them with --lang")
    with httpx.Client(timeout=30.0) as client:
        proposals = propose(
            WikidataClient(client, wikidata_url_for(wikidata_url)),
            [n.source for n in names],
            article.language,
            languages,
        )
    target = output_path or article.path / "wikidata-forms.csv"
    target.write_text(glossary_csv(proposals), "utf-8")
    curated = {n.source: n.forms for n in names}
    for proposal in proposals:
        if proposal.entity is None:
            click.echo(f"{proposal.source}: not found on Wikidata")
            continue
        found = []
        for lang, forms in sorted(proposal.forms.items()):
            known = set(curated.get(proposal.source, {}).get(lang, ()))
            new = sum(1 for form in forms if form not in known)
            found.append(f"{lang} {len(forms)} ({new} new)")
        click.echo(
            f"{proposal.source}: {proposal.entity} {proposal.label!r} "
            f"({proposal.description}): {', '.join(found) or 'no labels'}"
        )
    click.echo(f"wrote {target}: review it, then use it with --glossary")
