"""``harness merge``: join the run files of the shards of one run into one run file."""

from __future__ import annotations

from pathlib import Path

import click

from harness.cli.options import default_runs_dir
from harness.run.merge import merge_runs
from harness.run.resume import find_run


@click.command()
@click.argument("runs", nargs=-1, required=True, metavar="RUN...")
@click.option(
    "--output",
    "-O",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where the merged run file goes (default: a new run id under --runs-dir).",
)
@click.option(
    "--runs-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where run ids are looked up and the merged file goes "
    "(default: $HARNESS_RUNS_DIR or ./runs).",
)
def merge(runs: tuple[str, ...], output: Path | None, runs_dir: Path | None) -> None:
    """Join the shard run files (--shard 1/n ... n/n) of one provider run.

    Checks that they belong together: same provider, articles, targets and variants,
    every shard present once and complete, no segment twice.
    """
    out_dir = runs_dir or default_runs_dir()
    paths = [find_run(ref, out_dir) for ref in runs]
    result = merge_runs(paths, out_dir, output)
    counts = result.counts
    click.echo(f"merged {result.shards} shard(s) into {result.path}")
    click.echo(f"  {counts.segments} segments, {counts.ok} ok, {counts.errors} errors")
