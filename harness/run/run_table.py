"""The ``[run]`` table of ``harness.toml``: what ``harness run`` does with no flags.

::

    [run]
    providers = ["apertium"]          # instance or adapter names
    targets = ["es", "ca"]            # BCP-47; normalised like --to
    articles = []                     # reference article ids; empty = all
    inputs = ["texts/mine.txt"]       # your own content; relative to this file
    variants = ["spun", "restored"]   # empty = both

Each key stands in for its flag (``--provider``, ``--to``, ``--article``,
``--input``, ``--variant``) when the flag is not given; a flag given on the
command line wins over its key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import ConfigError, UsageError
from harness.references.article import VARIANTS
from harness.run.langs import normalise_langs

KEYS = ("providers", "targets", "articles", "inputs", "variants")


@dataclass(frozen=True)
class RunTable:
    providers: list[str]
    targets: list[str]
    articles: list[str]
    variants: list[str]
    inputs: list[Path] = field(default_factory=list)


def _strings(table: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return list(dict.fromkeys(value))


def parse_run_table(
    table: Mapping[str, Any], where: str = "harness.toml [run]", base: Path | None = None
) -> RunTable:
    """The table, checked; ``base`` is the folder relative ``inputs`` start from."""
    unknown = set(table) - set(KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(KEYS)}"
        )
    variants = _strings(table, "variants", where)
    bad = [v for v in variants if v not in VARIANTS]
    if bad:
        raise ConfigError(
            f"{where}: unknown variant(s) {', '.join(bad)}; one of {', '.join(VARIANTS)}"
        )
    try:
        targets = normalise_langs(_strings(table, "targets", where))
    except UsageError as exc:  # about one code: say where it came from
        raise ConfigError(f"{where}: targets: {exc}") from None
    inputs = [(base or Path.cwd()) / path for path in _strings(table, "inputs", where)]
    return RunTable(
        _strings(table, "providers", where),
        targets,
        _strings(table, "articles", where),
        variants,
        inputs,
    )
