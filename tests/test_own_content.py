"""Your own content end to end with the real Apertium engine: a plain article, a
line-aligned test set with references, JSONL and TSV segment files; run, resume,
shard and merge, score and compare, with chrF/BLEU checked against sacreBLEU."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import sacrebleu
from click.testing import CliRunner, Result

from harness.cli import main
from harness.runfile import RunFile
from tests.helpers import APERTIUM_MISSING, APERTIUM_SKIP_REASON, REPO, read_jsonl

pytestmark = [
    pytest.mark.apertium,
    pytest.mark.skipif(APERTIUM_MISSING, reason=APERTIUM_SKIP_REASON),
]
DATA = REPO / "tests" / "data" / "own"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding copies of the test files, as the current directory."""
    for path in DATA.iterdir():
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _invoke(args: list[str], code: int = 0) -> Result:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code, result.output
    return result


def _new_run(runs: Path, args: list[str]) -> Path:
    before = set(runs.glob("*.jsonl")) if runs.is_dir() else set()
    _invoke(["run", *args, "--runs-dir", str(runs)])
    (path,) = set(runs.glob("*.jsonl")) - before
    return path


def _segments(path: Path) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in read_jsonl(path) if r["type"] == "segment"}


def _score(path: Path) -> dict[str, Any]:
    document = json.loads(_invoke(["score", str(path), "--json"]).output)
    run: dict[str, Any] = document["runs"][0]
    return run


def _group(score: dict[str, Any], target: str) -> dict[str, Any]:
    return next(g for g in score["groups"] if g["target_lang"] == target)


def _lines(name: str) -> list[str]:
    return [line for line in (DATA / name).read_text("utf-8").split("\n") if line.strip()]


def test_test_set_with_references_scores_chrf_and_bleu(workdir: Path) -> None:
    run = _new_run(
        workdir / "runs",
        ["--input", "testset.en.txt", "--reference", "es=testset.es.txt", "--to", "es,ca"],
    )
    header = RunFile(run).header
    (entry,) = header.inputs or []
    assert entry["path"] == "testset.en.txt" and entry["format"] == "txt"
    assert len(entry["sha256"]) == 64 and entry["references"]["es"]["path"] == "testset.es.txt"
    assert header.variants == ["original"]
    segments = _segments(run)
    assert len(segments) == 12
    outputs = [segments[f"testset.en/p{n:02d}/original/es"]["output"] for n in range(1, 7)]
    score = _score(run)
    es = _group(score, "es")
    expected_chrf = sacrebleu.corpus_chrf(outputs, [_lines("testset.es.txt")]).score
    expected_bleu = sacrebleu.corpus_bleu(outputs, [_lines("testset.es.txt")]).score
    assert es["chrf"] == pytest.approx(expected_chrf, abs=0.01)
    assert es["bleu"] == pytest.approx(expected_bleu, abs=0.01)
    assert 10 < es["chrf"] < 100 and es["gold_segments"] == 6
    assert _group(score, "ca")["chrf"] is None
    notes = score["notes"]
    assert notes.count("no reference translation for ca: chrF and BLEU are not measured") == 1
    assert not any("for es" in note for note in notes)
    assert score["unreviewed_facts"] == ["testset.en"]
    assert "chrf:es" in score["signatures"] and "tok:13a" in score["signatures"]["bleu:es"]
    table = _invoke(["score", str(run)]).output
    assert "chrF" in table and "facts unreviewed for testset.en" in table


def test_plain_article_without_references_has_no_dash_columns(workdir: Path) -> None:
    run = _new_run(
        workdir / "runs", ["--input", "article.txt", "--to", "es", "--article-id", "tram"]
    )
    segments = _segments(run)
    assert sorted(segments) == [f"tram/p0{n}/original/es" for n in range(1, 5)]
    assert segments["tram/p01/original/es"]["source"] == "Harbour city opens new tram line"
    table = _invoke(["score", str(run)]).output
    assert "chrF" not in table.split("\n")[1]  # no column of dashes
    assert table.count("no reference translation for es") == 1
    score = _score(run)
    numbers = _group(score, "es")["stats"]
    assert numbers["numbers_expected"] >= 5  # 12-kilometre, 40,000, 310 million, 95 million...


@pytest.mark.parametrize(
    ("name", "article_ids"),
    [("segments.jsonl", {"segments", "economy"}), ("segments.tsv", {"segments"})],
)
def test_segment_files_carry_their_references(
    workdir: Path, name: str, article_ids: set[str]
) -> None:
    run = _new_run(workdir / "runs", ["--input", name, "--to", "es,ca"])
    segments = _segments(run)
    assert {r["article"] for r in segments.values()} == article_ids
    assert len(segments) == 12
    score = _score(run)
    es, ca = _group(score, "es"), _group(score, "ca")
    assert es["gold_segments"] == 6
    assert ca["gold_segments"] == (3 if name.endswith(".jsonl") else 6)
    ordered = sorted(segments.values(), key=lambda r: int(r["segment"][1:]))
    outputs = [r["output"] for r in ordered if r["target_lang"] == "es"]
    assert es["chrf"] == pytest.approx(
        sacrebleu.corpus_chrf(outputs, [_lines("testset.es.txt")]).score, abs=0.01
    )


