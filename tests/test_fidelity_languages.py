"""Names and numbers judged in 32 target languages and 12 scripts, and into English
from ten source languages, without curated forms.

Each row of ``tests/data/fidelity_languages.jsonl`` holds a source, a faithful
translation and its one-error twin (a name swapped or dropped, or a number
altered): the faithful one must pass with every fact kept and no language
failure, the twin must fail on exactly the kind of fact it broke. Sources whose
script has no capitals (Hebrew, Hindi, Chinese, Japanese, Arabic) cannot yield
names without facts: their names must be ``unchecked``, never missing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.fidelity.autonames import caseless
from harness.fidelity.scorer import score_pair

DATA = Path(__file__).parent / "data" / "fidelity_languages.jsonl"
ROWS: list[dict[str, Any]] = [
    json.loads(line) for line in DATA.read_text("utf-8").splitlines() if line.strip()
]


def test_the_table_covers_30_target_languages_and_8_scripts() -> None:
    targets = {r["target_lang"] for r in ROWS if r["source_lang"] == "en"}
    scripts = {r["script"] for r in ROWS}
    assert len(targets) >= 30 and len(scripts) >= 8
    assert len({r["source_lang"] for r in ROWS if r["target_lang"] == "en"}) >= 10


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['source_lang']}-{r['target_lang']}" for r in ROWS])
def test_faithful_passes_and_its_twin_fails(row: dict[str, Any]) -> None:
    source, source_lang, target = row["source"], row["source_lang"], row["target_lang"]
    faithful = score_pair(source, row["faithful"], target, source_lang)
    assert not faithful.language.fails, faithful.language
    assert faithful.names_ok, [m.to_json() for m in faithful.names.missing]
    assert faithful.numbers_ok, faithful.numbers.to_json()
    assert faithful.stats.numbers_kept == faithful.stats.numbers_expected >= 1
    if caseless(source):
        assert faithful.names.unchecked and not faithful.names.expected
    else:
        assert faithful.stats.names_kept == faithful.stats.names_expected >= 1
        for match in faithful.names.found:  # every judgement says where and how
            assert row["faithful"][match.start : match.end] == match.found and match.how

    twin = score_pair(source, row["twin"], target, source_lang)
    assert not twin.language.fails
    if row["error"] == "name":
        assert not twin.names_ok and twin.numbers_ok
        assert len(twin.names.missing) == 1
    else:
        assert twin.names_ok and not twin.numbers_ok
        assert [str(m.value) for m in twin.numbers.missing] == ["14"]
