"""The seed article's data: spun text byte-identical, edits rebuild the restoration."""

from __future__ import annotations

import hashlib
import json
import shutil
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.errors import ArticleError
from harness.references.article import apply_edits, load_article
from harness.references.checks import check_article
from tests.helpers import REFERENCES, SEED_DIR, SEED_ID

SHARED_SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "article.txt"


def test_spun_text_digest_matches_metadata() -> None:
    meta = tomllib.loads((SEED_DIR / "meta.toml").read_text(encoding="utf-8"))
    digest = hashlib.sha256((SEED_DIR / "spun.txt").read_bytes()).hexdigest()
    assert digest == meta["digests"]["spun_sha256"]


@pytest.mark.skipif(not SHARED_SEED.exists(), reason="the seed as received is not beside the repo")
def test_spun_text_is_byte_identical_to_the_seed_as_received() -> None:
    assert (SEED_DIR / "spun.txt").read_bytes() == SHARED_SEED.read_bytes()


def test_seed_has_eleven_segments_and_furniture_excluded() -> None:
    article = load_article(SEED_ID, REFERENCES)
    assert [s.id for s in article.segments] == [f"p{i:02d}" for i in range(1, 12)]
    assert not any("Join our community" in s.spun for s in article.segments)
    assert article.segments[0].restored.startswith("Russian law enforcement agencies have sent")
    assert "Wall Street Journal" in article.segment("p06").restored
    assert "Wall Avenue Journal" in article.segment("p06").spun


def test_edits_rebuild_restored_text_and_each_edit_sits_in_its_segment() -> None:
    article = load_article(SEED_ID, REFERENCES)
    assert apply_edits(article.spun_text, article.edits) == article.restored_text
    for edit in article.edits:
        assert article.spun_text[edit.start : edit.end] == edit.spun
        assert edit.spun in article.segment(edit.segment).spun
    assert list(check_article(article)) == []


def test_known_restorations_are_in_the_edit_list() -> None:
    article = load_article(SEED_ID, REFERENCES)
    pairs = {(e.spun, e.restored) for e in article.edits}
    for pair in [
        ("Might", "May"),
        ("Avenue", "Street"),
        ("combat", "fight"),
        ("fight", "combat"),
        ("Worldwide Authorized Discussion board", "International Legal Forum"),
    ]:
        assert pair in pairs


def _copy_seed(tmp_path: Path) -> Path:
    root = tmp_path / "references"
    shutil.copytree(SEED_DIR, root / SEED_ID)
    return root


def test_check_reports_a_tampered_restoration(tmp_path: Path) -> None:
    root = _copy_seed(tmp_path)
    restored = root / SEED_ID / "restored.txt"
    restored.write_text(
        restored.read_text(encoding="utf-8").replace("May 20", "May 21"), encoding="utf-8"
    )
    problems = list(check_article(load_article(SEED_ID, root)))
    assert any("restored text sha256" in p for p in problems)
    assert any("does not give the restored text" in p for p in problems)
    result = CliRunner().invoke(main, ["references", "check", "--references", str(root)])
    assert result.exit_code == 1
    assert "FAIL" in result.output


def test_check_reports_an_edit_with_wrong_offsets(tmp_path: Path) -> None:
    root = _copy_seed(tmp_path)
    edits_path = root / SEED_ID / "edits.jsonl"
    lines = edits_path.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["start"] += 1
    lines[0] = json.dumps(first)
    edits_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = list(check_article(load_article(SEED_ID, root)))
    assert any("expects 'legislation'" in p for p in problems)


def test_missing_article_is_a_clear_usage_error(tmp_path: Path) -> None:
    root = _copy_seed(tmp_path)
    with pytest.raises(ArticleError, match="no reference article 'nope'.*available: " + SEED_ID):
        load_article("nope", root)


def test_references_commands_list_and_check_the_seed() -> None:
    runner = CliRunner()
    listing = runner.invoke(main, ["references", "list", "--references", str(REFERENCES)])
    assert listing.exit_code == 0
    assert SEED_ID in listing.output and "11 segments" in listing.output
    check = runner.invoke(main, ["references", "check", "--references", str(REFERENCES)])
    assert check.exit_code == 0, check.output
    assert f"ok   {SEED_ID}" in check.output
