"""Throughput and peak memory of the fidelity scorer on 100,000 pairs, one core.

Run: ``.venv/bin/python tests/benchmarks/bench_fidelity.py [--pairs N] [--clean] [--names-only]``

The pairs cycle through the table of the names tests (20 languages, 5 scripts,
good translations, spun names, swaps, inflected and fuzzy cases) with the facts
of their segment, so the slow paths (transliteration, inflection, fuzzy) run as
often as they do in those tables. Prints pairs/s and the peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from test_fidelity_names import ARTICLE, CASES, FACTS  # noqa: E402

from harness.fidelity.names import judge_names  # noqa: E402
from harness.fidelity.scorer import FidelityStats  # noqa: E402
from harness.references.facts import load_facts  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument(
        "--clean",
        action="store_true",
        help="only the table's pairs that keep every name (good translations)",
    )
    parser.add_argument(
        "--names-only", action="store_true", help="time the names judge alone (no numbers judge)"
    )
    args = parser.parse_args()
    facts = load_facts(FACTS)
    pool = [
        (ARTICLE.segment(seg).restored, text, lang, facts.for_segment(seg))
        for lang, seg, text, _, missing, unexpected in CASES
        if not args.clean or not (missing or unexpected)
    ]
    names_only = args.names_only
    if not names_only:
        try:
            from harness.fidelity.scorer import score_pair
        except ImportError:
            names_only = True
    total = FidelityStats()
    kept = 0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    for index in range(args.pairs):
        source, translation, lang, seg = pool[index % len(pool)]
        if names_only:
            result = judge_names(
                source,
                translation,
                lang,
                expected=seg.name_specs(lang),
                known=seg.known_specs(lang),
            )
            kept += len(result.found)
        else:
            total = total + score_pair(source, translation, lang, facts=seg).stats
    elapsed = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    what = "judge_names" if names_only else "score_pair"
    print(
        f"{what}: {args.pairs} pairs in {elapsed:.2f} s = {args.pairs / elapsed:,.0f} pairs/s "
        f"(one core, {len(pool)} distinct pairs cycled)"
    )
    print(f"peak RSS {rss_after / 1024:.1f} MiB (before the loop {rss_before / 1024:.1f} MiB)")
    if not names_only:
        print(
            f"names kept {total.names_kept}/{total.names_expected}, numbers kept "
            f"{total.numbers_kept}/{total.numbers_expected}"
        )


if __name__ == "__main__":
    main()
