"""Facts of a reference article: its names and numbers, tied to segments.

``references/<article>/facts.toml`` (data only, described in its own header)
lists every name with its accepted forms per target language and every number
with its value, each tied to the segment (``p01``...) of the *restored* text it
stands in. This module loads it (:func:`load_facts`), turns it into what the
judges of :mod:`harness.fidelity` take (name specs per target language, number
mentions), picks the facts of a segment or of any text by containment, and
checked against the article by :mod:`harness.references.checks`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel import Locale, UnknownLocaleError

from harness.errors import ArticleError
from harness.fidelity.matching import primary_language
from harness.fidelity.names import NameSpec

if TYPE_CHECKING:
    from harness.fidelity.numbers import NumberMention, NumberValue
    from harness.references.article import Article

FACTS_FILE = "facts.toml"
_POSSESSIVE = re.compile(r"[’']s$")


@dataclass(frozen=True, slots=True)
class NameOccurrence:
    segment: str
    text: str
    spun: str | None = None
    adjective: bool = False

    @property
    def bare(self) -> str:
        """The name without an English possessive: "Russia's" -> "Russia"."""
        return _POSSESSIVE.sub("", self.text)


@dataclass(frozen=True)
class NameFact:
    id: str
    kind: str
    source: str
    occurs: tuple[NameOccurrence, ...]
    forms: Mapping[str, tuple[str, ...]]
    adjectives: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    territory: str | None = None

    def _for(self, table: Mapping[str, tuple[str, ...]], lang: str) -> tuple[str, ...]:
        return table.get(lang) or table.get(primary_language(lang)) or ()

    def source_forms(self) -> tuple[str, ...]:
        texts = (
            [self.source]
            + [o.bare for o in self.occurs]
            + [_POSSESSIVE.sub("", o.spun) for o in self.occurs if o.spun]
        )
        return tuple(dict.fromkeys(texts))

    def spec(self, lang: str, *, adjective: bool = False) -> NameSpec:
        forms = list(self._for(self.forms, lang))
        if adjective:
            forms += self._for(self.adjectives, lang)
        forms += [self.source] + [o.bare for o in self.occurs]
        if self.territory:
            forms += _territory_names(self.territory, lang)
        forms = list(dict.fromkeys(f for f in forms if f.strip()))
        variants = [f for table in self.forms.values() for f in table if f not in forms]
        return NameSpec(
            id=self.id,
            source=self.source,
            forms=tuple(forms),
            variants=tuple(dict.fromkeys(variants)),
            source_forms=self.source_forms(),
            kind=self.kind,
            curated=bool(self._for(self.forms, lang)),
        )


def _territory_names(code: str, lang: str) -> list[str]:
    try:
        name = Locale.parse(primary_language(lang)).territories.get(code)
    except (UnknownLocaleError, ValueError):
        return []
    return [name] if name else []


@dataclass(frozen=True)
class NumberFact:
    segment: str
    text: str
    kind: str  # "value", "date" or "range"
    value: Decimal | None = None
    date: tuple[int, int | None, int | None] | None = None
    range: tuple[Decimal, Decimal] | None = None
    spun: str | None = None
    unit: str | None = None

    def number_value(self) -> NumberValue:
        from harness.fidelity.numbers import DateValue, RangeValue

        if self.date is not None:
            month, day, year = self.date
            return DateValue(month, day=day, year=year)
        if self.range is not None:
            return RangeValue(self.range[0], self.range[1])
        assert self.value is not None
        return self.value

    def mention(self, source: str) -> NumberMention:
        from harness.fidelity.numbers import NumberMention

        start = source.find(self.text)
        if start < 0 and self.spun:
            start = source.find(self.spun)
        start = max(start, 0)
        return NumberMention(self.number_value(), self.text, start, start + len(self.text), "fact")

    def key(self) -> tuple[str, str]:
        return (self.text, repr(self.value or self.date or self.range))


@dataclass(frozen=True, eq=False)
class SegmentFacts:
    """The facts one segment (or one text) is expected to keep."""

    names: tuple[tuple[NameFact, bool], ...]  # (fact, adjectives accepted)
    numbers: tuple[NumberFact, ...]
    all_names: tuple[NameFact, ...]
    _cache: dict[tuple[str, str], tuple[NameSpec, ...]] = field(default_factory=dict, repr=False)
    _mentions: dict[str, tuple[NumberMention, ...]] = field(default_factory=dict, repr=False)

    def name_specs(self, lang: str) -> tuple[NameSpec, ...]:
        key = ("expected", lang)
        if key not in self._cache:
            self._cache[key] = tuple(f.spec(lang, adjective=adj) for f, adj in self.names)
        return self._cache[key]

    def known_specs(self, lang: str) -> tuple[NameSpec, ...]:
        key = ("known", lang)
        if key not in self._cache:
            self._cache[key] = tuple(f.spec(lang) for f in self.all_names)
        return self._cache[key]

    def number_mentions(self, source: str) -> list[NumberMention]:
        # One segment is judged with the same source (its spun or restored text)
        # against every target language, variant and provider: place the facts once.
        mentions = self._mentions.get(source)
        if mentions is None:
            if len(self._mentions) >= 8:
                self._mentions.clear()
            mentions = self._mentions[source] = tuple(fact.mention(source) for fact in self.numbers)
        return list(mentions)


@dataclass(frozen=True, eq=False)
class Facts:
    article: str
    path: Path | None
    names: tuple[NameFact, ...]
    numbers: tuple[NumberFact, ...]
    reviewed: bool = True  # a proposed inventory says ``reviewed = false`` until checked
    _segments: dict[str, SegmentFacts] = field(default_factory=dict, repr=False)

    def segment_ids(self) -> list[str]:
        ids = {o.segment for n in self.names for o in n.occurs} | {n.segment for n in self.numbers}
        return sorted(ids)

    def for_segment(self, segment: str) -> SegmentFacts:
        """The facts of segment ``segment`` of the restored text (cached)."""
        if segment not in self._segments:
            names = []
            for fact in self.names:
                here = [o for o in fact.occurs if o.segment == segment]
                if here:
                    names.append((fact, any(o.adjective for o in here)))
            numbers = tuple(n for n in self.numbers if n.segment == segment)
            self._segments[segment] = SegmentFacts(tuple(names), numbers, self.names)
        return self._segments[segment]

    def for_text(self, text: str) -> SegmentFacts:
        """The facts whose source strings (restored or spun) occur in ``text``.

        Names count once; a number counts as often as its text stands in ``text``,
        so a text holding two segments expects both of their "20,000"."""
        names = []
        for fact in self.names:
            hits = [
                o
                for o in fact.occurs
                if _contains(text, o.bare)
                or (o.spun is not None and _contains(text, _POSSESSIVE.sub("", o.spun)))
            ]
            if hits:
                names.append((fact, any(o.adjective for o in hits)))
        numbers: list[NumberFact] = []
        seen: set[tuple[str, str]] = set()
        for number in self.numbers:
            if number.key() in seen:
                continue
            seen.add(number.key())
            count = _count(text, number.text) or (_count(text, number.spun) if number.spun else 0)
            numbers.extend([number] * count)
        return SegmentFacts(tuple(names), tuple(numbers), self.names)


def _boundary_pattern(needle: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w,.])" + re.escape(needle) + r"(?!\w|[,.]\d)")


def _count(text: str, needle: str) -> int:
    return len(_boundary_pattern(needle).findall(text)) if needle else 0


def _contains(text: str, needle: str) -> bool:
    return bool(needle) and _boundary_pattern(needle).search(text) is not None


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ArticleError(f"{where}: expected a list of non-empty strings")
    return tuple(value)


def _name_fact(raw: Any, where: str) -> NameFact:
    if not isinstance(raw, dict):
        raise ArticleError(f"{where}: expected a table")
    for key in ("id", "source", "occurs"):
        if key not in raw:
            raise ArticleError(f"{where}: missing {key!r}")
    occurs = []
    for i, occ in enumerate(raw["occurs"]):
        if not isinstance(occ, dict) or "segment" not in occ or "text" not in occ:
            raise ArticleError(f"{where}.occurs[{i}]: needs segment and text")
        occurs.append(
            NameOccurrence(
                str(occ["segment"]),
                str(occ["text"]),
                occ.get("spun"),
                bool(occ.get("adjective", False)),
            )
        )

    def table(key: str) -> dict[str, tuple[str, ...]]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            raise ArticleError(f"{where}.{key}: expected a table of language -> forms")
        return {lang: _strings(v, f"{where}.{key}.{lang}") for lang, v in value.items()}

    return NameFact(
        str(raw["id"]),
        str(raw.get("kind", "name")),
        str(raw["source"]),
        tuple(occurs),
        table("forms"),
        table("adjectives"),
        raw.get("territory"),
    )


def _decimal(value: Any, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ArticleError(f"{where}: {value!r} is not a decimal number") from None


def _number_fact(raw: Any, where: str) -> NumberFact:
    if not isinstance(raw, dict) or "segment" not in raw or "text" not in raw:
        raise ArticleError(f"{where}: needs segment and text")
    segment, text = str(raw["segment"]), str(raw["text"])
    spun, unit = raw.get("spun"), raw.get("unit")
    if "date" in raw:
        date = raw["date"]
        month, day, year = date.get("month"), date.get("day"), date.get("year")
        if not isinstance(month, int) or not 1 <= month <= 12:
            raise ArticleError(f"{where}: date needs a month 1-12")
        if day is not None and not (isinstance(day, int) and 1 <= day <= 31):
            raise ArticleError(f"{where}: day must be 1-31")
        return NumberFact(segment, text, "date", date=(month, day, year), spun=spun, unit=unit)
    if "range" in raw:
        low, high = (_decimal(v, where) for v in raw["range"])
        if low > high:
            raise ArticleError(f"{where}: range low {low} is above high {high}")
        return NumberFact(segment, text, "range", range=(low, high), spun=spun, unit=unit)
    if "value" in raw:
        return NumberFact(
            segment, text, "value", value=_decimal(raw["value"], where), spun=spun, unit=unit
        )
    raise ArticleError(f"{where}: needs value, date or range")


def load_facts(path: Path) -> Facts:
    """Load a facts file; a clear :class:`ArticleError` naming the file when broken."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ArticleError(f"{path}: no such facts file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ArticleError(f"{path}: {exc}") from exc
    names = tuple(
        _name_fact(raw, f"{path}: names[{i}]") for i, raw in enumerate(data.get("names", []))
    )
    numbers = tuple(
        _number_fact(raw, f"{path}: numbers[{i}]") for i, raw in enumerate(data.get("numbers", []))
    )
    ids = [n.id for n in names]
    if len(set(ids)) != len(ids):
        raise ArticleError(f"{path}: name ids must be unique")
    return Facts(
        str(data.get("article", path.parent.name)),
        path,
        names,
        numbers,
        reviewed=bool(data.get("reviewed", True)),
    )


def article_facts(article: Article) -> Facts | None:
    """The article's facts, or ``None`` when it has no facts file."""
    path = article.path / FACTS_FILE
    return load_facts(path) if path.is_file() else None
