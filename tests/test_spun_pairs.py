"""Spun copies as found on the web, added with ``references add --spun --restored``:
captions and section labels, merged, split and dropped paragraphs, number words.

The pairs under ``tests/data/spun_pairs/`` are written for these tests (no real
article): each original is a short news report, each spun copy carries what
real copies carry around it and what spinners do inside it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.references.add import ArticleMeta, add_article
from harness.references.align import SpinAlignmentError, align_texts
from harness.references.article import apply_edits
from harness.references.checks import check_article
from tests.helpers import REPO

PAIRS = REPO / "tests" / "data" / "spun_pairs"
META = ArticleMeta("A test report", "Example Press", "2025-06-01", "en")

EXPECTED = {
    # pair: (furniture texts, dropped texts, merged, split, number swaps)
    "captions": (
        [
            "Business",
            "Photo: Container cranes at the Port of Rotterdam. (Reuters)",
            "Advertisement",
            "Related: Dock strikes across Europe",
        ],
        [],
        0,
        0,
        0,
    ),
    "merged": ([], [], 1, 0, 0),
    "split-dropped": (
        [],
        ["This article has been updated with a comment from the institute."],
        0,
        1,
        0,
    ),
    "number-words": ([], [], 0, 0, 4),
    "everything": (
        [
            "Local News | Lyon",
            "Image: The Pont Wilson seen from the Rhone quay.",
            "Share this article: Facebook Twitter Email",
        ],
        ["Reporting by Claire Martin; editing by Paul Grant."],
        1,
        0,
        1,
    ),
}


def _texts(name: str) -> tuple[Path, Path]:
    return PAIRS / name / "spun.txt", PAIRS / name / "restored.txt"


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_world_pairs_are_aligned_and_stored(tmp_path: Path, name: str) -> None:
    spun_path, restored_path = _texts(name)
    restored = restored_path.read_text("utf-8")
    added = add_article(tmp_path, name, spun_path, restored_path, META)
    article, alignment = added.article, added.alignment
    furniture, dropped, merged, split, swaps = EXPECTED[name]
    assert [text for _, text in alignment.furniture] == furniture
    assert list(alignment.dropped) == dropped
    assert (alignment.merged, alignment.split, alignment.number_swaps) == (merged, split, swaps)
    assert list(check_article(article)) == []
    # The spun text is kept byte for byte; the edits rebuild the stored restoration.
    assert (article.path / "spun.txt").read_bytes() == spun_path.read_bytes()
    assert apply_edits(article.spun_text, article.edits) == article.restored_text
    # Furniture is listed in the metadata and is no segment.
    meta = tomllib.loads((article.path / "meta.toml").read_text("utf-8"))
    assert [f["text"] for f in meta.get("furniture", [])] == furniture
    assert [d["text"] for d in meta.get("dropped", [])] == dropped
    segment_texts = [s.spun for s in article.segments]
    assert not any(text in segment_texts for text in furniture)
    # Nothing of the original is lost: every word is in a segment or a dropped paragraph.
    kept = _words(" ".join(s.restored for s in article.segments) + " " + " ".join(dropped))
    assert sorted(kept) == sorted(_words(restored))
    original = article.path / "original.txt"
    if article.restored_text != restored:
        assert original.read_text("utf-8") == restored
    else:
        assert not original.exists()
    assert 0.1 < alignment.changed_share < 0.5


def test_number_words_count_as_spinning() -> None:
    spun_path, restored_path = _texts("number-words")
    alignment = align_texts(spun_path.read_text("utf-8"), restored_path.read_text("utf-8"))
    pairs = {(edit.spun, edit.restored) for edit in alignment.edits}
    assert {("fifteen", "15"), ("three", "3"), ("twenty-five", "25"), ("2", "two")} <= pairs
    assert alignment.changed_words >= len(pairs)


def test_split_paragraph_is_cut_at_its_sentence_end(tmp_path: Path) -> None:
    spun_path, restored_path = _texts("split-dropped")
    article = add_article(tmp_path, "puffins", spun_path, restored_path, META).article
    first, second = article.segments[0].restored, article.segments[1].restored
    assert first.endswith("coast of Finnmark.")
    assert second.startswith("The colony is the largest")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda r: r.replace("450 firefighters", "460 firefighters"),
            "numbers differ on line 5: spun has 450 where restored has 460",
        ),
        (
            lambda r: r.replace("brought 15 wildfires", "brought 16 wildfires"),
            "numbers differ on line 1: spun has 15 where restored has 16",
        ),
        (
            lambda r: "\n\n".join(reversed(r.strip().split("\n\n"))) + "\n",
            "paragraphs are not in the same order: spun paragraph 1 matches restored paragraph 3",
        ),
    ],
)
def test_what_cannot_be_aligned_is_refused_with_the_reason(
    tmp_path: Path, change: object, message: str
) -> None:
    spun_path, restored_path = _texts("number-words")
    assert callable(change)
    changed = tmp_path / "restored.txt"
    changed.write_text(change(restored_path.read_text("utf-8")), encoding="utf-8")
    with pytest.raises(SpinAlignmentError, match=re.escape(message)):
        add_article(tmp_path / "refs", "fires", spun_path, changed, META)
    assert not (tmp_path / "refs" / "fires").exists()


def test_add_command_lists_furniture_and_dropped_paragraphs(tmp_path: Path) -> None:
    spun_path, restored_path = _texts("everything")
    result = CliRunner().invoke(
        main,
        [
            "references",
            "add",
            "lyon-bridge",
            "--spun",
            str(spun_path),
            "--restored",
            str(restored_path),
            "--title",
            "T",
            "--publisher",
            "P",
            "--date",
            "2025-06-01",
            "--references",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "furniture (spun line 1, not translated): Local News | Lyon" in result.output
    assert "dropped (in the original, not in the spun copy): Reporting by" in result.output
    assert "1 numbers written as words or back" in result.output
    assert "paragraphs the copy 1 merged" in result.output
    assert "ok   lyon-bridge" in result.output


def test_plain_text_article_is_added_with_proposed_facts(tmp_path: Path) -> None:
    text = REPO / "tests" / "data" / "own" / "article.txt"
    result = CliRunner().invoke(
        main, ["references", "add", "tram", "--text", str(text), "--references", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    folder = tmp_path / "tram"
    assert sorted(p.name for p in folder.iterdir()) == ["facts.toml", "meta.toml", "text.txt"]
    assert (folder / "text.txt").read_bytes() == text.read_bytes()
    meta = tomllib.loads((folder / "meta.toml").read_text("utf-8"))
    assert meta["title"] == "Harbour city opens new tram line"
    assert meta["variants"] == ["original"]
    facts = (folder / "facts.toml").read_text("utf-8")
    assert "reviewed = false" in facts and 'text = "40,000"' in facts
    listed = CliRunner().invoke(main, ["references", "list", "--references", str(tmp_path)])
    assert "tram  4 segments" in listed.output
    both = CliRunner().invoke(
        main,
        [
            "references",
            "add",
            "x",
            "--text",
            str(text),
            "--spun",
            str(text),
            "--references",
            str(tmp_path),
        ],
    )
    assert both.exit_code == 2 and "either --text or --spun" in both.output
