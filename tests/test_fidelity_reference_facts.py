"""`harness fidelity` without --facts borrows the curated facts of reference articles
for sources that quote them, and still finds other names automatically."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.references.article import load_article
from harness.references.lookup import ReferenceFacts
from tests.helpers import REFERENCES, SEED_ID

P03 = load_article(SEED_ID, REFERENCES).segment("p03")
FORUM_ES = (
    "\"Ya 20.000 ciudadanos 'jóvenes' de Rusia, a quienes por alguna razón no les gusta "
    'vivir en Uzbekistán, Tayikistán, Kirguistán, están en el frente", dijo Bastrykin '
    "durante el Foro Jurídico Internacional de San Petersburgo."
)


def _judge(tmp_path: Path, pairs: list[dict[str, str]]) -> list[dict[str, object]]:
    path = tmp_path / "pairs.jsonl"
    path.write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8"
    )
    result = CliRunner().invoke(
        main, ["fidelity", "--pairs", str(path), "--json", "--references", str(REFERENCES)]
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def _missing(record: dict[str, object], block: str) -> list[str]:
    items = record[block]["missing"]  # type: ignore[index]
    return [m.get("source") or m.get("text") for m in items]  # type: ignore[union-attr]


@pytest.mark.parametrize("source", [P03.restored, P03.spun])
def test_a_seed_paragraph_uses_its_curated_forms(tmp_path: Path, source: str) -> None:
    [record] = _judge(tmp_path, [{"source": source, "translation": FORUM_ES, "target_lang": "es"}])
    assert record["names_ok"] is True and record["numbers_ok"] is True
    found = {m["source"]: m["how"] for m in record["names"]["found"]}  # type: ignore[index]
    assert found["St. Petersburg International Legal Forum"] == "exact"
    assert "Kyrgyzstan" in found  # "Kirguistán" is its curated Spanish form


def test_a_spun_date_still_expects_the_restored_value(tmp_path: Path) -> None:
    source = load_article(SEED_ID, REFERENCES).segment("p01").spun
    assert "Might 20" in source
    wrong = (
        "Las agencias rusas han enviado a 20.000 migrantes naturalizados a combatir en "
        "Ucrania, dijo el jefe del Comité de Investigación, Alexander Bastrykin, el 21 de "
        "mayo, según la agencia estatal TASS."
    )
    [record] = _judge(tmp_path, [{"source": source, "translation": wrong, "target_lang": "es"}])
    assert record["numbers_ok"] is False
    assert "May 20" in _missing(record, "numbers")


def test_a_loose_quote_gets_curated_names_and_other_names_automatically(tmp_path: Path) -> None:
    source = "Alexander Bastrykin spoke to TASS in Berlin about the Investigative Committee."
    good = "Александр Бастрыкин рассказал ТАСС в Берлине о Следственном комитете."
    no_berlin = "Александр Бастрыкин рассказал ТАСС о Следственном комитете."
    records = _judge(
        tmp_path,
        [
            {"id": "good", "source": source, "translation": good, "target_lang": "ru"},
            {"id": "lost", "source": source, "translation": no_berlin, "target_lang": "ru"},
        ],
    )
    assert records[0]["names_ok"] is True, records[0]
    assert records[1]["names_ok"] is False
    assert _missing(records[1], "names") == ["Berlin"]


def test_short_or_unrelated_sources_are_not_matched_to_an_article() -> None:
    known = ReferenceFacts(REFERENCES)
    assert known.lookup("Bastrykin said.") is None
    assert known.lookup("An unrelated sentence about the weather in spring.") is None
    assert known.lookup(P03.restored[10:120]) is not None  # a passage of a paragraph
