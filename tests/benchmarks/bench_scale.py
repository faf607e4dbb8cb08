"""Scale figures for a run of 1,000,000 segments: plan, shards, batch files, merge.

Run: ``.venv/bin/python tests/benchmarks/bench_scale.py [--segments 1000000] [--shards 8]``
(``--long`` makes every paragraph about 7,500 characters, so batch files fill up by
bytes rather than by request count).

The plan is copies of the seed article (each its own article id, held in
memory), both variants, ten target languages, enough copies for ``--segments``.
Each phase runs in a child process, which reports its wall time and its peak
resident memory (a child that only imports harness gives the floor), next to an
anchor measured in the same child:

* ``plan``: build the plan and pick one shard's items (what each matrix job does);
  anchor: sha256 of every segment id (the least any deterministic split must do);
* ``batches``: every request encoded exactly as ``harness run --batch`` uploads
  it (the adapters' own request builders), packed into batch files for the
  whole run and for every shard, with the OpenAI (50,000 requests, 200 MB) and
  Anthropic (100,000, 256 MB) limits; every file is checked against its limits;
  anchor: ``json.dumps`` of ``{custom_id, text}`` per segment;
* ``merge``: ``harness merge`` of the shard run files (written first, untimed);
  anchor: copying the same files line by line into one.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from harness.models import LangPair  # noqa: E402
from harness.references.article import Article, load_article  # noqa: E402
from harness.run.batch.api import BatchRequest  # noqa: E402
from harness.run.batch.parts import Packer, Part  # noqa: E402
from harness.run.merge import merge_runs  # noqa: E402
from harness.run.plan import Shard, WorkItem, in_shard, plan_items, shard_of  # noqa: E402
from harness.runfile import RunWriter  # noqa: E402

SEED = "ki-2025-05-20-naturalized-migrants"
TARGETS = ("es", "ca", "gl", "eo", "fr", "de", "it", "pt", "ru", "uk")
VARIANTS = ("spun", "restored")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def articles(segments: int, long: bool) -> list[Article]:
    seed = load_article(SEED, REPO / "references")
    if long:  # every paragraph ~7,500 characters: the seed's paragraphs run together
        joined = " ".join(s.restored for s in seed.segments)
        spun = " ".join(s.spun for s in seed.segments)
        times = 7_500 // len(joined) + 1
        seg = dataclasses.replace(
            seed.segments[0], spun=(spun * times)[:7_500], restored=(joined * times)[:7_500]
        )
        seed = dataclasses.replace(
            seed, segments=tuple(dataclasses.replace(seg, id=f"p{n:02d}") for n in range(1, 12))
        )
    per_article = len(seed.segments) * len(VARIANTS) * len(TARGETS)
    copies = -(-segments // per_article)
    return [
        dataclasses.replace(seed, id=f"bench-{n:06d}", meta={**seed.meta, "id": f"bench-{n:06d}"})
        for n in range(copies)
    ]


def phase_plan(args: argparse.Namespace) -> dict[str, Any]:
    loaded = articles(args.segments, args.long)
    started = time.perf_counter()
    items = plan_items(loaded, VARIANTS, TARGETS)
    planned = time.perf_counter() - started
    started = time.perf_counter()
    one = sum(1 for _ in in_shard(items, Shard(1, args.shards)))
    pick = time.perf_counter() - started
    started = time.perf_counter()
    for item in items:
        hashlib.sha256(item.key.encode()).digest()
    anchor = time.perf_counter() - started
    sizes = [0] * args.shards
    for item in items:
        sizes[shard_of(item.key, args.shards) - 1] += 1
    return {
        "segments": len(items),
        "plan_s": planned,
        "one_shard_s": pick,
        "anchor_sha256_s": anchor,
        "shard_1": one,
        "shard_min": min(sizes),
        "shard_max": max(sizes),
        "peak_mb": peak_mb(),
    }


def _apis() -> list[Any]:
    from providers.anthropic import AnthropicOptions, AnthropicProvider
    from providers.anthropic_batch import AnthropicBatchApi
    from providers.openai import OpenAIOptions, OpenAIProvider
    from providers.openai_batch import OpenAIBatchApi

    return [
        OpenAIBatchApi(OpenAIProvider(OpenAIOptions(model="gpt-4o-mini"))),
        AnthropicBatchApi(AnthropicProvider(AnthropicOptions(model="claude-haiku"))),
    ]


def phase_batches(args: argparse.Namespace) -> dict[str, Any]:
    items = plan_items(articles(args.segments, args.long), VARIANTS, TARGETS)
    shard_of_item = [shard_of(item.key, args.shards) for item in items]
    started = time.perf_counter()
    for item in items:
        json.dumps({"custom_id": item.key, "text": item.text}, ensure_ascii=False).encode()
    anchor = time.perf_counter() - started
    result: dict[str, Any] = {"anchor_dumps_s": anchor}
    for api in _apis():
        started = time.perf_counter()
        whole = Packer(api.limits, api.framing, keep=False)
        shards = [Packer(api.limits, api.framing, keep=False) for _ in range(args.shards)]
        parts: dict[str, list[Part]] = {"whole": [], **{f"{n + 1}": [] for n in range(args.shards)}}
        entry_bytes = 0
        for position, item in enumerate(items):
            entry = api.entry(
                BatchRequest(
                    api.custom_id(item.key), item.text, LangPair(item.source_lang, item.target_lang)
                )
            )
            entry_bytes += len(entry)
            shard = shard_of_item[position]
            for name, packer in (("whole", whole), (f"{shard}", shards[shard - 1])):
                closed = packer.add(position, entry)
                if closed is not None:
                    parts[name].append(closed)
        for name, packer in (("whole", whole), *((f"{n + 1}", p) for n, p in enumerate(shards))):
            last = packer.finish()
            if last is not None:
                parts[name].append(last)
        seconds = time.perf_counter() - started
        for group in parts.values():
            for part in group:
                assert len(part.positions) <= api.limits.max_requests
                assert part.size <= api.limits.max_bytes
        shard_parts = [p for name, group in parts.items() if name != "whole" for p in group]
        result[api.name] = {
            "seconds": seconds,
            "entry_bytes": entry_bytes,
            "whole_files": [(len(p.positions), p.size) for p in parts["whole"]],
            "shard_files": len(shard_parts),
            "shard_largest_bytes": max(p.size for p in shard_parts),
            "shard_most_requests": max(len(p.positions) for p in shard_parts),
            "limits": [api.limits.max_requests, api.limits.max_bytes],
        }
    result["peak_mb"] = peak_mb()
    return result


def write_shards(args: argparse.Namespace, folder: Path) -> list[Path]:
    loaded = articles(args.segments, args.long)
    header = {
        "provider": {"name": "echo", "adapter": "echo", "adapter_version": "1", "options": {}},
        "settings": {},
        "articles": [{"id": a.id, "segments": len(a.segments)} for a in loaded],
        "source_lang": "en",
        "targets": list(TARGETS),
        "variants": list(VARIANTS),
    }
    writers = []
    for n in range(1, args.shards + 1):
        writer = RunWriter(folder / f"shard-{n}.jsonl")
        writer.header(
            {
                **header,
                "run_id": f"bench-shard-{n}",
                "created": "2026-01-01T00:00:00Z",
                "shard": {"index": n, "count": args.shards},
            }
        )
        writers.append(writer)
    counts = [0] * args.shards
    item: WorkItem
    for item in plan_items(loaded, VARIANTS, TARGETS):
        shard = shard_of(item.key, args.shards)
        counts[shard - 1] += 1
        text = item.text
        writers[shard - 1].segment(
            {
                "id": item.key,
                "article": item.article,
                "segment": item.segment.id,
                "variant": item.variant,
                "index": item.index,
                "source_lang": item.source_lang,
                "target_lang": item.target_lang,
                "source": text,
                "output": text,
                "error": None,
                "attempts": 1,
                "latency_ms": 0.2,
                "cached": False,
                "usage": {"characters": len(text)},
                "engine": None,
                "flags": [],
            }
        )
    for writer, count in zip(writers, counts, strict=True):
        writer.footer({"segments": count, "ok": count, "errors": 0})
        writer.close()
    return [w.path for w in writers]


def phase_write(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    paths = write_shards(args, Path(args.work))
    return {
        "write_s": time.perf_counter() - started,
        "bytes": sum(p.stat().st_size for p in paths),
        "peak_mb": peak_mb(),
    }


def phase_floor(args: argparse.Namespace) -> dict[str, Any]:
    return {"peak_mb": peak_mb()}


def phase_merge(args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(args.work)
    paths = sorted(folder.glob("shard-*.jsonl"))
    started = time.perf_counter()
    result = merge_runs(paths, folder, folder / "merged.jsonl")
    seconds = time.perf_counter() - started
    return {
        "merge_s": seconds,
        "segments": result.counts.segments,
        "merged_bytes": result.path.stat().st_size,
        "peak_mb": peak_mb(),
    }


def phase_copy(args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(args.work)
    started = time.perf_counter()
    with (folder / "copied.jsonl").open("w", encoding="utf-8") as out:
        for path in sorted(folder.glob("shard-*.jsonl")):
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    out.write(line)
    return {"copy_s": time.perf_counter() - started, "peak_mb": peak_mb()}


PHASES = {
    "plan": phase_plan,
    "batches": phase_batches,
    "merge": phase_merge,
    "copy": phase_copy,
    "write": phase_write,
    "floor": phase_floor,
}


def child(phase: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--segments",
        str(args.segments),
        "--shards",
        str(args.shards),
        "--work",
        str(work),
    ] + (["--long"] if args.long else [])
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--segments", type=int, default=1_000_000)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--long", action="store_true")
    parser.add_argument(
        "--only", choices=("plan", "batches", "merge"), help="run one part of the benchmark"
    )
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--work")
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        floor = child("floor", args, work)
        print(f"a child that only imports harness peaks at {floor['peak_mb']:.0f} MB")
        if args.only in (None, "plan"):
            report_plan(child("plan", args, work), args)
        if args.only in (None, "batches"):
            report_batches(child("batches", args, work), args)
        if args.only in (None, "merge"):
            report_merge(args, work)


def report_plan(plan: dict[str, Any], args: argparse.Namespace) -> None:
    print(
        f"plan: {plan['segments']:,} segments in {plan['plan_s']:.2f} s; one shard of "
        f"{args.shards} picked in {plan['one_shard_s']:.2f} s "
        f"({plan['one_shard_s'] / plan['anchor_sha256_s']:.2f}x sha256 of every id, "
        f"{plan['anchor_sha256_s']:.2f} s); shards hold {plan['shard_min']:,} to "
        f"{plan['shard_max']:,}; peak {plan['peak_mb']:.0f} MB"
    )


def report_batches(batches: dict[str, Any], args: argparse.Namespace) -> None:
    for name in ("openai-batch", "anthropic-batch"):
        b = batches[name]
        files = b["whole_files"]
        most, size = b["limits"]
        print(
            f"{name}: {b['entry_bytes'] / 1e6:,.0f} MB of requests encoded and packed "
            f"in {b['seconds']:.1f} s ({b['seconds'] / batches['anchor_dumps_s']:.1f}x "
            f"a bare json.dumps per segment); whole run: {len(files)} files, largest "
            f"{max(f[1] for f in files) / 1e6:.1f} MB of {size / 1e6:.0f} MB, most "
            f"{max(f[0] for f in files):,} of {most:,} requests; {args.shards} shards: "
            f"{b['shard_files']} files, largest {b['shard_largest_bytes'] / 1e6:.1f} MB, "
            f"most {b['shard_most_requests']:,} requests"
        )
    print(f"batches phase peak {batches['peak_mb']:.0f} MB")


def report_merge(args: argparse.Namespace, work: Path) -> None:
    write = child("write", args, work)
    written, total = write["write_s"], write["bytes"]
    copy = child("copy", args, work)
    merge = child("merge", args, work)
    print(
        f"merge: {merge['segments']:,} segments from {args.shards} shard files "
        f"({total / 1e6:,.0f} MB, written in {written:.1f} s) in {merge['merge_s']:.1f} s "
        f"({merge['merge_s'] / copy['copy_s']:.1f}x copying the lines, "
        f"{copy['copy_s']:.1f} s); peak {merge['peak_mb']:.0f} MB "
        f"(copy {copy['peak_mb']:.0f} MB)"
    )


if __name__ == "__main__":
    main()
