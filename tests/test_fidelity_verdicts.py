"""Output-level verdicts: untranslated, wrong language, refusal, unchecked, in every view."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.compare.build import CompareOptions, build_report
from harness.compare.gates import parse_gate
from harness.fidelity.language import judge_language, verdict_flags
from harness.fidelity.scorer import score_pair
from harness.report.json_report import render_json, schema
from tests.compare_fixtures import ARTICLE, GOOD, write_run
from tests.helpers import REFERENCES

SOURCE = (
    "Alexander Bastrykin, the head of the Investigative Committee, said on May 20 that "
    "14 people had been detained in Kazan."
)

VERDICTS = [
    # (target, output, flags, verdict)
    (
        "de",
        "Alexander Bastrykin, der Leiter des Ermittlungskomitees, sagte am 20. Mai, 14 "
        "Menschen seien in Kasan festgenommen worden.",
        (),
        "ok",
    ),
    ("de", SOURCE, (), "untranslated"),
    # The source with a word changed is still the source.
    ("fr", SOURCE.replace("people", "persons"), (), "untranslated"),
    # German where French was asked for (a paragraph: enough text to be sure).
    (
        "fr",
        "Alexander Bastrykin, der Leiter des Ermittlungskomitees, sagte am 20. Mai, 14 "
        "Menschen seien in Kasan festgenommen worden. Die Behörden hätten die Festnahmen mit "
        "Verstößen gegen die Meldepflicht begründet.",
        (),
        "wrong_language",
    ),
    # German again, too short to be sure: not called a wrong language.
    ("fr", "Bastrykin sagte, 14 Menschen seien in Kasan festgenommen worden.", (), "unchecked"),
    # A paraphrase in the source language is still untranslated.
    (
        "de",
        "The head of the committee told reporters that fourteen people were held in the city.",
        (),
        "untranslated",
    ),
    # Latin letters where Greek was asked for.
    (
        "el",
        "Alexander Bastrykin, der Leiter des Ermittlungskomitees, sagte am 20. Mai, 14 "
        "Menschen seien in Kasan festgenommen worden.",
        (),
        "wrong_language",
    ),
    (
        "el",
        "Ο επικεφαλής της Ερευνητικής Επιτροπής Αλεξάντρ Μπαστρίκιν δήλωσε στις 20 Μαΐου "
        "ότι 14 άτομα κρατήθηκαν στο Καζάν.",
        (),
        "ok",
    ),
    # Croatian output for a Bosnian target is not a wrong language.
    (
        "bs",
        "Šef Istražnog komiteta Aleksandar Bastrikin rekao je 20. maja da je u Kazanu "
        "privedeno 14 ljudi.",
        (),
        "ok",
    ),
    # Too short to identify: a name, a number.
    ("fr", "Alexander Bastrykin", (), "unchecked"),
    ("ja", "14", (), "unchecked"),
    # The backend's own flags count the same way.
    ("de", "Das kann ich leider nicht übersetzen, tut mir leid.", ("refusal",), "refusal"),
    ("de", "Le chef du comité d'enquête a parlé.", ("wrong_language",), "wrong_language"),
]


@pytest.mark.parametrize(("target", "output", "flags", "verdict"), VERDICTS)
def test_language_verdicts(target: str, output: str, flags: tuple[str, ...], verdict: str) -> None:
    result = judge_language(SOURCE, output, "en", target, flags)
    assert result.verdict == verdict, result
    assert result.fails == (verdict in ("untranslated", "wrong_language", "refusal"))


def test_english_for_another_source_is_a_wrong_language_even_when_short() -> None:
    # English is the language chat models fall back to: called on one sentence.
    french = (
        "Alexandre Bastrykine a déclaré mardi que quatorze personnes avaient été arrêtées à Kazan."
    )
    english = "The head of the committee told reporters that fourteen people were held there."
    verdict = judge_language(french, english, "fr", "de")
    assert (verdict.verdict, verdict.detected) == ("wrong_language", "en")


def test_same_language_is_never_untranslated() -> None:
    assert judge_language(SOURCE, SOURCE, "en", "en-GB").verdict == "ok"


def test_verdict_flags_keep_only_the_flags_that_judge() -> None:
    assert verdict_flags(["truncated", "chatter", "wrong_language", "refusal", "split"]) == (
        "chatter",
        "refusal",
        "wrong_language",
    )
    assert verdict_flags(None) == ()


def test_an_untranslated_output_fails_every_fact() -> None:
    copied = score_pair(SOURCE, SOURCE, "de")
    assert copied.verdict == "untranslated"
    assert copied.stats.names_expected >= 2 and copied.stats.names_kept == 0
    assert copied.stats.numbers_expected >= 2 and copied.stats.numbers_kept == 0
    assert not copied.names_ok and not copied.numbers_ok
    assert copied.stats.untranslated == 1 and copied.stats.not_translated == 1
    assert copied.to_json()["language"]["verdict"] == "untranslated"
    # Without the language check the same copy would pass every name.
    unchecked = score_pair(SOURCE, SOURCE, "de", check_language=False)
    assert unchecked.stats.names_kept == unchecked.stats.names_expected


def test_compare_shows_verdicts_in_groups_gates_junit_and_reports(tmp_path: Path) -> None:
    echo = {key: ARTICLE.segment(key[0]).text(key[1]) for key in GOOD}
    good = write_run(tmp_path / "good.jsonl", "good", GOOD)
    copied = write_run(tmp_path / "echo.jsonl", "echo", echo)
    report = build_report(
        [copied],
        CompareOptions(
            baseline=good, references=REFERENCES, gates=[parse_gate("fail-under", "translated=1.0")]
        ),
    )
    echo_run = next(r.index for r in report.runs if r.label == "echo")
    group = report.group(echo_run, "restored", "es")
    assert group is not None
    assert group.untranslated == 2 and group.translated == 0.0
    assert group.names_kept == 0 and group.numbers_kept == 0
    baseline = report.group(0, "restored", "es")
    assert baseline is not None and baseline.untranslated == 0 and baseline.translated == 1.0
    failed = [g for g in report.gates if not g.passed]
    assert failed and all(g.gate == "fail-under translated=1" for g in failed)
    data = json.loads(render_json(report))
    import jsonschema

    jsonschema.validate(data, schema())
    assert any(g["untranslated"] == 2 for g in data["groups"])

    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "compare",
            "--references",
            str(REFERENCES),
            str(copied),
            "--baseline",
            str(good),
            "--output-dir",
            str(out),
            "--format",
            "junit",
            "--format",
            "markdown",
            "--fail-under",
            "translated=1.0",
        ],
    )
    assert result.exit_code == 1, result.output
    junit = ET.parse(out / "compare.junit.xml").getroot()
    # The failures are the failed gate checks; the language case says why, for reading.
    language_cases = [
        case
        for case in junit.iter("testcase")
        if case.get("name") == "output language" and case.find("skipped") is not None
    ]
    assert language_cases
    assert "2 untranslated" in (language_cases[0].find("skipped").get("message") or "")
    gate_failures = [case for case in junit.iter("testcase") if case.find("failure") is not None]
    assert gate_failures and all(
        case.get("classname") == "harness.gates.fail-under" for case in gate_failures
    )
    assert "2 untranslated" in (out / "compare.md").read_text("utf-8")


def test_score_shows_untranslated_and_refused(tmp_path: Path) -> None:
    echo = {key: ARTICLE.segment(key[0]).text(key[1]) for key in GOOD}
    copied = write_run(tmp_path / "echo.jsonl", "echo", echo)
    result = CliRunner().invoke(main, ["score", "--references", str(REFERENCES), str(copied)])
    assert result.exit_code == 0, result.output
    assert "2 untranslated" in result.output
    assert "langid:lingua" in result.output
    # A refusal flagged by an LLM adapter counts although the text is Spanish.
    lines = copied.read_text("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    for record in records:
        if record["type"] == "segment":
            record["output"] = GOOD[(record["segment"], record["variant"])]
            record["flags"] = ["refusal"] if record["segment"] == "p01" else ["chatter"]
    copied.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    data = json.loads(
        CliRunner()
        .invoke(main, ["score", "--references", str(REFERENCES), "--json", str(copied)])
        .output
    )
    stats = [g["stats"] for g in data["runs"][0]["groups"]]
    assert sum(s["refusal"] for s in stats) == 2
    assert sum(s["untranslated"] for s in stats) == 0
    # Chatter (removed by the adapter) is counted and shown, and fails nothing.
    assert sum(s["chatter"] for s in stats) == 2
    assert sum(s["names_kept"] for s in stats) > 0
    table = CliRunner().invoke(main, ["score", "--references", str(REFERENCES), str(copied)])
    assert table.output.count("1 refused; 1 chatter") == 2  # restored and spun


def test_a_copy_of_the_spun_input_is_untranslated_although_facts_come_from_the_restored() -> None:
    segment = ARTICLE.segment("p01")
    spun, restored = segment.text("spun"), segment.text("restored")
    assert spun != restored
    judged = score_pair(restored, spun, "el", sent=spun)
    assert judged.verdict == "untranslated"
    # Against the restored text alone the copy is only "not Greek".
    assert score_pair(restored, spun, "el").verdict == "wrong_language"
