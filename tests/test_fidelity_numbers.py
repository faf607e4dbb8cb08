"""Numbers fidelity: reading numbers in 17 languages and judging translations by value.

The judgement cases live in tests/data/numbers_cases.toml: seed-article sentences as
newspapers would translate them, faithful and broken (changed digit, transposed digits,
dropped scale word, wrong month or year, added number, range end altered).
"""

from __future__ import annotations

import random
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from num2words import num2words  # type: ignore[import-untyped]

from harness.errors import UnsupportedLanguageError
from harness.fidelity.numbers import (
    DateValue,
    NumberMention,
    RangeValue,
    extract_numbers,
    judge_numbers,
)
from harness.fidelity.values import value_label

_ROOT = Path(__file__).resolve().parent.parent
_LINES = (
    (_ROOT / "references" / "ki-2025-05-20-naturalized-migrants" / "restored.txt")
    .read_text(encoding="utf-8")
    .splitlines()
)


def _paragraph(opening: str) -> str:
    return next(line for line in _LINES if line.startswith(opening))


# Paragraphs of the seed article that carry numbers, and two sentences in its style
# for what the article lacks (a date with a year, a percentage, a decimal).
SOURCE = {
    "p01": _paragraph("Russian law enforcement"),  # 20,000 ... May 20
    "p03": _paragraph('"Already 20,000'),  # 20,000
    "p06": _paragraph("The statement comes"),  # 30,000 to 40,000
    "p08": _paragraph("With the memory"),  # 2022 ... 261,000
    "p10": _paragraph("On March 31"),  # March 31 ... 160,000 ... 14 years
    "p12": _paragraph("In the summer of 2024"),  # 2024
    "dated": "Bastrykin said on May 20, 2025 that 20,000 migrants had been sent.",
    "percent": "Turnout fell by 15% to 1.5 million voters.",
}

with (_ROOT / "tests" / "data" / "numbers_cases.toml").open("rb") as _handle:
    CASES: list[dict[str, Any]] = tomllib.load(_handle)["case"]


def _labels(mentions: list[NumberMention]) -> list[str]:
    return sorted(value_label(m.value) for m in mentions)


def _case_id(case: dict[str, Any]) -> str:
    verdict = "ok" if not case["missing"] and not case["unexpected"] else "broken"
    return f"{case['source']}-{case['lang']}-{verdict}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_judge_numbers_on_seed_sentences(case: dict[str, Any]) -> None:
    judgement = judge_numbers(SOURCE[case["source"]], case["translation"], case["lang"])
    assert _labels(judgement.missing) == sorted(case["missing"])
    assert _labels(judgement.unexpected) == sorted(case["unexpected"])
    assert judgement.ok is (not case["missing"] and not case["unexpected"])
    matched = {id(match.expected) for match in judgement.found}
    assert len(matched) + len(judgement.missing) == len(judgement.expected)


def test_cases_cover_languages_and_scripts() -> None:
    languages = {case["lang"] for case in CASES}
    assert len(CASES) >= 100
    assert languages >= {"en", "es", "ca", "gl", "eo", "de", "fr", "it", "pt", "pl", "ru"}
    assert languages >= {"uk", "tr", "ar", "zh", "ja", "ko"}
    assert len([c for c in CASES if c["missing"] or c["unexpected"]]) >= 30


