"""Time ``propose_restoration`` on growing spun texts: the cost must grow linearly.

Prints seconds for 0.5, 1 and 2 MB (the seed article's spun text repeated) and
the ratio of each to the 0.5 MB time, measured in the same run; a linear
proposer gives ratios near 2 and 4 (a quadratic one gave 3.75 and 14.6).

    python -m tests.benchmarks.bench_restore
"""

from __future__ import annotations

import time

from harness.restore.phrasebook import load_phrasebook
from harness.restore.proposer import propose_restoration
from tests.helpers import REFERENCES, SEED_ID


def main() -> None:
    spun = (REFERENCES / SEED_ID / "spun.txt").read_text(encoding="utf-8")
    book = load_phrasebook()
    anchor = None
    for megabytes in (0.5, 1, 2):
        size = int(megabytes * 2**20)
        text = (spun * (size // len(spun) + 1))[:size]
        started = time.perf_counter()
        proposals = propose_restoration(text, book)
        seconds = time.perf_counter() - started
        anchor = anchor or seconds
        print(
            f"{megabytes:>4} MB  {seconds:7.2f} s  x{seconds / anchor:5.2f}  "
            f"{len(proposals)} proposals"
        )


if __name__ == "__main__":
    main()
