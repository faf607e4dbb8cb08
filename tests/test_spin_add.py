"""Adding an article from two texts: alignment into edits, refusals, facts proposal."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.errors import ArticleError
from harness.references.add import ArticleMeta, add_article
from harness.references.align import SpinAlignmentError, align_texts
from harness.references.article import apply_edits, load_article
from harness.references.checks import check_article
from harness.references.facts import load_facts

SEED = "ki-2025-05-20-naturalized-migrants"
REFERENCES = Path(__file__).resolve().parent.parent / "references"

# A made-up example (no real article): three paragraphs, spun the way article
# spinners do it, numbers and paragraph order kept.
RESTORED = (
    "The city council said on May 4 that 1,200 people attended the meeting.\n"
    "\n"
    "Many residents of Springfield asked the council to avoid any delay.\n"
    "The mayor will meet the Harbor Association in 2026, according to the minutes.\n"
)
SPUN = (
    "The metropolis council stated on Might 4 that 1,200 folks attended the assembly.\n"
    "\n"
    "Many residents of Springfield requested the council to keep away from any delay.\n"
    "The mayor will meet the Harbor Affiliation in 2026, in line with the minutes.\n"
)
META = ArticleMeta(
    "A made-up council story", "Example Press", "2025-01-02", "en", ("https://example.org/story",)
)


def _write(tmp_path: Path, spun: str, restored: str) -> tuple[Path, Path]:
    spun_path, restored_path = tmp_path / "spun.txt", tmp_path / "restored.txt"
    spun_path.write_text(spun, encoding="utf-8")
    restored_path.write_text(restored, encoding="utf-8")
    return spun_path, restored_path


def test_alignment_rebuilds_the_seed_with_minimal_edits() -> None:
    article = load_article(SEED, REFERENCES)
    segment_ids = {seg.line: seg.id for seg in article.segments}
    alignment = align_texts(article.spun_text, article.restored_text, segment_ids)
    assert apply_edits(article.spun_text, alignment.edits) == article.restored_text
    pairs = {(e.segment, e.spun, e.restored) for e in alignment.edits}
    assert ("p01", "Might", "May") in pairs
    assert ("p06", "Avenue", "Street") in pairs  # "Wall" and "Journal" are not edits
    assert ("p09", "nation", "country") in pairs  # "nation's": the "'s" is kept
    assert ("p03", "Worldwide Authorized Discussion board", "International Legal Forum") in pairs
    seed = {(e.start, e.end, e.spun, e.restored) for e in article.edits}
    mine = {(e.start, e.end, e.spun, e.restored) for e in alignment.edits}
    # The curated list groups a few neighbouring words differently ("greater than").
    assert len(seed & mine) >= 0.85 * len(seed)
    assert 0.2 < alignment.changed_share < 0.35


def test_add_writes_an_article_that_passes_the_check(tmp_path: Path) -> None:
    spun_path, restored_path = _write(tmp_path, SPUN, RESTORED)
    added = add_article(tmp_path / "refs", "example-council", spun_path, restored_path, META)
    article = added.article
    assert list(check_article(article)) == []
    assert article.spun_text == SPUN and article.restored_text == RESTORED
    assert [s.id for s in article.segments] == ["p01", "p02", "p03"]
    edits = {(e.segment, e.spun, e.restored) for e in article.edits}
    assert ("p01", "Might", "May") in edits
    assert ("p02", "keep away from", "avoid") in edits
    assert ("p03", "in line with", "according to") in edits
    facts = load_facts(article.path / "facts.toml")
    by_text = {n.text: n for n in facts.numbers}
    assert by_text["May 4"].date == (5, 4, None) and by_text["May 4"].spun == "Might 4"
    assert str(by_text["1,200"].value) == "1200"
    assert str(by_text["2026"].value) == "2026"
    names = {n.source: n for n in facts.names}
    assert "Springfield" in names
    harbor = names["Harbor Association"].occurs[0]
    assert harbor.spun == "Harbor Affiliation"
    assert "reviewed = false" in (article.path / "facts.toml").read_text(encoding="utf-8")
    assert article.meta["url"] == "https://example.org/story"


@pytest.mark.parametrize(
    ("restored", "message"),
    [
        (RESTORED.replace("1,200", "1,300"), "numbers differ on line 1"),
        (
            "\n".join(RESTORED.split("\n")[:2]) + "\n",
            r"only 1 of 3 spun paragraphs \(\d+% of its words\) align with the restored text",
        ),
        (
            "Nothing in this text resembles the other one at all, not a single sentence.\n",
            "no paragraph of the restored text matches",
        ),
        (
            "\n".join(
                [RESTORED.split("\n")[3], "", RESTORED.split("\n")[2], RESTORED.split("\n")[0], ""]
            ),
            "paragraphs are not in the same order",
        ),
        (SPUN, "identical"),
    ],
)
def test_add_refuses_pairs_that_are_not_a_spinning(
    tmp_path: Path, restored: str, message: str
) -> None:
    spun_path, restored_path = _write(tmp_path, SPUN, restored)
    root = tmp_path / "refs"
    with pytest.raises(SpinAlignmentError, match=message):
        add_article(root, "example", spun_path, restored_path, META)
    assert not root.exists() or list(root.iterdir()) == []


def test_add_refuses_too_many_changed_words(tmp_path: Path) -> None:
    spun_path, restored_path = _write(tmp_path, SPUN, RESTORED)
    with pytest.raises(SpinAlignmentError, match=r"words differ \(\d+%, more than 10%\)"):
        add_article(tmp_path / "refs", "example", spun_path, restored_path, META, max_changed=0.1)


def test_add_refuses_a_taken_id_and_a_bad_id(tmp_path: Path) -> None:
    spun_path, restored_path = _write(tmp_path, SPUN, RESTORED)
    add_article(tmp_path / "refs", "example", spun_path, restored_path, META)
    with pytest.raises(ArticleError, match="exists already"):
        add_article(tmp_path / "refs", "example", spun_path, restored_path, META)
    with pytest.raises(ArticleError, match="article id"):
        add_article(tmp_path / "refs", "Bad Id", spun_path, restored_path, META)


def test_references_add_command(tmp_path: Path) -> None:
    spun_path, restored_path = _write(tmp_path, SPUN, RESTORED)
    root = tmp_path / "refs"
    args = [
        "references",
        "add",
        "example-council",
        "--spun",
        str(spun_path),
        "--restored",
        str(restored_path),
        "--title",
        "T",
        "--publisher",
        "P",
        "--date",
        "2025-01-02",
        "--references",
        str(root),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "ok   example-council" in result.output
    assert "facts.toml" in result.output
    check = CliRunner().invoke(main, ["references", "check", "--references", str(root)])
    assert check.exit_code == 0 and "ok   example-council" in check.output
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2 and "exists already" in again.output
