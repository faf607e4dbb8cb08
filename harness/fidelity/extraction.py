"""Finding the numbers, dates and ranges of a text in one language.

Two steps. The language's scanner regex cuts the text into atoms (a numeral, a scale
word, a month name, a whole numeric date); then the atoms are put together by what
lies between them: "20" + "тысяч" is 20000, "20" + "мая" is a date (and the 20 is no
separate fact), "30" + "до" + "40 тысяч" is a range whose ends share the scale.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal

from harness.fidelity.locale_numbers import NumberProfile, lookup_key, number_profile
from harness.fidelity.numerals import plain_digits, read_cjk, read_digits
from harness.fidelity.values import DateValue, NumberMention, NumberValue, RangeValue

_FIRST_YEAR, _LAST_YEAR = 1000, 2999
_DIGIT_RUN = re.compile(r"\d+")
_SPACES = " \u00a0\u202f\u2009"


class _Atom:
    """One scanned piece: kind is num, scale, month or date."""

    __slots__ = ("alts", "end", "how", "kind", "plain", "start", "value")

    def __init__(
        self,
        kind: str,
        start: int,
        end: int,
        value: Decimal | int | DateValue,
        how: str = "",
        alts: tuple[Decimal, ...] = (),
        plain: bool = False,
    ) -> None:
        self.kind, self.start, self.end, self.value = kind, start, end, value
        self.how, self.alts, self.plain = how, alts, plain


def _numeric_date(token: str, order: str) -> DateValue | None:
    """20.05.2025 / 5/20/2025 / 2025-05-20, in the locale's CLDR order unless year-first."""
    parts = token.replace("/", "-").replace(".", "-").split("-")
    if len(parts[0]) == 4:
        year, month, day = (int(p) for p in parts)
    elif order == "mdy":
        month, day, year = (int(p) for p in parts)
    else:
        day, month, year = (int(p) for p in parts)
    if 1 <= month <= 12 and 1 <= day <= 31:
        return DateValue(month, day, year)
    return None