def test_resume_shard_merge_and_compare(workdir: Path) -> None:
    runs = workdir / "runs"
    args = [
        "--input",
        "testset.en.txt",
        "--reference",
        "es=testset.es.txt",
        "--reference",
        "ca=testset.ca.txt",
        "--to",
        "es,ca",
    ]
    full = _new_run(runs, args)
    complete = _segments(full)

    # Interrupted: cut the footer and the last five segment lines, then resume.
    cut = workdir / "cut" / full.name
    cut.parent.mkdir()
    cut.write_text("".join(full.read_text("utf-8").splitlines(keepends=True)[:-6]), "utf-8")
    assert len(_segments(cut)) == 7
    _invoke(["run", "--resume", str(cut)])
    resumed = _segments(cut)
    assert resumed.keys() == complete.keys()
    assert [r["output"] for r in resumed.values()] == [complete[k]["output"] for k in resumed]
    assert read_jsonl(cut)[-1]["type"] == "footer"

    # Sharded in two and merged: the same segments and outputs as the single run.
    shards = workdir / "shards"
    parts = [_new_run(shards, [*args, "--shard", f"{n}/2"]) for n in (1, 2)]
    assert all(_segments(p) for p in parts)
    merged = workdir / "merged.jsonl"
    _invoke(["merge", *map(str, parts), "--output", str(merged)])
    assert RunFile(merged).header.inputs == RunFile(full).header.inputs
    merged_segments = _segments(merged)
    assert merged_segments.keys() == complete.keys()
    assert all(merged_segments[k]["output"] == complete[k]["output"] for k in complete)

    # Compared against the single run: chrF/BLEU for both languages, no regression.
    out = workdir / "report"
    _invoke(
        [
            "compare",
            str(merged),
            "--baseline",
            str(full),
            "--format",
            "json",
            "--format",
            "html",
            "--output-dir",
            str(out),
            "--max-regression",
            "chrf=0.5",
            "--fail-under",
            "chrf@original=1",
        ]
    )
    report = json.loads((out / "compare.json").read_text("utf-8"))
    page = (out / "compare.html").read_text("utf-8")
    assert "source, original" in page and "The European Central Bank kept" in page
    text = json.dumps(report)
    assert "no reference translation" not in text
    chrfs = [value for value in _values(report, "chrf") if isinstance(value, float)]
    assert chrfs and all(0 < value <= 100 for value in chrfs)


def _values(data: Any, key: str) -> list[Any]:
    """Every value stored under ``key`` anywhere in a JSON document."""
    if isinstance(data, dict):
        found = [data[key]] if key in data else []
        return found + [v for item in data.values() for v in _values(item, key)]
    if isinstance(data, list):
        return [v for item in data for v in _values(item, key)]
    return []


def test_retry_errors_resends_only_the_failed_segments(workdir: Path) -> None:
    runs = workdir / "runs"
    run = _new_run(runs, ["--input", "segments.tsv", "--to", "es"])
    lines = run.read_text("utf-8").splitlines(keepends=True)
    broken = json.loads(lines[2])
    good = broken["output"]
    broken.update(
        output=None, error={"type": "TransientError", "message": "HTTP 503", "status": 503}
    )
    lines[2] = json.dumps(broken, ensure_ascii=False) + "\n"
    run.write_text("".join(lines), "utf-8")
    before = set(runs.glob("*.jsonl"))
    _invoke(["run", "--retry-errors", str(run), "--runs-dir", str(runs)])
    (retry,) = set(runs.glob("*.jsonl")) - before
    assert RunFile(retry).header.inputs == RunFile(run).header.inputs
    segments = _segments(retry)
    assert len(segments) == 6 and segments[broken["id"]]["output"] == good
    assert segments[broken["id"]]["attempts"] >= 1
    copied = [
        line
        for line in retry.read_text("utf-8").splitlines(keepends=True)
        if '"type":"segment"' in line and broken["id"] not in line
    ]
    assert copied == [
        line for n, line in enumerate(lines) if n != 2 and '"type":"segment"' in line
    ]  # the ok segments, line for line


def test_resume_refuses_an_input_that_changed(workdir: Path) -> None:
    run = _new_run(workdir / "runs", ["--input", "article.txt", "--to", "es"])
    run.write_text("".join(run.read_text("utf-8").splitlines(keepends=True)[:-2]), "utf-8")
    with (workdir / "article.txt").open("a", encoding="utf-8") as fh:
        fh.write("A late paragraph.\n")
    result = _invoke(["run", "--resume", str(run)], code=2)
    assert "article.txt changed since the run started" in result.output
    assert "Traceback" not in result.output


def test_compare_of_runs_without_references_says_so_once(workdir: Path) -> None:
    runs = workdir / "runs"
    first = _new_run(runs, ["--input", "article.txt", "--to", "es"])
    second = _new_run(runs, ["--input", "article.txt", "--to", "es", "-p", "echo"])
    result = _invoke(["compare", str(second), "--baseline", str(first), "--format", "markdown"])
    assert result.output.count("no reference translation for es") == 1
    assert "unreviewed facts" in result.output
