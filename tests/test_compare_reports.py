"""``harness compare`` on small fixed runs: every format, gates, exit codes, escaping."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from harness.cli import main
from harness.compare.build import CompareOptions, build_report
from harness.compare.gates import parse_gate
from harness.compare.model import Report
from harness.report.json_report import render_json, schema
from tests.compare_fixtures import BAD, GOOD, INJECTED, write_fixture_runs, write_run
from tests.helpers import REFERENCES


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_fixture_runs(tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="module")
def report(runs: dict[str, Path]) -> Report:
    return build_report(
        [runs["bad"], runs["same"]],
        CompareOptions(
            baseline=runs["good"],
            references=REFERENCES,
            gates=[
                parse_gate("fail-under", "names@restored=0.9"),
                parse_gate("max-regression", "broken=0"),
            ],
        ),
    )


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(
        main, ["compare", "--references", str(REFERENCES), *[str(a) for a in args]]
    )


def test_newly_broken_fact_names_the_fact_language_segment_and_both_outputs(report: Report) -> None:
    bad = next(c for c in report.comparisons if report.run_label(c.run) == "bad")
    broken = [f for f in bad.newly_broken if f.label == "Alexander Bastrykin"]
    assert len(broken) == 1
    fact = broken[0]
    assert (fact.target, fact.variant, fact.segment, fact.kind) == ("es", "restored", "p01", "name")
    assert fact.baseline_output == GOOD[("p01", "restored")]
    assert fact.candidate_output == BAD[("p01", "restored")]
    assert bad.facts_broken >= 1
    assert bad.errors_added == 1  # p01 spun fails in "bad" only
    same = next(c for c in report.comparisons if report.run_label(c.run) == "same")
    assert same.facts_broken == 0 and same.facts_fixed == 0
    assert all(d.delta == 0 and d.p_value == 1.0 for g in same.groups for d in g.metrics)


def test_groups_count_facts_errors_and_usage(report: Report) -> None:
    bad = next(r.index for r in report.runs if r.label == "bad")
    good = report.group(0, "restored", "es")
    spun = report.group(bad, "spun", "es")
    assert good is not None and spun is not None
    assert report.runs[0].baseline and report.runs[0].label == "good"
    assert good.names_kept == good.names_expected > 0
    assert spun.errors == 1 and spun.error_types == {"TransientError": 1}
    assert good.usage["characters"] == sum(
        len(s) for (_, v), s in _sources().items() if v == "restored"
    )
    assert good.latency.p50_ms is not None and 120 <= good.latency.p50_ms <= 130
    # Two paired segments per group: the report warns that p-values mean little.
    assert any("indicative only" in note for note in report.notes)


def _sources() -> dict[tuple[str, str], str]:
    from tests.compare_fixtures import ARTICLE

    return {
        (s, v): ARTICLE.segment(s).text(v) for s in ("p01", "p02") for v in ("restored", "spun")
    }


def test_per_fact_table_says_kept_how_or_lost(report: Report) -> None:
    bastrykin = next(f for f in report.facts if f.label == "Alexander Bastrykin")
    bad = next(r.index for r in report.runs if r.label == "bad")
    kept = bastrykin.cells["0/es/restored"]
    lost = bastrykin.cells[f"{bad}/es/restored"]
    assert kept.state == "kept" and kept.hows
    assert lost.state == "lost" and lost.missed_in == ["p01"]


def test_gates_report_which_check_failed(report: Report) -> None:
    failed = report.failed_gates
    assert not report.passed
    assert any(g.gate == "max-regression broken=0" and "bad" in g.message for g in failed)
    assert all(report.run_label(g.run) != "good" for g in report.gates)  # baseline not gated


def test_json_report_follows_its_schema(report: Report) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = json.loads(render_json(report))
    jsonschema.validate(data, schema())
    assert data["schema"] == "harness-compare-report/1"
    assert data["passed"] is False
    assert data["spin"] and "leakage" in data["spin"][0]


def test_cli_writes_every_format_and_exits_1_on_a_failed_gate(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = invoke(
        runs["bad"],
        "--baseline",
        runs["good"],
        "--output-dir",
        out,
        *[a for f in ("terminal", "markdown", "json", "junit", "html") for a in ("--format", f)],
        "--max-regression",
        "broken=0",
        "--fail-under",
        "numbers@restored=0.5",
    )
    assert result.exit_code == 1, result.output
    assert "gate failed: max-regression broken=0" in result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "compare.html",
        "compare.json",
        "compare.junit.xml",
        "compare.md",
        "compare.txt",
    ]
    markdown = (out / "compare.md").read_text("utf-8")
    assert markdown.startswith("## ❌")
    # The overview first: verdict, leaderboard, then the tables behind it.
    assert (
        markdown.index("FAILED")
        < markdown.index("Leaderboard")
        < markdown.index("Side by side")
        < markdown.index("#### bad vs good")
    )
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown
    assert "<details>" in markdown
    junit = ET.parse(out / "compare.junit.xml").getroot()
    failures = [case for case in junit.iter("testcase") if case.find("failure") is not None]
    data = json.loads((out / "compare.json").read_text("utf-8"))
    # The failures are the failed gate checks, one for one; the broken fact is in the text.
    failed_gates = sum(not g["passed"] for g in data["gates"])
    assert failed_gates >= 1
    assert len(failures) == failed_gates and junit.get("failures") == str(failed_gates)
    assert all((case.get("classname") or "").startswith("harness.gates.") for case in failures)
    assert any("Alexander Bastrykin" in (case.findtext("failure") or "") for case in failures)
    lost = [
        case.find("skipped")
        for case in junit.iter("testcase")
        if "Alexander Bastrykin" in (case.get("name") or "")
    ]
    assert any(s is not None and "regression" in (s.get("message") or "") for s in lost)
    html = (out / "compare.html").read_text("utf-8")
    assert INJECTED not in html
    assert "&lt;script&gt;document.documentElement.setAttribute(&quot;data-pwned&quot;" in html
    assert html.count("<script>") == 1  # only the report's own script


def test_cli_passes_with_exit_0_when_gates_hold(runs: dict[str, Path]) -> None:
    result = invoke(
        runs["same"],
        "--baseline",
        runs["good"],
        "--max-regression",
        "fidelity=0.0",
        "--max-regression",
        "broken=0",
    )
    assert result.exit_code == 0, result.output
    assert "same vs good: 0 newly broken facts, 0 fixed" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--fail-under", "names"], "expected METRIC=VALUE"),
        (["--fail-under", "nmes=0.9"], "unknown metric 'nmes'"),
        (["--fail-under", "names=1.5"], "fraction between 0 and 1"),
        (["--fail-under", "names@twisted=0.5"], "unknown variant"),
        (["--max-regression", "fidelity=0.02"], "needs --baseline"),
        (["--format", "json", "--format", "html"], "need --output-dir"),
    ],
)
def test_usage_errors_exit_2(runs: dict[str, Path], args: list[str], message: str) -> None:
    result = invoke(runs["good"], *args)
    assert result.exit_code == 2
    assert message in result.output


def test_missing_run_file_exits_2(tmp_path: Path) -> None:
    result = invoke(tmp_path / "nope.jsonl")
    assert result.exit_code == 2 and "no such run file" in result.output


def test_runs_of_different_texts_are_refused_unless_allowed(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    other = write_run(tmp_path / "other.jsonl", "other", GOOD, digest_override="0" * 64)
    refused = invoke(other, "--baseline", runs["good"])
    assert refused.exit_code == 2
    assert "different restored text" in refused.output and "--allow-mismatch" in refused.output
    allowed = invoke(other, "--baseline", runs["good"], "--allow-mismatch", "--format", "json")
    assert allowed.exit_code == 0, allowed.output
    notes = json.loads(allowed.output)["notes"]
    assert any("mismatch allowed" in note for note in notes)


def test_interrupted_run_and_unpaired_segments_are_noted(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    partial = write_run(
        tmp_path / "partial.jsonl",
        "partial",
        {k: v for k, v in GOOD.items() if k[0] == "p01"},
        footer=False,
    )
    result = invoke(partial, "--baseline", runs["good"], "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert any("interrupted" in note for note in data["notes"])
    assert data["comparisons"][0]["only_baseline"] == 2


def test_judge_remembers_judgements_and_matches_the_scorer(tmp_path: Path) -> None:
    from harness.fidelity.scorer import score_pair
    from harness.references.facts import article_facts
    from harness.references.library import ReferenceLibrary
    from harness.score.judging import Judge, JudgementMemo, judged_from
    from tests.compare_fixtures import ARTICLE

    memo = JudgementMemo(tmp_path)
    judge = Judge(ReferenceLibrary(REFERENCES), memo)
    output = GOOD[("p01", "spun")]
    first = judge(ARTICLE.id, "p01", "es", "en", output, "run source, not used")
    again = judge(ARTICLE.id, "p01", "es", "en", output, "run source, not used")
    other = judge(ARTICLE.id, "p01", "es", "en", BAD[("p01", "restored")], "")
    memo.close()
    assert (judge.judged, judge.remembered) == (2, 1)
    assert again == first
    # Facts come from the restored segment, also for a spun output.
    facts = article_facts(ARTICLE)
    assert facts is not None
    direct = score_pair(
        ARTICLE.segment("p01").restored, output, "es", facts=facts.for_segment("p01")
    )
    assert first == judged_from(direct)
    assert first.names_expected > 0 and other.names_kept < first.names_kept


def test_runs_of_articles_outside_the_references_are_noted(tmp_path: Path) -> None:
    run = write_run(tmp_path / "good.jsonl", "good", GOOD)
    empty = tmp_path / "no-references"
    empty.mkdir()
    result = CliRunner().invoke(
        main, ["compare", str(run), "--references", str(empty), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    notes = json.loads(result.output)["notes"]
    assert any("not among the references" in note for note in notes)


def test_a_runtime_failure_exits_3_not_1(runs: dict[str, Path], tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    result = invoke(
        runs["bad"],
        "--baseline",
        runs["good"],
        "--max-regression",
        "broken=0",
        "--output-dir",
        blocker / "report",
        "--format",
        "json",
    )
    assert result.exit_code == 3, result.output
    assert "compare failed" in result.output


def test_fact_table_is_bounded_and_says_so(runs: dict[str, Path]) -> None:
    result = invoke(runs["bad"], "--baseline", runs["good"], "--facts", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["facts"]) == 3
    assert any("first 3 facts" in note for note in data["notes"])
    # Russia (p02) is past the first three facts, and still reported as newly broken.
    assert "Russia" not in {f["label"] for f in data["facts"]}
    broken = {f["label"] for f in data["comparisons"][0]["newly_broken"]}
    assert "Russia" in broken


def test_chrf_and_bleu_against_gold_translations(runs: dict[str, Path], tmp_path: Path) -> None:
    import shutil

    from tests.compare_fixtures import ARTICLE

    references = tmp_path / "references"
    shutil.copytree(REFERENCES / ARTICLE.id, references / ARTICLE.id)
    gold = [
        GOOD.get((seg.id, "restored"), f"Traducción del párrafo {seg.id}.")
        for seg in ARTICLE.segments
    ]
    (references / ARTICLE.id / "translations").mkdir(exist_ok=True)
    (references / ARTICLE.id / "translations" / "es.txt").write_text(
        "\n".join(gold) + "\n", encoding="utf-8"
    )
    report = build_report(
        [runs["bad"]],
        CompareOptions(
            baseline=runs["good"],
            references=references,
            gates=[parse_gate("fail-under", "chrf@restored=90")],
        ),
    )
    good = report.group(0, "restored", "es")
    bad = report.group(1, "restored", "es")
    assert good is not None and bad is not None
    assert good.chrf == pytest.approx(100.0) and good.bleu == pytest.approx(100.0)
    assert bad.chrf is not None and bad.chrf < 90 and bad.gold_segments == 2
    delta = next(
        g for g in report.comparisons[0].groups if (g.variant, g.target) == ("restored", "es")
    ).get("chrf")
    assert delta is not None and delta.delta is not None and delta.delta < 0
    assert delta.p_value is not None
    assert "nc:6" in str(report.signatures["chrf"])
    assert "tok:13a" in str(report.signatures["bleu"])
    assert [g.target for g in report.failed_gates] == ["es"]


def test_spin_section_carries_leakage_counts(runs: dict[str, Path]) -> None:
    from harness.report.terminal import render_terminal

    report = build_report([runs["same"]], CompareOptions(references=REFERENCES))
    spin = next(s for s in report.spin if s.target == "es")
    assert spin.leakage is not None and spin.leakage["spans"] > 0
    assert {"leaked", "checked", "diverged", "compared"} <= set(spin.leakage)
    assert "examples" not in spin.leakage
    assert f"diverged {spin.leakage['diverged']}/{spin.leakage['compared']}" in render_terminal(
        report, width=200
    )


def test_markdown_shrinks_to_fit_a_step_summary(report: Report) -> None:
    from harness.report.markdown import render_markdown

    full = render_markdown(report)
    assert "Outputs of the newly broken facts" in full and "exact" in full
    budget = len(full.encode("utf-8")) - 1
    shorter = render_markdown(report, limit_bytes=budget)
    assert "Shortened to fit a PR comment" in shorter
    assert len(shorter.encode("utf-8")) < len(full.encode("utf-8"))
    short = render_markdown(report, limit_chars=len(full) - 1)
    assert "Outputs of the newly broken facts" in full
    assert "Alexander Bastrykin" in short  # the broken fact itself stays while it can
    shortest = render_markdown(report, limit_bytes=2000)
    assert len(shortest.encode("utf-8")) <= 2000
    assert "Outputs of the newly broken facts" not in shortest
    assert shortest.startswith("## ❌") and "Cut here to fit the size limit" in shortest
