"""Time and peak memory of ``harness compare`` on ten runs of 100,000 segments each.

Run: ``.venv/bin/python tests/benchmarks/bench_compare.py [--runs 10] [--segments 100000]``

Builds a scratch reference folder of copies of the seed article (each copy its
own article id, facts included) and writes ``--runs`` run files over it: ten
target languages, both variants, outputs taken from the committed Apertium
baseline (es, ca, gl, eo) or the source itself (the other languages), each run
dropping names, altering numbers and failing segments at its own small rates,
written in an order shuffled within windows of 400 lines per run. Then it
compares them, the first as the baseline, writing every format, in a child
process, and prints wall time, its ratio to the anchor (a plain JSONL read of the
same files in this process) and the peak memory (:mod:`measure`). ``--tree DIR`` runs
the ``harness`` package of another checkout on the same files (before/after);
``--profile N`` first profiles (cProfile) the comparison of runs of N segments in
this process and prints the top functions with their share of the time;
``--calibrate`` first does the same for runs a tenth the size, to show that
memory does not grow with segments;
``--distinct-outputs`` makes every output unique to its run (no judgement can
be reused: the worst case, ten unrelated backends).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Measured, child

REPO = Path(__file__).resolve().parents[2]
SEED = "ki-2025-05-20-naturalized-migrants"
TARGETS = ("es", "ca", "gl", "eo", "fr", "de", "it", "pt", "ru", "uk")
VARIANTS = ("restored", "spun")


def baseline_outputs() -> dict[tuple[str, str, str], str]:
    outputs = {}
    with (REPO / "runs" / "baseline" / "apertium.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            if record["type"] == "segment" and record["output"]:
                key = (record["segment"], record["variant"], record["target_lang"])
                outputs[key] = record["output"]
    return outputs


def make_references(root: Path, copies: int) -> list[str]:
    ids = []
    for index in range(copies):
        article_id = f"bench-{index:05d}"
        folder = root / article_id
        shutil.copytree(REPO / "references" / SEED, folder)
        meta = (folder / "meta.toml").read_text(encoding="utf-8")
        (folder / "meta.toml").write_text(
            meta.replace(f'"{SEED}"', f'"{article_id}"'), encoding="utf-8"
        )
        ids.append(article_id)
    return ids


def perturb(text: str, rng: random.Random, rate: float) -> str:
    if rng.random() < rate:  # drop a capitalised word (a name, most of the time)
        words = text.split(" ")
        capitals = [i for i, w in enumerate(words) if w[:1].isupper() and i > 0]
        if capitals:
            del words[rng.choice(capitals)]
            text = " ".join(words)
    if rng.random() < rate:  # alter a digit
        digits = [i for i, c in enumerate(text) if c.isdigit()]
        if digits:
            i = rng.choice(digits)
            text = text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1 :]
    return text


def write_run(
    path: Path,
    run: int,
    articles: list[str],
    segments: int,
    sources: dict[tuple[str, str], str],
    apertium: dict[tuple[str, str, str], str],
    digests: dict[str, str],
    distinct: bool = False,
) -> int:
    rng = random.Random(run)
    rate = 0.01 * run
    items = [
        (a, s, v, t)
        for a in articles
        for s in sorted({k[0] for k in sources})
        for v in VARIANTS
        for t in TARGETS
    ][:segments]
    # Completion order differs from run to run, within a window of requests in flight.
    window = 400
    for start in range(0, len(items), window):
        block = items[start : start + window]
        rng.shuffle(block)
        items[start : start + window] = block
    header = {
        "type": "header",
        "schema": 1,
        "run_id": f"20260101T000000Z-bench{run}-{run:04x}",
        "created": "2026-01-01T00:00:00.000Z",
        "harness_version": "0.1.0",
        "provider": {
            "name": f"bench{run}",
            "adapter": "bench",
            "adapter_version": "1",
            "options": {},
        },
        "articles": [{"id": a, "title": a, "digests": digests} for a in articles],
        "source_lang": "en",
        "targets": list(TARGETS),
        "variants": list(VARIANTS),
    }
    with path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(header) + "\n")
        for article, segment, variant, target in items:
            source = sources[(segment, variant)]
            output: str | None = apertium.get((segment, variant, target), source)
            output = perturb(output, rng, rate) if output is not None else None
            if distinct and output is not None:
                output = f"{output} [{run}]"  # no output repeats another run's
            error = None
            if rng.random() < 0.002 * run:
                output, error = None, {"type": "TransientError", "message": "503", "status": 503}
            record: dict[str, Any] = {
                "type": "segment",
                "id": f"{article}/{segment}/{variant}/{target}",
                "article": article,
                "segment": segment,
                "variant": variant,
                "index": int(segment[1:]) - 1,
                "source_lang": "en",
                "target_lang": target,
                "source": source,
                "output": output,
                "error": error,
                "attempts": 1,
                "latency_ms": rng.lognormvariate(4.0, 0.5),
                "cached": False,
                "usage": {"characters": len(source)},
                "engine": None,
                "flags": [],
            }
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        fh.write(
            json.dumps(
                {
                    "type": "footer",
                    "finished": "2026-01-01T00:00:01.000Z",
                    "counts": {"segments": len(items)},
                    "interrupted": False,
                }
            )
            + "\n"
        )
    return len(items)


def build_runs(work: Path, runs: int, segments: int, distinct: bool) -> list[Path]:
    """A scratch reference folder and ``runs`` run files of ``segments`` lines each."""
    sys.path.insert(0, str(REPO))
    from harness.references.article import load_article

    seed = load_article(SEED, REPO / "references")
    sources = {(s.id, v): s.text(v) for s in seed.segments for v in VARIANTS}
    per_article = len(seed.segments) * len(VARIANTS) * len(TARGETS)
    references = work / "references"
    articles = make_references(references, -(-segments // per_article))
    digests = {v: seed.digest(v) for v in VARIANTS}
    apertium = baseline_outputs()
    paths = []
    for run in range(runs):
        path = work / "runs" / f"run{run:02d}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_run(path, run, articles, segments, sources, apertium, digests, distinct)
        paths.append(path)
    return paths


def anchor(paths: list[Path]) -> tuple[float, float]:
    """A plain JSONL read of the same files (every line parsed with ``json.loads``):
    wall and CPU time."""
    started, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                json.loads(line)
    return time.perf_counter() - started, time.process_time() - cpu


def measure(
    work: Path, runs: int, segments: int, distinct: bool, tree: Path = REPO
) -> tuple[Measured, tuple[float, float]]:
    """Time and memory of the compare child (:class:`measure.Measured`), and the
    anchor's wall and CPU time; ``tree``: the checkout whose ``harness`` runs."""
    paths = build_runs(work, runs, segments, distinct)
    references = work / "references"
    read = anchor(paths)
    command = [
        sys.executable,
        "-m",
        "harness",
        "compare",
        *map(str, paths[1:]),
        "--baseline",
        str(paths[0]),
        "--references",
        str(references),
        "--output-dir",
        str(work / "report"),
        *[a for f in ("terminal", "markdown", "json", "junit", "html") for a in ("--format", f)],
        "--max-regression",
        "broken=0",
    ]
    measured = child(command, ok=(0, 1), cwd=tree)
    report = json.loads((work / "report" / "compare.json").read_text(encoding="utf-8"))
    broken = sum(c["facts_broken"] for c in report["comparisons"])
    print(f"  newly broken facts over all runs: {broken:,}")
    return measured, read


