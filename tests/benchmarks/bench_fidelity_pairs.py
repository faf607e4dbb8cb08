"""Throughput of ``harness fidelity --pairs`` (one core), against a plain JSONL read.

Run: ``.venv/bin/python tests/benchmarks/bench_fidelity_pairs.py [--pairs 100000]
[--rounds 3] [--tree DIR]``

Writes two pairs files from the table of the names tests (20 languages, 5 scripts,
good translations, spun names, swaps, inflected and fuzzy cases, with the seed
article's sources so its curated facts apply): *cycled*, the table repeated (a
translation memory or a deterministic backend repeats pairs), and *distinct*, every
translation made unique by a trailing lowercase tag (no verdict can be reused).
Per file and round, interleaved: the anchor (the same file read and parsed with
``json.loads``) and ``harness fidelity --pairs FILE --json`` in a child process
(``--tree``: run the ``harness`` package of another checkout, to measure a
before/after). Prints medians, pairs/s, the ratio to the anchor's time, the child's
peak RSS and a digest of the output, equal between checkouts when the verdicts are.
``--profile N``: afterwards, one more run of the distinct file under cProfile, and its
N functions of most own time with their share of the total.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(REPO))

from test_fidelity_names import ARTICLE, CASES  # noqa: E402


def _tag(index: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = ""
    index += 1
    while index:
        index, rest = divmod(index, 26)
        out += letters[rest]
    return out


def write_pairs(path: Path, count: int, distinct: bool) -> None:
    pool = [(ARTICLE.segment(seg).restored, text, lang) for lang, seg, text, *_ in CASES]
    with path.open("w", encoding="utf-8") as fh:
        for index in range(count):
            source, translation, lang = pool[index % len(pool)]
            if distinct:
                translation = f"{translation} zz{_tag(index)}"
            fh.write(
                json.dumps(
                    {
                        "id": index,
                        "source": source,
                        "translation": translation,
                        "target_lang": lang,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )


def anchor(path: Path) -> tuple[float, float]:
    """Wall and CPU time of reading and parsing every line of ``path``."""
    started, cpu = time.perf_counter(), time.process_time()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            json.loads(line)
    return time.perf_counter() - started, time.process_time() - cpu


def run(command: list[str], cwd: Path) -> tuple[float, float, float, str]:
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    digest = hashlib.sha256()
    assert proc.stdout is not None
    for chunk in iter(lambda: proc.stdout.read(1 << 16), b""):  # type: ignore[union-attr]
        digest.update(chunk)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss / 1024, digest.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--tree",
        type=Path,
        default=REPO,
        help="checkout whose harness package runs (default: this one)",
    )
    parser.add_argument(
        "--profile", type=int, default=0, help="print the top N functions of the distinct run"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-fidelity-") as scratch:
        one = Path(scratch) / "one.jsonl"
        write_pairs(one, 1, False)
        for kind in ("cycled", "distinct"):
            path = Path(scratch) / f"{kind}.jsonl"
            write_pairs(path, args.pairs, kind == "distinct")
            command = [
                sys.executable,
                "-m",
                "harness",
                "fidelity",
                "--pairs",
                str(path),
                "--references",
                str(REPO / "references"),
                "--json",
            ]
            anchors, cpu_anchors, times, cpus, starts, peaks = [], [], [], [], [], []
            digests = set()
            for _ in range(args.rounds):
                wall, cpu = anchor(path)
                anchors.append(wall)
                cpu_anchors.append(cpu)
                # Start-up: the same command on a file of one pair.
                starts.append(run([*command[:5], str(one), *command[6:]], args.tree)[1])
                elapsed, used, peak, digest = run(command, args.tree)
                times.append(elapsed)
                cpus.append(used)
                peaks.append(peak)
                digests.add(digest)
            a, t = statistics.median(anchors), statistics.median(times)
            ca, ct = statistics.median(cpu_anchors), statistics.median(cpus)
            start = statistics.median(starts)
            print(
                f"{kind}: {args.pairs:,} pairs ({len(CASES)} table rows), medians of "
                f"{args.rounds} rounds, tree {args.tree.name}:"
            )
            print(f"  anchor: plain JSONL read {a:.2f} s wall, {ca:.2f} s CPU")
            print(
                f"  harness fidelity --pairs --json: {t:.2f} s wall = {args.pairs / t:,.0f} "
                f"pairs/s = {t / a:.1f}x the anchor's; {ct:.2f} s CPU = {ct / ca:.1f}x the "
                f"anchor's; {start:.2f} s CPU of it start-up (one pair), so "
                f"{args.pairs / max(ct - start, 1e-9):,.0f} pairs per CPU-second judged"
            )
            print(f"  peak RSS {max(peaks):.0f} MiB; output digest {', '.join(sorted(digests))}")
            if args.profile and kind == "distinct":
                profile(command, args.tree, Path(scratch) / "profile.out", args.profile)


def profile(command: list[str], tree: Path, out: Path, top: int) -> None:
    """Run ``command`` under cProfile and print its ``top`` functions by own time."""
    run([command[0], "-m", "cProfile", "-o", str(out), *command[1:]], tree)
    stats = pstats.Stats(str(out))
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(own for _, _, own, _, _ in entries.values()) or 1e-9
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:top]
    print(f"  profile (cProfile, own time, {total:.2f} s in all):")
    for (filename, line, name), (_, calls, own, cumulative, _) in ranked:
        where = f"{Path(filename).name}:{line}({name})" if line else name
        print(
            f"    {own / total:6.1%}  own {own:6.2f} s  cum {cumulative:6.2f} s  "
            f"{calls:>9,} calls  {where}"
        )


if __name__ == "__main__":
    main()
