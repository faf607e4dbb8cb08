"""Apertium pair names <-> BCP-47: one table (data/apertium.toml) for the CLI and APy adapters."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from harness.models import LangPair

_MODE = re.compile(r"^([a-z]{2,3}(?:_[A-Za-z0-9]+)?)-([a-z]{2,3}(?:_[A-Za-z0-9]+)?)$")


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, str]]:
    with (Path(__file__).parent / "data" / "apertium.toml").open("rb") as fh:
        data = tomllib.load(fh)
    return dict(data["codes"]), dict(data["variants"])


def to_bcp47(code: str) -> str | None:
    """``spa`` -> ``es``, ``cat_valencia`` -> ``ca-valencia``; None for unknown variants."""
    codes, variants = _table()
    if "_" in code:
        return variants.get(code)
    if len(code) == 2:
        return code
    return codes.get(code)


def to_apertium(lang: str) -> str:
    """``es`` -> ``spa`` (the ISO 639-3 spelling APy and most packages use)."""
    codes, variants = _table()
    for apertium_code, bcp47 in variants.items():
        if bcp47 == lang:
            return apertium_code
    for apertium_code, bcp47 in codes.items():
        if bcp47 == lang:
            return apertium_code
    return lang


def mode_pair(mode: str) -> LangPair | None:
    """The language pair a mode name like ``eng-spa`` or ``en-eo`` translates, if plain."""
    match = _MODE.match(mode)
    if not match:
        return None  # debugging or alternative modes: en-eo-bytecode, eo-en-j, ...
    source, target = (to_bcp47(part) for part in match.groups())
    if source is None or target is None:
        return None
    return LangPair(source, target)


def pair_table(modes: list[str]) -> dict[LangPair, str]:
    """BCP-47 pair -> mode name; a three-letter mode wins over an older two-letter one."""
    table: dict[LangPair, str] = {}
    for mode in sorted(modes, key=lambda m: (len(m.split("-")[0]) == 2, m)):
        pair = mode_pair(mode)
        if pair is not None:
            table.setdefault(pair, mode)
    return table
