"""Accepted name forms from glossaries (CSV, TBX) and per-pair facts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.errors import UsageError
from harness.fidelity.glossary import load_glossary
from harness.fidelity.scorer import score_pair
from tests.compare_fixtures import GOOD, write_run
from tests.helpers import REFERENCES

TBX2 = """<?xml version="1.0" encoding="UTF-8"?>
<martif type="TBX-Basic" xml:lang="en">
  <text><body>
    <termEntry id="c1">
      <langSet xml:lang="en"><tig><term>Investigative Committee</term></tig></langSet>
      <langSet xml:lang="de"><tig><term>Ermittlungskomitee</term></tig>
                             <tig><term>Untersuchungskomitee</term></tig></langSet>
    </termEntry>
    <termEntry id="c2">
      <langSet xml:lang="fr"><tig><term>sans terme source</term></tig></langSet>
    </termEntry>
  </body></text>
</martif>
"""

TBX3 = """<?xml version="1.0" encoding="UTF-8"?>
<tbx type="TBX-Core" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
  <text><body>
    <conceptEntry id="kazan">
      <langSec xml:lang="en"><termSec><term>Kazan</term></termSec></langSec>
      <langSec xml:lang="tt"><termSec><term>Казан</term></termSec></langSec>
    </conceptEntry>
  </body></text>
