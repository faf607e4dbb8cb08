"""Speed and peak memory of ``harness score`` on big run files, against a plain JSONL read.

Run: ``.venv/bin/python tests/benchmarks/bench_score.py [--segments 100000 1000000]
[--rounds 3] [--workers N] [--profile 20000]``

Builds a scratch reference folder of copies of the seed article and one run file per
size with :mod:`bench_compare`'s generator (outputs from the committed Apertium
baseline, names dropped and digits altered at small rates, a few errors). Per size
and round, interleaved: the anchor (every line of the same file read and parsed with
``json.loads`` in this process) and ``harness score --json`` in a child process. It
prints medians, segments/s, the ratio of the score's time to the anchor's, and the
peak memory (:mod:`measure`): the child's own resident set, the largest of it and its
workers (``wait4``), and their summed proportional set size.
``--profile N`` first profiles (cProfile) scoring N segments in this process and prints
the top functions with their share of the time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from bench_compare import SEED, TARGETS, VARIANTS, baseline_outputs, make_references, write_run  # noqa: E402
from measure import child  # noqa: E402


def build(work: Path, segments: int, run: int = 3) -> tuple[Path, Path]:
    """A reference folder and one run file of ``segments`` segment lines."""
    from harness.references.article import load_article

    seed = load_article(SEED, REPO / "references")
    sources = {(s.id, v): s.text(v) for s in seed.segments for v in VARIANTS}
    per_article = len(seed.segments) * len(VARIANTS) * len(TARGETS)
    references = work / "references"
    if not references.exists():
        make_references(references, -(-segments // per_article))
    digests = {v: seed.digest(v) for v in VARIANTS}
    path = work / f"run-{segments}.jsonl"
    articles = sorted(p.name for p in references.iterdir())[: -(-segments // per_article)]
    write_run(path, run, articles, segments, sources, baseline_outputs(), digests)
    return references, path


def anchor(path: Path) -> tuple[float, float]:
    """Wall and CPU time of reading and parsing every line of ``path``."""
    started, cpu = time.perf_counter(), time.process_time()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            json.loads(line)
    return time.perf_counter() - started, time.process_time() - cpu


def profile(references: Path, path: Path, top: int = 15) -> None:
    from harness.score.run_scores import score_run

    profiler = cProfile.Profile()
    profiler.enable()
    score_run(path, references, workers=1)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    print(f"profile (cProfile, one process, {path.name}): top functions by own time")
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)  # type: ignore[attr-defined]
    for (filename, line, name), (_, calls, own, cumulative, _) in rows[:top]:
        where = f"{Path(filename).name}:{line}({name})"
        print(
            f"  {100 * own / total:5.1f}% own  {100 * cumulative / total:5.1f}% cum  "
            f"{calls:>9} calls  {where}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segments", type=int, nargs="+", default=[100_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="--workers passed to harness score (default: its own)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="first profile scoring N segments in this process",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-score-") as scratch:
        work = Path(scratch)
        if args.profile:
            references, path = build(work / "profile", args.profile)
            profile(references, path)
        for segments in args.segments:
            references, path = build(work / str(segments), segments)
            command = [
                sys.executable,
                "-m",
                "harness",
                "score",
                str(path),
                "--references",
                str(references),
                "--json",
            ]
            if args.workers is not None:
                command += ["--workers", str(args.workers)]
            anchors, cpu_anchors, times, cpus, peaks, trees, mains = [], [], [], [], [], [], []
            for _ in range(args.rounds):
                wall, cpu = anchor(path)
                anchors.append(wall)
                cpu_anchors.append(cpu)
                measured = child(command)
                times.append(measured.elapsed)
                cpus.append(measured.cpu)
                peaks.append(measured.peak_rss)
                trees.append(measured.tree_pss)
                mains.append(measured.main_rss)
            a, t = statistics.median(anchors), statistics.median(times)
            ca, ct = statistics.median(cpu_anchors), statistics.median(cpus)
            print(
                f"{segments:,} segments ({path.stat().st_size / 2**20:.0f} MiB run file), "
                f"medians of {args.rounds} interleaved rounds:"
            )
            print(
                f"  anchor: plain JSONL read {a:.2f} s wall = {segments / a:,.0f} lines/s; "
                f"{ca:.2f} s CPU"
            )
            print(
                f"  harness score --json: {t:.2f} s wall = {segments / t:,.0f} segments/s "
                f"= {t / a:.1f}x the anchor's wall time; {ct:.2f} s CPU (all processes) = "
                f"{segments / ct:,.0f} segments per CPU-second = {ct / ca:.1f}x the anchor's"
            )
            print(
                f"  peak memory: RSS {max(mains):.0f} MiB the command's process, "
                f"{max(peaks):.0f} MiB the largest of it and its workers; "
                f"PSS {max(trees):.0f} MiB all of them together (sampled)"
            )


if __name__ == "__main__":
    main()
