"""Throughput of the numbers judgement on realistic paragraph pairs (one core).

Cycles the seed-article paragraphs with their translations in 17 languages (the
faithful and broken cases of tests/data/numbers_cases.toml) through ``judge_numbers``
and prints pairs per second and peak memory. Run:

    python tests/benchmarks/bench_numbers.py [--pairs 100000] [--cold]

By default the source side is read once per distinct source paragraph (as in a real
run, where one paragraph meets every language, variant and provider); ``--cold``
clears that cache before every pair, so both sides are read every time.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tomllib
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(_ROOT / "tests"))

from test_fidelity_numbers import SOURCE  # noqa: E402

from harness.fidelity.numbers import judge_numbers, source_facts  # noqa: E402


def _pairs() -> list[tuple[str, str, str]]:
    with (_ROOT / "tests" / "data" / "numbers_cases.toml").open("rb") as handle:
        cases = tomllib.load(handle)["case"]
    return [(SOURCE[c["source"]], c["translation"], c["lang"]) for c in cases]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--cold", action="store_true", help="no source-side cache")
    args = parser.parse_args()
    pairs = _pairs()
    for source, translation, lang in pairs:  # warm the per-language caches
        judge_numbers(source, translation, lang)
    chars = 0
    problems = 0
    started = time.perf_counter()
    for index in range(args.pairs):
        source, translation, lang = pairs[index % len(pairs)]
        if args.cold:
            source_facts.cache_clear()
        judgement = judge_numbers(source, translation, lang)
        problems += not judgement.ok
        chars += len(source) + len(translation)
    elapsed = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    mode = "cold: both sides read every pair" if args.cold else "source side cached"
    print(f"pairs:            {args.pairs:,} ({len(pairs)} distinct, 17 languages; {mode})")
    print(f"mean pair size:   {chars / args.pairs:.0f} characters (source + translation)")
    print(f"elapsed:          {elapsed:.2f} s")
    print(f"throughput:       {args.pairs / elapsed:,.0f} pairs/s on one core")
    print(f"per pair:         {elapsed / args.pairs * 1e6:.1f} µs")
    print(f"peak RSS:         {peak_mib:.1f} MiB")
    print(f"pairs not ok:     {problems:,}")


if __name__ == "__main__":
    main()
