"""``harness run``: send the reference articles through one or more providers.

Also continues a run (``--resume``), re-sends failed segments (``--retry-errors``),
prices a run without sending anything (``--dry-run``) and runs one shard of the
work (``--shard i/n``). With ``--batch`` the segments go through the provider's
batch service (:mod:`harness.run.batch`); ``--status``/``--cancel`` watch or stop one.
Each provider writes its own run file and all run at
once; one provider's failure never costs another's work. The first Ctrl-C lets
requests in flight finish and stops; the second cancels them. Either way every
line already written is whole, and the command prints how to resume.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from harness.cli.options import (
    config_option,
    default_runs_dir,
    glossary_option,
    references_option,
    split_list,
)
from harness.cli.own_content import own_content
from harness.cli.run_batch import (
    cancel,
    check_batch_flags,
    is_batch_run,
    print_batch_estimates,
    print_batch_outcomes,
    show_status,
)
from harness.cli.run_comparison import print_comparison
from harness.cli.run_defaults import DEFAULT_PROVIDERS, default_runs
from harness.cli.run_report import print_estimates, print_outcomes
from harness.errors import UsageError
from harness.inputs.content import DEFAULT_SOURCE_LANG, load_inputs
from harness.references.article import VARIANTS, list_article_ids, load_article, references_root
from harness.run.batch.driver import execute_batch_run, resume_batch_run
from harness.run.batch.estimate import estimate_batch_run
from harness.run.cache import TranslationCache
from harness.run.config import (
    CONFIG_FILENAME,
    load_config,
    parse_overrides,
    parse_rate,
    shadowing_warnings,
)
from harness.run.estimate import estimate_run
from harness.run.execution import RunControl, RunResult, execute_run, resume_run, retry_errors
from harness.run.instances import ProviderPlan, plan_provider
from harness.run.langs import normalise_lang, normalise_langs
from harness.run.plan import parse_shard
from harness.run.registry import Registry
from harness.run.resume import find_run, rebuild_articles, rebuild_provider
from harness.run.run_table import parse_run_table
from harness.runfile import RunFile

T = TypeVar("T")


@click.command()
@click.option(
    "--provider",
    "-p",
    "providers",
    multiple=True,
    help="Provider instance or adapter name; repeat for several (default: the "
    "local engines apertium and bergamot, each for the languages it offers).",
)
@click.option(
    "--to",
    "targets",
    multiple=True,
    help="Target languages, BCP-47, comma-separated, any case (ES, es_ES and spa "
    "are es; default: [run] targets, else every pair the provider has from "
    "the article's language).",
)
@click.option(
    "--article",
    "articles",
    multiple=True,
    help="Reference article id; repeat for several (default: all).",
)
@click.option(
    "--variant",
    "variants",
    type=click.Choice(VARIANTS),
    multiple=True,
    help="Which version of the article to send (default: both).",
)
@click.option(
    "-o",
    "--option",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override one provider option, e.g. -o base_url=http://127.0.0.1:8000.",
)
@click.option("--concurrency", type=click.IntRange(min=1), help="Requests in flight per provider.")
@click.option("--rate", help="Request rate limit per provider, e.g. 10/s or 600/min.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds per request.")
@click.option("--max-attempts", type=click.IntRange(min=1), help="Attempts per request.")
@click.option(
    "--max-wait",
    type=float,
    metavar="SECONDS",
    help="Longest Retry-After to wait out; a longer one stops the provider.",
)
@click.option(
    "--runs-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where run files go (default: $HARNESS_RUNS_DIR or ./runs).",
)
@click.option(
    "--resume",
    "resume_ref",
    metavar="RUN",
    help="Continue an interrupted run (a run file or run id).",
)
@click.option(
    "--retry-errors",
    "retry_ref",
    metavar="RUN",
    help="Write a new run from RUN: its ok segments copied, failed ones sent again.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print requests, characters, tokens and cost per provider; send nothing.",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the translation cache.")
@click.option(
    "--shard",
    "shard_text",
    metavar="I/N",
    help="Run only shard I of N of the work (see `harness merge`).",
)
@click.option(
    "--input",
    "input_paths",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Your own content: FILE.txt (a plain article), FILE.jsonl or FILE.tsv "
    "(segments, optionally with references); repeat for several.",
)
@click.option(
    "--reference",
    "reference_specs",
    multiple=True,
    metavar="LANG=FILE",
    help="A line-aligned reference translation of a .txt --input; repeatable.",
)
@click.option("--article-id", help="Article id of a .txt/.tsv --input (default: file stem).")
@click.option(
    "--from",
    "source_lang",
    default=DEFAULT_SOURCE_LANG,
    show_default=True,
    help="Source language of --input files (JSONL lines may say source_lang).",
)
@click.option(
    "--batch",
    is_flag=True,
    help="Send through the provider's batch service (half price, results within "
    "24 h); --resume collects a batch run.",
)
@click.option(
    "--status",
    "status_ref",
    metavar="RUN",
    help="With --batch: show the progress of a batch run's batches.",
)
@click.option(
    "--cancel",
    "cancel_ref",
    metavar="RUN",
    help="With --batch: ask the service to cancel a batch run's open batches.",
)
@click.option(
    "--no-wait",
    is_flag=True,
    help="With --batch: submit the batches and exit; collect later with --resume.",
)
@click.option(
    "--poll",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="With --batch: first wait between polls (default 10; grows to 300).",
)
@config_option
@references_option
@glossary_option
def run(
    providers: tuple[str, ...],
    targets: tuple[str, ...],
    articles: tuple[str, ...],
    variants: tuple[str, ...],
    overrides: tuple[str, ...],
    concurrency: int | None,
    rate: str | None,
    timeout: float | None,
    max_attempts: int | None,
    runs_dir: Path | None,
    resume_ref: str | None,
    retry_ref: str | None,
    dry_run: bool,
    no_cache: bool,
    shard_text: str | None,
    input_paths: tuple[Path, ...],
    reference_specs: tuple[str, ...],
    article_id: str | None,
    source_lang: str,
    batch: bool,
    status_ref: str | None,
    cancel_ref: str | None,
    no_wait: bool,
    poll: float | None,
    config_path: Path | None,
    references_dir: Path | None,
    max_wait: float | None,
    glossary_path: Path | None,
) -> None:
    """Translate every segment of the articles (spun and restored), or of your own
    --input files (one version, original), into every target language.

    Each provider writes one JSONL run file under runs/; the command prints where.
    Several providers end with a short comparison of names and numbers kept.
    """
    registry = Registry()
    config = load_config(config_path, required=config_path is not None)
    for warning in shadowing_warnings(config, registry):
        click.echo(f"harness: warning: {warning}", err=True)
    table = parse_run_table(
        config.run,
        f"{config.path or CONFIG_FILENAME} [run]",
        config.path.parent if config.path else None,
    )
    settings: dict[str, Any] = {
        "concurrency": concurrency,
        "timeout": timeout,
        "max_attempts": max_attempts,
        "rate_limit": parse_rate(rate) if rate else None,
        "max_wait": max_wait,
    }
    out_dir = runs_dir or default_runs_dir()
    root = references_root(references_dir)
    poller = check_batch_flags(batch or resume_ref is not None, no_wait, poll)
    watched = status_ref or cancel_ref
    if watched is not None:
        if not batch or (status_ref and cancel_ref) or resume_ref or retry_ref:
            raise UsageError(
                "--status RUN and --cancel RUN go with --batch alone, e.g. "
                "harness run --batch --status RUN"
            )
        path = find_run(watched, out_dir)
        header = RunFile(path).header
        if references_dir is None and header.references:
            root = Path(header.references)
        plan = rebuild_provider(header, config=config, registry=registry, settings=settings)
        if status_ref:
            show_status(path, plan, rebuild_articles(header, root))
        else:
            cancel(path, plan)
        return
    existing = resume_ref or retry_ref
    if existing is not None:
        if resume_ref and retry_ref:
            raise UsageError("--resume and --retry-errors cannot be combined")
        if batch and retry_ref:
            raise UsageError("--retry-errors sends the failed segments synchronously; drop --batch")
        given = [
            flag
            for flag, value in (
                ("--provider", providers),
                ("--to", targets),
                ("--article", articles),
                ("--variant", variants),
                ("-o", overrides),
                ("--shard", shard_text),
                ("--dry-run", dry_run),
                ("--input", input_paths),
                ("--reference", reference_specs),
            )
            if value
        ]
        if given:
            raise UsageError(
                f"{', '.join(given)} cannot be used with --resume or "
                "--retry-errors: the run file's header fixes them"
            )
        path = find_run(existing, out_dir)
        header = RunFile(path).header  # the first line only: a torn tail is repaired later
        if references_dir is None and header.references:
            root = Path(header.references)
        plan = rebuild_provider(header, config=config, registry=registry, settings=settings)
        loaded = rebuild_articles(header, root)
        operation = resume_run if resume_ref else retry_errors
        cache = None if no_cache else TranslationCache.open_default()
        if resume_ref and is_batch_run(header):
            _execute(
                lambda control, progress: [
                    resume_batch_run(
                        path,
                        plan,
                        loaded,
                        cache=cache,
                        control=control,
                        poller=poller,
                        wait=not no_wait,
                        on_start=progress.start,
                        on_progress=progress.on_progress,
                    )
                ],
                cache,
                print_batch_outcomes,
            )
            return
        _execute(
            lambda control, progress: [
                operation(
                    path,
                    plan,
                    loaded,
                    cache=cache,
                    control=control,
                    on_start=progress.start,
                    on_progress=progress.on_progress,
                )
            ],
            cache,
        )
        return

    glossary = None
    if glossary_path is not None:
        from harness.fidelity.glossary import load_glossary

        loaded_glossary = load_glossary(glossary_path)  # a bad file stops before any request
        glossary = {"path": str(glossary_path), "digest": loaded_glossary.digest}
    option_values = parse_overrides(overrides)
    named = split_list(providers) or table.providers
    plans = [
        plan_provider(
            name,
            config=config,
            registry=registry,
            overrides=option_values,
            settings=settings,
            require_keys=not dry_run,
        )
        for name in (named or DEFAULT_PROVIDERS)
    ]
    own = own_content(
        input_paths or (() if articles else tuple(table.inputs)),
        reference_specs,
        article_id,
        normalise_lang(source_lang),
    )
    if own and variants:
        raise UsageError(
            "--variant chooses versions of reference articles; --input files "
            "have one version, original"
        )
    article_ids = (
        split_list(articles)
        or ([] if input_paths else table.articles)
        or ([] if own else list_article_ids(root))
    )
    if not article_ids and not own:
        raise UsageError(f"no reference articles in {root}")
    loaded = [load_article(article_id, root) for article_id in article_ids]
    inputs = load_inputs(own, taken=article_ids)
    loaded += [article for item in inputs for article in item.articles]
    chosen_targets = normalise_langs(split_list(targets)) or table.targets
    runs: list[tuple[ProviderPlan, list[str] | None]]
    if named:
        runs = [(plan, chosen_targets) for plan in plans]
    else:
        runs = [
            (run.plan, run.targets)
            for run in asyncio.run(default_runs(plans, loaded, chosen_targets))
        ]
    chosen_variants = (
        list(variants)
        or ([] if own else table.variants)
        or list(dict.fromkeys(v for a in loaded for v in a.variants))
    )
    shard = parse_shard(shard_text) if shard_text else None
    cache = None if no_cache else TranslationCache.open_default()
    if dry_run and batch:
        try:
            batch_estimates = asyncio.run(
                _gather(
                    [
                        estimate_batch_run(
                            plan,
                            loaded,
                            targets=chosen_targets,
                            variants=chosen_variants,
                            shard=shard,
                            cache=cache,
                        )
                        for plan in plans
                    ]
                )
            )
        finally:
            if cache is not None:
                cache.close()
        print_batch_estimates(batch_estimates)
        return
    if batch:
        _execute(
            lambda control, progress: [
                execute_batch_run(
                    plan,
                    loaded,
                    targets=chosen_targets,
                    variants=chosen_variants,
                    runs_dir=out_dir,
                    shard=shard,
                    cache=cache,
                    control=control,
                    poller=poller,
                    wait=not no_wait,
                    on_start=progress.start,
                    on_progress=progress.on_progress,
                    inputs=[item.entry() for item in inputs],
                )
                for plan in plans
            ],
            cache,
            print_batch_outcomes,
        )
        return
    if dry_run:
        try:
            estimates = asyncio.run(
                _gather(
                    [
                        estimate_run(
                            plan,
                            loaded,
                            targets=plan_targets,
                            variants=chosen_variants,
                            shard=shard,
                            cache=cache,
                        )
                        for plan, plan_targets in runs
                    ]
                )
            )
        finally:
            if cache is not None:
                cache.close()
        print_estimates(estimates)
        return
    # The default engines run in this process and share its processors: one after the
    # other, so that each one's speed in the comparison is its own.
    turns = None if named else asyncio.Lock()
    _execute(
        lambda control, progress: [
            _in_turn(
                turns,
                execute_run(
                    plan,
                    loaded,
                    targets=plan_targets,
                    variants=chosen_variants,
                    runs_dir=out_dir,
                    shard=shard,
                    cache=cache,
                    control=control,
                    on_start=progress.start,
                    on_progress=progress.on_progress,
                    inputs=[item.entry() for item in inputs],
                    references=references_dir,
                    glossary=glossary,
                ),
            )
            for plan, plan_targets in runs
        ],
        cache,
        compare=len(runs) > 1,
        references=root,
    )


async def _gather(jobs: list[Coroutine[Any, Any, Any]]) -> list[Any]:
    return list(await asyncio.gather(*jobs))


async def _in_turn(lock: asyncio.Lock | None, job: Coroutine[Any, Any, T]) -> T:
    """Run ``job``; with ``lock``, only once the other jobs holding it are done."""
    if lock is None:
        return await job
    async with lock:
        return await job


def _execute(
    make_jobs: Any,
    cache: TranslationCache | None,
    printer: Any = print_outcomes,
    *,
    compare: bool = False,
    references: Path | None = None,
) -> None:
    try:
        outcomes, paths, cancelled = asyncio.run(_run_all(make_jobs))
    finally:
        if cache is not None:
            cache.close()
    code = printer(outcomes, paths, cancelled)
    if compare and not cancelled:
        print_comparison([o for o in outcomes if isinstance(o, RunResult)], references)
    sys.exit(code)


async def _run_all(make_jobs: Any) -> tuple[list[RunResult | BaseException], dict[str, Path], bool]:
    """Run every job at once; Ctrl-C once stops them cleanly, twice cancels them."""
    from harness.cli.progress import RunProgress

    control = RunControl()
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()
    presses = 0

    def on_interrupt() -> None:
        nonlocal presses
        presses += 1
        if presses == 1:
            click.echo(
                "harness: stopping: waiting for the requests in flight "
                "(press Ctrl-C again to cancel them)",
                err=True,
            )
            control.stop()
        elif main_task is not None:
            main_task.cancel()

    # SIGTERM (sent by `kill`, CI runners and service managers) stops like Ctrl-C does.
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, on_interrupt)
        handled = True
    except (NotImplementedError, RuntimeError):  # not on this platform or thread
        handled = False
    with RunProgress(enabled=sys.stderr.isatty()) as progress:
        try:
            outcomes = list(
                await asyncio.gather(*make_jobs(control, progress), return_exceptions=True)
            )
        except asyncio.CancelledError:
            return [], progress.paths, True
        finally:
            if handled:
                for signum in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(signum)
    return outcomes, progress.paths, False