def _lowered(text: str) -> str:
    """Lower case with every character kept in place ("İ" lowers to two characters)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(char.lower()[0] for char in text)


def _matches(plain_text: str, profile: NumberProfile) -> Iterator[re.Match[str]]:
    """Scanner matches, tried only where a number or a listed word can begin.

    Trying the whole scanner at every character costs several times as much: the
    regex engine cannot skip ahead over an alternation this large.
    """
    scanner, cut = profile.scanner, 0
    for candidate in profile.candidates.finditer(_lowered(plain_text)):
        start = candidate.start()
        if start >= cut:
            match = scanner.match(plain_text, start)
            if match is not None:
                cut = match.end()
                yield match


def _scan(text: str, plain_text: str, profile: NumberProfile) -> list[_Atom]:
    atoms: list[_Atom] = []
    for match in _matches(plain_text, profile):
        kind = match.lastgroup  # the outer group: it closes after any inner one
        start, end = match.span()
        if kind in ("num", "spaced"):
            token = match.group(kind)
            reading = read_digits(token, profile.decimal_signs, profile.group_signs)
            native = text[start:end] != plain_text[start:end]
            if reading is None:  # "1.2.3": read the digit groups one by one
                for piece in _DIGIT_RUN.finditer(token):
                    begin, finish = start + piece.start(), start + piece.end()
                    atoms.append(_Atom("num", begin, finish, Decimal(piece.group()), "exact"))
                continue
            value, how, alts = reading
            if native:
                how = "native_digits"
            atoms.append(_Atom("num", start, end, value, how, alts, plain=token.isdigit()))
        elif kind == "word":
            key = _strip_prefix(match.group(0), profile.words)
            value_int = profile.words.get(key)
            if value_int is not None:
                how = "words_ambiguous" if key in profile.ambiguous_words else "words"
                atoms.append(_Atom("num", start, end, Decimal(value_int), how))
        elif kind == "cjk":
            cjk_value = read_cjk(match.group(0))
            if cjk_value is not None and cjk_value > 1:
                atoms.append(_Atom("num", start, end, Decimal(cjk_value), "cjk"))
        elif kind == "scale":
            exp = profile.scales.get(_strip_prefix(match.group(0), profile.scales))
            if exp is not None:
                atoms.append(_Atom("scale", start, end, exp))
        elif kind == "month":
            if profile.capital_months and match.group(0)[0].islower():
                continue
            month = profile.months.get(_strip_prefix(match.group(0), profile.months))
            if month is not None:
                atoms.append(_Atom("month", start, end, month))
        elif kind == "ndate":
            date = _numeric_date(match.group(0), profile.date_order)
            if date is not None:
                atoms.append(_Atom("date", start, end, date, "numeric_date"))
    return atoms


def _strip_prefix(surface: str, table: Mapping[str, int]) -> str:
    """Look-up key of a scanned word, without a glued proclitic (Arabic "و", "ب")."""
    key = lookup_key(surface)
    if key in table:
        return key
    return key[1:]


class _Assembler:
    """Walks the atoms of one text and emits mentions."""

    def __init__(self, text: str, atoms: list[_Atom], profile: NumberProfile) -> None:
        self.text, self.atoms, self.profile = text, atoms, profile
        self.mentions: list[NumberMention] = []

    def gap(self, left: int, right: int) -> str:
        return self.text[self.atoms[left].end : self.atoms[right].start]

    def is_kind(self, index: int, kind: str) -> bool:
        return index < len(self.atoms) and self.atoms[index].kind == kind

    def day_at(self, index: int) -> int | None:
        atom = self.atoms[index] if index < len(self.atoms) else None
        if atom is None or atom.kind != "num" or not atom.plain:
            return None
        day = int(atom.value)  # type: ignore[arg-type]
        return day if 1 <= day <= 31 else None

    def year_at(self, index: int) -> int | None:
        atom = self.atoms[index] if index < len(self.atoms) else None
        if atom is None or atom.kind != "num" or not atom.plain:
            return None
        year = int(atom.value)  # type: ignore[arg-type]
        return year if _FIRST_YEAR <= year <= _LAST_YEAR else None

    def emit(self, value: NumberValue, start: int, end: int, how: str,
             alts: tuple[NumberValue, ...] = ()) -> None:  # fmt: skip
        self.mentions.append(NumberMention(value, self.text[start:end], start, end, how, alts))

    def run(self) -> list[NumberMention]:
        index = 0
        while index < len(self.atoms):
            atom = self.atoms[index]
            if atom.kind == "date":
                self.emit(atom.value, atom.start, atom.end, atom.how)  # type: ignore[arg-type]
                index += 1
                continue
            after_date = self.date(index)
            if after_date is not None:
                index = after_date
                continue
            if atom.kind == "num":
                index = self.quantity_or_range(index)
                continue
            index += 1  # a lone month or scale word carries no number
        return self.mentions

    # Dates ---------------------------------------------------------------------------

    def month_run_end(self, index: int) -> int:
        """Index after a month and its same-month aliases ("أيار/مايو")."""
        month = self.atoms[index].value
        nxt = index + 1
        while (
            self.is_kind(nxt, "month")
            and self.atoms[nxt].value == month
            and (self.gap(nxt - 1, nxt).strip() in ("/", "(", "（"))
        ):
            nxt += 1
        return nxt

    def date(self, index: int) -> int | None:
        profile, atom = self.profile, self.atoms[index]
        year: int | None
        # 2025年5月20日, 2025년 5월: year, suffix, month, then maybe a day.
        if profile.year_month_gap is not None and atom.kind == "num":
            year = self.year_at(index)
            if (
                year
                and self.is_kind(index + 1, "month")
                and profile.year_month_gap.fullmatch(self.gap(index, index + 1))
            ):
                return self.month_first(index + 1, start=atom.start, year=year)
            return None
        # 20 мая 2025, 20 de mayo de 2025, 20. Mai, 20th of May.
        day = self.day_at(index)
        if (
            day
            and self.is_kind(index + 1, "month")
            and profile.day_month_gap.fullmatch(self.gap(index, index + 1))
        ):
            nxt = self.month_run_end(index + 1)
            end = self.atoms[nxt - 1].end
            year = self.year_at(nxt)
            if year and profile.day_month_gap.fullmatch(self.gap(nxt - 1, nxt)):
                end, nxt = self.atoms[nxt].end, nxt + 1
            month = self.atoms[index + 1].value
            self.emit(DateValue(month, day, year), atom.start, end, "month_name")  # type: ignore[arg-type]
            return nxt
        if atom.kind == "month":
            return self.month_first(index, start=atom.start, year=None)
        return None

    def month_first(self, index: int, *, start: int, year: int | None) -> int | None:
        """May 20[, 2025] / 5月20日 / May 2024, starting at the month atom."""
        profile = self.profile
        month: int = self.atoms[index].value  # type: ignore[assignment]
        nxt = self.month_run_end(index)
        end = self.atoms[nxt - 1].end
        day = self.day_after_month(nxt)
        if day:
            day_end = self.atoms[nxt].end
            suffix_ok = not profile.day_suffix or (
                day_end < len(self.text) and self.text[day_end] in profile.day_suffix
            )
            if suffix_ok:
                end = day_end + (1 if profile.day_suffix else 0)
                nxt += 1
                if year is None:
                    found_year = self.year_at(nxt)
                    if found_year and profile.day_month_gap.fullmatch(self.gap(nxt - 1, nxt)):
                        year, end, nxt = found_year, self.atoms[nxt].end, nxt + 1
                # Outside its own order, "im Mai 20 Menschen" may still be a count.
                alts = () if profile.month_day or year else (Decimal(day),)
                self.emit(DateValue(month, day, year), start, end, "month_name", alts)
                return nxt
        if year is None:
            found_year = self.year_at(nxt)
            if not found_year or not profile.day_month_gap.fullmatch(self.gap(nxt - 1, nxt)):
                return None
            year, end, nxt = found_year, self.atoms[nxt].end, nxt + 1
        self.emit(DateValue(month, None, year), start, end, "month_name")
        return nxt

    def day_after_month(self, index: int) -> int | None:
        """The day of "May 20" / "mayo 20" / "мая 20" at atom ``index``, if it is one.

        A 1-31 number right after a month name is its day in every language: the
        month-first order is unambiguous next to a month name, and machine output
        keeps the English order ("dijo encima mayo 20"). It is no day when it is
        not plain digits ("Mai 20.000 Menschen"), when a scale word or a percent
        sign makes it a quantity ("mayo 20 mil", "Mai 20 %"), or when something
        other than spaces stands between. Where month-first is not the language's
        own order, a bare abbreviation is not trusted as a month ("mar 20" in
        Spanish is the sea far more often than March 20): the name must be written
        in full or with its abbreviation dot.
        """
        profile = self.profile
        day = self.day_at(index)
        if not day or not profile.month_day_gap.fullmatch(self.gap(index - 1, index)):
            return None
        end = self.atoms[index].end
        if self.scale_follows(index) or self.text[end : end + 3].lstrip(_SPACES).startswith("%"):
            return None
        if not profile.month_day:
            month = self.atoms[index - 1]
            surface = self.text[month.start : month.end]
            key = _strip_prefix(surface, profile.months)
            if not surface.endswith(".") and key in profile.month_abbreviations:
                return None
        return day

    # Quantities and ranges --------------------------------------------------------

    def quantity(self, index: int) -> tuple[Decimal, Decimal, int, str, tuple[Decimal, ...], int]:
        """(value, unscaled value, scale exponent, how, alternatives, next index)."""
        atom = self.atoms[index]
        raw: Decimal = atom.value  # type: ignore[assignment]
        value, how, alts, exp, nxt = raw, atom.how, atom.alts, 0, index + 1
        if self.scale_follows(index):
            exp = self.atoms[nxt].value  # type: ignore[assignment]
            factor = Decimal(10) ** exp
            value, how, nxt = raw * factor, "scale_word", nxt + 1
            alts = tuple(alt * factor for alt in alts)
            # 26万1千, 1억2천만: a smaller part glued to a large CJK unit adds to it.
            while exp >= 4 and self.is_kind(nxt, "num") and self.gap(nxt - 1, nxt) == "":
                part, _, _, _, _, after = self.quantity(nxt)
                if part >= factor:
                    break
                value, nxt = value + part, after
        return value, raw, exp, how, alts, nxt

    def scale_follows(self, index: int) -> bool:
        """A scale word glued to the number at ``index`` ("20 mil", "2万")."""
        nxt = index + 1
        if not self.is_kind(nxt, "scale"):
            return False
        gap = self.gap(index, nxt)
        return len(gap) <= 2 and not gap.strip()

    def quantity_or_range(self, index: int) -> int:
        value, raw, exp, how, alts, nxt = self.quantity(index)
        start = self.atoms[index].start
        end = self.atoms[nxt - 1].end
        if self.is_kind(nxt, "num") and self.joins_range(index, nxt):
            high, high_raw, high_exp, high_how, high_alts, after = self.quantity(nxt)
            low = value
            # "от 30 до 40 тысяч", "3至4万": an unscaled low end takes the high end's scale.
            if exp == 0 and high_exp and raw < high_raw:
                factor = Decimal(10) ** high_exp
                low, alts = raw * factor, tuple(alt * factor for alt in self.atoms[index].alts)
            if low < high:
                range_how = high_how if how == high_how or (exp == 0 and high_exp) else how
                span_end = self.atoms[after - 1].end
                span_alts = _range_alternatives(low, alts, high, high_alts)
                self.emit(RangeValue(low, high), start, span_end, range_how, span_alts)
                return after
        self.emit(value, start, end, how, alts)
        return nxt

    def joins_range(self, left: int, right: int) -> bool:
        gap = self.text[self.atoms[right - 1].end : self.atoms[right].start]
        if self.profile.range_gap.fullmatch(gap):
            return True
        before = self.text[max(0, self.atoms[left].start - 24) : self.atoms[left].start]
        return any(
            joiner.fullmatch(gap) and opener.search(before)
            for opener, joiner in self.profile.between_gaps
        )


def _range_alternatives(
    low: Decimal, low_alts: tuple[Decimal, ...], high: Decimal, high_alts: tuple[Decimal, ...]
) -> tuple[RangeValue, ...]:
    """The other reading of a span whose ends are ambiguous ("30,000 a 40,000" in a
    Spanish text: 30..40 by the locale, 30000..40000 by the English convention).

    One text follows one convention, so both ends switch together (an end without
    another reading stays as it is); mixed readings such as 30..40000 are not offered.
    """
    if not low_alts and not high_alts:
        return ()
    other_low = low_alts[0] if low_alts else low
    other_high = high_alts[0] if high_alts else high
    if other_low < other_high:
        return (RangeValue(other_low, other_high),)
    return ()


def extract_numbers(text: str, lang: str) -> list[NumberMention]:
    """Every number, date and range in ``text`` read by the conventions of ``lang``."""
    profile = number_profile(lang)
    plain_text = plain_digits(text)
    clock: list[_Atom] = []
    if ":" in plain_text or "m" in plain_text or "h" in plain_text or "Uhr" in plain_text:
        clock, plain_text = _clock_times(plain_text)
    atoms = _scan(text, plain_text, profile)
    if clock:
        atoms = sorted(atoms + clock, key=lambda atom: atom.start)
    if "I" in text or "V" in text or "X" in text:
        atoms = _with_roman(text, atoms)
    return _Assembler(text, atoms, profile).run()


# Clock times: "14:30", "2:30 p.m.", "2 pm", "14h30", "14 h 30", "14.30 Uhr". The hour
# is read on the 24-hour clock, so "2:30 p.m." and "14:30" carry the same numbers
# (14 and 30); the span is masked so that "14.30" is not also read as a decimal.
_CLOCK = re.compile(
    r"(?<![\d.,:])(?P<h>[01]?\d|2[0-3])"
    r"(?:(?P<sep>:|\s?h\s?|\.(?=\d\d\s*Uhr))(?P<m>[0-5]\d)(?!\d))?"
    r"(?:\s*(?P<ampm>[aApP])\.?\s?[mM]\.?(?![^\W\d_]))?"
)


def _clock_times(plain_text: str) -> tuple[list[_Atom], str]:
    atoms: list[_Atom] = []
    masked: list[str] | None = None  # copied only when a clock time is found
    for match in _CLOCK.finditer(plain_text):
        if match["m"] is None and match["ampm"] is None:
            continue  # a bare number
        hour = int(match["h"])
        if match["ampm"] and match["ampm"].lower() == "p" and hour < 12:
            hour += 12
        elif match["ampm"] and match["ampm"].lower() == "a" and hour == 12:
            hour = 0
        start = match.start("h")
        atoms.append(_Atom("num", start, match.end("h"), Decimal(hour), "clock_time"))
        if match["m"] is not None:
            atoms.append(
                _Atom(
                    "num", match.start("m"), match.end("m"), Decimal(int(match["m"])), "clock_time"
                )
            )
        if masked is None:
            masked = list(plain_text)
        for index in range(start, match.end()):
            masked[index] = " "
    return atoms, plain_text if masked is None else "".join(masked)


# Roman numerals as centuries and ordinals are written ("XXe siècle", "XX wiek",
# "siglo XXI", "XIX век", "Henry VIII"): I, V and X only (2..39), two letters or
# more or with an ordinal ending, so that "I", "DC" or "MIX" stay words.
_ROMAN = re.compile(
    r"(?<![^\W_])(?P<roman>[IVX]{1,6})(?P<suffix>e|er|ème|è|º|-?го|-?й|-?м)?"
    r"(?![^\W_])"
)
_ROMAN_VALID = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}


def _roman_value(numeral: str) -> int:
    total = 0
    for index, letter in enumerate(numeral):
        value = _ROMAN_VALUES[letter]
        following = _ROMAN_VALUES[numeral[index + 1]] if index + 1 < len(numeral) else 0
        total += -value if value < following else value
    return total


def _with_roman(text: str, atoms: list[_Atom]) -> list[_Atom]:
    taken = [(atom.start, atom.end) for atom in atoms]
    added = []
    for match in _ROMAN.finditer(text):
        numeral = match.group("roman")
        if not _ROMAN_VALID.fullmatch(numeral) or (len(numeral) < 2 and not match["suffix"]):
            continue
        start, end = match.span()
        if any(start < right and left < end for left, right in taken):
            continue
        value = _roman_value(numeral)
        if value >= 2:
            added.append(_Atom("num", start, end, Decimal(value), "roman"))
    if not added:
        return atoms
    return sorted(atoms + added, key=lambda atom: atom.start)