</tbx>
"""


def test_csv_glossary_forms_are_accepted_and_named(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text(
        "source,lang,form\nSpace Force,de,Weltraumstreitkräfte\nSpace Force,de,Space Force\n",
        "utf-8",
    )
    glossary = load_glossary(path)
    source = "The Space Force launched 14 satellites."
    faithful = "Die Weltraumstreitkräfte starteten 14 Satelliten."
    twin = "Die Luftwaffe startete 14 Satelliten."
    judged = score_pair(source, faithful, "de", glossary=glossary)
    match = next(m for m in judged.names.found if m.id.startswith("glossary:"))
    assert (match.form, match.how) == ("Weltraumstreitkräfte", "exact")
    # Without the glossary the German form is not known: the name is missing.
    assert not score_pair(source, faithful, "de").names_ok
    missed = score_pair(source, twin, "de", glossary=glossary)
    assert [m.source for m in missed.names.missing] == ["Space Force"]


def test_a_termbase_serves_every_source_language(tmp_path: Path) -> None:
    # The German term is the source form of a German source; English is a target.
    path = tmp_path / "terms.tbx"
    path.write_text(TBX2, "utf-8")
    glossary = load_glossary(path)
    [entry] = glossary.entries_for("de")
    assert entry.source_forms == ("Ermittlungskomitee", "Untersuchungskomitee")
    judged = score_pair(
        "Das Ermittlungskomitee teilte mit, 14 Menschen seien festgenommen.",
        "The Investigative Committee said 14 people had been detained.",
        "en",
        "de",
        glossary=glossary,
    )
    assert [(m.id, m.form) for m in judged.names.found] == [
        ("glossary:c1", "Investigative Committee")
    ]


def test_tbx2_and_tbx3_are_read(tmp_path: Path) -> None:
    two = tmp_path / "terms.tbx"
    two.write_text(TBX2, "utf-8")
    glossary = load_glossary(two)
    assert [e.id for e in glossary.entries_for("en")] == ["c1"]  # c2 has no English term
    assert glossary.entries_for("en")[0].forms_for("de-AT") == (
        "Ermittlungskomitee",
        "Untersuchungskomitee",
    )
    judged = score_pair(
        "The Investigative Committee said so.",
        "Das Untersuchungskomitee sagte das.",
        "de",
        glossary=glossary,
    )
    assert judged.names.found and judged.names.found[0].form == "Untersuchungskomitee"
    three = tmp_path / "terms3.tbx"
    three.write_text(TBX3, "utf-8")
    entry = load_glossary(three).entries_for("en")[0]
    assert (entry.id, entry.source_forms, entry.forms_for("tt")) == (
        "kazan",
        ("Kazan",),
        ("Казан",),
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,form\nA,B\n", "needs the header 'source,lang,form'"),
        ("source,lang,form\nA,,B\n", ":2: source, lang and form must all be given"),
        ("<martif><text><body><termEntry>", "not a valid TBX file"),
        ("source,lang,form\n", "has no entries"),
    ],
)
def test_bad_glossaries_are_usage_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, "utf-8")
    with pytest.raises(UsageError, match=message):
        load_glossary(path)
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(
        json.dumps({"source": "A", "translation": "B", "target_lang": "de"}) + "\n", "utf-8"
    )
    result = CliRunner().invoke(main, ["fidelity", "--pairs", str(pairs), "--glossary", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_pairs_carry_their_own_names_and_numbers(tmp_path: Path) -> None:
    rows = [
        # Russian forms given with the pair; the source has no capitals to find names by.
        {
            "id": "ok",
            "source": "巴斯特雷金说，有两万名移民被派往前线。",
            "translation": "Бастрыкин заявил, что на фронт отправили 20 000 мигрантов.",
            "source_lang": "zh",
            "target_lang": "ru",
            "names": [{"source": "巴斯特雷金", "forms": {"ru": ["Бастрыкин"]}}],
            "numbers": [20000],
        },
        {
            "id": "twin",
            "source": "巴斯特雷金说，有两万名移民被派往前线。",
            "translation": "Бортников заявил, что на фронт отправили 2 000 мигрантов.",
            "source_lang": "zh",
            "target_lang": "ru",
            "names": [{"source": "巴斯特雷金", "forms": {"ru": ["Бастрыкин"]}}],
            "numbers": [{"text": "两万", "value": 20000}],
        },
        {
            "id": "dates",
            "source": "He spoke on May 20.",
            "translation": "Er sprach am 21. Mai.",
            "target_lang": "de",
            "numbers": ["May 20"],
        },
    ]
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    result = CliRunner().invoke(main, ["fidelity", "--pairs", str(pairs), "--json"])
    assert result.exit_code == 0, result.output
    out = {r["id"]: r for r in map(json.loads, result.output.splitlines())}
    assert out["ok"]["names_ok"] and out["ok"]["numbers_ok"]
    assert out["ok"]["names"]["found"][0]["form"] == "Бастрыкин"
    assert not out["twin"]["names_ok"] and not out["twin"]["numbers_ok"]
    assert out["twin"]["numbers"]["missing"][0]["text"] == "两万"
    assert not out["dates"]["numbers_ok"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("names", "Bastrykin", "'names' must be a list"),
        ("names", [{"forms": {}}], "names\\[1\\] needs a 'source' string"),
        ("names", [{"source": "A", "forms": {"ru": "B"}}], "must map languages to lists"),
        ("numbers", [True], "numbers\\[1\\] is not a number"),
        ("numbers", ["no digits here"], "holds no number"),
    ],
)
def test_bad_pair_facts_name_the_line(
    tmp_path: Path, field: str, value: object, message: str
) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(
        json.dumps({"source": "A", "translation": "B", "target_lang": "de", field: value}) + "\n",
        "utf-8",
    )
    result = CliRunner().invoke(main, ["fidelity", "--pairs", str(pairs)])
    assert result.exit_code == 2
    assert f"{pairs}:1" in result.output
    import re

    assert re.search(message, result.output)


def test_score_and_compare_take_a_glossary(tmp_path: Path) -> None:
    # The outputs use a form of the name that no rule derives; the glossary accepts it
    # on the fact of the same name.
    outputs = {
        key: text.replace("Alexander Bastrykin", "Sasha Ivanovich") for key, text in GOOD.items()
    }
    run = write_run(tmp_path / "forms.jsonl", "forms", outputs)
    glossary = tmp_path / "g.csv"
    glossary.write_text("source,lang,form\nAlexander Bastrykin,es,Sasha Ivanovich\n", "utf-8")
    base = ["--references", str(REFERENCES), "--json", str(run)]
    plain = json.loads(CliRunner().invoke(main, ["score", *base]).output)
    with_glossary = json.loads(
        CliRunner().invoke(main, ["score", *base, "--glossary", str(glossary)]).output
    )

    def kept(data: dict[str, Any]) -> int:
        return sum(g["stats"]["names_kept"] for g in data["runs"][0]["groups"])

    assert kept(with_glossary) == kept(plain) + 2  # p01 spun and restored
    result = CliRunner().invoke(
        main,
        [
            "compare",
            "--references",
            str(REFERENCES),
            str(run),
            "--glossary",
            str(glossary),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    hows = [
        f
        for d in report["details"]
        for view in d["outputs"].values()
        for out in view.values()
        for f in out["facts"]
        if f[0] == "name:bastrykin"
    ]
    assert hows and all(f[3] and f[5] == "Sasha Ivanovich" for f in hows)


def test_run_records_its_glossary_for_score(tmp_path: Path) -> None:
    glossary = tmp_path / "g.csv"
    glossary.write_text("source,lang,form\nBastrykin,es,Bastrikin\n", "utf-8")
    runs_dir = tmp_path / "runs"
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--provider",
            "echo",
            "--to",
            "es",
            "--variant",
            "restored",
            "--references",
            str(REFERENCES),
            "--runs-dir",
            str(runs_dir),
            "--no-cache",
            "--glossary",
            str(glossary),
        ],
    )
    assert result.exit_code == 0, result.output
    path = next(runs_dir.glob("*.jsonl"))
    header = json.loads(path.read_text("utf-8").splitlines()[0])
    assert header["glossary"]["path"] == str(glossary)
    assert header["glossary"]["digest"] == load_glossary(glossary).digest
    glossary.write_text("source,lang,form\nBastrykin,es,Bastrykine\n", "utf-8")
    scored = CliRunner().invoke(main, ["score", "--references", str(REFERENCES), str(path)])
    assert "the glossary changed since the run" in scored.output


@pytest.mark.parametrize(
    ("lang", "form", "translation"),
    [
        ("ka", "ბასტრიკინი", "ბასტრიკინმა სამშაბათს განაცხადა, რომ ქალაქში 14 ადამიანი დააკავეს."),
        ("hy", "Բաստրիկին", "Բաստրիկինը երեքշաբթի հայտարարել է, որ 14 մարդ է ձերբակալվել։"),
    ],
)
def test_glossary_forms_inflect_in_georgian_and_armenian(
    tmp_path: Path, lang: str, form: str, translation: str
) -> None:
    path = tmp_path / "g.csv"
    path.write_text(f"source,lang,form\nBastrykin,{lang},{form}\n", "utf-8")
    judged = score_pair(
        "Bastrykin said on Tuesday that 14 people had been detained.",
        translation,
        lang,
        glossary=load_glossary(path),
    )
    match = next(m for m in judged.names.found if m.id == "glossary:Bastrykin")
    assert (match.form, match.how) == (form, "inflected")
