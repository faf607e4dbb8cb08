"""Per-language reading data for numbers, built once and cached.

A ``NumberProfile`` joins what CLDR (through Babel) says about a language — decimal
and grouping signs of every numbering system it uses, month names in every width and
context, the day/month/year order of its short date format — with the data files
under ``data/`` for what CLDR lacks (scale words, spelled-out numbers, range words).
It also holds the one compiled scanner regex for the language.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import get_date_format, get_month_names

from harness.errors import UnsupportedLanguageError
from harness.fidelity.numerals import CJK_NUMERAL_CHARS
from harness.fidelity.rbnf_words import ambiguous_words, rbnf_number_words

# Letters of scripts written with spaces: a digit glued to one of them is part of a
# name or code (F-16, COVID-19, G7), not a quantity.
# Letters a number glued by a hyphen belongs to: "COVID-19", "F-35", "ΚΟΒΙΝΤ-19" are
# identifiers, compared as names, not numbers. (Hebrew and Arabic one-letter
# prefixes, "ב-20", stay readable.)
_LATIN_CYRILLIC = r"A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff"
_NOT_AFTER_LETTER = rf"(?<![{_LATIN_CYRILLIC}])(?<![{_LATIN_CYRILLIC}]-)"
_SPACES = " \u00a0\u202f\u2009\u2007"


def lookup_key(surface: str) -> str:
    """Normal form of a word for table look-up: case, apostrophes, dots, spacing."""
    key = surface.lower().replace("\u0307", "").replace("’", "'").replace("ʼ", "'")
    return " ".join(key.rstrip(".").split())


@cache
def _data(name: str) -> dict[str, Any]:
    with resources.files("harness.fidelity").joinpath("data", name).open("rb") as handle:
        return tomllib.load(handle)


def _word_pattern(form: str) -> str:
    """Regex of one listed form: apostrophe and space variants, optional final dot."""
    base = lookup_key(form)
    pattern = re.escape(base).replace("'", "['’ʼ]").replace(r"\ ", r"\s+")
    return pattern + (r"\.?" if form.endswith(".") else "")


def _alternation(forms: Iterable[str]) -> str:
    # Longest first, so that "тысячами" wins over "тыс." and "dix-sept" over "dix".
    unique = sorted({lookup_key(f): f for f in forms}.values(), key=lambda f: -len(f))
    return "|".join(_word_pattern(f) for f in unique)


_LEADING_LETTERS = re.compile(r"[^\W\d_]{1,2}")


def _opening(form: str) -> str:
    """The first (up to two) letters of a form, as a word scanned from text starts."""
    match = _LEADING_LETTERS.match(lookup_key(form))
    return match.group(0) if match else ""


@dataclass(frozen=True)
class NumberProfile:
    """Everything needed to read numbers in one language."""

    lang: str
    decimal_signs: frozenset[str]
    group_signs: frozenset[str]
    months: Mapping[str, int]
    month_abbreviations: frozenset[str]  # keys that are never a month's full name
    scales: Mapping[str, int]
    words: Mapping[str, int]
    date_order: str  # "dmy", "mdy" or "ymd", from CLDR's short date pattern
    month_day: bool
    capital_months: bool
    day_suffix: str
    cjk_numerals: bool
    scanner: re.Pattern[str]
    # Where the scanner is worth trying (in lower-cased text): digit runs, and words
    # (or, in scripts without spaces, characters) that can begin some listed form.
    candidates: re.Pattern[str]
    day_month_gap: re.Pattern[str]
    month_day_gap: re.Pattern[str]
    year_month_gap: re.Pattern[str] | None
    range_gap: re.Pattern[str]
    between_gaps: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]
    # Look-up keys of number words that are also common words (see rbnf_words).
    ambiguous_words: frozenset[str] = frozenset()


def _babel_locale(tag: str) -> Locale:
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        base = tag.split("-")[0]
        try:
            return Locale.parse(base)
        except (UnknownLocaleError, ValueError) as exc:
            raise UnsupportedLanguageError(
                f"no number data for language {tag!r} (CLDR does not know it)"
            ) from exc


def _month_forms(
    locales: Iterable[Locale], joiners: Iterable[str]
) -> tuple[dict[str, int], frozenset[str]]:
    """Month names keyed by surface (a final "." kept: it marks an abbreviation), and
    the look-up keys that are only ever abbreviations ("mar", "set", "des")."""
    forms: dict[str, int] = {}
    by_width: dict[str, set[str]] = {"wide": set(), "abbreviated": set()}
    # CLDR writes Catalan months with their preposition ("de maig", "d’abril"); the
    # preposition is read as a date joiner instead.
    prefixes = sorted((lookup_key(j) for j in joiners), key=len, reverse=True)
    for locale in locales:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for month, name in get_month_names(width, context, locale).items():
                    key = " ".join(name.lower().replace("’", "'").split())
                    for prefix in prefixes:
                        if key.startswith(prefix + " ") or (
                            prefix.endswith("'") and key.startswith(prefix)
                        ):
                            key = key[len(prefix) :].strip()
                            break
                    forms.setdefault(key, month)
                    by_width[width].add(lookup_key(key))
    return forms, frozenset(by_width["abbreviated"] - by_width["wide"])


def _day_names(locale: Locale) -> set[str]:
    """CLDR weekday names of every width and context."""
    return {
        str(name)
        for context in locale.days.values()
        for names in context.values()
        for name in names.values()
    }


def _date_order(locale: Locale) -> str:
    pattern = get_date_format("short", locale=locale).pattern
    letters = [c for c in pattern if c in "dMy"]
    order = "".join(dict.fromkeys(c.lower() for c in letters))
    return order if order in ("dmy", "mdy", "ymd") else "dmy"


def _joiners_regex(joiners: Iterable[str]) -> str:
    parts = sorted((_word_pattern(j) for j in joiners), key=len, reverse=True)
    return "|".join(parts)


@lru_cache(maxsize=64)
def number_profile(tag: str) -> NumberProfile:
    """The cached reading data for a BCP-47 language tag ("de", "pt-BR", "zh-Hans")."""
    lang = tag.split("-")[0].lower()
    locale = _babel_locale(tag)
    grammar_all = _data("number_grammar.toml")
    grammar: dict[str, Any] = {**grammar_all["default"], **grammar_all.get(lang, {})}

    decimal_signs: set[str] = set()
    group_signs: set[str] = set()
    for system in {"latn", locale.default_numbering_system}:
        symbols = locale.number_symbols.get(system)
        if symbols:
            decimal_signs.add(symbols["decimal"])
            group_signs.add(symbols["group"])

    month_locales = [locale, *(Locale.parse(name) for name in grammar["month_locales"])]
    month_surfaces, month_abbreviations = _month_forms(month_locales, grammar["date_joiners"])
    for month, extra in grammar.get("month_forms", {}).items():
        for form in extra:
            month_surfaces.setdefault(form, int(month))
            month_abbreviations -= {lookup_key(form)}  # a full case form ("мае")
    scale_surfaces = {
        form: int(exp)
        for exp, forms in _data("scale_words.toml").get(lang, {}).items()
        for form in forms
    }
    curated_words = _data("number_words.toml").get(lang)
    ambiguous = (
        frozenset() if curated_words else frozenset(lookup_key(w) for w in ambiguous_words(lang))
    )
    word_surfaces = (
        {form: int(value) for value, forms in curated_words.items() for form in forms}
        if curated_words
        else rbnf_number_words(lang)
        if grammar["bounded"]
        else {}
    )
    months = {lookup_key(form): month for form, month in month_surfaces.items()}
    scales = {lookup_key(form): exp for form, exp in scale_surfaces.items()}
    words = {lookup_key(form): value for form, value in word_surfaces.items()}

    bounded: bool = grammar["bounded"]
    prefix = grammar["word_prefix"]
    before = r"(?<![^\W\d_])" if bounded else ""
    after = r"(?![^\W\d_])" if bounded else ""

    def words_group(name: str, forms: Iterable[str]) -> str | None:
        alternation = _alternation(forms)
        if not alternation:
            return None
        return rf"(?P<{name}>{before}{prefix}(?:{alternation}){after})"

    # Weekday names written with numerals (星期二, 周二, 火曜日 has none) are no numbers.
    cjk_stopwords = (
        [
            *grammar["cjk_stopwords"],
            *(
                name
                for name in _day_names(locale)
                if any(ch in CJK_NUMERAL_CHARS for ch in name)
                and any(ch not in CJK_NUMERAL_CHARS for ch in name)  # not the narrow "二"
            ),
        ]
        if grammar["cjk_numerals"]
        else []
    )
    ordinal = grammar["ordinal_suffix"]
    ordinal_part = rf"(?:{ordinal}(?![^\W\d_]))?" if ordinal else ""
    spaces = f"[{_SPACES}]"
    branches = [
        # Whole numeric dates first, so that 20.05.2025 is not read as three numbers.
        r"(?P<ndate>(?<![\d.,/-])(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}(?P<dsep>[./-])\d{1,2}"
        r"(?P=dsep)\d{4}|\d{4}/\d{1,2}/\d{1,2})(?![\d]))",
        words_group("month", (f for f in month_surfaces if not f[0].isdigit()))
        if bounded
        else rf"(?P<month>(?<!\d)(?:{_alternation(month_surfaces)}))",
        rf"(?P<spaced>{_NOT_AFTER_LETTER}(?<![\d.,])\d{{1,3}}(?:{spaces}\d{{3}}(?!\d))+"
        rf"(?:[.,٫]\d+)?){ordinal_part}",
        rf"(?P<num>{_NOT_AFTER_LETTER}(?<![\d])\d+(?:[.,'’٬٫]\d+)*){ordinal_part}",
        words_group("scale", scale_surfaces),
        words_group("word", word_surfaces),
    ]
    if grammar["cjk_numerals"]:
        branches.append(f"(?P<stop>{_alternation(cjk_stopwords)})")
        branches.append(f"(?P<cjk>[{CJK_NUMERAL_CHARS}]+)")
    scanner = re.compile("|".join(b for b in branches if b), re.IGNORECASE)
    listed = [*month_surfaces, *scale_surfaces, *word_surfaces, *cjk_stopwords]
    openings = {_opening(form) for form in listed} - {""}
    if bounded:
        # Digit runs, and word starts whose first two letters open some listed form;
        # run on lower-cased text. Grouped by first letter: "m(?:[aia])?|t[hw]".
        by_first: dict[str, set[str]] = {}
        for opening in openings:
            by_first.setdefault(opening[0], set()).add(opening[1:])
        branches_by_letter = []
        for first_letter, seconds in sorted(by_first.items()):
            letters = "".join(sorted(x for x in seconds if x))
            second = f"[{re.escape(letters)}]" if letters else ""
            if second and "" in seconds:
                second = f"{second}?"
            branches_by_letter.append(re.escape(first_letter) + second)
        glued = f"(?:{prefix})?" if prefix else ""
        candidates = re.compile(
            rf"\d+|(?<![^\W\d_]){glued}(?:{'|'.join(branches_by_letter) or '(?!)'})"
        )
    else:
        first = {lookup_key(form)[0] for form in listed if not form[0].isdigit()}
        if grammar["cjk_numerals"]:
            first.update(CJK_NUMERAL_CHARS)
        candidates = re.compile(rf"\d+|[{re.escape(''.join(sorted(first)))}]")

    joiners = _joiners_regex(grammar["date_joiners"])
    joiner_part = rf"(?:(?:{joiners})\s*)?" if joiners else ""
    date_gap = re.compile(rf"[\s.,]*{joiner_part}[\s,]*", re.IGNORECASE)
    year_suffix = grammar["year_suffix"]
    return NumberProfile(
        lang=lang,
        decimal_signs=frozenset(decimal_signs),
        group_signs=frozenset(group_signs),
        months=months,
        month_abbreviations=month_abbreviations,
        scales=scales,
        words=words,
        date_order=_date_order(locale),
        month_day=grammar["month_day"],
        capital_months=grammar["capital_months"],
        day_suffix=grammar["day_suffix"],
        cjk_numerals=grammar["cjk_numerals"],
        scanner=scanner,
        candidates=candidates,
        day_month_gap=date_gap,
        month_day_gap=re.compile(r"\s*"),
        year_month_gap=re.compile(rf"\s*[{year_suffix}]\s*") if year_suffix else None,
        range_gap=re.compile(rf"\s*(?:{_joiners_regex(grammar['range_joiners'])})\s*", re.I),
        between_gaps=tuple(
            (
                re.compile(rf"(?<![^\W\d_]){_word_pattern(opener)}\s*$", re.IGNORECASE),
                re.compile(rf"\s*{_word_pattern(joiner)}\s*", re.IGNORECASE),
            )
            for opener, joiner in grammar["between"]
        ),
        ambiguous_words=ambiguous,
    )
