"""Long texts are cut between sentences, never after an abbreviation."""

from __future__ import annotations

from harness.run.splitting import join_pieces, sentences, split_text

TEXT = (
    "Mr. Smith flew to St. Petersburg on May 20. He met Dr. Ivanova of the U.S. "
    'embassy at 3 p.m. and prices rose 2.5% to $1.2 bn. "Really?" she asked.'
)


def test_abbreviations_do_not_end_a_sentence() -> None:
    assert sentences(TEXT) == [
        "Mr. Smith flew to St. Petersburg on May 20.",
        "He met Dr. Ivanova of the U.S. embassy at 3 p.m. and prices rose 2.5% to $1.2 bn.",
        '"Really?" she asked.',
    ]


def test_pieces_fit_the_limit_and_keep_names_whole() -> None:
    pieces = split_text(TEXT, 90)
    assert all(len(piece) <= 90 for piece in pieces)
    assert not any(piece.endswith(("Mr.", "St.", "Dr.")) for piece in pieces)
    assert join_pieces(pieces, "en") == TEXT


def test_each_language_uses_its_own_rules_and_others_fall_back() -> None:
    assert sentences("Das kostet 20 Mio. Euro. Der Preis steigt.", "de") == [
        "Das kostet 20 Mio. Euro.",
        "Der Preis steigt.",
    ]
    assert sentences("今日は晴れです。明日は雨です。", "ja") == [
        "今日は晴れです。",
        "明日は雨です。",
    ]
    assert sentences("Mr. Smith venis. Li foriris.", "eo") == ["Mr. Smith venis.", "Li foriris."]