# (language, text, [(surface, value label, how)]) for extract_numbers.
EXTRACTIONS: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    (
        "en",
        "sent 20,000 migrants on May 20",
        [("20,000", "20000", "exact"), ("May 20", "05-20", "month_name")],
    ),
    ("en", "drives of 30,000 to 40,000 people", [("30,000 to 40,000", "30000..40000", "exact")]),
    (
        "en",
        "between 30 and 40 thousand people",
        [("30 and 40 thousand", "30000..40000", "scale_word")],
    ),
    ("en", "the largest call-up in fourteen years", [("fourteen", "14", "words")]),
    (
        "en",
        "On March 31, 2024 and in May 2024",
        [("March 31, 2024", "2024-03-31", "month_name"), ("May 2024", "2024-05", "month_name")],
    ),
    ("en", "on the 20th of May", [("20th of May", "05-20", "month_name")]),
    (
        "en",
        "1.5 million and 2.75",
        [("1.5 million", "1500000", "scale_word"), ("2.75", "2.75", "exact")],
    ),
    ("en", "Su-35 jets and COVID-19 cases", []),
    ("en", "you may 20 times", [("20", "20", "exact")]),
    (
        "de",
        "am 20. Mai 2025 kamen 20.000 Menschen",
        [("20. Mai 2025", "2025-05-20", "month_name"), ("20.000", "20000", "locale_format")],
    ),
    (
        "de",
        "1,5 Millionen und 3 Mrd. Euro",
        [("1,5 Millionen", "1500000", "scale_word"), ("3 Mrd.", "3000000000", "scale_word")],
    ),
    ("de", "am 20.05.2025", [("20.05.2025", "2025-05-20", "numeric_date")]),
    (
        "fr",
        "le 1er mai, 20\u202f000 personnes et 2,5 %",
        [
            ("1er mai", "05-01", "month_name"),
            ("20\u202f000", "20000", "locale_format"),
            ("2,5", "2.5", "locale_format"),
        ],
    ),
    (
        "es",
        "el 20 de mayo de 2025, 2 mil millones",
        [
            ("20 de mayo de 2025", "2025-05-20", "month_name"),
            ("2 mil millones", "2000000000", "scale_word"),
        ],
    ),
    ("ca", "el 3 d’abril", [("3 d’abril", "04-03", "month_name")]),
    (
        "ru",
        "в мае 2024 года, 20-го мая",
        [("мае 2024", "2024-05", "month_name"), ("20-го мая", "05-20", "month_name")],
    ),
    ("ru", "от 30 до 40 тыс. человек", [("30 до 40 тыс.", "30000..40000", "scale_word")]),
    (
        "uk",
        "у травні 2024 року, 20 травня",
        [("травні 2024", "2024-05", "month_name"), ("20 травня", "05-20", "month_name")],
    ),
    (
        "uk",
        "п’ятнадцять і п'ятнадцять",
        [("п’ятнадцять", "15", "words"), ("п'ятнадцять", "15", "words")],
    ),
    (
        "pl",
        "w maju 2024 r. wysłano czternastu",
        [("maju 2024", "2024-05", "month_name"), ("czternastu", "14", "words")],
    ),
    (
        "tr",
        "20 Mayıs'ta 261 binden fazla",
        [("20 Mayıs", "05-20", "month_name"), ("261 binden", "261000", "scale_word")],
    ),
    (
        "ar",
        "في ٢٠ أيار/مايو أرسلت ٢٠ ألف",
        [("٢٠ أيار/مايو", "05-20", "month_name"), ("٢٠ ألف", "20000", "scale_word")],
    ),
    (
        "ar",
        "١٫٥ مليون و٢٠٬٠٠٠",
        [("١٫٥ مليون", "1500000", "scale_word"), ("٢٠٬٠٠٠", "20000", "native_digits")],
    ),
    (
        "zh",
        "2025年5月20日，26.1万人，二十六万一千人",
        [
            ("2025年5月20日", "2025-05-20", "month_name"),
            ("26.1万", "261000", "scale_word"),
            ("二十六万一千", "261000", "cjk"),
        ],
    ),
    ("zh", "四川的三星工厂十分忙碌，一些人", []),
    ("zh", "二〇二二年", [("二〇二二", "2022", "cjk")]),
    (
        "ja",
        "3万～4万人、2024年5月",
        [("3万～4万", "30000..40000", "scale_word"), ("2024年5月", "2024-05", "month_name")],
    ),
    (
        "ko",
        "3월 31일, 16만 명, 1억2천만 원",
        [
            ("3월 31일", "03-31", "month_name"),
            ("16만", "160000", "scale_word"),
            ("1억2천만", "120000000", "scale_word"),
        ],
    ),
    (
        "eo",
        "la 20-an de majo, dek kvar jaroj",
        [("20-an de majo", "05-20", "month_name"), ("dek kvar", "14", "words")],
    ),
    (
        "it",
        "30-40 mila persone, quattordici anni",
        [("30-40 mila", "30000..40000", "scale_word"), ("quattordici", "14", "words")],
    ),
    # Month-first in every language; quantities after a month name stay quantities.
    ("es", "dijo encima mayo 20, según", [("mayo 20", "05-20", "month_name")]),
    ("ru", "сказал на мая 20", [("мая 20", "05-20", "month_name")]),
    ("es", "en mayo 2025", [("mayo 2025", "2025-05", "month_name")]),
    ("de", "im Mai 20.000 Menschen", [("20.000", "20000", "locale_format")]),
    ("es", "en mayo 20 mil personas", [("20 mil", "20000", "scale_word")]),
    ("fr", "en mai 20 % de plus", [("20", "20", "exact")]),
    ("es", "el mar 20 metros", [("20", "20", "exact")]),
    (
        "pt-BR",
        "1,5 bilhão e 20 mil",
        [("1,5 bilhão", "1500000000", "scale_word"), ("20 mil", "20000", "scale_word")],
    ),
]


@pytest.mark.parametrize(("lang", "text", "expected"), EXTRACTIONS)
def test_extract_numbers(lang: str, text: str, expected: list[tuple[str, str, str]]) -> None:
    mentions = extract_numbers(text, lang)
    assert [(m.text, value_label(m.value), m.how) for m in mentions] == expected
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text


