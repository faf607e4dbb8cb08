"""Language codes as BCP-47 tags, normalised once where they enter the harness.

``ES``, ``es_ES``, ``es-es`` and ``spa`` all mean Spanish and all become ``es``:
case is folded the BCP-47 way, ``_`` is read as ``-``, three-letter and
deprecated codes become their two-letter form (``spa`` -> ``es``, ``iw`` ->
``he``), and a region that CLDR's likely subtags imply anyway is dropped
(``es-ES`` -> ``es``, ``zh-CN`` -> ``zh``; ``pt-PT`` and ``ca-valencia`` stay).
A script given is kept: ``zh-Hans`` and ``sr-Latn`` name the writing system the
output must be in, and backends' language tables are keyed by them. The work is
the ``langcodes`` library's, which follows the IANA registry and CLDR; nothing
here is a hand-kept table.

A code a provider lacks gets the closest one it has, by CLDR's language
matching distance (``pt-PT`` -> ``pt``; nothing for ``de`` when only Romance
languages are on offer).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import langcodes
from langcodes.tag_parser import LanguageTagError

from harness.errors import UsageError

# langcodes' distance below which one language stands in for another (its own default).
MATCH_DISTANCE = 25


def _minimal(language: langcodes.Language) -> langcodes.Language:
    """Drop the region when the language implies it (CLDR likely subtags)."""
    if language.territory is None:
        return language
    shorter = language.update_dict({"territory": None})
    return shorter if shorter.maximize() == language.maximize() else language


def normalise_lang(code: str) -> str:
    """``code`` as a short, canonical BCP-47 tag; a clear error when it is none."""
    text = code.strip().replace("_", "-")
    try:
        language = langcodes.Language.get(text) if text else None
    except (LanguageTagError, ValueError):
        language = None
    if language is None or language.language in (None, "und") or not language.is_valid():
        raise UsageError(
            f"{code!r} is not a language code; use BCP-47 tags such as es, pt-PT or ca-valencia"
        )
    return str(_minimal(language))


# Run files repeat a handful of codes on every line: each is worked out once.
@lru_cache(maxsize=1024)
def lang_key(code: str) -> str:
    """``code`` normalised when it is a language code, else folded to lower case: for
    reading run files, which may predate normalisation (``ES`` and ``es`` are one)."""
    try:
        return normalise_lang(code)
    except UsageError:
        return code.strip().lower()


def normalise_langs(codes: Iterable[str]) -> list[str]:
    """Every code normalised, duplicates (``ES`` and ``es``) dropped, order kept."""
    return list(dict.fromkeys(normalise_lang(code) for code in codes))


def closest_lang(code: str, offered: Iterable[str]) -> str | None:
    """The offered tag closest to ``code``, when one is close enough to stand in for it."""
    choices = sorted(set(offered))
    if not choices:
        return None
    try:
        found = langcodes.closest_supported_match(code, choices, max_distance=MATCH_DISTANCE)
    except (LanguageTagError, ValueError):
        return None
    return str(found) if found and found != code else None
