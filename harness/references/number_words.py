"""Numbers in a paragraph by value, written in digits or as words.

Article spinners swap digits and number words ("fifteen" for 15, "2" for "two"),
so the digits of a restored paragraph may stand as words in its spun copy.
:func:`number_values` reads both kinds of a paragraph's tokens; the words come
from the same data file the fidelity judge reads
(``harness/fidelity/data/number_words.toml``: 2..20 and the tens per language),
plus hyphenated compounds of a ten and a unit ("twenty-five"). "one" is not
listed there (it doubles as an article or pronoun) and is not read here either.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources

from harness.fidelity.matching import primary_language


@cache
def word_values(language: str) -> dict[str, int]:
    """Number words of ``language`` (lower case) and their values."""
    data = tomllib.loads(
        resources.files("harness.fidelity")
        .joinpath("data", "number_words.toml")
        .read_text(encoding="utf-8")
    )
    table = data.get(primary_language(language), {})
    return {form.lower(): int(value) for value, forms in table.items() for form in forms}


def word_value(token: str, language: str) -> int | None:
    """The value of a number word or a ten-unit compound ("twenty-five"), else ``None``."""
    words = word_values(language)
    lowered = token.lower()
    if lowered in words:
        return words[lowered]
    tens, sep, unit = lowered.partition("-")
    if sep and tens in words and unit in words:
        high, low = words[tens], words[unit]
        if high % 10 == 0 and high >= 20 and 0 < low < 10:
            return high + low
    return None


def digit_value(token: str) -> Decimal | None:
    """The value of a digit token as an English text writes it ("1,200", "2.5")."""
    try:
        return Decimal(token.replace(",", ""))
    except InvalidOperation:
        return None


@dataclass
class NumberValues:
    """A paragraph's numbers by value: written in digits, and written as words."""

    digits: Counter[Decimal] = field(default_factory=Counter)
    words: Counter[Decimal] = field(default_factory=Counter)


def number_values(tokens: list[str], language: str) -> NumberValues:
    found = NumberValues()
    for token in tokens:
        if token[0].isdigit():
            value = digit_value(token)
            if value is not None:
                found.digits[value] += 1
        else:
            word = word_value(token, language)
            if word is not None:
                found.words[Decimal(word)] += 1
    return found


def compare_numbers(
    spun: NumberValues, restored: NumberValues
) -> tuple[list[Decimal], list[Decimal], int]:
    """What differs between the numbers of two paragraphs, and the swaps.

    A digit of one side must stand on the other side as a digit or as a word;
    when one does not, the values of each side that the other lacks in any form
    are returned (spun, restored) to say so. Otherwise both lists are empty and
    the count is how many digits were written as words, or words as digits."""
    spun_extra = spun.digits - restored.digits
    restored_extra = restored.digits - spun.digits
    swaps = sum((spun_extra & restored.words).values()) + sum(
        (restored_extra & spun.words).values()
    )
    if not (spun_extra - restored.words) and not (restored_extra - spun.words):
        return [], [], swaps
    spun_all, restored_all = spun.digits + spun.words, restored.digits + restored.words
    return (
        sorted((spun_all - restored_all).elements()),
        sorted((restored_all - spun_all).elements()),
        swaps,
    )