def profile(work: Path, runs: int, segments: int, distinct: bool, top: int = 15) -> None:
    """cProfile of the comparison in this process: the top functions by own time."""
    import cProfile
    import pstats

    from harness.compare.build import CompareOptions, build_report

    paths = build_runs(work, runs, segments, distinct)
    profiler = cProfile.Profile()
    profiler.enable()
    build_report(paths[1:], CompareOptions(baseline=paths[0], references=work / "references"))
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in stats.values())
    print(f"profile (cProfile, one process, {runs} runs x {segments:,}): top functions by own time")
    for (filename, line, name), (_, calls, own, cumulative, _) in sorted(
        stats.items(), key=lambda kv: kv[1][2], reverse=True
    )[:top]:
        print(
            f"  {100 * own / total:5.1f}% own  {100 * cumulative / total:5.1f}% cum  "
            f"{calls:>9} calls  {Path(filename).name}:{line}({name})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument(
        "--distinct-outputs",
        action="store_true",
        help="make every run's outputs differ from every other run's, so no "
        "judgement is reused (the worst case: ten different backends)",
    )
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="first measure runs a tenth the size, to show memory is flat",
    )
    parser.add_argument(
        "--tree",
        type=Path,
        default=REPO,
        help="checkout whose harness package runs (default: this one)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="first profile comparing the runs of N segments in this process",
    )
    args = parser.parse_args()
    if args.profile:
        with tempfile.TemporaryDirectory(prefix="bench-compare-") as scratch:
            profile(Path(scratch), args.runs, args.profile, args.distinct_outputs)
    sizes = [(args.runs, args.segments // 10)] if args.calibrate else []
    sizes.append((args.runs, args.segments))
    for runs, segments in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-compare-") as scratch:
            print(f"{runs} runs x {segments:,} segments ({runs * segments:,} segment lines):")
            (elapsed, cpu, peak_mib, pss, main_mib), (read, read_cpu) = measure(
                Path(scratch), runs, segments, args.distinct_outputs, args.tree
            )
            print(f"  anchor: plain JSONL read of the runs {read:.1f} s wall, {read_cpu:.1f} s CPU")
            print(
                f"  compare + five formats ({args.tree.name}): {elapsed:.1f} s wall = "
                f"{runs * segments / elapsed:,.0f} segments/s = {elapsed / read:.1f}x the "
                f"anchor's; {cpu:.1f} s CPU (all processes) = {cpu / read_cpu:.1f}x the "
                f"anchor's"
            )
            print(
                f"  peak memory: RSS {main_mib:.0f} MiB the command's process, "
                f"{peak_mib:.0f} MiB the largest of it and its workers; "
                f"PSS {pss:.0f} MiB all of them together"
            )


if __name__ == "__main__":
    main()
