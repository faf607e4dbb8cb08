"""Language codes, the ``[run]`` and ``[gates]`` tables, ``harness init`` and the
shadowing warning: a new user's first commands, run as a new user would."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from click.testing import CliRunner, Result

from harness.cli import main
from harness.compare.build import CompareOptions, build_report
from harness.errors import UnsupportedLanguageError, UsageError
from harness.models import LangPair, Segment, Translation
from harness.provider import Provider
from harness.run.config import parse_config
from harness.run.execution import choose_targets
from harness.run.langs import closest_lang, normalise_lang, normalise_langs
from tests.compare_fixtures import ARTICLE, BAD, GOOD, write_run
from tests.helpers import REFERENCES, read_jsonl


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ES", "es"),
        ("es_ES", "es"),
        ("es-es", "es"),
        ("spa", "es"),
        ("eng", "en"),
        ("iw", "he"),
        ("zh-CN", "zh"),
        ("zh-TW", "zh-TW"),
        ("pt-PT", "pt-PT"),
        ("zh-hans", "zh-Hans"),
        ("zh-Hans-CN", "zh-Hans"),
        ("sr-Latn", "sr-Latn"),
        ("ca-ES-valencia", "ca-valencia"),
        ("Eo", "eo"),
    ],
)
def test_language_codes_are_normalised_once(code: str, expected: str) -> None:
    assert normalise_lang(code) == expected


@pytest.mark.parametrize("code", ["sp", "xx", "", "und", "es-", "1234"])
def test_what_is_not_a_language_code_says_so(code: str) -> None:
    with pytest.raises(UsageError, match="is not a language code"):
        normalise_lang(code)


def test_one_language_written_three_ways_is_one_target() -> None:
    assert normalise_langs(["ES", "es_ES", "spa", "gl"]) == ["es", "gl"]
    assert closest_lang("pt-PT", ["pt", "es"]) == "pt"
    assert closest_lang("de", ["es", "ca", "gl"]) is None


class _PortugueseOnly(Provider):
    name = "pt-only"
    uses_http = False

    def supported_pairs(self) -> list[LangPair]:
        return [LangPair("en", "pt"), LangPair("en", "es")]

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        raise AssertionError("nothing is sent when a pair is refused")


def test_a_code_the_provider_lacks_gets_a_suggestion() -> None:
    # Only the start-up timeout and the instance's name are read from the plan.
    plan = cast(
        Any,
        SimpleNamespace(
            settings=SimpleNamespace(timeout=5.0), instance=SimpleNamespace(name="pt-only")
        ),
    )
    with pytest.raises(UnsupportedLanguageError, match="did you mean --to pt\\?"):
        asyncio.run(choose_targets(_PortugueseOnly(), plan, [ARTICLE], ["pt-PT"]))
    with pytest.raises(UnsupportedLanguageError) as refused:
        asyncio.run(choose_targets(_PortugueseOnly(), plan, [ARTICLE], ["de"]))
    assert "did you mean" not in str(refused.value)


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        main, [str(a) for a in args], env={"HARNESS_REFERENCES": str(REFERENCES), **(env or {})}
    )


def test_run_writes_one_normalised_target_for_es_written_three_ways(tmp_path: Path) -> None:
    result = invoke(
        "run",
        "--provider",
        "echo",
        "--to",
        "ES,es_ES,spa",
        "--variant",
        "restored",
        "--runs-dir",
        tmp_path,
    )
    assert result.exit_code == 0, result.output
    header, *segments = read_jsonl(next(tmp_path.glob("*.jsonl")))
    assert header["targets"] == ["es"]
    assert {s["target_lang"] for s in segments if s["type"] == "segment"} == {"es"}


def test_run_refuses_a_code_that_is_none(tmp_path: Path) -> None:
    result = invoke("run", "--provider", "echo", "--to", "sp", "--runs-dir", tmp_path)
    assert result.exit_code == 2
    assert "'sp' is not a language code" in result.output
    assert not list(tmp_path.glob("*.jsonl"))


def test_compare_never_splits_lower_and_upper_case_codes(tmp_path: Path) -> None:
    baseline = write_run(tmp_path / "good.jsonl", "good", dict(GOOD), target="es")
    upper = write_run(tmp_path / "bad.jsonl", "bad", dict(BAD), target="ES")
    report = build_report([upper], CompareOptions(baseline=baseline, references=REFERENCES))
    assert report.targets() == ["es"]
    assert report.comparisons[0].paired_segments == len(GOOD)
    assert report.comparisons[0].facts_broken >= 1


def test_init_writes_a_starter_file_that_parses_and_keeps_an_existing_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    first = invoke("init")
    assert first.exit_code == 0, first.output
    text = (tmp_path / "harness.toml").read_text(encoding="utf-8")
    assert "[run]" in text and "[gates.fail_under]" in text and "# [providers." in text
    import tomllib

    config = parse_config(tomllib.loads(text), tmp_path / "harness.toml")
    assert config.run["providers"] == ["apertium"]
    assert config.gates["max_regression"]["broken"] == 0
    (tmp_path / "harness.toml").write_text("# mine\n", encoding="utf-8")
    again = invoke("init")
    assert again.exit_code == 2 and "--force" in again.output
    assert (tmp_path / "harness.toml").read_text(encoding="utf-8") == "# mine\n"
    assert invoke("init", "--force").exit_code == 0


def test_run_and_compare_take_their_plan_and_gates_from_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_run(tmp_path / "baseline" / "good.jsonl", "good", dict(GOOD))
    (tmp_path / "harness.toml").write_text(
        '[run]\nproviders = ["echo"]\ntargets = ["ES"]\nvariants = ["restored"]\n'
        'articles = ["' + ARTICLE.id + '"]\n\n'
        '[gates]\nbaseline = "baseline/good.jsonl"\nruns = ["runs"]\n'
        '[gates.fail_under]\n"names@restored" = 0.99\n',
        encoding="utf-8",
    )
    ran = invoke("run")
    assert ran.exit_code == 0, ran.output
    header = read_jsonl(next((tmp_path / "runs").glob("*.jsonl")))[0]
    assert header["provider"]["adapter"] == "echo" and header["targets"] == ["es"]
    assert header["variants"] == ["restored"]
    compared = invoke("compare", "--format", "json")
    data = json.loads(compared.stdout)
    assert data["baseline"] == 0 and len(data["runs"]) == 2
    assert [g["gate"] for g in data["gates"] if g["kind"] == "fail-under"]
    # A flag replaces its key: a floor nobody misses passes where the config's may not.
    loose = invoke("compare", "--fail-under", "names=0.0", "--format", "json")
    assert loose.exit_code == 0, loose.output
    assert {g["gate"] for g in json.loads(loose.stdout)["gates"]} == {"fail-under names=0"}


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[run]\nprovider = ["echo"]\n', "unknown key(s) provider"),
        ('[run]\ntargets = ["xx"]\n', "'xx' is not a language code"),
        ("[gates.fail_under]\nnames = 2\n", "fraction between 0 and 1"),
        ('[gates]\nfail_under = ["names=0.9"]\n', "must be a table"),
        ("run = 3\n", "[run] must be a table"),
    ],
)
def test_bad_tables_are_config_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "harness.toml").write_text(toml, encoding="utf-8")
    write_run(tmp_path / "runs" / "good.jsonl", "good", dict(GOOD))
    command = "compare" if "gates" in toml else "run"
    result = invoke(command, *(["--dry-run"] if command == "run" else []))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_an_instance_shadowing_an_adapter_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "harness.toml").write_text(
        '[providers.deepl]\nadapter = "echo"\n', encoding="utf-8"
    )
    result = invoke(
        "run",
        "--provider",
        "deepl",
        "--to",
        "es",
        "--variant",
        "restored",
        "--runs-dir",
        tmp_path / "runs",
    )
    assert result.exit_code == 0, result.output
    assert "warning" in result.output and "shadows the adapter 'deepl'" in result.output


def _dry_run_rows(output: str) -> dict[str, list[str]]:
    return {
        line.split()[0]: line.split()
        for line in output.splitlines()[1:]
        if line and not line.startswith(("nothing", "cost of"))
    }


def test_dry_run_prices_from_the_dated_table_unless_the_instance_has_prices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.run.prices import price_table

    monkeypatch.chdir(tmp_path)
    (tmp_path / "harness.toml").write_text(
        '[providers.deepl-cheap]\nadapter = "deepl"\nprice_per_million_chars = 5.0\n',
        encoding="utf-8",
    )
    env = {"DEEPL_API_KEY": "dry-run-key", "OPENAI_API_KEY": "dry-run-key"}
    result = invoke("run", "--dry-run", "-p", "deepl", "-p", "deepl-cheap", "--to", "es", env=env)
    assert result.exit_code == 0, result.output
    rows = _dry_run_rows(result.stdout)
    characters = int(rows["deepl"][5])
    table = price_table()
    listed = table.lookup("deepl", None)
    assert listed is not None
    assert float(rows["deepl"][7]) == pytest.approx(
        characters * listed["price_per_million_chars"] / 1e6, abs=1e-4
    )
    assert float(rows["deepl-cheap"][7]) == pytest.approx(characters * 5.0 / 1e6, abs=1e-4)
    assert f"price table of {table.as_of}, {table.currency}" in result.stdout
    assert "cost of deepl-cheap: the instance's price_per_million_* settings" in result.stdout
    # A model the table does not know gets no estimate rather than a guess.
    unknown = invoke(
        "run", "--dry-run", "-p", "openai", "-o", "model=no-such-model", "--to", "es", env=env
    )
    assert unknown.exit_code == 0, unknown.output
    assert _dry_run_rows(unknown.stdout)["openai"][7] == "-"


def test_own_content_language_flags_are_normalised_too() -> None:
    from harness.cli.own_content import parse_references

    assert parse_references(("DE=ref.de.txt",)) == {"de": Path("ref.de.txt")}
    with pytest.raises(UsageError, match="two files for 'es'"):
        parse_references(("es=a.txt", "es_ES=b.txt"))


def test_run_takes_its_own_content_from_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "mine.txt").write_text(
        "The fund grew by 20,000 euros.\n", encoding="utf-8"
    )
    (tmp_path / "harness.toml").write_text(
        '[run]\nproviders = ["echo"]\ntargets = ["de"]\ninputs = ["texts/mine.txt"]\n',
        encoding="utf-8",
    )
    result = invoke("run", "--runs-dir", tmp_path / "runs")
    assert result.exit_code == 0, result.output
    lines = read_jsonl(next((tmp_path / "runs").glob("*.jsonl")))
    segments = [r for r in lines if r["type"] == "segment"]
    assert [s["source"] for s in segments] == ["The fund grew by 20,000 euros."]
    assert {a["id"] for a in lines[0]["articles"]} != {ARTICLE.id}
