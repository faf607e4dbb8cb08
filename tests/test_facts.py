"""Facts of reference articles: loading, containment, and the check against the text."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.errors import ArticleError
from harness.references.article import load_article
from harness.references.checks import check_article, check_facts
from harness.references.facts import load_facts

REFERENCES = Path(__file__).resolve().parent.parent / "references"
ARTICLE_ID = "ki-2025-05-20-naturalized-migrants"
LANGUAGES = [
    "es",
    "ca",
    "gl",
    "eo",
    "de",
    "fr",
    "it",
    "pt",
    "pl",
    "ru",
    "uk",
    "tr",
    "ar",
    "zh",
    "ja",
    "ko",
]


@pytest.fixture(scope="module")
def article():  # type: ignore[no-untyped-def]
    return load_article(ARTICLE_ID, REFERENCES)


def test_seed_facts_are_sound(article) -> None:  # type: ignore[no-untyped-def]
    assert list(check_facts(article)) == []
    assert list(check_article(article)) == []


def test_seed_inventory(article) -> None:  # type: ignore[no-untyped-def]
    facts = load_facts(article.path / "facts.toml")
    assert {n.id for n in facts.names} == {
        "ukraine",
        "investigative-committee",
        "bastrykin",
        "tass",
        "russia",
        "kremlin",
        "uzbekistan",
        "tajikistan",
        "kyrgyzstan",
        "spilf",
        "national-guard",
        "wsj",
        "putin",
    }
    values = [(n.segment, n.text) for n in facts.numbers]
    assert values == [
        ("p01", "20,000"),
        ("p01", "May 20"),
        ("p03", "20,000"),
        ("p06", "30,000 to 40,000"),
        ("p07", "2022"),
        ("p07", "261,000"),
        ("p09", "March 31"),
        ("p09", "160,000"),
        ("p09", "14 years"),
        ("p11", "2024"),
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_name_has_curated_forms(article, lang: str) -> None:  # type: ignore[no-untyped-def]
    facts = load_facts(article.path / "facts.toml")
    for name in facts.names:
        spec = name.spec(lang)
        assert spec.curated, f"{name.id} has no {lang} forms"
        assert name.forms[lang][0] in spec.forms


SEGMENT_CASES = [
    (
        "p01",
        {"ukraine", "investigative-committee", "bastrykin", "tass"},
        [("value", Decimal(20000)), ("date", (5, 20, None))],
    ),
    ("p02", {"russia", "kremlin"}, []),
    ("p04", {"national-guard"}, []),
    ("p06", {"wsj"}, [("range", (Decimal(30000), Decimal(40000)))]),
    ("p08", set(), []),
    (
        "p09",
        {"putin"},
        [("date", (3, 31, None)), ("value", Decimal(160000)), ("value", Decimal(14))],
    ),
]


@pytest.mark.parametrize(("segment", "names", "numbers"), SEGMENT_CASES)
def test_facts_of_a_segment(
    article,
    segment: str,
    names: set[str],  # type: ignore[no-untyped-def]
    numbers: list[tuple[str, object]],
) -> None:
    facts = load_facts(article.path / "facts.toml")
    seg = facts.for_segment(segment)
    assert {fact.id for fact, _ in seg.names} == names
    assert [
        (n.kind, n.value if n.kind == "value" else n.date or n.range) for n in seg.numbers
    ] == numbers


def test_facts_by_containment_in_restored_and_spun_text(article) -> None:  # type: ignore[no-untyped-def]
    facts = load_facts(article.path / "facts.toml")
    p01 = article.segment("p01")
    for text in (p01.restored, p01.spun):
        seg = facts.for_text(text)
        assert {f.id for f, _ in seg.names} == {
            "ukraine",
            "investigative-committee",
            "bastrykin",
            "tass",
        }
        assert sorted(n.text for n in seg.numbers) == ["20,000", "May 20"]
    both = facts.for_text(p01.restored + "\n" + article.segment("p03").restored)
    assert [n.text for n in both.numbers].count("20,000") == 2
    assert facts.for_text("It cost 120,000 dollars in 20224.").numbers == ()
    spun_p06 = facts.for_text(article.segment("p06").spun)
    assert {f.id for f, _ in spun_p06.names} == {"wsj"}


def test_adjectives_only_where_the_source_has_a_possessive(article) -> None:  # type: ignore[no-untyped-def]
    facts = load_facts(article.path / "facts.toml")
    p02 = facts.for_segment("p02").name_specs("de")
    p05 = facts.for_segment("p05").name_specs("de")
    assert "russisch" in next(s for s in p02 if s.id == "russia").forms
    assert "russisch" not in next(s for s in p05 if s.id == "russia").forms


def test_territory_names_come_from_cldr_for_uncurated_languages(article) -> None:  # type: ignore[no-untyped-def]
    facts = load_facts(article.path / "facts.toml")
    kyrgyzstan = next(n for n in facts.names if n.id == "kyrgyzstan")
    fi = kyrgyzstan.spec("fi")
    assert not fi.curated
    assert "Kirgisia" in fi.forms
    assert "Kirgisistan" in kyrgyzstan.spec("de-CH").forms


def _copy_article(tmp_path: Path) -> Path:
    target = tmp_path / ARTICLE_ID
    shutil.copytree(REFERENCES / ARTICLE_ID, target)
    return target


BROKEN = [
    (
        'text = "Vladimir Putin" }',
        'text = "Vladimir Putn" }',
        "name 'putin': 'Vladimir Putn' is not in restored p09",
    ),
    (
        '{ segment = "p09", text = "Vladimir Putin" }',
        '{ segment = "p99", text = "Vladimir Putin" }',
        "name 'putin': no segment 'p99'",
    ),
    (
        'spun = "Wall Avenue Journal"',
        'spun = "Wall Street Journal"',
        "name 'wsj': 'Wall Street Journal' is not in spun p06",
    ),
    (
        'segment = "p07"\ntext = "261,000"',
        'segment = "p07"\ntext = "262,000"',
        "p07: number '261,000' has no fact",
    ),
    (
        'occurs = [{ segment = "p01", text = "TASS" }]',
        "occurs = []",
        "p01: name 'TASS' has no fact",
    ),
    (
        "date = { month = 3, day = 31 }",
        "date = { month = 13, day = 31 }",
        "date needs a month 1-12",
    ),
    ('range = ["30000", "40000"]', 'range = ["40000", "30000"]', "range low 40000 is above high"),
    ('value = "160000"', 'value = "160k"', "'160k' is not a decimal number"),
    ("schema = 1", "schema = = 1", "facts.toml"),
]


@pytest.mark.parametrize(("old", "new", "problem"), BROKEN)
def test_check_finds_broken_facts(tmp_path: Path, old: str, new: str, problem: str) -> None:
    folder = _copy_article(tmp_path)
    facts_file = folder / "facts.toml"
    text = facts_file.read_text("utf-8")
    assert old in text
    facts_file.write_text(text.replace(old, new, 1), "utf-8")
    problems = list(check_article(load_article(ARTICLE_ID, tmp_path)))
    assert any(problem in p for p in problems), problems


def test_references_check_command_reports_fact_problems(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["references", "check", "--references", str(REFERENCES)])
    assert ok.exit_code == 0, ok.output
    folder = _copy_article(tmp_path)
    facts_file = folder / "facts.toml"
    facts_file.write_text(
        facts_file.read_text("utf-8").replace('"Kremlin" }', '"Kremlyn" }'), "utf-8"
    )
    bad = runner.invoke(main, ["references", "check", "--references", str(tmp_path)])
    assert bad.exit_code == 1
    assert "name 'kremlin': 'Kremlyn' is not in restored" in bad.output


def test_load_facts_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="no such facts file"):
        load_facts(tmp_path / "missing.toml")
    path = tmp_path / "facts.toml"
    path.write_text('[[names]]\nid = "x"\nsource = "X"\n', "utf-8")
    with pytest.raises(ArticleError, match=r"facts.toml: names\[0\]: missing 'occurs'"):
        load_facts(path)
