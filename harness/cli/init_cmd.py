"""``harness init``: write a commented starter ``harness.toml``.

The file runs as written (``harness run`` and ``harness compare`` with no
flags): Apertium into every installed language, compared against the committed
baseline with the gates the CI workflow uses. Every other table is there as a
comment to uncomment. An existing file is left alone unless ``--force``.
"""

from __future__ import annotations

from pathlib import Path

import click

from harness.errors import UsageError
from harness.run.config import CONFIG_FILENAME

STARTER = """\
# harness.toml: what `harness run` and `harness compare` do when given no flags.
# A flag on the command line wins over the key that stands for it.

[run]
# Provider instances (below) or adapter names (`harness providers` lists them).
providers = ["apertium"]
# Target languages, BCP-47 (any case; ES, es_ES and spa all mean es).
# Empty: every language the provider has from the article's language.
targets = []
# Reference article ids (`harness references list`); empty: all of them.
articles = []
# Your own texts (.txt, .jsonl, .tsv), relative to this file; with inputs and no
# articles, only the inputs are sent.
inputs = []
# "spun", "restored" or both (empty).
variants = []

[gates]
# The run file every other run is compared against, and the runs to compare
# (paths relative to this file; a folder stands for the *.jsonl files in it).
baseline = "runs/baseline/apertium.jsonl"
runs = ["runs"]

[gates.fail_under]
# Floors every run must reach in every language: rates are fractions 0..1,
# chrf and bleu are points 0..100. METRIC@VARIANT limits a floor to one variant.
"names@restored" = 0.75
"numbers@restored" = 0.50

[gates.max_regression]
# Against the baseline: fidelity=0.02 allows a drop of two percentage points;
# broken and errors count newly broken facts and newly failing segments.
fidelity = 0.02
broken = 0
errors = 0

# [defaults]               # for every provider instance
# concurrency = 4
# timeout = 60             # seconds per request
# max_attempts = 5
# rate_limit = "10/s"      # or "600/min"

# [providers.deepl-formal] # an instance: use it with --provider deepl-formal
# adapter = "deepl"        # keys come from environment variables only
# price_per_million_chars = 25.0
# [providers.deepl-formal.options]
# formality = "more"
"""


@click.command()
@click.option(
    "--path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path(CONFIG_FILENAME),
    show_default=True,
    help="Where to write the file.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a commented starter harness.toml: run plan, gates, provider examples."""
    if path.exists() and not force:
        raise UsageError(f"{path} exists; --force overwrites it")
    try:
        path.write_text(STARTER, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror}") from exc
    click.echo(f"harness init: wrote {path}; `harness run` then `harness compare` use it", err=True)
