"""What the LLM adapters check in a model's answer before calling it a translation.

* :func:`strip_chatter` removes what chat models wrap around a translation
  ("Here is the translation:", "Sure!", code fences, quotes around the whole
  answer, a trailing "Note: ..." paragraph). It never removes text the source
  itself has (a source that starts with "Sure," keeps its "Sure,").
* :func:`wrong_language` is a cheap guard, not a language identifier: the answer
  must be written mostly in the target language's script (Babel's likely
  subtags give the script: ``ru`` -> Cyrillic, ``ja`` -> Japanese kana and Han),
  must not be the source unchanged, and must not be mostly the source's words.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.core import get_global

# Openers chat models put before the translation, matched at the start of the answer.
_LEAD_IN = re.compile(
    r"""^\s*(?:
        (?:sure|certainly|of\ course|okay|ok|absolutely)\s*[.!,:]\s*
      | (?:here\s+is|here's|below\s+is)\b[^\n:]{0,80}?\btranslat\w*[^\n:]{0,60}:\s*
      | (?:the\s+)?translat(?:ion|ed\ text)\b[^\n:]{0,60}:\s*
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# A closing paragraph of commentary after the translation.
_TRAILER = re.compile(
    r"\n\s*\n\s*\(?(?:note|notes|please\ note|i\ hope|let\ me\ know|translator's\ note)\b.*\Z",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)
_FENCE = re.compile(r"^\s*```[\w-]*\s*\n(.*?)\n\s*```\s*$", re.DOTALL)
_QUOTE_PAIRS = {'"': '"', "'": "'", "“": "”", "„": "“", "«": "»", "「": "」", "『": "』", "‘": "’"}
_WORD = re.compile(r"\w{3,}")


@dataclass(frozen=True)
class Cleaned:
    """An answer with chatter removed; ``stripped`` says whether anything was."""

    text: str
    stripped: bool


def _source_starts_like(source: str, removed: str) -> bool:
    head = removed.strip().casefold()
    return bool(head) and source.strip().casefold().startswith(head)


def strip_chatter(answer: str, source: str) -> Cleaned:
    """The translation inside ``answer``, without the chat around it."""
    text = answer.strip()
    original = text
    if (fence := _FENCE.match(text)) and "```" not in source:
        text = fence.group(1).strip()
    # Openers can stack ("Sure! Here is the translation:"), so repeat.
    while (lead := _LEAD_IN.match(text)) and not _source_starts_like(source, lead.group(0)):
        rest = text[lead.end() :].strip()
        if not rest:
            break
        text = rest
    if (trailer := _TRAILER.search(text)) and not _TRAILER.search(source.strip()):
        text = text[: trailer.start()].strip()
    if len(text) >= 2 and _QUOTE_PAIRS.get(text[0]) == text[-1]:
        src = source.strip()
        quoted_source = len(src) >= 2 and _QUOTE_PAIRS.get(src[0]) == src[-1]
        inner = text[1:-1]
        # Only strip quotes that wrap the whole answer, not a quote that opens and one that
        # closes two different quotations.
        if not quoted_source and text[0] not in inner and text[-1] not in inner:
            text = inner.strip()
    return Cleaned(text, text != original)


@cache
def _script_prefixes() -> dict[str, tuple[str, ...]]:
    with (Path(__file__).parent / "data" / "scripts.toml").open("rb") as fh:
        table = tomllib.load(fh)["scripts"]
    return {script: tuple(prefixes) for script, prefixes in table.items()}


def expected_script(language: str) -> str | None:
    """ISO 15924 script a language is normally written in (``ru`` -> ``Cyrl``), if known."""
    parts = language.replace("-", "_").split("_")
    if len(parts) > 1 and len(parts[1]) == 4 and parts[1].isalpha():
        return parts[1].title()  # an explicit script subtag: zh-Hant, sr-Latn
    likely = get_global("likely_subtags")
    for key in ("_".join(parts[:2]), parts[0]):
        if key in likely:
            subtags = str(likely[key]).split("_")
            if len(subtags) > 1 and len(subtags[1]) == 4:
                return subtags[1]
    return None


def script_share(text: str, script: str) -> float | None:
    """Share of the letters of ``text`` that belong to ``script``; None if no letters or table."""
    prefixes = _script_prefixes().get(script)
    letters = [ch for ch in text if ch.isalpha()]
    if prefixes is None or not letters:
        return None
    inside = sum(1 for ch in letters if unicodedata.name(ch, "").startswith(prefixes))
    return inside / len(letters)


def _normalised(text: str) -> str:
    return " ".join(text.casefold().split())


def wrong_language(output: str, source: str, target: str) -> str | None:
    """Why ``output`` does not look like ``target`` text, or None if it may well be."""
    letters = sum(1 for ch in source if ch.isalpha())
    if letters >= 3 and _normalised(output) == _normalised(source):
        return "identical to the source"
    script = expected_script(target)
    share = script_share(output, script) if script else None
    if share is not None and share < 0.5:
        return f"only {share:.0%} of the letters are in the {script} script"
    # Same script as the source (en -> de): mostly the source's own words means untranslated.
    out_words = [w.casefold() for w in _WORD.findall(output)]
    src_words = {w.casefold() for w in _WORD.findall(source)}
    if len(out_words) >= 6:
        copied = sum(1 for w in out_words if w in src_words) / len(out_words)
        if copied >= 0.8:
            return f"{copied:.0%} of the words are the source's"
    return None
