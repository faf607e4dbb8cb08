"""``harness references facts --wikidata`` against a local fake of the Wikidata API."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.fidelity.glossary import load_glossary
from harness.fidelity.scorer import score_pair
from tests.fakes.loopback import serve
from tests.fakes.wikidata_server import WikidataFake
from tests.helpers import REFERENCES, SEED_ID

ITEMS = {
    "Q4066412": (
        {
            "en": "Alexander Bastrykin",
            "el": "Αλεξάντρ Μπαστρίκιν",
            "ja": "アレクサンドル・バストルイキン",
        },
        {"en": ["Aleksandr Bastrykin"], "el": ["Μπαστρίκιν"]},
        "Russian jurist, head of the Investigative Committee",
    ),
    "Q7747": (
        {"en": "Vladimir Putin", "el": "Βλαντιμίρ Πούτιν"},
        {"el": ["Πούτιν"]},
        "President of Russia",
    ),
}


@pytest.fixture
def references(tmp_path: Path) -> Path:
    root = tmp_path / "references"
    shutil.copytree(REFERENCES / SEED_ID, root / SEED_ID)
    return root


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text("utf-8").splitlines()))


def test_wikidata_labels_and_aliases_become_a_glossary_to_review(references: Path) -> None:
    fake = WikidataFake(ITEMS)
    facts_before = (references / SEED_ID / "facts.toml").read_bytes()
    with serve(fake.app()) as base:
        result = CliRunner().invoke(
            main,
            [
                "references",
                "facts",
                SEED_ID,
                "--references",
                str(references),
                "--wikidata",
                "--lang",
                "el,ja",
                "--wikidata-url",
                f"{base}/w/api.php",
            ],
        )
    assert result.exit_code == 0, result.output
    assert "Alexander Bastrykin: Q4066412 'Alexander Bastrykin'" in result.output
    assert "Ukraine: not found on Wikidata" in result.output
    out = references / SEED_ID / "wikidata-forms.csv"
    rows = _rows(out)
    assert {"source": "Alexander Bastrykin", "lang": "el", "form": "Μπαστρίκιν"} in rows
    assert {"source": "Vladimir Putin", "lang": "el", "form": "Πούτιν"} in rows
    assert {
        "source": "Alexander Bastrykin",
        "lang": "ja",
        "form": "アレクサンドル・バストルイキン",
    } in rows
    assert (references / SEED_ID / "facts.toml").read_bytes() == facts_before
    # The requests follow the API: search in the source language, then one
    # wbgetentities for the ids found, asking for labels and aliases in el and ja.
    searches = [r for r in fake.requests if r.param("action") == "wbsearchentities"]
    assert searches and all(
        r.param("language") == "en" and r.param("format") == "json" and r.param("type") == "item"
        for r in searches
    )
    assert "harness/" in searches[0].headers["user-agent"]
    gets = [r for r in fake.requests if r.param("action") == "wbgetentities"]
    assert len(gets) == 1
    assert set((gets[0].param("ids") or "").split("|")) == {"Q4066412", "Q7747"}
    assert gets[0].param("props") == "labels|aliases"
    assert gets[0].param("languages") == "el|ja"
    # Reviewed, the file is a glossary: the Greek surname alone is accepted.
    glossary = load_glossary(out)
    judged = score_pair(
        "Alexander Bastrykin spoke.",
        "Ο Μπαστρίκιν μίλησε χθες στο φόρουμ.",
        "el",
        glossary=glossary,
    )
    assert judged.names.found[0].form == "Μπαστρίκιν" and judged.names.found[0].how == "exact"


def test_wikidata_errors_are_one_line_exit_3(references: Path) -> None:
    fake = WikidataFake(ITEMS)
    fake.fail_next(200, {"error": {"code": "maxlag", "info": "Waiting for a database server"}})
    with serve(fake.app()) as base:
        result = CliRunner().invoke(
            main,
            [
                "references",
                "facts",
                SEED_ID,
                "--references",
                str(references),
                "--wikidata",
                "--lang",
                "el",
                "--wikidata-url",
                f"{base}/w/api.php",
            ],
        )
    assert result.exit_code == 3
    assert "Wikidata: maxlag: Waiting for a database server" in result.output
    assert "Traceback" not in result.output
    fake.fail_next(503, "busy")
    with serve(fake.app()) as base:
        result = CliRunner().invoke(
            main,
            [
                "references",
                "facts",
                SEED_ID,
                "--references",
                str(references),
                "--wikidata",
                "--lang",
                "el",
                "--wikidata-url",
                f"{base}/w/api.php",
            ],
        )
    assert result.exit_code == 3 and "Wikidata: HTTP 503" in result.output


def test_facts_lists_curated_forms_without_network(references: Path) -> None:
    result = CliRunner().invoke(
        main, ["references", "facts", SEED_ID, "--references", str(references)]
    )
    assert result.exit_code == 0, result.output
    assert "bastrykin" in result.output and "Alexander Bastrykin" in result.output
