"""The translation prompt of the LLM adapters, and the language names it uses.

Chat models are told languages by name ("from English to Ukrainian"), not by
code; the names come from CLDR through Babel, so every BCP-47 code Babel knows
works (``uk`` -> Ukrainian, ``zh-Hans`` -> Chinese (Simplified), ``pt-BR`` ->
Portuguese (Brazil)) and a code it does not know is refused before any request.
"""

from __future__ import annotations

import string
from functools import cache

from babel import Locale, UnknownLocaleError

#: The built-in system prompt. Changing it changes every output: bump the adapters'
#: ``version`` with it, so cached answers of the old prompt are not reused.
DEFAULT_SYSTEM_PROMPT = (
    "You are a professional translator. Translate the user's text from {source} to {target}. "
    "Keep every name, number, date and amount exactly as meant in the source; do not add, "
    "drop or explain anything. The text is one paragraph: answer with exactly one paragraph. "
    "Output only the translation, with no quotes, notes or comments."
)

PLACEHOLDERS = frozenset({"source", "target"})


@cache
def _english() -> Locale:
    return Locale("en")


def language_name(code: str) -> str | None:
    """English name of a BCP-47 language tag, or None if CLDR does not know it."""
    try:
        return str(Locale.parse(code, sep="-").get_display_name("en"))
    except (UnknownLocaleError, ValueError):
        pass
    # Languages without locale data of their own still have an English name in CLDR.
    base = code.split("-")[0].lower()
    name = _english().languages.get(base)
    return str(name) if name else None


def known_languages() -> dict[str, str]:
    """Every language CLDR names in English: BCP-47 code -> name."""
    return {code.replace("_", "-"): str(name) for code, name in _english().languages.items()}


def check_template(template: str) -> str:
    """``template`` if its only placeholders are ``{source}`` and ``{target}``; else ValueError."""
    try:
        parsed = list(string.Formatter().parse(template))
        fields = {field for _, field, _, _ in parsed if field is not None}
    except ValueError as exc:
        raise ValueError(f"system_prompt is not a valid template: {exc}") from None
    unknown = fields - PLACEHOLDERS
    if unknown:
        raise ValueError(
            f"system_prompt has unknown placeholders {sorted(unknown)}; "
            "use {source} and {target} (double braces for literal ones)"
        )
    return template


def system_prompt(template: str | None, source: str, target: str) -> str:
    """The system prompt for one direction, with language names filled in."""
    return (template or DEFAULT_SYSTEM_PROMPT).format(
        source=language_name(source) or source, target=language_name(target) or target
    )
