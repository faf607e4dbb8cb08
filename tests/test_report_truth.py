"""Every report format tells the same story, and gates cannot be dodged.

Ten runs made from the committed Apertium baseline (each losing a different
share of its numbers, some with dots in their names) are compared against it
with gates; the terminal, Markdown, HTML, JSON and JUnit reports must agree on
the verdict, the Δ columns and the failed cells; Markdown must fit a PR comment;
the terminal report must fit its width. Then the gates nobody can dodge: a
floor on a run with nothing scorable, and a run whose every segment failed.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("harness.fidelity.numbers", reason="the numbers judge is not merged yet")

from harness.cli import main
from harness.compare.build import CompareOptions, build_report
from harness.compare.gates import parse_gate
from harness.compare.model import Report
from harness.report.common import DELTA_COLUMNS, FAIL_MARK
from harness.report.html import render_html
from harness.report.json_report import render_json, schema
from harness.report.junit import render_junit
from harness.report.markdown import COMMENT_CHARS, render_markdown
from harness.report.terminal import render_terminal
from tests.compare_fixtures import GOOD, write_many_runs, write_run
from tests.helpers import REFERENCES, REPO

jsonschema = pytest.importorskip("jsonschema")

BASELINE = REPO / "runs" / "baseline" / "apertium.jsonl"
GATES = [
    "fail-under:names@restored=0.75",
    "max-regression:fidelity=0.02",
    "max-regression:broken=0",
]


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_many_runs(tmp_path_factory.mktemp("many") / "runs", BASELINE, 10)


@pytest.fixture(scope="module")
def report(many: list[Path]) -> Report:
    gates = [parse_gate(*spec.split(":", 1)) for spec in GATES]
    return build_report(many, CompareOptions(baseline=BASELINE, references=REFERENCES, gates=gates))


def test_markdown_for_ten_runs_fits_a_pr_comment_and_says_what_it_left_out(report: Report) -> None:
    text = render_markdown(report)
    assert len(text) <= COMMENT_CHARS
    assert "Shortened to fit a PR comment: left out" in text
    # The overview survives the shrinking: every run is on the leaderboard.
    board = text[text.index("### Leaderboard") : text.index("### Side by side")]
    assert all(f"| {run.label}" in board or f"**{run.label}**" in board for run in report.runs)
    roomy = render_markdown(report, limit_chars=10**7, limit_bytes=10**7)
    assert len(roomy) > COMMENT_CHARS and "Shortened" not in roomy


def test_every_format_has_the_delta_columns_and_marks_the_failed_cell(report: Report) -> None:
    failed = [g for g in report.failed_gates if g.metric == "fidelity"]
    assert failed
    worst = max(failed, key=lambda g: g.value or 0.0)
    row = {
        "terminal": render_terminal(report, width=200),
        "markdown": render_markdown(report),
        "html": render_html(report),
    }
    drop = f"-{100 * (worst.value or 0):.1f} pp"
    for name, text in row.items():
        for column in DELTA_COLUMNS.values():
            assert column in text, (name, column)
        assert re.search(f"{FAIL_MARK}[^|<\n]*{re.escape(drop)}", text), name
    data = json.loads(render_json(report))
    jsonschema.validate(data, schema())
    rows = [
        r
        for r in data["summary"]
        if r["run"] == worst.run and r["target"] == worst.target and r["variant"] == worst.variant
    ]
    assert rows and "Δ fidelity" in rows[0]["failed"]
    assert rows[0]["deltas"]["Δ fidelity"]["text"].startswith(drop)
    assert set(rows[0]["deltas"]) == set(DELTA_COLUMNS.values())


def test_every_format_opens_with_the_same_verdict(report: Report) -> None:
    data = json.loads(render_json(report))
    headline = data["overview"]["verdict"]["headline"]
    assert headline.startswith("FAILED: ")
    assert render_terminal(report, width=200).splitlines()[0].startswith(headline[:60])
    assert render_markdown(report).splitlines()[0].endswith(headline)
    assert f"harness compare: {headline}" in render_html(report)
    best = data["overview"]["leaderboard"][0]
    assert best["fidelity"]["ci95"][0] <= best["fidelity"]["value"] <= best["fidelity"]["ci95"][1]


def test_regression_messages_say_percentage_points(report: Report) -> None:
    messages = [g.message for g in report.gates if g.metric == "fidelity"]
    assert messages and all("percentage points" in m for m in messages)
    assert not any(re.search(r"\d%\)", m) for m in messages)


def test_junit_failures_are_the_gate_failures_and_class_names_keep_dots(report: Report) -> None:
    root = ET.fromstring(render_junit(report))
    failures = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert len(failures) == len(report.failed_gates) == int(root.get("failures") or -1)
    classes = {c.get("classname") or "" for c in root.iter("testcase")}
    dotted = [c for c in classes if "gpt-4\u20241" in c]
    assert dotted and all(c.split(".")[1].startswith("gpt-4\u20241") for c in dotted)
    runs = {p.get("value") for p in root.iter("property") if p.get("name") == "run"}
    assert "gpt-4.1" in runs


@pytest.mark.parametrize("width", [80, 100])
def test_terminal_report_fits_its_width_and_leads_with_the_verdict(
    report: Report, width: int
) -> None:
    text = render_terminal(report, width=width)
    too_wide = [line for line in text.splitlines() if len(line) > width]
    assert too_wide == []
    assert text.startswith("FAILED")
    table = re.search(r"^ca restored *$", text, re.M)
    assert table is not None and text.index("leaderboard") < table.start()
    assert "does not fit" in text and "--fact-table" in text
    assert "facts (✓ kept" in render_terminal(report, width=width, fact_table=True)


def test_cli_terminal_follows_the_columns_variable(many: list[Path]) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "compare",
            *map(str, many[:3]),
            "--baseline",
            str(BASELINE),
            "--references",
            str(REFERENCES),
        ],
        env={"COLUMNS": "72"},
    )
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 72


def test_floor_on_a_run_with_nothing_scorable_fails(tmp_path: Path) -> None:
    # The second segment of the seed article has no names or numbers to keep.
    outputs: dict[tuple[str, str], str | None] = {
        key: text for key, text in GOOD.items() if key[0] == "p02"
    }
    run = write_run(tmp_path / "empty.jsonl", "empty", outputs)
    result = CliRunner().invoke(
        main, ["compare", str(run), "--references", str(REFERENCES), "--fail-under", "numbers=0.9"]
    )
    assert result.exit_code == 1, result.output
    assert "nothing scorable" in result.output
    assert "no gates" not in result.output.lower()


def test_a_run_where_every_segment_failed_fails_the_comparison(tmp_path: Path) -> None:
    outputs: dict[tuple[str, str], str | None] = {key: None for key in GOOD}
    run = write_run(tmp_path / "down.jsonl", "down", outputs)
    result = CliRunner().invoke(main, ["compare", str(run), "--references", str(REFERENCES)])
    assert result.exit_code == 1, result.output
    assert "every one of its 4 segments failed" in result.output


def test_a_changed_engine_package_is_named_in_the_notes(tmp_path: Path) -> None:
    paths = []
    for name, version in (("old", "0.8.1-2"), ("new", "0.9.0-1")):
        path = write_run(tmp_path / f"{name}.jsonl", name, dict(GOOD))
        lines = path.read_text(encoding="utf-8").splitlines()
        header = json.loads(lines[0])
        header["provider"]["packages"] = {"apertium": "3.8.3-1", "apertium-eng-spa": version}
        path.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n", encoding="utf-8")
        paths.append(path)
    report = build_report(paths[1:], CompareOptions(baseline=paths[0], references=REFERENCES))
    assert any(
        "new: engine packages differ from old (apertium-eng-spa 0.8.1-2 → 0.9.0-1)" in note
        for note in report.notes
    )
    assert "apertium-eng-spa 0.8.1-2 → 0.9.0-1" in render_markdown(report)


def test_lost_facts_without_a_baseline_or_gates_fail_nothing(tmp_path: Path) -> None:
    from tests.compare_fixtures import BAD

    run = write_run(tmp_path / "bad.jsonl", "bad", dict(BAD))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "compare",
            str(run),
            "--references",
            str(REFERENCES),
            "--output-dir",
            str(out),
            "--format",
            "junit",
        ],
    )
    assert result.exit_code == 0, result.output
    root = ET.parse(out / "compare.junit.xml").getroot()
    assert root.get("failures") == "0"
    skipped = [c.find("skipped") for c in root.iter("testcase")]
    assert any(s is not None and (s.get("message") or "").startswith("lost: ") for s in skipped)


def test_html_overview_is_self_contained_with_one_chart_per_language(report: Report) -> None:
    page = render_html(report)
    assert not re.search(r"\b(?:src|href)\s*=", page)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}  # the SVG namespace, never fetched
    overview = page[page.index('<section id="overview">') : page.index('<section id="details">')]
    assert [f'id="chart-{t}"' in overview for t in report.targets()] == [True] * 4
    # Meaning never rests on colour alone: every variant has its own mark in the legend.
    assert overview.count("<circle") and overview.count("<polygon")
