"""Restoring without the original: phrasebook, proposals, evaluation, command."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.errors import ConfigError
from harness.references.add import ArticleMeta, add_article
from harness.references.article import load_article
from harness.restore.evaluation import evaluate_restoration
from harness.restore.phrasebook import load_phrasebook
from harness.restore.proposer import accepted, apply_proposals, propose_restoration

SEED = "ki-2025-05-20-naturalized-migrants"
ROOT = Path(__file__).resolve().parent.parent
REFERENCES = ROOT / "references"


def _book(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "book.toml"
    path.write_text("schema = 1\n" + body, encoding="utf-8")
    return path


def test_shipped_phrasebook_holds_every_seed_pair_marked_by_source() -> None:
    book = load_phrasebook()
    article = load_article(SEED, REFERENCES)
    seed_pairs = {(e.spun, e.restored) for e in book.entries if e.source == f"seed:{SEED}"}
    assert {(e.spun, e.restored) for e in article.edits} <= seed_pairs
    held_out = book.without_sources(["seed:"])
    assert held_out.entries and all(e.source == "web" for e in held_out.entries)
    by_pair = {(e.spun, e.restored): e for e in book.entries}
    # The spinner swapped both ways: neither direction is safe without context.
    assert by_pair[("combat", "fight")].ambiguous and by_pair[("fight", "combat")].ambiguous


def test_month_after_a_day_number_and_modal_verb_left_alone() -> None:
    book = load_phrasebook().without_sources(["seed:"])
    text = "Officials said on Might 20 that talks might resume. Might they fail?"
    proposals = propose_restoration(text, book)
    may = [p for p in proposals if p.spun == "Might"]
    assert [(p.start, p.restored, p.justified) for p in may if p.justified] == [(18, "May", True)]
    restored = apply_proposals(text, accepted(proposals, 0.8))
    assert restored == "Officials said on May 20 that talks might resume. Might they fail?"


def test_ambiguous_swaps_need_context_and_are_never_applied_without(tmp_path: Path) -> None:
    book = load_phrasebook(
        _book(
            tmp_path,
            """
[[entry]]
spun = "combat"
restored = "fight"
source = "test"
prior = 0.9
[[entry.context]]
next = '^\\s+in\\b'
confidence = 0.9
[[entry]]
spun = "fight"
restored = "combat"
source = "test"
prior = 0.9
""",
        )
    )
    text = "Troops were sent to combat in the east; the fight for the city and combat training."
    proposals = propose_restoration(text, book)
    by_start = {p.start: p for p in proposals}
    assert by_start[text.index("combat in")].justified
    assert not by_start[text.index("fight for")].justified
    assert by_start[text.index("fight for")].confidence <= 0.3
    assert not by_start[text.index("combat training")].justified
    restored = apply_proposals(text, accepted(proposals, 0.0))
    assert restored == (
        "Troops were sent to fight in the east; the fight for the city and combat training."
    )


def test_phrase_entries_propose_only_the_changed_words() -> None:
    book = load_phrasebook().without_sources(["seed:"])
    text = "As reported by the Wall Avenue Journal, the entrance line held."
    pairs = {(p.spun, p.restored) for p in propose_restoration(text, book)}
    assert ("Avenue", "Street") in pairs and ("entrance", "front") in pairs


def test_bad_phrasebook_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="prior"):
        load_phrasebook(_book(tmp_path, '[[entry]]\nspun = "a"\nrestored = "b"\nsource = "x"\n'))
    with pytest.raises(ConfigError, match="regular expression"):
        load_phrasebook(
            _book(
                tmp_path,
                '[[entry]]\nspun = "a"\nrestored = "b"\nsource = "x"\n'
                'prior = 0.5\n[[entry.context]]\nnext = "("\n',
            )
        )


def test_evaluation_counts_right_wrong_and_missed_edits(tmp_path: Path) -> None:
    spun = "The folks stated the vote is on Might 4.\n"
    restored = "The people said the vote is on May 4.\n"
    (tmp_path / "s.txt").write_text(spun, encoding="utf-8")
    (tmp_path / "r.txt").write_text(restored, encoding="utf-8")
    article = add_article(
        tmp_path / "refs",
        "made-up",
        tmp_path / "s.txt",
        tmp_path / "r.txt",
        ArticleMeta("t", "p", "2025-01-01"),
    ).article
    book = load_phrasebook(
        _book(
            tmp_path,
            """
[[entry]]
spun = "folks"
restored = "people"
source = "web"
prior = 0.9
[[entry]]
spun = "stated"
restored = "declared"
source = "web"
prior = 0.9
[[entry]]
spun = "Might"
restored = "May"
source = "seed:made-up"
prior = 0.9
""",
        )
    )
    score = evaluate_restoration(article, book, 0.5, held_out=("seed:",))
    assert (score.truth, score.predicted, score.correct) == (3, 2, 1)
    assert score.precision == 0.5 and score.recall == pytest.approx(1 / 3)
    assert [w[2:] for w in score.wrong] == [("stated", "declared")]
    full = evaluate_restoration(article, book, 0.5)
    assert (full.predicted, full.correct) == (3, 2)
    none = evaluate_restoration(article, book, 0.95)
    assert none.predicted == 0 and none.precision is None and none.recall == 0


def test_restore_command_marks_applies_and_writes_proposals(tmp_path: Path) -> None:
    src = tmp_path / "spun.txt"
    src.write_text(
        "He stated on Might 20 that folks fled to combat in the east.\n", encoding="utf-8"
    )
    runner = CliRunner()
    marked = runner.invoke(main, ["restore", str(src), "--exclude-source", "seed:"])
    assert marked.exit_code == 0, marked.output
    assert "[[Might=>May|0.9" in marked.output and "[[folks=>people|" in marked.output
    out, jsonl = tmp_path / "restored.txt", tmp_path / "proposals.jsonl"
    applied = runner.invoke(
        main,
        ["restore", str(src), "--apply-above", "0.8", "--out", str(out), "--proposals", str(jsonl)],
    )
    assert applied.exit_code == 0, applied.output
    text = out.read_text(encoding="utf-8")
    assert "on May 20" in text and "people" in text
    records = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert {r["spun"] for r in records} >= {"Might", "folks"}
    assert all(0 <= r["confidence"] <= 1 and r["evidence"] for r in records)
    missing = runner.invoke(main, ["restore", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_eval_script_prints_precision_and_recall(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["eval_restore.py", "--references", str(REFERENCES)])
    runpy.run_path(str(ROOT / "tests" / "benchmarks" / "eval_restore.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert SEED in out and "precision" in out and "recall" in out
    held = [
        line for line in out.splitlines() if line.strip().startswith("held out ") and "%" in line
    ]
    assert len(held) == 4 and all(line.rstrip().endswith("%") for line in held)
