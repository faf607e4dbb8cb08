"""Number forms read from CLDR and by rule: RBNF words, Roman numerals, clock times,
Indian grouping, native digits, glued prefixes, identifiers."""

from __future__ import annotations

import pytest

from harness.fidelity.numbers import extract_numbers, judge_numbers
from harness.fidelity.rbnf_words import rbnf_number_words

# (source, translation, target, source_lang, passes): each faithful row has a twin.
CASES = [
    # Number words of languages without a curated list, from CLDR RBNF.
    ("Fourteen people were detained.", "Veertien mensen werden vastgehouden.", "nl", "en", True),
    ("Fourteen people were detained.", "Veertig mensen werden vastgehouden.", "nl", "en", False),
    ("Neljätoista ihmistä pidätettiin.", "Fourteen people were detained.", "en", "fi", True),
    ("Neljätoista ihmistä pidätettiin.", "Four people were detained.", "en", "fi", False),
    ("14 people were detained.", "Δεκατέσσερα άτομα κρατήθηκαν.", "el", "en", True),
    ("14 people were detained.", "Δεκατρία άτομα κρατήθηκαν.", "el", "en", False),
    ("14 people were detained.", "चौदह लोगों को हिरासत में लिया गया।", "hi", "en", True),
    ("14 people were detained.", "तेरह लोगों को हिरासत में लिया गया।", "hi", "en", False),
    # A weekday written with a number word is no number ("thứ Ba" is Tuesday).
    ("On Tuesday 14 people were held.", "Hôm thứ Ba, 14 người bị bắt giữ.", "vi", "en", True),
    ("On Tuesday 14 people were held.", "Hôm thứ Ba, 41 người bị bắt giữ.", "vi", "en", False),
    # Roman numerals for centuries.
    ("In the 20th century.", "Au XXe siècle.", "fr", "en", True),
    ("In the 20th century.", "Au XIXe siècle.", "fr", "en", False),
    ("W XX wieku.", "In the 20th century.", "en", "pl", True),
    # Clock times on the 24-hour clock.
    ("The talks began at 2:30 p.m.", "Die Gespräche begannen um 14.30 Uhr.", "de", "en", True),
    ("The talks began at 2:30 p.m.", "Die Gespräche begannen um 12.30 Uhr.", "de", "en", False),
    ("The talks began at 2:30 p.m.", "Les discussions ont commencé à 14 h 30.", "fr", "en", True),
    # Indian lakh grouping and native digits.
    ("The rally drew 1,234,567 people.", "रैली में 12,34,567 लोग आए।", "hi", "en", True),
    ("The rally drew 1,234,567 people.", "रैली में 12,34,576 लोग आए।", "hi", "en", False),
    ("14 people were detained.", "۱۴ نفر بازداشت شدند.", "fa", "en", True),
    ("14 people were detained.", "۱۳ نفر بازداشت شدند.", "fa", "en", False),
    # A Hebrew preposition glued to the day and the month.
    ("He spoke on 12 March.", "הוא דיבר ב-12 במרץ.", "he", "en", True),
    ("He spoke on 12 March.", "הוא דיבר ב-13 במרץ.", "he", "en", False),
    # Identifiers are names, not numbers: "35 aircraft" is a number the source lacks.
    ("COVID-19 grounded 12 F-35 jets.", "Η ΚΟΒΙΝΤ-19 καθήλωσε 12 F-35.", "el", "en", True),
    (
        "COVID-19 grounded 12 F-35 jets.",
        "Η ΚΟΒΙΝΤ-19 καθήλωσε 12 από 35 αεροσκάφη.",
        "el",
        "en",
        False,
    ),
]


@pytest.mark.parametrize(("source", "translation", "target", "source_lang", "passes"), CASES)
def test_number_forms(
    source: str, translation: str, target: str, source_lang: str, passes: bool
) -> None:
    judged = judge_numbers(source, translation, target, source_lang=source_lang)
    assert judged.ok == passes, judged.to_json()
    if passes:
        assert judged.expected and len(judged.found) == len(judged.expected)


def test_rbnf_words_cover_languages_without_a_list() -> None:
    for lang in ("nl", "fi", "sv", "hu", "cs", "ro", "el", "he", "hi", "th", "vi", "id"):
        words = rbnf_number_words(lang)
        assert 14 in words.values() and 40 in words.values(), lang
    assert rbnf_number_words("xx") == {}


def test_clock_times_read_on_the_24_hour_clock() -> None:
    read = [
        (m.text, int(m.value))
        for m in extract_numbers("at 2:30 p.m., 6 pm and 12 a.m.", "en")  # type: ignore[call-overload]
    ]
    assert read == [("2", 14), ("30", 30), ("6", 18), ("12", 0)]
