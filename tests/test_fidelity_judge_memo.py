"""The judge's memos change no verdict: judged cold (every memo emptied before each
pair, in reverse order) the pairs get exactly the verdicts they get judged warm.

The pairs are the fidelity benchmark's (27 languages, 10 scripts) and variants of
them that take every path of the language judge: the translation judged as another
target language (wrong script, wrong language, too short to tell), the source
returned as it is (untranslated) and the pair read the other way round.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections import Counter
from pathlib import Path
from typing import Protocol

import pytest

import harness.fidelity
from harness.fidelity import language
from harness.fidelity.scorer import score_pair

DATA = Path(__file__).parent / "benchmarks" / "data"
# Builders of models and tables (seconds to rebuild, nothing judged from a text).
_KEPT = {"_detector", "identifiable"}


def _rows() -> list[dict[str, str]]:
    return [
        json.loads(line)
        for name in ("fidelity_faithful.jsonl", "fidelity_heldout.jsonl")
        for line in (DATA / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _pairs() -> list[tuple[str, str, str, str]]:
    rows = _rows()
    targets = sorted({row["target_lang"] for row in rows})
    pairs = []
    for index, row in enumerate(rows):
        source_lang = row.get("source_lang", "en")
        pairs.append((row["source"], row["translation"], row["target_lang"], source_lang))
        other = targets[(index * 7 + 3) % len(targets)]
        pairs.append((row["source"], row["translation"], other, source_lang))
        pairs.append((row["source"], row["source"], row["target_lang"], source_lang))
        pairs.append((row["translation"], row["source"], source_lang, row["target_lang"]))
        # A short piece of the translation: too little text to identify.
        pairs.append((row["source"], row["translation"][:40], row["target_lang"], source_lang))
    return pairs


class _Memo(Protocol):
    def cache_clear(self) -> None: ...


def _memos() -> list[_Memo]:
    found: list[_Memo] = []
    for info in pkgutil.iter_modules(harness.fidelity.__path__):
        module = importlib.import_module(f"harness.fidelity.{info.name}")
        for name, value in vars(module).items():
            if hasattr(value, "cache_clear") and name not in _KEPT:
                found.append(value)
    return found


def _judge(pair: tuple[str, str, str, str]) -> str:
    source, translation, target, source_lang = pair
    judgement = score_pair(source, translation, target, source_lang)
    return json.dumps(judgement.to_json(), ensure_ascii=False, sort_keys=True, default=str)


def test_memos_change_no_verdict() -> None:
    pairs = _pairs()
    warm = [_judge(pair) for pair in pairs]
    # Judged again warm: the memos now answer.
    assert [_judge(pair) for pair in pairs] == warm
    memos = _memos()
    assert language._likeliest in memos and language._source_words in memos
    cold = {}
    for index in reversed(range(len(pairs))):
        for memo in memos:
            memo.cache_clear()
        cold[index] = _judge(pairs[index])
    assert [cold[index] for index in range(len(pairs))] == warm
    verdicts = Counter(json.loads(line)["language"]["verdict"] for line in warm)
    # Every verdict an output can get without a backend flag is among them.
    assert set(verdicts) == {"ok", "untranslated", "wrong_language", "unchecked"}


@pytest.mark.parametrize(
    "text",
    [
        "Владимир Путин встретился с Tokayev в Астане",
        "東京で会談した。Putin",
        "Ο Πούτιν συναντήθηκε με τον Τοκάγιεφ",
        "12 345 -- !!",
        "",
    ],
)
@pytest.mark.parametrize("script", ["Latn", "Cyrl", "Grek", "Hani", "Jpan", "Zzzz"])
def test_script_share_counts_every_letter(text: str, script: str) -> None:
    letters = [ch for ch in text[: language.IDENTIFY_CHARS] if ch.isalpha()]
    prefixes = language._SCRIPT_NAMES.get(script)
    if prefixes is None or not letters:
        assert language.script_share(text, script) is None
        return
    inside = [ch for ch in letters if language._char_script(ch).startswith(prefixes)]
    assert language.script_share(text, script) == len(inside) / len(letters)
