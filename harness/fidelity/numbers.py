"""Judging numbers: does every number of the source come through the translation by value.

The facts are the source's mentions (or a curated list); the translation's mentions
are read in the target language. Matching is by value, one translation mention per
fact, in this order, each step only over what is still unmatched:

1. equal values (quantity, date by month/day/year, range by both ends);
2. another reading of an ambiguous translation surface ("20,000" left in a German
   text reads 20 by German rules, but 20000 by the source's convention; a span
   "30,000 a 40,000" in Spanish reads 30000..40000 with both ends switched);
3. a range written as two separate numbers with the same values (and the reverse:
   two source numbers written as one range).

What remains on the source side is missing, on the translation side unexpected; an
altered value ("20" for "20,000", 2023 for 2022) is therefore both.

Reading choices (see extraction.py and data/number_grammar.toml):
- the day of a date and the year attached to it are part of the date, not separate
  numbers; dates match on (month, day, year) exactly, so a year added or dropped
  counts as an altered date;
- a month name followed by a 1-31 number is a date in every language ("mayo 20",
  "Mai 20", as machine output keeps the English order), unless the number is no
  plain day: "Mai 20.000", "mayo 20 mil", "Mai 20 %" stay quantities, and "mayo
  2025" is a month with its year. Where month-first is not the language's own
  order, the day stays a possible count ("im Mai 20 Menschen");
- numeric dates are read only with a four-digit year (20.05.2025, 2025-05-20,
  05/20/2025 in the order of the locale's CLDR short date); "20/5" without a year is
  too easily a score or a fraction and stays two numbers;
- a lone year is a quantity (2022), "14 years" is 14, "15 %" is 15;
- "one" is never read as a word (it is an article everywhere), nor are CJK unit
  characters without a digit (十分 "very", 千万 "by all means").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from harness.fidelity.extraction import extract_numbers
from harness.fidelity.values import (
    DateValue,
    NumberMention,
    NumberValue,
    RangeValue,
    value_label,
)

__all__ = [
    "DateValue",
    "NumberMatch",
    "NumberMention",
    "NumberValue",
    "NumbersJudgement",
    "RangeValue",
    "extract_numbers",
    "judge_numbers",
    "source_facts",
]


@dataclass
class NumberMatch:
    """A source fact and the translation mention that carries it."""

    expected: NumberMention
    found: NumberMention
    how: str  # how the value was recognised in the translation

    def to_json(self) -> dict[str, Any]:
        return {"expected": self.expected.to_json(), "found": self.found.to_json(), "how": self.how}

    def explain(self) -> str:
        return f"{value_label(self.expected.value)}: {self.found.text!r} ({self.how})"


@dataclass
class NumbersJudgement:
    """Which source numbers came through, which are missing, which were added."""

    expected: list[NumberMention]
    found: list[NumberMatch]
    missing: list[NumberMention]
    unexpected: list[NumberMention]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unexpected

    def to_json(self) -> dict[str, Any]:
        return {
            "expected": [m.to_json() for m in self.expected],
            "found": [m.to_json() for m in self.found],
            "missing": [m.to_json() for m in self.missing],
            "unexpected": [m.to_json() for m in self.unexpected],
        }


def judge_numbers(
    source: str,
    translation: str,
    target_lang: str,
    *,
    source_lang: str = "en",
    expected: Sequence[NumberMention] | None = None,
) -> NumbersJudgement:
    """Compare the numbers of ``source`` (or the given facts) with ``translation``."""
    facts = list(expected) if expected is not None else list(source_facts(source, source_lang))
    mentions = extract_numbers(translation, target_lang)
    open_facts = list(range(len(facts)))
    open_mentions = list(range(len(mentions)))
    matches: list[tuple[int, NumberMatch]] = []

    def take(fact: int, mention: int, how: str) -> None:
        matches.append((fact, NumberMatch(facts[fact], mentions[mention], how)))
        open_mentions.remove(mention)

    # 1. Equal values.
    for fact in list(open_facts):
        value = facts[fact].value
        hit = next((m for m in open_mentions if mentions[m].value == value), None)
        if hit is not None:
            take(fact, hit, mentions[hit].how)
            open_facts.remove(fact)
    # 2. Another reading of an ambiguous surface.
    for fact in list(open_facts):
        value = facts[fact].value
        hit = next((m for m in open_mentions if value in mentions[m].alternatives), None)
        if hit is not None:
            take(fact, hit, "alternative_reading")
            open_facts.remove(fact)
    # 3a. A source range written as two numbers.
    for fact in list(open_facts):
        span = facts[fact].value
        if not isinstance(span, RangeValue):
            continue
        low = _open_quantity(mentions, open_mentions, span.low)
        high = _open_quantity(mentions, open_mentions, span.high, exclude=low)
        if low is not None and high is not None:
            take(fact, low, "range_split")
            take(fact, high, "range_split")
            open_facts.remove(fact)
    # 3b. Two source numbers written as one range.
    for mention in list(open_mentions):
        span = mentions[mention].value
        if not isinstance(span, RangeValue):
            continue
        low = _open_quantity(facts, open_facts, span.low)
        high = _open_quantity(facts, open_facts, span.high, exclude=low)
        if low is not None and high is not None:
            for fact in (low, high):
                matches.append((fact, NumberMatch(facts[fact], mentions[mention], "range_joined")))
                open_facts.remove(fact)
            open_mentions.remove(mention)

    matches.sort(key=lambda item: (item[0], item[1].found.start))
    return NumbersJudgement(
        expected=facts,
        found=[match for _, match in matches],
        missing=[facts[f] for f in open_facts],
        # A number word that is also a common word ("năm": five, year) only ever
        # confirms a fact; alone it is no evidence of an added number. Nor is a small
        # number word (see WORD_FACT_MIN: "due", "两" for "the two leaders").
        unexpected=[mentions[m] for m in open_mentions if _is_evidence(mentions[m])],
    )


@lru_cache(maxsize=4096)
def source_facts(source: str, source_lang: str = "en") -> tuple[NumberMention, ...]:
    """The numbers of a source text, cached: one source paragraph is judged against
    every target language, variant and provider of a run."""
    return tuple(m for m in extract_numbers(source, source_lang) if _is_evidence(m))


AMBIGUOUS = "words_ambiguous"
WORD_READINGS = frozenset({"words", "cjk"})
# Spelled "one" and "two" are read (the spinning check needs "two" = 2) but are no
# facts: "the two leaders" is "ambos líderes", "beide", "両首脳" in faithful translations.
WORD_FACT_MIN = 3

#: The numbers judge's settings, as its part of the fidelity signature: what is read
#: (values, dates, ranges, clock times, Roman numerals, number words from the smallest
#: one that is a fact) and how it is matched (by value, other readings, split ranges).
SIGNATURE = f"numbers:value+date+range+clock+roman+words>={WORD_FACT_MIN}+rereading+split-range"


def _is_evidence(mention: NumberMention) -> bool:
    """Whether a mention counts as a fact of a source or an unexpected number."""
    if mention.how == AMBIGUOUS:
        return False
    return not (
        mention.how in WORD_READINGS
        and isinstance(mention.value, Decimal)
        and mention.value < WORD_FACT_MIN
    )


def _open_quantity(
    mentions: Sequence[NumberMention],
    open_indexes: Sequence[int],
    value: Decimal,
    exclude: int | None = None,
) -> int | None:
    for index in open_indexes:
        found = mentions[index].value
        if index != exclude and isinstance(found, Decimal) and found == value:
            return index
    return None


_ = DateValue  # re-exported as part of this module's interface
