"""One scoring pipeline: ``harness score`` and ``harness compare`` agree on every figure,
and scoring in worker processes gives exactly what scoring in one process gives."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.compare.build import CompareOptions, build_report
from harness.errors import RunFileError
from harness.fidelity.scorer import FidelityStats
from harness.references.article import load_article
from harness.references.library import ReferenceLibrary
from harness.runfile import SegmentRecord
from harness.score import pipeline
from harness.score.judging import Judge
from harness.score.rows import TextMetrics, segment_row
from harness.score.run_scores import RunScore, iter_segment_scores, score_run
from tests.benchmarks.bench_compare import TARGETS, VARIANTS, make_references, write_run
from tests.helpers import REFERENCES, REPO, SEED_ID

BASELINE = REPO / "runs" / "baseline" / "apertium.jsonl"


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def _variant_runs(folder: Path) -> dict[str, Path]:
    """The seed baseline and runs derived from it: segment ids the article does not
    have, an article the references lack, errors, empty outputs."""
    records = _lines(BASELINE)
    header, segments, footer = records[0], records[1:-1], records[-1]
    foreign = []
    for record in segments:
        record = dict(record)
        if record["segment"] in ("p01", "p06"):
            # Same texts under ids outside the article: judged on the run's own source.
            record["segment"] = "x" + record["segment"]
            record["id"] = "/".join(
                (record["article"], record["segment"], record["variant"], record["target_lang"])
            )
        foreign.append(record)
    stranger = [
        {
            **r,
            "article": "not-a-reference-article",
            "id": "not-a-reference-article/" + r["id"].split("/", 1)[1],
        }
        for r in segments[:12]
    ]
    broken = []
    for index, record in enumerate(segments):
        record = dict(record)
        if index % 5 == 0:
            record["output"], record["error"] = (
                None,
                {"type": "TransientError", "message": "503", "status": 503},
            )
        elif index % 5 == 1:
            record["output"] = ""
        elif index % 5 == 2:
            record["output"] = None  # no output and no error: counted as NoOutput
        broken.append(record)
    return {
        "baseline": BASELINE,
        "foreign": _write(folder / "foreign.jsonl", [header, *foreign, footer]),
        "stranger": _write(folder / "stranger.jsonl", [header, *segments, *stranger, footer]),
        "broken": _write(folder / "broken.jsonl", [header, *broken]),
    }


def _score_figures(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for group in data["groups"]:
        stats = group["stats"]
        out[(group["variant"], group["target_lang"])] = {
            "segments": group["segments"],
            "errors": group["errors"],
            "error_types": group["error_types"],
            "names": (stats["names_kept"], stats["names_expected"]),
            "numbers": (stats["numbers_kept"], stats["numbers_expected"]),
            "unexpected": (stats["names_unexpected"], stats["numbers_unexpected"]),
            "chrf": group["chrf"],
            "bleu": group["bleu"],
            "gold": group["gold_segments"],
        }
    return out


def _compare_figures(data: dict[str, Any], run: int) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for group in data["groups"]:
        if group["run"] != run:
            continue
        out[(group["variant"], group["target"])] = {
            "segments": group["segments"],
            "errors": group["errors"],
            "error_types": group["error_types"],
            "names": (group["names_kept"], group["names_expected"]),
            "numbers": (group["numbers_kept"], group["numbers_expected"]),
            "unexpected": (group["unexpected_names"], group["unexpected_numbers"]),
            "chrf": group["chrf"],
            "bleu": group["bleu"],
            "gold": group["gold_segments"],
        }
    return out


def test_score_and_compare_report_the_same_figures(tmp_path: Path) -> None:
    runs = _variant_runs(tmp_path)
    runner = CliRunner()
    scored = runner.invoke(
        main, ["score", *map(str, runs.values()), "--references", str(REFERENCES), "--json"]
    )
    assert scored.exit_code == 0, scored.output
    compared = runner.invoke(
        main,
        [
            "compare",
            *map(str, runs.values()),
            "--references",
            str(REFERENCES),
            "--format",
            "json",
            "--allow-mismatch",
        ],
    )
    assert compared.exit_code == 0, compared.output
    report = json.loads(compared.output)
    labels = {info["path"]: info["index"] for info in report["runs"]}
    for name, run in zip(runs, json.loads(scored.output)["runs"], strict=True):
        index = labels[str(Path(run["path"]).resolve())]
        score_side, compare_side = _score_figures(run), _compare_figures(report, index)
        assert score_side == compare_side, name
        for spin in (s for s in report["spin"] if s["run"] == index):
            assert run["spin"][spin["target"]]["names"] == spin["names"], name
            assert run["spin"][spin["target"]]["numbers"] == spin["numbers"], name
    # The cases are there: foreign ids judged on their own source (names found in it),
    # errors and missing outputs counted, empty outputs judged (and losing every fact).
    baseline = _score_figures(json.loads(scored.output)["runs"][0])
    broken = _score_figures(json.loads(scored.output)["runs"][3])
    errors = {k: v for group in broken.values() for k, v in group["error_types"].items()}
    assert set(errors) == {"TransientError", "NoOutput"}
    assert all(
        g["names"][0] < baseline[k]["names"][0] or baseline[k]["names"][0] == 0
        for k, g in broken.items()
    )


def test_a_segment_outside_the_article_is_judged_on_its_own_source() -> None:
    record = next(
        r for r in _lines(BASELINE)[1:-1] if r["segment"] == "p01" and r["variant"] == "restored"
    )
    judge = Judge(ReferenceLibrary(REFERENCES))
    metrics = TextMetrics()
    inside = segment_row(SegmentRecord.model_validate(record), judge, metrics)
    outside = segment_row(
        SegmentRecord.model_validate({**record, "segment": "x01"}), judge, metrics
    )
    stranger = segment_row(
        SegmentRecord.model_validate({**record, "article": "not-a-reference-article"}),
        judge,
        metrics,
    )
    # The article's facts for p01; for the others the names and numbers read from the
    # run's own source (the same text), not "no facts expected".
    assert inside.names_expected > 0 and inside.numbers_expected > 0
    assert outside.names_expected > 0 and outside.numbers_expected > 0
    assert (outside.names_expected, outside.names_kept, outside.numbers_expected) == (
        stranger.names_expected,
        stranger.names_kept,
        stranger.numbers_expected,
    )
    assert {f.key for f in outside.facts} != {f.key for f in inside.facts}


def _figures(score: RunScore) -> dict[str, Any]:
    data = score.to_json()
    data.pop("path")
    return {**data, "leakage": score.leakage.to_json()}


@pytest.mark.parametrize("name", ["baseline", "foreign", "stranger", "broken"])
def test_parallel_scoring_equals_serial_on_the_seed_runs(tmp_path: Path, name: str) -> None:
    path = _variant_runs(tmp_path)[name]
    serial = score_run(path, REFERENCES, workers=1, chunk_lines=7)
    parallel = score_run(path, REFERENCES, workers=2, chunk_lines=7)
    whole = score_run(path, REFERENCES, workers=1, chunk_lines=10_000)
    assert _figures(parallel) == _figures(serial)
    # Chunk boundaries split variants of a segment; the pairing across chunks makes up for it.
    assert _figures(whole) == _figures(serial)
    assert serial.groups and serial.spin_stability


def _report(runs: list[Path], baseline: Path, references: Path, workers: int) -> dict[str, Any]:
    report = build_report(
        runs,
        CompareOptions(
            baseline=baseline,
            references=references,
            allow_mismatch=True,
            workers=workers,
            detail_segments=5,
            fact_rows=30,
        ),
    )
    data = report.to_json()
    data.pop("created")
    return data


def test_parallel_comparison_equals_serial_on_the_seed_runs(tmp_path: Path) -> None:
    runs = _variant_runs(tmp_path)
    others = [runs["foreign"], runs["stranger"], runs["broken"]]
    serial = _report(others, runs["baseline"], REFERENCES, workers=1)
    parallel = _report(others, runs["baseline"], REFERENCES, workers=2)
    assert parallel == serial
    assert serial["comparisons"] and serial["facts"] and serial["details"]


def _generated_run(tmp_path: Path, run: int, segments: int) -> tuple[Path, Path]:
    seed = load_article(SEED_ID, REFERENCES)
    sources = {(s.id, v): s.text(v) for s in seed.segments for v in VARIANTS}
    per_article = len(seed.segments) * len(VARIANTS) * len(TARGETS)
    references = tmp_path / "references"
    if not references.exists():
        make_references(references, -(-segments // per_article))
    articles = sorted(p.name for p in references.iterdir())[: -(-segments // per_article)]
    outputs = {
        (r["segment"], r["variant"], r["target_lang"]): r["output"]
        for r in _lines(BASELINE)[1:-1]
        if r["output"]
    }
    path = tmp_path / f"run{run}.jsonl"
    write_run(
        path, run, articles, segments, sources, outputs, {v: seed.digest(v) for v in VARIANTS}
    )
    return path, references


def test_parallel_scoring_equals_serial_on_a_generated_run(tmp_path: Path) -> None:
    segments = 10_000
    path, references = _generated_run(tmp_path, 5, segments)
    serial = score_run(path, references, workers=1, chunk_lines=1000)
    parallel = score_run(path, references, workers=2, chunk_lines=1000)
    assert _figures(parallel) == _figures(serial)
    groups = serial.to_json()["groups"]
    assert sum(g["segments"] for g in groups) == segments
    assert sum(g["errors"] for g in groups) > 0
    rng = random.Random(0)
    sample = rng.choice(groups)
    assert sample["stats"]["names_expected"] > sample["stats"]["names_kept"] > 0


def test_parallel_comparison_equals_serial_on_generated_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small chunks: runs split into many, in flight in both workers at once.
    monkeypatch.setattr(pipeline, "CHUNK_LINES", 250)
    baseline, references = _generated_run(tmp_path, 1, 3000)
    other, _ = _generated_run(tmp_path, 6, 3000)
    serial = _report([other], baseline, references, workers=1)
    parallel = _report([other], baseline, references, workers=2)
    assert parallel == serial
    assert serial["comparisons"][0]["facts_broken"] > 0


def test_drill_down_judgements_add_up_to_the_totals(tmp_path: Path) -> None:
    path = _variant_runs(tmp_path)["foreign"]
    sums: dict[tuple[str, str], FidelityStats] = {}
    for item in iter_segment_scores(path, REFERENCES):
        if item.judgement is not None:
            key = (item.variant, item.target_lang)
            sums[key] = sums.get(key, FidelityStats()) + item.judgement.stats
    score = score_run(path, REFERENCES)
    assert sums and {k: g.stats for k, g in score.groups.items()} == sums


@pytest.mark.parametrize("size", [1, 2, 3, 7])
@pytest.mark.parametrize("ending", [b"\n", b""])
def test_spans_split_a_run_file_as_reading_it_line_by_line_does(
    tmp_path: Path, size: int, ending: bytes
) -> None:
    # A carriage return and other separators inside a line do not end it.
    body = [b'{"n":1}\n', b'{"n":"a\rb"}\n', b'{"n":"\x85\x1c"}\n', b"\n", b'{"n":4}\n', b'{"n":5}']
    path = tmp_path / "run.jsonl"
    path.write_bytes(b'{"type":"header"}\n' + b"".join(body) + ending)
    with path.open("rb") as fh:
        expected = list(fh)[1:]
    parts = list(pipeline.spans(path, size))
    got = [line for _, start, end, _ in parts for line in pipeline.read_span(path, start, end)]
    assert got == expected
    assert [first for first, *_ in parts] == list(range(2, 2 + len(expected), size))
    assert [last for *_, last in parts] == [False] * (len(parts) - 1) + [True]
    assert [c[1] for c in pipeline.chunks(path, size)] == [
        pipeline.read_span(path, start, end) for _, start, end, _ in parts
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_segment_id_twice_is_refused_naming_its_line(tmp_path: Path, workers: int) -> None:
    records = _lines(BASELINE)
    header, segments, footer = records[0], records[1:-1], records[-1]
    repeated = [*segments[:20], segments[3], *segments[20:]]  # line 2 + 20 repeats line 5
    path = _write(tmp_path / "twice.jsonl", [header, *repeated, footer])
    with pytest.raises(RunFileError, match=rf"twice\.jsonl:22: segment {segments[3]['id']} "):
        score_run(path, REFERENCES, workers=workers, chunk_lines=7)
    with pytest.raises(RunFileError, match=r"twice\.jsonl:22: "):
        build_report([path], CompareOptions(baseline=BASELINE, references=REFERENCES))
