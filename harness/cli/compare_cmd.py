"""``harness compare``: runs side by side, against a baseline, with gates for CI.

Exit codes: 0 every gate passed (or none set), 1 a gate failed (the reports are
written all the same and say which), 2 usage or configuration error
(including runs that cannot be compared), 3 runtime failure.

With no RUNS, no --baseline and no gate flags, the ``[gates]`` table of
``harness.toml`` supplies them (:mod:`harness.compare.gate_table`); with no runs
there either, the runs folder (``$HARNESS_RUNS_DIR`` or ``./runs``) is compared.
"""

from __future__ import annotations

import sqlite3
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import click

from harness.cli.options import (
    config_option,
    default_runs_dir,
    glossary_option,
    references_option,
)
from harness.compare.build import CompareOptions, build_report
from harness.compare.gate_table import parse_gate_table
from harness.compare.gates import Gate, parse_gate
from harness.compare.model import Report
from harness.errors import EXIT_GATE_FAILED, HarnessError, UsageError
from harness.fidelity.glossary import load_glossary
from harness.report.html import render_html
from harness.report.json_report import render_json
from harness.report.junit import render_junit
from harness.report.markdown import render_markdown
from harness.report.overview import gate_summary
from harness.report.terminal import render_terminal
from harness.run.config import CONFIG_FILENAME, load_config

FILE_NAMES = {
    "terminal": "compare.txt",
    "markdown": "compare.md",
    "json": "compare.json",
    "junit": "compare.junit.xml",
    "html": "compare.html",
}


# compare.txt is read later, in an editor or a CI log: lay it out wide.
FILE_WIDTH = 160


def _renderer(
    name: str, color: bool, width: int | None = None, fact_table: bool | None = None
) -> Callable[[Report], str]:
    if name == "terminal":
        return lambda report: render_terminal(
            report, color=color, width=width, fact_table=fact_table
        )
    return {
        "markdown": render_markdown,
        "json": render_json,
        "junit": render_junit,
        "html": render_html,
    }[name]


@click.command()
@click.argument("runs", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    help="Run file to compare every other run against (paired deltas, significance, "
    "newly broken facts).",
)
@references_option
@config_option
@click.option(
    "--format",
    "formats",
    multiple=True,
    default=("terminal",),
    show_default=True,
    type=click.Choice(list(FILE_NAMES)),
    help="Report format; repeat for several (then --output-dir is needed).",
)
@click.option(
    "--output-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help=f"Write each format there: {', '.join(FILE_NAMES.values())}.",
)
@click.option(
    "--fail-under",
    "fail_under",
    multiple=True,
    metavar="METRIC[@VARIANT]=VALUE",
    help="Gate: every run's names, numbers, fidelity, ok (fractions) or chrf, bleu "
    "(points) at least VALUE in every language, e.g. names=0.95.",
)
@click.option(
    "--max-regression",
    "max_regression",
    multiple=True,
    metavar="METRIC[@VARIANT]=VALUE",
    help="Gate against the baseline: a drop of at most VALUE (fidelity=0.02), or at "
    "most N newly broken facts (broken=0) or newly failing segments (errors=0).",
)
@click.option(
    "--allow-mismatch",
    is_flag=True,
    help="Compare runs of different article texts or scorer signatures anyway.",
)
@click.option(
    "--details",
    "detail_segments",
    type=click.IntRange(0),
    default=40,
    show_default=True,
    help="Segments shown in full (outputs side by side).",
)
@click.option(
    "--facts",
    "fact_rows",
    type=click.IntRange(0),
    default=200,
    show_default=True,
    help="Facts (rows) in the per-fact table and heatmap.",
)
@click.option(
    "--show-broken",
    type=click.IntRange(0),
    default=50,
    show_default=True,
    help="Newly broken facts listed with their outputs, per run.",
)
@click.option("--color/--no-color", default=None, help="Colour the terminal report.")
@click.option(
    "--fact-table/--no-fact-table",
    default=None,
    help="Show the per-fact table in the terminal report [default: when it fits "
    "the terminal's width].",
)
@glossary_option
@click.option(
    "--workers",
    type=click.IntRange(1),
    default=None,
    help="Processes scoring the runs (default: one per usable core for big runs; "
    "the report does not depend on it).",
)
def compare(
    runs: tuple[Path, ...],
    baseline: Path | None,
    references_dir: Path | None,
    formats: tuple[str, ...],
    output_dir: Path | None,
    fail_under: tuple[str, ...],
    max_regression: tuple[str, ...],
    allow_mismatch: bool,
    detail_segments: int,
    fact_rows: int,
    show_broken: int,
    color: bool | None,
    fact_table: bool | None,
    config_path: Path | None,
    glossary_path: Path | None,
    workers: int | None,
) -> None:
    """Compare run files side by side: names and numbers fidelity, unexpected facts,
    spin sensitivity, chrF/BLEU, errors, latency and usage per language and variant;
    against a baseline, paired deltas with significance and newly broken facts."""
    chosen = list(dict.fromkeys(formats))
    if len(chosen) > 1 and output_dir is None:
        raise UsageError("several --format values need --output-dir to write them to")
    config = load_config(config_path, required=config_path is not None)
    table = parse_gate_table(
        config.gates,
        config.path.parent if config.path else Path.cwd(),
        f"{config.path or CONFIG_FILENAME} [gates]",
    )
    runs = runs or tuple(table.runs) or (default_runs_dir(),)
    baseline = baseline or table.baseline
    gates: list[Gate] = [parse_gate("fail-under", spec) for spec in fail_under] or table.fail_under
    gates += [parse_gate("max-regression", spec) for spec in max_regression] or table.max_regression
    if any(g.kind == "max-regression" for g in gates) and baseline is None:
        raise UsageError("--max-regression needs --baseline")
    options = CompareOptions(
        baseline=baseline,
        references=references_dir,
        allow_mismatch=allow_mismatch,
        gates=gates,
        detail_segments=detail_segments,
        broken_shown=show_broken,
        fact_rows=fact_rows,
        workers=workers,
        glossary=load_glossary(glossary_path) if glossary_path else None,
    )
    try:
        report = build_report(list(runs), options)
        written = _write(
            report, chosen, output_dir, sys.stdout.isatty() if color is None else color, fact_table
        )
    except HarnessError:
        raise
    except (OSError, sqlite3.Error) as exc:
        raise HarnessError(f"compare failed: {exc}") from exc
    except Exception as exc:
        # Exit code 1 means "a gate failed"; a crash must not look like one.
        traceback.print_exc()
        raise HarnessError(f"compare failed: {type(exc).__name__}: {exc}") from exc
    if written:
        click.echo(f"harness compare: wrote {', '.join(str(p) for p in written)}", err=True)
    for line in gate_summary(report):  # one line per gate; every check is in the reports
        click.echo(f"harness compare: gate failed: {line.removeprefix('✖ ')}", err=True)
    if not report.passed:
        sys.exit(EXIT_GATE_FAILED)


def _write(
    report: Report,
    formats: list[str],
    output_dir: Path | None,
    color: bool,
    fact_table: bool | None = None,
) -> list[Path]:
    written: list[Path] = []
    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)
    for name in formats:
        if output_dir is None:
            click.echo(_renderer(name, color, fact_table=fact_table)(report), nl=False)
            continue
        path = output_dir / FILE_NAMES[name]
        path.write_text(_renderer(name, False, FILE_WIDTH, fact_table)(report), encoding="utf-8")
        written.append(path)
        if name == "terminal":
            click.echo(_renderer(name, color, fact_table=fact_table)(report), nl=False)
    return written
