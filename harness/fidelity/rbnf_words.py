"""Number words of every CLDR language, from CLDR's rule-based number formats (RBNF).

Languages with a curated list in ``data/number_words.toml`` (which adds the
inflected forms RBNF does not spell) use that list; every other language that
CLDR has spell-out rules for reads and accepts the words of 2 to 99 in each of
its cardinal rule sets (masculine, feminine, neuter...), through the
``unicode-rbnf`` package. "One" is left out as everywhere (it doubles as an
article). A spelled number that is also one of the language's stop words
(stopwords-iso: Vietnamese "năm" is five and "year") is *ambiguous*: it is
accepted for a fact in a translation, but never read as a fact of a source nor
counted as an unexpected number.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import metadata

import stopwordsiso
from babel import Locale, UnknownLocaleError

from harness.fidelity.matching import primary_language

# Zero-width and soft-hyphen marks CLDR puts between the parts of a Thai or
# German spelled number: not written in running text.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u00ad\u200c\u200d"))
FIRST, LAST = 2, 99


def rbnf_version() -> str:
    try:
        return f"rbnf{metadata.version('unicode-rbnf')}"
    except metadata.PackageNotFoundError:
        return "rbnf?"


@lru_cache(maxsize=1)
def _supported() -> frozenset[str]:
    from unicode_rbnf import RbnfEngine

    return frozenset(RbnfEngine.get_supported_languages())


def ambiguous_words(lang: str) -> frozenset[str]:
    """The spelled numbers of ``lang`` that are also its stop words or words of its
    CLDR weekday and month names ("thứ Ba" is Tuesday, "سه‌شنبه" too), lower case."""
    code = primary_language(lang)
    common = _stop_words(code) | calendar_words(code)
    return frozenset(w.lower() for w in rbnf_number_words(lang) if w.lower() in common)


@lru_cache(maxsize=64)
def calendar_words(code: str) -> frozenset[str]:
    """The words (split at spaces and zero-width non-joiners) of the CLDR weekday and
    month names of a language, every width and context, lower case."""
    try:
        locale = Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return frozenset()
    words: set[str] = set()
    for table in (locale.days, locale.months):
        for context in table.values():
            for names in context.values():
                for name in names.values():
                    words.update(str(name).lower().replace("\u200c", " ").split())
    return frozenset(words)


@lru_cache(maxsize=64)
def _stop_words(code: str) -> frozenset[str]:
    return frozenset(stopwordsiso.stopwords(code)) if stopwordsiso.has_lang(code) else frozenset()


@lru_cache(maxsize=64)
def rbnf_number_words(lang: str) -> dict[str, int]:
    """Spelled-out form -> value for 2..99 in ``lang`` (empty when CLDR has no rules)."""
    from unicode_rbnf import RbnfEngine

    code = primary_language(lang)
    if code not in _supported():
        return {}
    engine = RbnfEngine.for_language(code)
    words: dict[str, int] = {}
    for value in range(FIRST, LAST + 1):
        result = engine.format_number(value)
        forms = {result.text, *result.text_by_ruleset.values()}
        for form in forms:
            clean = " ".join(form.translate(_INVISIBLE).split())
            if clean and not any(ch.isdigit() for ch in clean):
                words.setdefault(clean, value)
    return words
