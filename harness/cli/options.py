"""Options and helpers shared by several commands."""

from __future__ import annotations

import os
from pathlib import Path

import click

RUNS_DIR_ENV = "HARNESS_RUNS_DIR"


def split_list(values: tuple[str, ...]) -> list[str]:
    """``("es,ca", "gl")`` -> ``["es", "ca", "gl"]``, order kept, duplicates dropped."""
    seen: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if part and part not in seen:
                seen.append(part)
    return seen


def default_runs_dir() -> Path:
    return Path(os.environ.get(RUNS_DIR_ENV, "runs"))


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (default: ./harness.toml when present).",
)
glossary_option = click.option(
    "--glossary",
    "glossary_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Glossary or termbase of accepted name forms: CSV (source,lang,form) or TBX.",
)
references_option = click.option(
    "--references",
    "references_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of reference articles (default: $HARNESS_REFERENCES, ./references, or the "
    "articles shipped with harness).",
)
