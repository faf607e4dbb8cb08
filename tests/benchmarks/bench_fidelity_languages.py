"""False alarms on faithful translations and detection of planted errors, per language.

Run: ``.venv/bin/python tests/benchmarks/bench_fidelity_languages.py [--data FILE] [--json]``

The data (``tests/benchmarks/data/fidelity_faithful.jsonl``) are faithful
translations of news sentences into 24 languages and 10 scripts, written for
this benchmark and not used by any test; each row names the surface of one
name and one number in its translation. Without any facts, glossary or curated
form, every row is judged as it is (a *false alarm* is any failure: a name or a
number missing or unexpected, or a language verdict that fails) and with errors
planted by rule, never by hand:

- ``name``: the name's surface removed;
- ``number``: the number's first digit raised by one ("17" -> "27", "2.500" -> "3.500");
- ``untranslated``: the source handed back as the translation;
- ``wrong_language``: the translation of the same source into another language
  of the data (the row seven places on with another target).

A planted error is *detected* when the judgement fails for its reason (names,
numbers, or the verdict ``untranslated`` / ``wrong_language``).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from harness.fidelity.scorer import PairJudgement, score_pair, signature

DATA = Path(__file__).resolve().parent / "data" / "fidelity_faithful.jsonl"
KINDS = ("name", "number", "untranslated", "wrong_language")


def _raise_first_digit(surface: str) -> str:
    match = re.search(r"\d", surface)
    assert match is not None, surface
    digit = str((int(match.group()) + 1) % 10)
    return surface[: match.start()] + digit + surface[match.end() :]


def _drop(text: str, surface: str) -> str:
    return " ".join(text.replace(surface, "", 1).split())


def _failure(judgement: PairJudgement) -> str:
    """Why a judgement fails ("" when it passes)."""
    if judgement.language.fails:
        return judgement.verdict
    reasons = []
    if not judgement.names_ok:
        reasons.append("names:" + ",".join(m.source for m in judgement.names.missing))
    if not judgement.numbers_ok:
        lost = [m.text for m in judgement.numbers.missing + judgement.numbers.unexpected]
        reasons.append("numbers:" + ",".join(lost))
    return " ".join(reasons)


def _detected(kind: str, judgement: PairJudgement) -> bool:
    if kind == "name":
        return not judgement.names_ok
    if kind == "number":
        return not judgement.numbers_ok
    return judgement.verdict == kind


def measure(rows: list[dict[str, Any]]) -> dict[str, Any]:
    per_lang: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: {k: [0, 0] for k in ("faithful", *KINDS)}
    )
    alarms: list[str] = []
    for index, row in enumerate(rows):
        lang, source, text = row["target_lang"], row["source"], row["translation"]
        judged = score_pair(source, text, lang, row["source_lang"])
        counts = per_lang[lang]
        counts["faithful"][1] += 1
        why = _failure(judged)
        if why:
            counts["faithful"][0] += 1
            alarms.append(f"{lang}: {why}")
        other = next(
            r
            for r in rows[index + 7 :] + rows[: index + 7]
            if r["source"] == source and r["target_lang"] != lang
        )
        planted = {
            "name": _drop(text, row["name_surface"]),
            "number": text.replace(
                row["number_surface"], _raise_first_digit(row["number_surface"]), 1
            ),
            "untranslated": source,
            "wrong_language": other["translation"],
        }
        for kind, output in planted.items():
            counts[kind][1] += 1
            counts[kind][0] += int(
                _detected(kind, score_pair(source, output, lang, row["source_lang"]))
            )
    totals = {
        k: [sum(c[k][0] for c in per_lang.values()), sum(c[k][1] for c in per_lang.values())]
        for k in ("faithful", *KINDS)
    }
    return {"per_language": dict(per_lang), "totals": totals, "alarms": alarms}


def _rate(pair: list[int]) -> str:
    hits, total = pair
    return f"{hits}/{total}" if total else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.data.read_text("utf-8").splitlines() if line.strip()]
    result = measure(rows)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    print(f"{'lang':<6}{'false alarms':>14}" + "".join(f"{k:>16}" for k in KINDS))
    for lang, counts in sorted(result["per_language"].items()):
        print(
            f"{lang:<6}{_rate(counts['faithful']):>14}"
            + "".join(f"{_rate(counts[k]):>16}" for k in KINDS)
        )
    totals = result["totals"]
    alarms, faithful = totals["faithful"]
    print(
        f"{'all':<6}{_rate(totals['faithful']):>14}"
        + "".join(f"{_rate(totals[k]):>16}" for k in KINDS)
    )
    print(
        f"false-alarm rate {alarms / faithful:.1%} on {faithful} faithful translations; "
        + "; ".join(f"{k} detected {totals[k][0] / totals[k][1]:.1%}" for k in KINDS)
    )
    planted = sum(totals[k][1] for k in KINDS)
    print(
        f"detection rate over all {planted} planted errors "
        f"{sum(totals[k][0] for k in KINDS) / planted:.1%}"
    )
    for alarm in result["alarms"]:
        print(f"  false alarm {alarm}")
    print(signature())


if __name__ == "__main__":
    main()
