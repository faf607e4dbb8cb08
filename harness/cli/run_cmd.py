"""``harness run``: send the reference articles through one or more providers."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import click

from harness.cli.options import config_option, default_runs_dir, references_option, split_list
from harness.config import load_config, parse_overrides, parse_rate
from harness.errors import UsageError
from harness.execution import RunResult, execute_run
from harness.instances import ProviderPlan, plan_provider
from harness.references import VARIANTS, list_article_ids, load_article, references_root
from harness.registry import Registry

DEFAULT_PROVIDER = "apertium"


@click.command()
@click.option("--provider", "-p", "providers", multiple=True,
              help="Provider instance or adapter name; repeat for several (default: apertium).")
@click.option("--to", "targets", multiple=True,
              help="Target languages, BCP-47, comma-separated (default: every pair the "
                   "provider has from the article's language).")
@click.option("--article", "articles", multiple=True,
              help="Reference article id; repeat for several (default: all).")
@click.option("--variant", "variants", type=click.Choice(VARIANTS), multiple=True,
              help="Which version of the article to send (default: both).")
@click.option("-o", "--option", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override one provider option, e.g. -o base_url=http://127.0.0.1:8000.")
@click.option("--concurrency", type=click.IntRange(min=1), help="Requests in flight per provider.")
@click.option("--rate", help="Request rate limit per provider, e.g. 10/s or 600/min.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True),
              help="Seconds per request.")
@click.option("--max-attempts", type=click.IntRange(min=1), help="Attempts per request.")
@click.option("--runs-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where run files go (default: $HARNESS_RUNS_DIR or ./runs).")
@config_option
@references_option
def run(providers: tuple[str, ...], targets: tuple[str, ...], articles: tuple[str, ...],
        variants: tuple[str, ...], overrides: tuple[str, ...], concurrency: int | None,
        rate: str | None, timeout: float | None, max_attempts: int | None,
        runs_dir: Path | None, config_path: Path | None,
        references_dir: Path | None) -> None:
    """Translate every segment of the articles (spun and restored) into every target language.

    Each provider writes one JSONL run file under runs/; the command prints where.
    """
    registry = Registry()
    config = load_config(config_path, required=config_path is not None)
    settings: dict[str, Any] = {
        "concurrency": concurrency,
        "timeout": timeout,
        "max_attempts": max_attempts,
        "rate_limit": parse_rate(rate) if rate else None,
    }
    option_values = parse_overrides(overrides)
    plans = [
        plan_provider(name, config=config, registry=registry, overrides=option_values,
                      settings=settings)
        for name in (split_list(providers) or [DEFAULT_PROVIDER])
    ]
    root = references_root(references_dir)
    article_ids = split_list(articles) or list_article_ids(root)
    if not article_ids:
        raise UsageError(f"no reference articles in {root}")
    loaded = [load_article(article_id, root) for article_id in article_ids]
    chosen_targets = split_list(targets)
    chosen_variants = list(variants) or list(VARIANTS)
    out_dir = runs_dir or default_runs_dir()
    try:
        results = asyncio.run(_run_all(plans, loaded, chosen_targets, chosen_variants, out_dir))
    except KeyboardInterrupt:
        click.echo("harness: interrupted; finished segments are saved in the run file(s) "
                   "under " + str(out_dir), err=True)
        sys.exit(130)
    for result in results:
        _print_summary(result)


async def _run_all(plans: list[ProviderPlan], articles: list[Any], targets: list[str],
                   variants: list[str], runs_dir: Path) -> list[RunResult]:
    from harness.cli.progress import RunProgress

    with RunProgress(enabled=sys.stderr.isatty()) as progress:
        return list(await asyncio.gather(*(
            execute_run(plan, articles, targets=targets, variants=variants, runs_dir=runs_dir,
                        on_start=progress.start, on_record=progress.advance)
            for plan in plans
        )))


def _print_summary(result: RunResult) -> None:
    counts = result.counts
    click.echo(f"{result.provider}: wrote {result.path}")
    click.echo(f"  {counts.segments} segments, {counts.ok} ok, {counts.errors} errors "
               f"in {result.seconds:.1f} s")
    for target, tc in result.by_target.items():
        click.echo(f"  {target:<8} {tc.ok:>5} ok {tc.errors:>5} errors")
    if counts.errors:
        click.echo(f"  {counts.errors} segment(s) failed; their errors are in the run file",
                   err=True)
