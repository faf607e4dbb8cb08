"""Spin leakage: cue matches, the word-diff fallback, the section in `harness score`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.references.add import ArticleMeta, add_article
from harness.references.article import Article, load_article
from harness.restore.leakage import leakage_for_run, load_cues
from tests.helpers import (
    APERTIUM_MISSING,
    APERTIUM_SKIP_REASON,
    REFERENCES,
    REPO,
    SEED_ID,
    only_run_file,
)

SEED = load_article(SEED_ID, REFERENCES)


def _run_file(path: Path, article: Article, outputs: dict[tuple[str, str, str], str]) -> Path:
    header = {
        "type": "header",
        "schema": 1,
        "run_id": "leak-1",
        "created": "2026-01-01T00:00:00Z",
        "harness_version": "0.1.0",
        "provider": {"name": "fake", "adapter": "fake", "adapter_version": "1", "options": {}},
        "articles": [{"id": article.id, "title": "t", "digests": {}}],
        "source_lang": "en",
        "targets": ["es"],
        "variants": ["spun", "restored"],
    }
    lines = [json.dumps(header)]
    for index, ((segment, variant, lang), output) in enumerate(outputs.items()):
        lines.append(
            json.dumps(
                {
                    "type": "segment",
                    "id": f"{article.id}/{segment}/{variant}/{lang}",
                    "article": article.id,
                    "segment": segment,
                    "variant": variant,
                    "index": index,
                    "source_lang": "en",
                    "target_lang": lang,
                    "source": article.segment(segment).text(variant),
                    "output": output,
                    "error": None,
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
                "counts": {"segments": len(outputs), "ok": len(outputs), "errors": 0},
                "interrupted": False,
            }
        )
    )
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


P06_SPUN = (
    "La aserción viene mientras las fuerzas rusas proceden con reclutamiento de mes a "
    "mes de 30.000 a 40.000 folks, en línea con la inteligencia citada por la Revista "
    "de Avenida de la Muro."
)
P06_RESTORED = (
    "La declaración llega mientras las fuerzas rusas continúan el reclutamiento "
    "mensual de 30.000 a 40.000 personas, según la inteligencia citada por el Wall "
    "Street Journal."
)


def test_seed_cues_cover_the_headline_spans_in_apertium_languages() -> None:
    cues = load_cues(SEED)
    for key in (
        ("p01", "Might"),
        ("p06", "Avenue"),
        ("p04", "Nationwide"),
        ("p03", "Worldwide Authorized Discussion board"),
    ):
        assert {"es", "ca", "gl", "eo"} <= set(cues[key].cues), key
    spans = {(e.segment, e.spun) for e in SEED.edits}
    assert set(cues) <= spans  # every cue names a real spun span


def test_cue_leaks_are_counted_only_where_the_restored_output_is_clean(tmp_path: Path) -> None:
    run = _run_file(
        tmp_path / "run.jsonl",
        SEED,
        {
            ("p06", "spun", "es"): P06_SPUN,
            ("p06", "restored", "es"): P06_RESTORED,
            # "avenida" in both outputs is no leak of the spun "Avenue"
            ("p06", "spun", "de"): "Laut der Zeitung der Mauer, in der Allee.",
            ("p06", "restored", "de"): "Laut dem Wall Street Journal, in der Allee.",
        },
    )
    report = leakage_for_run(run, REFERENCES)
    es = report.targets["es"]
    p06_spans = sum(1 for e in SEED.edits if e.segment == "p06")
    assert es.pairs == 1 and es.spans == p06_spans
    leaked = {e.spun for e in es.examples if e.method == "cue"}
    assert {"Avenue", "folks", "in line with", "month-to-month"} <= leaked
    avenue = next(e for e in es.examples if e.spun == "Avenue")
    assert avenue.fact and avenue.evidence == "Avenida" and "Wall" in avenue.restored_output
    assert es.examples[0].fact  # worst first: the name
    de = report.targets["de"]
    assert all(e.spun != "Avenue" or e.method != "cue" for e in de.examples)
    assert de.leaked == 0


def test_articles_without_cues_fall_back_on_the_word_diff(tmp_path: Path) -> None:
    spun = "The mayor stated that the metropolis will reopen the bridge on Monday.\n"
    restored = "The mayor said that the city will reopen the bridge on Monday.\n"
    (tmp_path / "s.txt").write_text(spun, "utf-8")
    (tmp_path / "r.txt").write_text(restored, "utf-8")
    root = tmp_path / "refs"
    article = add_article(
        root, "made-up", tmp_path / "s.txt", tmp_path / "r.txt", ArticleMeta("t", "p", "2025-01-01")
    ).article
    run = _run_file(
        tmp_path / "run.jsonl",
        article,
        {
            (
                "p01",
                "spun",
                "es",
            ): "El alcalde declaró que la metrópolis reabrirá el puente el lunes.",
            ("p01", "restored", "es"): "El alcalde dijo que la ciudad reabrirá el puente el lunes.",
        },
    )
    es = leakage_for_run(run, root).targets["es"]
    assert (es.checked, es.leaked, es.compared, es.diverged) == (0, 0, 2, 2)
    evidence = {e.spun: e.evidence for e in es.examples}
    assert evidence["stated"] == "declaró -> dijo"
    assert evidence["metropolis"] == "metrópolis -> ciudad"


def test_identical_outputs_neither_leak_nor_diverge(tmp_path: Path) -> None:
    same = "La misma traducción para las dos variantes, de 30.000 a 40.000 personas."
    run = _run_file(
        tmp_path / "run.jsonl",
        SEED,
        {
            ("p06", "spun", "es"): same,
            ("p06", "restored", "es"): same,
            ("p01", "spun", "es"): "solo una variante",
        },
    )
    report = leakage_for_run(run, REFERENCES)
    es = report.targets["es"]
    assert es.leaked == 0 and es.diverged == 0 and es.examples == []
    assert report.notes and "one variant only" in report.notes[0]


def test_score_shows_the_leakage_section_in_text_and_json(tmp_path: Path) -> None:
    run = _run_file(
        tmp_path / "run.jsonl",
        SEED,
        {("p06", "spun", "es"): P06_SPUN, ("p06", "restored", "es"): P06_RESTORED},
    )
    runner = CliRunner()
    text = runner.invoke(main, ["score", str(run), "--references", str(REFERENCES)])
    assert text.exit_code == 0, text.output
    assert "spin leakage" in text.output and "leaked es p06 'Avenue'" in text.output
    assert "Revista de Avenida" in text.output
    data = runner.invoke(main, ["score", str(run), "--references", str(REFERENCES), "--json"])
    leakage = json.loads(data.output)["runs"][0]["leakage"]
    assert leakage["targets"]["es"]["leaked"] >= 4
    assert leakage["targets"]["es"]["checked"] >= leakage["targets"]["es"]["leaked"]


@pytest.mark.apertium
@pytest.mark.skipif(APERTIUM_MISSING, reason=APERTIUM_SKIP_REASON)
def test_real_apertium_outputs_leak_the_spun_date_and_name(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "run",
            "--runs-dir",
            str(tmp_path),
            "--to",
            "es,eo",
            "--references",
            str(REFERENCES),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = leakage_for_run(only_run_file(tmp_path), REFERENCES)
    for lang in ("es", "eo"):
        leaked = {e.spun for e in report.targets[lang].examples}
        assert {"Might", "Avenue"} <= leaked, lang
        assert report.targets[lang].leak_rate is not None


def test_markdown_puts_providers_side_by_side_and_escapes_outputs(tmp_path: Path) -> None:
    from harness.restore.leakage_report import leakage_markdown

    run = _run_file(
        tmp_path / "run.jsonl",
        SEED,
        {
            ("p06", "spun", "es"): P06_SPUN.replace("Revista", "Revista|x"),
            ("p06", "restored", "es"): P06_RESTORED,
        },
    )
    report = leakage_for_run(run, REFERENCES)
    text = leakage_markdown([report, report])
    es = report.targets["es"]
    count_row = f"| fake | es | {es.spans} | {es.leaked}/{es.checked} "
    assert text.count(count_row) == 2  # one row per run
    assert "Revista\\|x" in text and "p06 `Avenue` → `Street`" in text
