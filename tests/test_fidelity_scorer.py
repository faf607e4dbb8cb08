"""Combined judgements: score_pair, ``harness fidelity`` and ``harness score``."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.fidelity.scorer import FidelityStats, score_pair, signature
from harness.references.article import load_article
from harness.references.facts import Facts, load_facts
from harness.score.run_scores import score_run

REFERENCES = Path(__file__).resolve().parent.parent / "references"
ARTICLE_ID = "ki-2025-05-20-naturalized-migrants"
ARTICLE = load_article(ARTICLE_ID, REFERENCES)
FACTS_FILE = ARTICLE.path / "facts.toml"


@pytest.fixture(scope="module")
def facts() -> Facts:
    return load_facts(FACTS_FILE)


# (lang, segment, translation, names_ok, numbers_ok, missing names)
PAIRS = [
    (
        "es",
        "p01",
        "Las fuerzas del orden rusas han enviado a 20.000 migrantes a luchar en "
        "Ucrania, dijo el 20 de mayo el jefe del Comité de Investigación, Alexander Bastrykin, "
        "según TASS.",
        True,
        True,
        set(),
    ),
    (
        "de",
        "p01",
        "Russische Behörden haben 20.000 Migranten in die Ukraine geschickt, sagte "
        "der Chef des Ermittlungskomitees Alexander Bastrykin am 20. Mai laut TASS.",
        True,
        True,
        set(),
    ),
    (
        "fr",
        "p01",
        "Les autorités russes ont envoyé 20 000 migrants combattre en Ukraine, a "
        "déclaré le 20 mai le chef du Comité d'enquête, Alexandre Bastrykine, selon TASS.",
        True,
        True,
        set(),
    ),
    (
        "ru",
        "p01",
        "Российские власти отправили 20 тысяч мигрантов воевать на Украину, заявил "
        "20 мая глава Следственного комитета Александр Бастрыкин, сообщает ТАСС.",
        True,
        True,
        set(),
    ),
    (
        "zh",
        "p01",
        "据塔斯社报道，调查委员会主席亚历山大·巴斯特雷金5月20日表示，"
        "已将2万名入籍移民送往乌克兰作战。",
        True,
        True,
        set(),
    ),
    (
        "ja",
        "p01",
        "タス通信によると、捜査委員会のアレクサンドル・バストルイキン委員長は5月20日、"
        "2万人の帰化移民をウクライナでの戦闘に送ったと述べた。",
        True,
        True,
        set(),
    ),
    (
        "pl",
        "p01",
        "Rosyjskie służby wysłały 20 tys. migrantów do walki na Ukrainie – "
        "powiedział 20 maja szef Komitetu Śledczego Aleksandr Bastrykin, według TASS.",
        True,
        True,
        set(),
    ),
    (
        "es",
        "p01",
        "Las fuerzas rusas han enviado a 25.000 migrantes a luchar en Ucrania, dijo "
        "el 20 de mayo el jefe del Comité de Investigación, Alexander Bastrykin, según TASS.",
        True,
        False,
        set(),
    ),
    (
        "es",
        "p06",
        "Las fuerzas rusas continúan campañas mensuales de 30.000 a 40.000 personas, "
        "según la inteligencia occidental citada por el Wall Avenue Journal.",
        False,
        True,
        {"wsj"},
    ),
    (
        "ru",
        "p06",
        "Российские войска ежемесячно набирают от 30 до 40 тысяч человек, по данным "
        "западной разведки, на которые ссылается Wall Street Journal.",
        True,
        True,
        set(),
    ),
    (
        "zh",
        "p06",
        "据《华尔街日报》援引的西方情报，俄罗斯军队每月继续招募3万至4万人。",
        True,
        True,
        set(),
    ),
    (
        "it",
        "p09",
        "Il 31 marzo il presidente russo Vladimir Putin ha autorizzato la leva "
        "primaverile di 160.000 uomini, la più grande degli ultimi 14 anni.",
        True,
        True,
        set(),
    ),
    (
        "uk",
        "p09",
        "31 березня президент Росії Володимир Путін затвердив весняний призов "
        "160 000 чоловіків — найбільший за 14 років.",
        True,
        True,
        set(),
    ),
    (
        "tr",
        "p11",
        "2024 yazında Rus milletvekilleri, askerlik kaydı yaptırmayanların "
        "vatandaşlığını iptal eden bir yasa çıkardı.",
        True,
        True,
        set(),
    ),
    (
        "pt",
        "p07",
        "Com a memória da impopular mobilização parcial de 2023 ainda fresca — "
        "quando mais de 261.000 russos fugiram — o Kremlin evitou outro recrutamento.",
        True,
        False,
        set(),
    ),
    (
        "ko",
        "p09",
        "3월 31일 블라디미르 푸틴 러시아 대통령은 16만 명 규모의 봄 징집을 승인했다. "
        "14년 만에 최대 규모다.",
        True,
        True,
        set(),
    ),
    (
        "de",
        "p09",
        "Am 31. März genehmigte der russische Präsident Dmitri Medwedew die "
        "Einberufung von 160.000 Männern, die größte seit 14 Jahren.",
        False,
        True,
        {"putin"},
    ),
]


@pytest.mark.parametrize(
    ("lang", "segment", "translation", "names_ok", "numbers_ok", "missing"),
    PAIRS,
    ids=[f"{p[0]}-{p[1]}-{i}" for i, p in enumerate(PAIRS)],
)
def test_score_pair_with_facts(
    facts: Facts,
    lang: str,
    segment: str,
    translation: str,
    names_ok: bool,
    numbers_ok: bool,
    missing: set[str],
) -> None:
    source = ARTICLE.segment(segment).restored
    judgement = score_pair(source, translation, lang, facts=facts.for_segment(segment))
    assert judgement.names_ok is names_ok
    assert judgement.numbers_ok is numbers_ok
    assert {m.id for m in judgement.names.missing} == missing
    stats = judgement.stats
    assert stats.names_expected == len(facts.for_segment(segment).names)
    assert stats.names_kept == stats.names_expected - len(missing)
    assert stats.numbers_expected == len(facts.for_segment(segment).numbers)
    out = judgement.to_json()
    assert set(out["names"]) == {"expected", "found", "missing", "unexpected"}
    assert set(out["numbers"]) >= {"expected", "found", "missing", "unexpected"}


def test_stats_are_additive(facts: Facts) -> None:
    a = score_pair(
        ARTICLE.segment("p01").restored, PAIRS[0][2], "es", facts=facts.for_segment("p01")
    ).stats
    b = score_pair(
        ARTICLE.segment("p06").restored, PAIRS[8][2], "es", facts=facts.for_segment("p06")
    ).stats
    total = a + b
    assert total.segments == 2
    assert total.names_expected == a.names_expected + b.names_expected == 5
    assert total.names_kept == 4
    assert total.names_ok == 1
    assert FidelityStats.from_json(total.to_json()) == total
    assert total.names_fidelity == pytest.approx(4 / 5)


def test_signature_lists_settings_and_versions() -> None:
    assert re.fullmatch(
        r"fidelity\|names:curated\+translit\+inflect\+skeleton\+fuzzy85"
        r"\|numbers:[^|]+\|translit:anyascii[^|]+\+icu[\d.]+\|fuzzy:rapidfuzz[^|]+"
        r"\|langid:lingua[\d.]+\|stopwords:stopwords-iso[\d.]+\|v:\d+\.\d+\.\d+",
        signature(),
    )


def test_score_pair_without_facts_finds_names_itself() -> None:
    judgement = score_pair(
        "Alexander Bastrykin spoke in Berlin.", "Alexander Bastrykin habló en Berlín.", "es"
    )
    assert judgement.names_ok
    assert {m.source: m.how for m in judgement.names.found} == {
        "Alexander Bastrykin": "exact",
        "Berlin": "transliterated",
    }


# ---------------------------------------------------------------- harness fidelity


def _write_pairs(path: Path, rows: list[Any]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _pair(
    segment: str, lang: str, translation: str, variant: str = "restored", **extra: Any
) -> dict[str, Any]:
    return {
        "source": ARTICLE.segment(segment).text(variant),
        "translation": translation,
        "target_lang": lang,
        **extra,
    }


def test_fidelity_command_json_with_facts(tmp_path: Path) -> None:
    pairs = _write_pairs(
        tmp_path / "pairs.jsonl",
        [
            _pair("p01", "es", PAIRS[0][2], id="es-p01"),
            _pair("p06", "es", PAIRS[8][2], variant="spun", id="es-p06-spun"),
            _pair("p09", "de", PAIRS[16][2]),
            _pair("p06", "zh", PAIRS[10][2], id=7),
        ],
    )
    result = CliRunner().invoke(
        main, ["fidelity", "--pairs", str(pairs), "--facts", str(FACTS_FILE), "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["id"] for r in rows] == ["es-p01", "es-p06-spun", "3", "7"]
    assert [(r["names_ok"], r["numbers_ok"]) for r in rows] == [
        (True, True),
        (False, True),
        (False, True),
        (True, True),
    ]
    assert [m["id"] for m in rows[1]["names"]["missing"]] == ["wsj"]
    assert rows[1]["names"]["missing"][0]["near"] == "wall avenue journal"
    assert [m["id"] for m in rows[2]["names"]["missing"]] == ["putin"]
    assert {m["id"]: m["how"] for m in rows[0]["names"]["found"]} == {
        "ukraine": "exact",
        "investigative-committee": "exact",
        "bastrykin": "exact",
        "tass": "exact",
    }
    assert rows[3]["names"]["found"][0]["found"] == "华尔街日报"


def test_fidelity_command_table_without_facts(tmp_path: Path) -> None:
    pairs = _write_pairs(
        tmp_path / "pairs.jsonl",
        [
            {
                "source": "Olaf Scholz met Emmanuel Macron.",
                "translation": "Olaf Scholz traf Emmanuel Macron.",
                "target_lang": "de",
                "id": "a",
            },
            "",
            {
                "source": "Olaf Scholz met Emmanuel Macron.",
                "translation": "Olaf Scholz a rencontré Donald Trump.",
                "target_lang": "fr",
                "id": "b",
            },
        ],
    )
    result = CliRunner().invoke(main, ["fidelity", "--pairs", str(pairs)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].startswith("a ") and "2/2" in lines[1] and "FAIL" not in lines[1]
    assert lines[2].startswith("b ") and "1/2" in lines[2]
    assert "missing: Emmanuel Macron" in lines[2]
    assert "2 pairs: names 3/4 kept" in result.output
    assert lines[-1] == signature()


BAD_LINES = [
    ('{"source": "a", "translation": "b"', "pairs.jsonl:2: not valid JSON"),
    ('["source", "translation"]', "pairs.jsonl:2: expected a JSON object"),
    ('{"source": "a", "translation": "b"}', "pairs.jsonl:2: missing 'target_lang'"),
    (
        '{"source": "a", "translation": null, "target_lang": "de"}',
        "pairs.jsonl:2: 'translation' must be a string",
    ),
    (
        '{"source": "a", "translation": "b", "target_lang": "German"}',
        "pairs.jsonl:2: target_lang must be a BCP-47 language tag",
    ),
    (
        '{"source": "a", "translation": "b", "target_lang": "de", "source_lang": 5}',
        "pairs.jsonl:2: source_lang must be a BCP-47 language tag",
    ),
    ('{"translation": "b", "target_lang": "de"}', "pairs.jsonl:2: missing 'source'"),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_fidelity_command_rejects_bad_lines(tmp_path: Path, line: str, message: str) -> None:
    pairs = _write_pairs(
        tmp_path / "pairs.jsonl",
        [{"source": "Kyiv", "translation": "Kyiv", "target_lang": "de"}, line],
    )
    result = CliRunner().invoke(main, ["fidelity", "--pairs", str(pairs), "--json"])
    assert result.exit_code == 2
    assert message in result.output
    assert '"names_ok"' not in result.output  # nothing is judged before the input is sound


def test_fidelity_command_rejects_non_utf8(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_bytes(b'{"source": "\xff", "translation": "b", "target_lang": "de"}\n')
    result = CliRunner().invoke(main, ["fidelity", "--pairs", str(pairs)])
    assert result.exit_code == 2
    assert "pairs.jsonl:1: not UTF-8 text" in result.output


def test_fidelity_command_accepts_bom_and_region_tags(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    row = _pair("p10", "pt-BR", "resultam no envio para a Ucrânia.")
    pairs.write_text("\ufeff" + json.dumps(row, ensure_ascii=False) + "\n", "utf-8")
    result = CliRunner().invoke(
        main, ["fidelity", "--pairs", str(pairs), "--facts", str(FACTS_FILE), "--json"]
    )
    assert result.exit_code == 0, result.output
    (row_out,) = [json.loads(line) for line in result.output.splitlines()]
    assert row_out["target_lang"] == "pt-BR"
    assert row_out["names"]["found"][0]["found"] == "Ucrânia"


# ---------------------------------------------------------------- harness score


def _run_file(path: Path, outputs: dict[tuple[str, str, str], str | None]) -> Path:
    header = {
        "type": "header",
        "schema": 1,
        "run_id": "r1",
        "created": "2026-01-01T00:00:00Z",
        "harness_version": "0.1.0",
        "provider": {"name": "fake", "adapter": "fake", "adapter_version": "1", "options": {}},
        "articles": [
            {
                "id": ARTICLE_ID,
                "title": "t",
                "digests": {"spun": ARTICLE.digest("spun"), "restored": ARTICLE.digest("restored")},
            }
        ],
        "source_lang": "en",
        "targets": ["es"],
        "variants": ["spun", "restored"],
    }
    lines = [json.dumps(header)]
    for index, ((variant, lang, segment), output) in enumerate(outputs.items()):
        seg = ARTICLE.segment(segment)
        lines.append(
            json.dumps(
                {
                    "type": "segment",
                    "id": f"{ARTICLE_ID}/{segment}/{variant}/{lang}",
                    "article": ARTICLE_ID,
                    "segment": segment,
                    "variant": variant,
                    "index": index,
                    "source_lang": "en",
                    "target_lang": lang,
                    "source": seg.text(variant),
                    "output": output,
                    "error": None
                    if output is not None
                    else {"type": "TransientError", "message": "503", "status": 503},
                    "attempts": 1,
                    "latency_ms": 1.0,
                    "cached": False,
                    "usage": {"characters": 1},
                    "engine": None,
                    "flags": [],
                },
                ensure_ascii=False,
            )
        )
    lines.append(
        json.dumps(
            {
                "type": "footer",
                "finished": "2026-01-01T00:00:01Z",
                "counts": {"segments": len(outputs), "ok": 0, "errors": 0},
                "interrupted": False,
            }
        )
    )
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_score_run_groups_spin_and_gold(tmp_path: Path) -> None:
    references = tmp_path / "references"
    shutil.copytree(REFERENCES / ARTICLE_ID, references / ARTICLE_ID)
    p06 = "De 30.000 a 40.000 personas, según el Wall Street Journal."
    gold_lines = ["x"] * len(ARTICLE.segments)
    gold_lines[0], gold_lines[5] = PAIRS[0][2], p06
    (references / ARTICLE_ID / "translations").mkdir()
    (references / ARTICLE_ID / "translations" / "es.txt").write_text(
        "\n".join(gold_lines) + "\n", "utf-8"
    )
    run = _run_file(
        tmp_path / "run.jsonl",
        {
            ("restored", "es", "p01"): PAIRS[0][2],
            ("restored", "es", "p06"): p06,
            ("spun", "es", "p01"): PAIRS[0][2].replace("20 de mayo", "podría 20"),
            ("spun", "es", "p06"): PAIRS[8][2],
            ("spun", "es", "p09"): None,
        },
    )
    score = score_run(run, references)
    restored, spun = score.group("restored", "es"), score.group("spun", "es")
    assert restored is not None and spun is not None
    assert (restored.segments, restored.errors) == (2, 0)
    assert (spun.segments, spun.errors, dict(spun.error_types)) == (3, 1, {"TransientError": 1})
    assert restored.stats.names_fidelity == 1.0
    assert spun.stats.names_fidelity == pytest.approx(4 / 5)
    assert score.spin_sensitivity("es")["names"] == pytest.approx(1 / 5)
    assert restored.chrf is not None and restored.chrf.segments == 2
    assert restored.chrf.score() == pytest.approx(100.0)
    assert score.spin_stability["es"].segments == 2
    assert score.complete
    data = score.to_json()
    assert data["spin"]["es"]["stability_chrf"] < 100
    assert "tok:13a" in data["signatures"]["bleu:es"]


def test_score_command_json_and_table(tmp_path: Path) -> None:
    run = _run_file(
        tmp_path / "run.jsonl",
        {
            ("restored", "zh", "p06"): PAIRS[10][2],
            ("spun", "zh", "p06"): "据《华尔街大道日报》援引的西方情报，"
            "俄罗斯军队每月继续招募3万至4万人。",
        },
    )
    runner = CliRunner()
    result = runner.invoke(main, ["score", str(run), "--references", str(REFERENCES), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    groups = {(g["variant"], g["target_lang"]): g for g in data["runs"][0]["groups"]}
    assert groups[("restored", "zh")]["names_fidelity"] == 1.0
    assert groups[("spun", "zh")]["names_fidelity"] == 0.0
    assert data["runs"][0]["spin"]["zh"]["names"] == 1.0
    table = runner.invoke(main, ["score", str(run), "--references", str(REFERENCES)])
    assert table.exit_code == 0, table.output
    assert "spin zh" in table.output and "fidelity: fidelity|names:" in table.output
    missing = runner.invoke(main, ["score", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "no such run file" in missing.output


def test_the_signature_names_the_numbers_judges_own_settings() -> None:
    from harness.fidelity import numbers
    from harness.fidelity.scorer import signature

    numbers_part = next(p for p in signature().split("|") if p.startswith("numbers:"))
    assert numbers_part.startswith(numbers.SIGNATURE)
    assert f"words>={numbers.WORD_FACT_MIN}" in numbers_part
