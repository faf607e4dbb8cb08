"""Names of a source text found without a facts file: capitalised spans.

Used when an article (or a pair given to ``harness fidelity``) has no curated
facts. A name is a run of capitalised words ("Wall Street Journal"), which may
hold lower-case connectors ("Bank of England") and the abbreviation "St.";
runs are split at titles ("Investigative Committee Head Alexander Bastrykin" is
two names); function words capitalised by position ("The", "Instead") and
demonyms ("Russian forces", "Russians fled") are dropped, as in facts.toml.
The word lists are data: ``data/source_names.toml`` where a language has an
entry; every source language also gets its stop words (the stopwords-iso
collection) and its CLDR month and weekday names as function words, so "Según",
"Nach", "Mai" or "Вторник" opening a sentence are not names. A span that opens
a sentence ("Laut Bastrykin") is also accepted without its first word. Languages
that capitalise every noun (German) keep only multi-word spans, acronyms and
country names; a source whose letters have no case (Hebrew, Arabic, Hindi,
Thai, Chinese...) yields no names: the judge says ``unchecked``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from babel import Locale, UnknownLocaleError

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

    nouns_capitalised: bool = False
    # Stop words are not names only where position capitalised them: a list that
    # holds "new" and "states" must not break "New York" or "United States".
    stop_words: frozenset[str] = frozenset()


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    text = resources.files("harness.fidelity").joinpath("data/source_names.toml").read_text("utf-8")
    return tomllib.loads(text)


def _stop_words(lang: str) -> frozenset[str]:
    import stopwordsiso

    return frozenset(stopwordsiso.stopwords(lang)) if stopwordsiso.has_lang(lang) else frozenset()


def _calendar_words(lang: str) -> frozenset[str]:
    """CLDR month and weekday names (wide, every context) of ``lang``, lower case."""
    try:
        locale = Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return frozenset()
    words: set[str] = set()
    for table in (locale.months, locale.days):
        for context in table.values():
            for names in (context.get("wide", {}), context.get("abbreviated", {})):
                words.update(str(name).lower().rstrip(".") for name in names.values())
    return frozenset(w for w in words if w)


@lru_cache(maxsize=32)
def source_rules(lang: str) -> SourceRules:
    code = primary_language(lang)
    table = _table()
    entry = table.get(code, {})

    def words(key: str) -> frozenset[str]:
        return frozenset(str(w) for w in entry.get(key, []))

    return SourceRules(
        function_words=words("function_words") | _calendar_words(code),
        connectors=words("connectors"),
        titles=words("titles"),
        demonym_suffixes=tuple(entry.get("demonym_suffixes", [])),
        plural_demonym_suffixes=tuple(entry.get("plural_demonym_suffixes", [])),
        nouns_capitalised=code in table.get("nouns_capitalised", {}).get("languages", []),
        stop_words=_stop_words(code),
    )


@dataclass(frozen=True, slots=True)
class SourceName:
    text: str
    start: int
    end: int
    # The name without its first word when the span opens a sentence, where that
    # word may be capitalised by position ("Laut Bastrykin"); "" otherwise.
    tail: str = ""
    # Judged only when found (see find_source_names): never counted as missing.
    soft: bool = False


def caseless(text: str) -> bool:
    """Whether most letters of ``text`` belong to a script without capitals."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    cased = sum(1 for ch in letters if ch.isupper() or ch.islower())
    return cased * 2 < len(letters)


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
            gap in (" ", "-", "‐") or (gap == ". " and current[-1].group() in _ABBREVIATIONS)
        )
        if not joined:
            close()
        if lower in rules.titles and _capitalised(word):
            close()
            continue
        if _capitalised(word):
            if lower in rules.function_words or (
                lower in rules.stop_words and not current and _opens_sentence(text, match.start())
            ):
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
        if len(span) == 1 and rules.nouns_capitalised and not _acronym(span[0].group()):
            continue  # a German noun is capitalised like a name: not judged alone
        name = re.sub(r"[’']s$", "", name)
        tail = ""
        opens = _opens_sentence(text, span[0].start())
        if len(span) > 1 and opens:
            tail = re.sub(r"[’']s$", "", text[span[1].start() : span[-1].end()])
        # One capitalised word opening a sentence may be a common word ("Floods
        # killed..."): judged only if found, unless it is capitalised elsewhere too.
        soft = (
            len(span) == 1
            and opens
            and not _acronym(name)
            and not _capitalised_inside(text, name, span[0].start())
        )
        if name and name not in seen:
            seen.add(name)
            found.append(SourceName(name, span[0].start(), span[0].start() + len(name), tail, soft))
    return found


def _capitalised_inside(text: str, word: str, first: int) -> bool:
    """Whether ``word`` also stands in ``text`` where no sentence begins."""
    for match in re.finditer(rf"(?<![^\W\d_]){re.escape(word)}(?![^\W\d_])", text):
        if match.start() != first and not _opens_sentence(text, match.start()):
            return True
    return False


def _acronym(word: str) -> bool:
    return len(word) > 1 and word.isupper()


def _opens_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'«„“(")
    return not before or before[-1] in ".!?:;\n…"


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