def test_ambiguous_surface_keeps_the_other_reading() -> None:
    (mention,) = extract_numbers("20,000 Menschen", "de")
    assert mention.value == Decimal("20")
    assert mention.alternatives == (Decimal("20000"),)
    (own_sign,) = extract_numbers("20.000 Menschen", "de")
    assert own_sign.value == Decimal("20000") and own_sign.alternatives == ()


def test_month_first_and_range_judgements_say_how() -> None:
    dated = judge_numbers("Bastrykin said on May 20.", "Bastrykin dijo encima mayo 20.", "es")
    assert [(m.found.text, m.how) for m in dated.found] == [("mayo 20", "month_name")]
    span = judge_numbers("drives of 30,000 to 40,000 people", "de 30,000 a 40,000 personas", "es")
    (mention,) = span.found
    assert (mention.found.text, mention.how) == ("30,000 a 40,000", "alternative_reading")
    assert mention.found.to_json()["alternatives"] == [{"low": "30000", "high": "40000"}]


def test_month_first_outside_its_own_order_keeps_the_count() -> None:
    """A count after a month name ("im Mai 20 Menschen") still matches a source count."""
    judgement = judge_numbers("In May, 20 people came.", "Im Mai 20 Menschen kamen.", "de")
    assert [m.how for m in judgement.found] == ["alternative_reading"]
    assert judgement.ok
    native = extract_numbers("On May 20 people came", "en")
    assert [(m.value, m.alternatives) for m in native] == [(DateValue(5, 20), ())]


def test_values_and_json_shapes() -> None:
    date, span, number = extract_numbers("May 20, 2025: 30 to 40 thousand, 1.50", "en")
    assert date.value == DateValue(5, 20, 2025)
    assert span.value == RangeValue(Decimal(30000), Decimal(40000))
    assert number.to_json() == {
        "text": "1.50",
        "value": "1.5",
        "how": "exact",
        "start": 33,
        "end": 37,
    }
    assert date.to_json()["value"] == {"month": 5, "day": 20, "year": 2025}
    assert span.to_json()["value"] == {"low": "30000", "high": "40000"}


def test_curated_facts_replace_source_extraction() -> None:
    facts = [NumberMention(Decimal(160000), "160,000", 0, 7, "exact")]
    judgement = judge_numbers("no numbers here", "160 тысяч и 14 лет", "ru", expected=facts)
    assert [m.found.text for m in judgement.found] == ["160 тысяч"]
    assert _labels(judgement.unexpected) == ["14"]
    data = judgement.to_json()
    assert set(data) == {"expected", "found", "missing", "unexpected"}
    assert data["found"][0]["how"] == "scale_word"


def test_two_source_numbers_written_as_one_range() -> None:
    judgement = judge_numbers("30,000 in May and 40,000 in June", "30.000-40.000", "de")
    assert [m.how for m in judgement.found] == ["range_joined", "range_joined"]
    assert judgement.ok


def test_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(UnsupportedLanguageError, match="xx-unknown"):
        extract_numbers("20", "xx-unknown")


def _number_words_data() -> dict[str, dict[str, list[str]]]:
    with (_ROOT / "harness" / "fidelity" / "data" / "number_words.toml").open("rb") as handle:
        return tomllib.load(handle)


@pytest.mark.parametrize(
    "lang", ["en", "es", "ca", "eo", "de", "fr", "it", "pt", "pl", "ru", "uk", "tr", "ar"]
)
def test_number_words_agree_with_num2words(lang: str) -> None:
    """Every listed value's base form is the one num2words spells (spacing aside)."""

    def squeeze(form: str) -> str:
        return form.replace(" ", "").replace("-", "").replace("’", "'")

    table = _number_words_data()[lang]
    assert len(table) >= 20
    for value, forms in table.items():
        assert squeeze(num2words(int(value), lang=lang)) in {squeeze(f) for f in forms}


@pytest.mark.parametrize("value", [2, 14, 20, 26, 160, 2022, 160000, 261000])
def test_cjk_numerals_read_what_num2words_writes(value: int) -> None:
    (mention,) = extract_numbers(num2words(value, lang="ja"), "ja")
    assert mention.value == Decimal(value)


@pytest.mark.parametrize("lang", ["en", "de", "fr", "ru", "ar", "zh", "ja", "ko", "tr", "pl"])
def test_any_text_judged_against_itself_is_faithful(lang: str) -> None:
    """Odd mixtures of digits, signs, month and scale words never crash the reader,
    every mention points at its own surface, and a text always agrees with itself."""
    pieces = [*"0123456789.,'’ \u00a0\u202f-–/年月日万十四号월일만٢٠٬٫", "May ", "мая ", "тысяч "]
    pieces += ["fourteen ", "de ", "bis ", "至", "2025-05-20", "20.05.2025", "1.2.3", "5'1"]
    rng = random.Random(lang)
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        for mention in extract_numbers(text, lang):
            assert text[mention.start : mention.end] == mention.text
        assert judge_numbers(text, text, lang, source_lang=lang).ok, text
