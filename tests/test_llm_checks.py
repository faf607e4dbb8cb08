"""Tables for what the chat adapters check in answers, and the HTTP helpers they share."""

from __future__ import annotations

import pytest

from harness.kit.chat_output import expected_script, strip_chatter, wrong_language
from harness.kit.chat_prompt import language_name, system_prompt
from harness.kit.redaction import redact
from harness.kit.retry_after import go_duration_seconds, retry_after_seconds

SOURCE = "The court ruled on May 20."


@pytest.mark.parametrize(
    ("answer", "source", "expected", "stripped"),
    [
        ("Das Gericht entschied am 20. Mai.", SOURCE, "Das Gericht entschied am 20. Mai.", False),
        (
            "Here is the translation:\nDas Gericht entschied.",
            SOURCE,
            "Das Gericht entschied.",
            True,
        ),
        ("Here's the German translation: Das Gericht.", SOURCE, "Das Gericht.", True),
        ("Sure! Das Gericht.", SOURCE, "Das Gericht.", True),
        ("Certainly, here is the translation:\n\nDas Gericht.", SOURCE, "Das Gericht.", True),
        ("Translation (German): Das Gericht.", SOURCE, "Das Gericht.", True),
        ("```text\nDas Gericht.\n```", SOURCE, "Das Gericht.", True),
        ("“Das Gericht.”", SOURCE, "Das Gericht.", True),
        ("«Суд вынес решение.»", SOURCE, "Суд вынес решение.", True),
        ("Das Gericht.\n\nNote: I kept the date format.", SOURCE, "Das Gericht.", True),
        # Kept: quotes that belong to the text, a source that itself opens with "Sure,",
        # and a paragraph that only opens and closes with two different quotations.
        ('"Ja", sagte er, "nein".', '"Yes", he said, "no".', '"Ja", sagte er, "nein".', False),
        ('"Ja", sagte er, "nein".', "Yes, he said, no.", '"Ja", sagte er, "nein".', False),
        ("Sure, the court ruled.", "Sure, the court ruled.", "Sure, the court ruled.", False),
        ("Sure!", "Sure!", "Sure!", False),
    ],
)
def test_strip_chatter(answer: str, source: str, expected: str, stripped: bool) -> None:
    cleaned = strip_chatter(answer, source)
    assert (cleaned.text, cleaned.stripped) == (expected, stripped)


@pytest.mark.parametrize(
    ("language", "script"),
    [
        ("ru", "Cyrl"),
        ("uk", "Cyrl"),
        ("de", "Latn"),
        ("zh", "Hans"),
        ("zh-Hant", "Hant"),
        ("zh-TW", "Hant"),
        ("ja", "Jpan"),
        ("ko", "Kore"),
        ("sr-Latn", "Latn"),
        ("ar", "Arab"),
    ],
)
def test_expected_script_comes_from_likely_subtags(language: str, script: str) -> None:
    assert expected_script(language) == script


@pytest.mark.parametrize(
    ("output", "source", "target", "wrong"),
    [
        ("Суд вынес решение 20 мая по делу Бастрыкина.", SOURCE, "ru", False),
        ("The court ruled on May 20 in Moscow.", SOURCE, "ru", True),
        ("法院于5月20日作出裁决。", SOURCE, "zh", False),
        ("The court ruled on May 20.", SOURCE, "zh", True),
        ("裁判所は5月20日に判決を下した。", SOURCE, "ja", False),
        ("Das Gericht entschied am 20. Mai.", SOURCE, "de", False),
        ("The court ruled on May 20.", SOURCE, "de", True),  # identical to the source
        (
            "The court ruled on May 20, the judge said.",  # mostly the source's words
            "The court ruled on May 20, the judge said on Monday.",
            "fr",
            True,
        ),
        (
            "Der Bastrykin-Forum in St. Petersburg.",
            "The Bastrykin forum in St. Petersburg.",
            "de",
            False,
        ),
        ("7", "7", "de", False),  # nothing to translate
    ],
)
def test_wrong_language(output: str, source: str, target: str, wrong: bool) -> None:
    assert (wrong_language(output, source, target) is not None) == wrong


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("uk", "Ukrainian"),
        ("pt-BR", "Portuguese (Brazil)"),
        ("tlh", "Klingon"),
        ("qaa", None),
    ],
)
def test_language_names(code: str, name: str | None) -> None:
    assert language_name(code) == name


def test_custom_prompt_is_filled_with_names() -> None:
    assert system_prompt("{source}->{target}", "en", "sr-Latn") == "English->Serbian (Latin)"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1h2m3.5s", 3723.5),
        ("6m0s", 360.0),
        ("12ms", 0.012),
        ("20s", 20.0),
        ("soon", None),
        ("5", None),
    ],
)
def test_go_durations(text: str, seconds: float | None) -> None:
    result = go_duration_seconds(text)
    assert result == (pytest.approx(seconds) if seconds is not None else None)


NOW = 1_750_000_000.0


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After-Ms": "250"}, 0.25),
        ({"retry-after": "17"}, 17.0),
        ({"retry-after": "Sun, 15 Jun 2025 15:07:00 GMT"}, 1_750_000_020.0 - NOW),
        ({"retry-after": "Sun, 15 Jun 2025 15:00:00 GMT"}, 0.0),  # in the past: no wait
        ({"retry-after": "later"}, None),
        ({"x-reset": "2025-06-15T15:07:10Z"}, 30.0),
        ({"x-reset": "1m"}, 60.0),
        ({}, None),
    ],
)
def test_retry_after_seconds(headers: dict[str, str], seconds: float | None) -> None:
    result = retry_after_seconds(headers, reset_headers=["x-reset"], now=NOW)
    assert result == (pytest.approx(seconds) if seconds is not None else None)


def test_redact_removes_keys_pieces_and_masks() -> None:
    key = "sk-live-abcdefghijklmnop"
    message = f"bad key {key}; also abcdefghijkl and sk-li****mnop; keep OPENAI_API_KEY"
    cleaned = redact(message, [key])
    assert "abcdefgh" not in cleaned and "mnop" not in cleaned
    assert cleaned.count("[redacted]") == 3 and "OPENAI_API_KEY" in cleaned
