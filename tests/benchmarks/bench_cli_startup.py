"""Start-up time of ``harness --help``, as a ratio to ``python -c "import click"``.

Run: ``.venv/bin/python tests/benchmarks/bench_cli_startup.py [--rounds 15]``

Both commands start a fresh interpreter; they run in turn (harness, anchor,
harness, anchor ...) so that a machine getting faster or slower during the run
moves both alike, and the ratio is taken round by round. Prints the median wall
time of each and the median of the per-round ratios: the anchor is the floor
any click program pays, so a ratio near 1 means the listing costs next to
nothing beyond click itself.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    harness = [sys.executable, "-m", "harness", "--help"]
    anchor = [sys.executable, "-c", "import click"]
    wall(harness), wall(anchor)  # warm the file cache
    pairs = [(wall(harness), wall(anchor)) for _ in range(args.rounds)]
    ratio = statistics.median(a / b for a, b in pairs)
    print(f"harness --help     {statistics.median(a for a, _ in pairs) * 1000:8.1f} ms")
    print(f"import click       {statistics.median(b for _, b in pairs) * 1000:8.1f} ms")
    print(f"ratio (median of {args.rounds} paired rounds): {ratio:.2f}")


if __name__ == "__main__":
    main()
