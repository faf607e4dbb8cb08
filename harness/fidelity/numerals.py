"""Reading one numeral token: digit strings with grouping/decimal signs, and CJK numerals.

Grouping versus decimal is decided by the target locale's CLDR symbols and by shape:
a sign followed by exactly three digits may be either ("20.000" is 20000 in German,
"1.500" could be 1.5 in English), so the locale's reading comes first and the other
one is kept as an alternative for the matcher; any other shape is unambiguous.
"""

from __future__ import annotations

import re
from decimal import Decimal

# Digits of other scripts, mapped one to one so that text positions do not move.
NATIVE_DIGITS = str.maketrans(
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹０１２３４５６７８９",
    "012345678901234567890123456789",
)

_NATIVE_DIGIT = re.compile("[" + "".join(chr(code) for code in NATIVE_DIGITS) + "]")


def plain_digits(text: str) -> str:
    """``text`` with the digits of other scripts as ASCII digits, positions kept. Most
    texts have none: one regex search is cheaper than translating every character."""
    return text.translate(NATIVE_DIGITS) if _NATIVE_DIGIT.search(text) else text


SPACE_GROUP_SIGNS = frozenset(" \u00a0\u202f\u2009\u2007")
APOSTROPHE_GROUP_SIGNS = frozenset("'’٬")
ARABIC_DECIMAL_SIGN = "٫"

_GROUPS = re.compile(r"\d+")

Reading = tuple[Decimal, str, tuple[Decimal, ...]]


def _grouped(groups: list[str]) -> Decimal | None:
    """Value of digit groups joined by a grouping sign, if the groups are well formed:
    thousands (1,234,567) or the Indian lakh and crore grouping (12,34,567: CLDR's
    ``#,##,##0`` pattern of hi, bn, en-IN...), which no other reading takes."""
    if 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]):
        return Decimal("".join(groups))
    if (
        len(groups) >= 3
        and 1 <= len(groups[0]) <= 2
        and len(groups[-1]) == 3
        and all(len(g) == 2 for g in groups[1:-1])
    ):
        return Decimal("".join(groups))
    return None


def read_digits(
    token: str, decimal_signs: frozenset[str], group_signs: frozenset[str]
) -> Reading | None:
    """Value, how it was read and alternative values of an ASCII-digit token.

    ``None`` when the separators make no number (``1.2.3``); the caller then reads
    the digit groups one by one.
    """
    seps = [c for c in token if not c.isdigit()]
    if not seps:
        return Decimal(token), "exact", ()
    groups = _GROUPS.findall(token)

    def how_group(sign: str) -> str:
        if sign == ",":
            return "exact" if sign in group_signs else "foreign_format"
        if sign in group_signs or (sign in SPACE_GROUP_SIGNS and group_signs & SPACE_GROUP_SIGNS):
            return "locale_format"
        return "foreign_format"

    def how_decimal(sign: str) -> str:
        if sign == ".":
            return "exact" if "." in decimal_signs else "foreign_format"
        return "locale_format" if sign in decimal_signs else "foreign_format"

    last = seps[-1]
    # A final "." / "," / "٫" that differs from the earlier signs, or a lone "٫", is
    # the decimal sign: "1,234.5", "1.234,5", "20 000,5", "26٫1".
    if last in ".,٫" and (
        last == ARABIC_DECIMAL_SIGN or (len(seps) > 1 and seps.count(last) == 1 and seps[0] != last)
    ):
        whole = _grouped(groups[:-1]) if len(groups) > 2 else Decimal(groups[0])
        if whole is None:
            return None
        value = whole + Decimal(f"0.{groups[-1]}")
        return value, how_decimal(last) if len(seps) == 1 else how_group(seps[0]), ()
    kinds = set(seps)
    if len(kinds) != 1:
        return None
    sign = last
    if sign in SPACE_GROUP_SIGNS or sign in APOSTROPHE_GROUP_SIGNS or len(seps) > 1:
        grouped = _grouped(groups)
        return None if grouped is None else (grouped, how_group(sign), ())
    # One "." or ",": a decimal unless exactly three digits follow a 1-3 digit whole.
    as_decimal = Decimal(f"{groups[0]}.{groups[1]}")
    as_group = _grouped(groups)
    if as_group is None or groups[0] == "0":
        return as_decimal, how_decimal(sign), ()
    if sign in decimal_signs:
        return as_decimal, how_decimal(sign), (as_group,)
    if sign in group_signs:  # the locale's own grouping sign: no doubt
        return as_group, how_group(sign), ()
    return as_group, how_group(sign), (as_decimal,)


_CJK_DIGITS = {
    "〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CJK_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "千": 1000}
_CJK_BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
CJK_NUMERAL_CHARS = "".join([*_CJK_DIGITS, *_CJK_SMALL_UNITS, *_CJK_BIG_UNITS])


def read_cjk(token: str) -> int | None:
    """Value of a Chinese/Japanese numeral (十四, 二十六万一千, 二〇二二).

    ``None`` for runs without a digit character (十, 千万): alone they are
    mostly parts of words ("十分" very, "千万" by all means).
    """
    if not any(c in _CJK_DIGITS for c in token):
        return None
    if all(c in _CJK_DIGITS for c in token):
        if len(token) == 1:
            return _CJK_DIGITS[token]
        # A run of bare digits is read digit by digit, as years are: 二〇二二.
        return int("".join(str(_CJK_DIGITS[c]) for c in token))
    total = section = 0
    digit: int | None = None
    for char in token:
        if char in _CJK_DIGITS:
            digit = _CJK_DIGITS[char] if digit is None else digit * 10 + _CJK_DIGITS[char]
        elif char in _CJK_SMALL_UNITS:
            section += (1 if digit is None else digit) * _CJK_SMALL_UNITS[char]
            digit = None
        else:
            unit = _CJK_BIG_UNITS[char]
            chunk = section + (digit or 0)
            total += (chunk or 1) * unit
            section, digit = 0, None
    return total + section + (digit or 0)
