"""Names of a source text found without a facts file: capitalised spans.

Used when an article (or a pair given to ``harness fidelity``) has no curated
facts. A name is a run of capitalised words ("Wall Street Journal"), which may
hold lower-case connectors ("Bank of England") and the abbreviation "St.";
runs are split at titles ("Investigative Committee Head Alexander Bastrykin" is
two names); function words capitalised by position ("The", "Instead") and
demonyms ("Russian forces", "Russians fled") are dropped, as in facts.toml.
The word lists are data: ``data/source_names.toml``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from harness.fidelity.matching import primary_language

_WORD = re.compile(r"[^\W\d_]+(?:[’'][^\W\d_]+)?")
_ABBREVIATIONS = frozenset({"St", "Mt", "Ft", "Ste"})


@dataclass(frozen=True, slots=True)
class SourceRules:
    function_words: frozenset[str]
    connectors: frozenset[str]
    titles: frozenset[str]
    demonym_suffixes: tuple[str, ...]
    plural_demonym_suffixes: tuple[str, ...]


@lru_cache(maxsize=32)
def source_rules(lang: str) -> SourceRules:
    text = resources.files("harness.fidelity").joinpath("data/source_names.toml").read_text("utf-8")
    entry = tomllib.loads(text).get(primary_language(lang), {})

    def words(key: str) -> frozenset[str]:
        return frozenset(str(w) for w in entry.get(key, []))

    return SourceRules(
        function_words=words("function_words"),
        connectors=words("connectors"),
        titles=words("titles"),
        demonym_suffixes=tuple(entry.get("demonym_suffixes", [])),
        plural_demonym_suffixes=tuple(entry.get("plural_demonym_suffixes", [])),
    )


@dataclass(frozen=True, slots=True)
class SourceName:
    text: str
    start: int
    end: int


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def find_source_names(text: str, lang: str = "en") -> list[SourceName]:
    """Capitalised spans of ``text`` that look like names, first occurrence of each."""
    rules = source_rules(lang)
    words = list(_WORD.finditer(text))
    spans: list[list[re.Match[str]]] = []
    current: list[re.Match[str]] = []

    def close() -> None:
        nonlocal current
        while current and current[-1].group().lower() in rules.connectors:
            current.pop()
        if current:
            spans.append(current)
        current = []

    for index, match in enumerate(words):
        word = match.group()
        lower = word.lower()
        gap = text[words[index - 1].end() : match.start()] if index else ""
        joined = bool(current) and (
            gap == " " or (gap == ". " and current[-1].group() in _ABBREVIATIONS)
        )
        if not joined:
            close()
        if lower in rules.titles and _capitalised(word):
            close()
            continue
        if _capitalised(word):
            if lower in rules.function_words:
                close()
                continue  # "The", "Instead", "May": capitalised by position or a date
            current.append(match)
            if lower.endswith(("'s", "’s")):
                close()  # "Russia's National Guard": the possessor is a name of its own
        elif current and lower in rules.connectors and joined:
            current.append(match)
        else:
            close()
    close()

    found: list[SourceName] = []
    seen: set[str] = set()
    for span in spans:
        name = text[span[0].start() : span[-1].end()]
        if len(span) == 1 and _is_demonym(text, span[0], rules):
            continue
        name = re.sub(r"[’']s$", "", name)
        if name and name not in seen:
            seen.add(name)
            found.append(SourceName(name, span[0].start(), span[0].start() + len(name)))
    return found


def _is_demonym(text: str, match: re.Match[str], rules: SourceRules) -> bool:
    word = match.group()
    if word.isupper() and len(word) > 1:
        return False  # an acronym: "TASS", "NATO"
    if word.endswith(rules.plural_demonym_suffixes):
        return True
    if not word.endswith(rules.demonym_suffixes):
        return False
    if text[match.end() : match.end() + 1] != " ":
        return False
    following = _WORD.match(text, match.end() + 1)
    if following is None:
        return False
    nxt = following.group()
    return not _capitalised(nxt) or nxt.lower() in rules.titles
