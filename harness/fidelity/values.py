"""The values a number mention can carry (quantity, date, range) and the mention itself.

Values compare by meaning: ``Decimal("20000") == Decimal("2E+4")``, a date is its
(month, day, year), a range its two ends. A mention adds where and how it was read,
so every judgement built on it can be explained.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class DateValue:
    """A calendar date as written: month always, day and year when the text has them."""

    month: int
    day: int | None = None
    year: int | None = None

    def to_json(self) -> dict[str, int | None]:
        return {"month": self.month, "day": self.day, "year": self.year}


@dataclass(frozen=True)
class RangeValue:
    """Two quantities written as one span ("30,000 to 40,000", "3万至4万")."""

    low: Decimal
    high: Decimal

    def to_json(self) -> dict[str, str]:
        return {"low": decimal_text(self.low), "high": decimal_text(self.high)}


NumberValue = Decimal | DateValue | RangeValue


def decimal_text(value: Decimal) -> str:
    """Plain positional text of a quantity: 20000, 1.5 (never 2E+4, never 1.50)."""
    text = format(value.normalize(), "f")
    return text


def value_json(value: NumberValue) -> Any:
    if isinstance(value, Decimal):
        return decimal_text(value)
    return value.to_json()


def value_label(value: NumberValue) -> str:
    """Short human-readable form for reports: 20000, 5-20, 2025-05-20, 30000..40000."""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, RangeValue):
        return f"{decimal_text(value.low)}..{decimal_text(value.high)}"
    parts = [f"{value.year:04d}"] if value.year is not None else []
    parts.append(f"{value.month:02d}")
    if value.day is not None:
        parts.append(f"{value.day:02d}")
    return "-".join(parts)


@dataclass(frozen=True)
class NumberMention:
    """One number, date or range found in a text.

    ``how`` says how it was read: "exact" (plain digits, or the source's own
    convention), "locale_format" (the target locale's grouping/decimal signs),
    "foreign_format" (signs that are neither), "native_digits" (Arabic-Indic,
    full-width), "scale_word" ("20 тысяч", "2万"), "words" ("vierzehn"), "cjk"
    (十四), "month_name" and "numeric_date" for dates, "range" for spans.
    ``alternatives`` holds other readings of an ambiguous surface: "20,000" in a
    German text reads 20 by the locale and 20000 by the English convention; a span
    "30,000 a 40,000" in Spanish carries 30000..40000 as its other reading; "Mai 20"
    (month-first outside the language's own order) carries the count 20.
    """

    value: NumberValue
    text: str
    start: int
    end: int
    how: str
    alternatives: tuple[NumberValue, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text,
            "value": value_json(self.value),
            "how": self.how,
            "start": self.start,
            "end": self.end,
        }
        if self.alternatives:
            data["alternatives"] = [value_json(alt) for alt in self.alternatives]
        return data
