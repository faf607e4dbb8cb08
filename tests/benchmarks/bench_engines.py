"""The two real local engines side by side on the seed: speed, names and numbers kept.

Run as ``python tests/benchmarks/bench_engines.py [--rounds N]`` from the repository
root, after ``.ci/setup`` (Apertium from Debian packages, Bergamot from the neural extra).

Each round runs, one after the other and through the harness run machinery
(``execute_run``, no cache), both variants of every reference article with:
Apertium into each of its four languages at once, Apertium into Spanish alone,
and Bergamot into Portuguese. The best round of each is kept (the machine may be
shared). Speed is segments per second of wall clock; Apertium into Spanish alone is
the anchor, so the engines are compared on one language each, in the same run.
Names and numbers kept are the scorer's figures for the last round's run files
(the engines are deterministic), for the restored and the spun source.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from harness.references.article import VARIANTS, list_article_ids, load_article  # noqa: E402
from harness.run.config import Config, RunSettings  # noqa: E402
from harness.run.execution import RunResult, execute_run  # noqa: E402
from harness.run.instances import plan_provider  # noqa: E402
from harness.run.registry import Registry  # noqa: E402
from harness.score.run_scores import score_run  # noqa: E402

REFERENCES = REPO / "references"


@dataclass(frozen=True)
class Case:
    label: str
    provider: str
    targets: list[str] | None  # None: the engine's own default languages


CASES = [
    Case("apertium (4 languages)", "apertium", None),
    Case("apertium es (anchor)", "apertium", ["es"]),
    Case("bergamot pt", "bergamot", ["pt"]),
]


async def run_once(case: Case, runs_dir: Path) -> RunResult:
    plan = plan_provider(
        case.provider, config=Config(None, RunSettings(), {}), registry=Registry(), environ={}
    )
    articles = [load_article(article_id, REFERENCES) for article_id in list_article_ids(REFERENCES)]
    return await execute_run(
        plan, articles, targets=case.targets, variants=list(VARIANTS), runs_dir=runs_dir
    )


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    best: dict[str, float] = {}
    last: dict[str, RunResult] = {}
    with tempfile.TemporaryDirectory(prefix="bench-engines-") as scratch:
        for round_number in range(args.rounds):
            for case in CASES:
                runs_dir = Path(scratch) / f"{round_number}-{case.provider}"
                result = asyncio.run(run_once(case, runs_dir))
                assert result.counts.errors == 0, f"{case.label}: {result.counts}"
                speed = result.counts.segments / result.seconds
                best[case.label] = max(best.get(case.label, 0.0), speed)
                last[case.label] = result
        anchor = best["apertium es (anchor)"]
        print(f"best of {args.rounds} rounds; names and numbers kept, % (restored / spun)")
        print(
            f"{'engine':<24} {'lang':<5} {'segs':>5} {'names %':>13} {'numbers %':>13} "
            f"{'segments/s':>10} {'x anchor':>8}"
        )
        for case in CASES:
            result = last[case.label]
            score = score_run(result.path, REFERENCES)
            for target in score.targets():
                restored, spun = score.group("restored", target), score.group("spun", target)
                assert restored is not None and spun is not None
                names = (
                    f"{percent(restored.stats.names_fidelity)} / "
                    f"{percent(spun.stats.names_fidelity)}"
                )
                numbers = (
                    f"{percent(restored.stats.numbers_fidelity)} / "
                    f"{percent(spun.stats.numbers_fidelity)}"
                )
                segments = restored.segments + spun.segments
                speed = best[case.label]
                print(
                    f"{case.label:<24} {target:<5} {segments:>5} {names:>13} {numbers:>13} "
                    f"{speed:>10.1f} {speed / anchor:>8.2f}"
                )


if __name__ == "__main__":
    main()
