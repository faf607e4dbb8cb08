"""The phrasebook: known article-spinner substitutions, with how far to trust each.

A phrasebook is a TOML file (the shipped one is ``harness/restore/data/phrasebook.toml``)
with one ``[[entry]]`` per substitution::

    spun = "legislation enforcement"   # what the spinner wrote
    restored = "law enforcement"       # what the original said
    source = "web"                     # "web": seen on spun copies; "seed:<article>":
                                       # derived from that reference article's edits
    prior = 0.95                       # confidence without context evidence
    ambiguous = false                  # the spun phrase is ordinary English as well:
                                       # only a matching context justifies the edit
    [[entry.context]]                  # optional; either regex may be left out
    prev = "\\bWall\\s+$"              # must match the text just before the phrase
    next = "^\\s+Journal\\b"           # must match the text just after it
    confidence = 0.97                  # confidence when this context matches

An entry starting with a lower-case letter also matches with a capital first
letter (sentence starts); one starting with a capital matches only as written.
Entries are marked with their ``source`` so those derived from an article can be
held out when restoring that article is evaluated.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import ConfigError

DEFAULT_PHRASEBOOK = Path(__file__).resolve().parent / "data" / "phrasebook.toml"
DEFAULT_CONTEXT_CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class Context:
    prev: re.Pattern[str] | None
    next: re.Pattern[str] | None
    confidence: float

    def matches(self, before: str, after: str) -> bool:
        if self.prev is not None and not self.prev.search(before):
            return False
        return self.next is None or bool(self.next.search(after))

    def describe(self) -> str:
        parts = [
            f"{name}={pattern.pattern!r}"
            for name, pattern in (("prev", self.prev), ("next", self.next))
            if pattern is not None
        ]
        return " ".join(parts)


@dataclass(frozen=True)
class Entry:
    spun: str
    restored: str
    source: str
    prior: float
    ambiguous: bool = False
    contexts: tuple[Context, ...] = ()
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        words = [re.escape(w) for w in self.spun.split()]
        first = words[0]
        if self.spun[0].islower():
            # "nation" also at a sentence start: "Nation".
            first = f"[{self.spun[0]}{self.spun[0].upper()}]" + re.escape(self.spun.split()[0][1:])
        body = r"\s+".join([first, *words[1:]])
        object.__setattr__(self, "pattern", re.compile(r"(?<![\w-])" + body + r"(?![\w-])"))


@dataclass(frozen=True)
class Phrasebook:
    entries: tuple[Entry, ...]
    path: Path | None = None

    def without_sources(self, prefixes: Iterable[str]) -> Phrasebook:
        """The phrasebook less the entries whose source starts with any prefix."""
        held_out = tuple(prefixes)
        return Phrasebook(
            tuple(e for e in self.entries if not e.source.startswith(held_out)), self.path
        )

    def sources(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for entry in self.entries:
            counts[entry.source] = counts.get(entry.source, 0) + 1
        return counts


def _regex(value: Any, where: str) -> re.Pattern[str] | None:
    if value is None:
        return None
    try:
        return re.compile(str(value))
    except re.error as exc:
        raise ConfigError(f"{where}: bad regular expression {value!r} ({exc})") from None


def _probability(value: Any, where: str) -> float:
    if not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(f"{where}: expected a number from 0 to 1, got {value!r}")
    return float(value)


def _entry(raw: Any, where: str) -> Entry:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table")
    for key in ("spun", "restored", "source", "prior"):
        if key not in raw:
            raise ConfigError(f"{where}: missing {key!r}")
    spun, restored = str(raw["spun"]).strip(), str(raw["restored"]).strip()
    if not spun or not restored or spun == restored:
        raise ConfigError(f"{where}: spun and restored must be different, non-empty phrases")
    contexts = tuple(
        Context(
            _regex(c.get("prev"), f"{where}.context[{i}].prev"),
            _regex(c.get("next"), f"{where}.context[{i}].next"),
            _probability(
                c.get("confidence", DEFAULT_CONTEXT_CONFIDENCE), f"{where}.context[{i}].confidence"
            ),
        )
        for i, c in enumerate(raw.get("context", []))
    )
    return Entry(
        spun,
        restored,
        str(raw["source"]),
        _probability(raw["prior"], f"{where}.prior"),
        bool(raw.get("ambiguous", False)),
        contexts,
    )


def load_phrasebook(path: Path | None = None) -> Phrasebook:
    """Load a phrasebook (default: the shipped one); reverse pairs are made ambiguous."""
    path = path or DEFAULT_PHRASEBOOK
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such phrasebook") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    entries = [_entry(raw, f"{path}: entry[{i}]") for i, raw in enumerate(data.get("entry", []))]
    # A spinner that turns "fight" into "combat" and "combat" into "fight" makes
    # both directions unsafe without context: mark every such pair ambiguous.
    pairs = {(e.spun.lower(), e.restored.lower()) for e in entries}
    fixed = [
        Entry(e.spun, e.restored, e.source, e.prior, True, e.contexts)
        if (e.restored.lower(), e.spun.lower()) in pairs and not e.ambiguous
        else e
        for e in entries
    ]
    return Phrasebook(tuple(fixed), path)
