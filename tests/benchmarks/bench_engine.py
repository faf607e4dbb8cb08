"""Run-engine figures, each as a ratio against an anchor measured in the same run.

Run as ``python tests/benchmarks/bench_engine.py`` (from the repository root,
with the test dependencies installed; ``--quick`` for a smaller run). Every
backend is the fake of ``tests/fakes/fault_server.py`` under uvicorn on
127.0.0.1, in its own process, so the server does not share the client's
interpreter. Rounds alternate between the anchor and the harness (so load on a
shared machine hits both alike) and each figure is the median of its rounds.

1. Latency hiding: a backend answering after 50 ms, concurrency 64, 10,000
   requests of one segment. The ideal is 64 / 0.05 s = 1,280 requests/s; the
   anchor is a raw asyncio sockets loop (hand-written HTTP/1.1 over keep-alive
   connections), a plain ``httpx.AsyncClient`` loop is shown for reference.
2. Batched API: 200,000 segments, 25 segments a request, against a raw httpx
   loop posting the same texts 25 at a time (writing nothing), and the raw
   asyncio sockets loop sending them. The harness packs the batches, paces,
   writes every run-file line and counts.
3. Cached re-run of 20,000 segments, and the dry run of it, against raw sqlite
   lookups of the same keys (one ``SELECT`` per key, keys computed beforehand).
   The re-run must send no request at all. It is timed twice: as a script or a
   pipe runs it (no progress bar), and as in a terminal, with the progress bar
   drawn (to a terminal that discards it).

``--profile`` adds a cProfile of one harness run of each part (not timed): the
functions with the most time of their own and their share of the run. The peak
RSS of this process is printed after each part.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from rich.console import Console  # noqa: E402

from harness.cli.progress import RunProgress  # noqa: E402
from harness.references.article import Article, load_article  # noqa: E402
from harness.run.cache import CACHE_DIR_ENV, TranslationCache, request_key  # noqa: E402
from harness.run.estimate import estimate_run  # noqa: E402
from harness.run.execution import RunResult, execute_run, open_provider  # noqa: E402
from harness.run.instances import ProviderPlan  # noqa: E402
from harness.run.plan import WorkItem, plan_items  # noqa: E402
from harness.testing.apy_server import free_port  # noqa: E402
from tests.engine_helpers import batch_plan  # noqa: E402

TARGETS = ["de", "fr", "es", "it", "pt", "nl", "pl", "sv", "da", "fi"]
VARIANTS = ["spun", "restored"]
SENTENCE = (
    "the council said on May 20 that 20,000 people in Saint Petersburg had "
    "registered for the new programme while officials in Moscow denied it"
)
WORDS = SENTENCE.split()
PARAGRAPHS = 100
SEGMENTS_PER_ARTICLE = PARAGRAPHS * len(TARGETS) * len(VARIANTS)  # 2,000
Job = Callable[[], Coroutine[Any, Any, Any]]


def make_references(root: Path, articles: int) -> list[str]:
    """``articles`` synthetic articles of :data:`PARAGRAPHS` paragraphs each."""
    ids = []
    for a in range(articles):
        article_id = f"bench-{a:03d}"
        folder = root / article_id
        folder.mkdir(parents=True)
        lines = [
            " ".join(WORDS[(a + p + k) % len(WORDS)] for k in range(30)) + f" ({a}.{p})."
            for p in range(PARAGRAPHS)
        ]
        restored = "\n".join(lines) + "\n"
        # Spun differs from restored (as in a real spun article), so no two requests are alike.
        spun = restored.replace("May", "Might")
        (folder / "spun.txt").write_text(spun, encoding="utf-8")
        (folder / "restored.txt").write_text(restored, encoding="utf-8")
        (folder / "meta.toml").write_text(
            f'id = "{article_id}"\ntitle = "Benchmark {a}"\nlanguage = "en"\n', encoding="utf-8"
        )
        ids.append(article_id)
    return ids


@contextmanager
def server_process(latency: float) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakes.fault_server",
            "--port",
            str(port),
            "--latency",
            str(latency),
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/stats", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the fake server did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def server_requests(url: str) -> int:
    return int(httpx.get(url + "/stats").json()["requests"])


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- the harness -------------------------------------------------------------------------


def bench_plan(url: str, *, concurrency: int, max_batch: int) -> ProviderPlan:
    return batch_plan(
        url, max_batch=max_batch, max_chars=100_000, concurrency=concurrency, timeout=60
    )


async def harness_run(
    url: str,
    articles: list[Article],
    *,
    concurrency: int,
    max_batch: int,
    runs: Path,
    cache: TranslationCache | None,
    progress: RunProgress | None = None,
) -> RunResult:
    plan = bench_plan(url, max_batch=max_batch, concurrency=concurrency)
    # With a progress bar, the callbacks ``harness run`` hands over when stderr is a terminal.
    shown: dict[str, Any] = (
        {"on_start": progress.start, "on_progress": progress.on_progress} if progress else {}
    )
    result = await execute_run(
        plan, articles, targets=TARGETS, variants=VARIANTS, runs_dir=runs, cache=cache, **shown
    )
    shutil.rmtree(runs, ignore_errors=True)  # 200k lines a round: keep the disk clear
    return result


async def dry_run(url: str, articles: list[Article], cache: TranslationCache) -> None:
    plan = bench_plan(url, max_batch=25, concurrency=64)
    estimate = await estimate_run(plan, articles, targets=TARGETS, variants=VARIANTS, cache=cache)
    assert estimate.requests == 0 and estimate.cached == estimate.segments, estimate


# -- the anchors -------------------------------------------------------------------------


async def socket_loop(
    url: str, batches: list[tuple[str, str, list[str]]], concurrency: int
) -> None:
    """The requests over raw asyncio streams: hand-written HTTP/1.1, keep-alive, nothing else."""
    host, port = url.removeprefix("http://").split(":")
    queue = iter(batches)
    length_re = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for source, target, texts in queue:
                body = json.dumps({"source": source, "target": target, "texts": texts}).encode()
                writer.write(
                    b"POST /translate HTTP/1.1\r\nHost: %s:%s\r\n"
                    b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                    % (host.encode(), port.encode(), len(body), body)
                )
                head = await reader.readuntil(b"\r\n\r\n")
                match = length_re.search(head)
                assert head.startswith(b"HTTP/1.1 200") and match, head
                answer = json.loads(await reader.readexactly(int(match.group(1))))
                assert len(answer["translations"]) == len(texts)
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def batches_of(items: list[WorkItem], size: int) -> list[tuple[str, str, list[str]]]:
    """The texts of ``items``, consecutive items of one pair, ``size`` at a time."""
    out: list[tuple[str, str, list[str]]] = []
    for item in items:
        if (
            not out
            or len(out[-1][2]) >= size
            or out[-1][0] != item.source_lang
            or out[-1][1] != item.target_lang
        ):
            out.append((item.source_lang, item.target_lang, []))
        out[-1][2].append(item.text)
    return out


async def httpx_loop(url: str, batches: list[tuple[str, str, list[str]]], concurrency: int) -> None:
    """The same requests with nothing but one plain ``httpx.AsyncClient``."""
    queue = iter(batches)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def worker() -> None:
            for source, target, texts in queue:
                response = await client.post(
                    url + "/translate", json={"source": source, "target": target, "texts": texts}
                )
                response.raise_for_status()
                assert len(response.json()["translations"]) == len(texts)

        await asyncio.gather(*(worker() for _ in range(concurrency)))


def sqlite_lookups(path: Path, keys: list[str]) -> None:
    db = sqlite3.connect(path)
    try:
        found = 0
        for key in keys:
            row = db.execute("SELECT value FROM translations WHERE key = ?", (key,)).fetchone()
            if row is not None:
                json.loads(row[0])
                found += 1
        assert found == len(keys), (found, len(keys))
    finally:
        db.close()


# -- measuring ---------------------------------------------------------------------------


def rounds(jobs: dict[str, Job], count: int) -> dict[str, float]:
    """Median wall seconds of each job, the jobs alternating round by round."""
    walls: dict[str, list[float]] = {key: [] for key in jobs}
    for _ in range(count):
        for key, job in jobs.items():
            started = time.perf_counter()
            asyncio.run(job())
            walls[key].append(time.perf_counter() - started)
    return {key: statistics.median(values) for key, values in walls.items()}


def profile(title: str, job: Job, top: int) -> list[str]:
    """The ``top`` functions by own time in one run of ``job``, with their share."""
    profiler = cProfile.Profile(time.process_time)  # CPU: the machine may be shared
    profiler.enable()
    asyncio.run(job())
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    ranked = sorted(
        stats.stats.items(),
        key=lambda kv: kv[1][2],  # type: ignore[attr-defined]
        reverse=True,
    )[:top]
    lines = [f"profile: {title} (cProfile, own CPU time, {total:.2f} s in all)"]
    for (filename, line, name), (_, calls, own, _cum, _) in ranked:
        where = filename
        for marker in ("site-packages/", str(REPO) + "/"):
            if marker in filename:
                where = filename.split(marker, 1)[1]
        lines.append(f"  {own / total:6.1%}  {calls:>9,}  {name}  ({where}:{line})")
    return lines


Row = tuple[str, str, str]


def print_rows(title: str, rows: list[Row]) -> None:
    print(f"\n{title}")
    width = max(len(r[0]) for r in rows)
    for name, figure, ratio in rows:
        print(f"  {name:<{width}}  {figure:>22}  {ratio}")
    print(f"  peak RSS so far: {peak_rss_mib():,.0f} MiB")


def part_latency(root: Path, articles: list[Article], args: argparse.Namespace) -> None:
    subset = articles[: max(1, args.latency_requests // SEGMENTS_PER_ARTICLE)]
    items = plan_items(subset, VARIANTS, TARGETS)
    count = len(items)
    with server_process(0.05) as url:
        single = batches_of(items, 1)
        jobs: dict[str, Job] = {
            "sockets": lambda: socket_loop(url, single, 64),
            "harness": lambda: harness_run(
                url, subset, concurrency=64, max_batch=1, runs=root / "runs-latency", cache=None
            ),
        }
        names = [("raw asyncio sockets (anchor)", "sockets"), ("harness run", "harness")]
        if args.httpx_latency:  # httpx's one pool manages ~60 req/s here: minutes a round
            jobs["httpx"] = lambda: httpx_loop(url, single, 64)
            names.insert(1, ("raw httpx loop, one client", "httpx"))
        asyncio.run(socket_loop(url, single[:640], 64))  # warm the server up
        median = rounds(jobs, args.rounds)
        rows: list[Row] = []
        for name, key in names:
            rate = count / median[key]
            rows.append(
                (
                    name,
                    f"{rate:,.0f} req/s",
                    f"{rate / 1280:.2f} of ideal 1,280; "
                    f"{median['sockets'] / median[key]:.2f} of sockets",
                )
            )
        print_rows(
            f"1. 50 ms backend, concurrency 64, {count:,} requests "
            f"(median of {args.rounds} rounds)",
            rows,
        )
        if args.profile:
            print("\n".join(profile("harness run, 50 ms backend, c=64", jobs["harness"], args.top)))


def part_batched(root: Path, articles: list[Article], args: argparse.Namespace) -> None:
    subset = articles[: max(1, args.batched_segments // SEGMENTS_PER_ARTICLE)]
    items = plan_items(subset, VARIANTS, TARGETS)
    count = len(items)
    with server_process(0.0) as url:
        packed = batches_of(items, 25)
        jobs: dict[str, Job] = {
            "sockets": lambda: socket_loop(url, packed, args.concurrency),
            "httpx": lambda: httpx_loop(url, packed, args.concurrency),
            "harness": lambda: harness_run(
                url,
                subset,
                concurrency=args.concurrency,
                max_batch=25,
                runs=root / "runs-batched",
                cache=None,
            ),
        }
        median = rounds(jobs, args.rounds)
        raw = count / median["httpx"]
        sockets = count / median["sockets"]
        mine = count / median["harness"]
        print_rows(
            f"2. batched API, 25 segments a request, {count:,} segments, "
            f"concurrency {args.concurrency} (median of {args.rounds} rounds)",
            [
                ("raw httpx loop (anchor)", f"{raw:,.0f} seg/s", "1.00"),
                (
                    "raw asyncio sockets",
                    f"{sockets:,.0f} seg/s",
                    f"{sockets / raw:.2f} of raw httpx",
                ),
                (
                    "harness run",
                    f"{mine:,.0f} seg/s",
                    f"{mine / raw:.2f} of raw httpx; {mine / sockets:.2f} of sockets",
                ),
            ],
        )
        if args.profile:
            print("\n".join(profile("harness run, batched", jobs["harness"], args.top)))


def part_cache(root: Path, articles: list[Article], args: argparse.Namespace) -> None:
    subset = articles[: max(1, args.cached_segments // SEGMENTS_PER_ARTICLE)]
    items = plan_items(subset, VARIANTS, TARGETS)
    count = len(items)
    path = root / "cache-rerun.sqlite3"
    with server_process(0.0) as url:
        with TranslationCache(path) as cache:
            asyncio.run(
                harness_run(
                    url, subset, concurrency=64, max_batch=25, runs=root / "runs-fill", cache=cache
                )
            )

        async def identity() -> dict[str, Any]:
            async with open_provider(bench_plan(url, concurrency=64, max_batch=25)) as provider:
                return provider.identity()

        ident = asyncio.run(identity())
        keys = [request_key(ident, i.source_lang, i.target_lang, i.text) for i in items]
        before = server_requests(url)
        results: list[RunResult] = []

        async def rerun() -> None:
            with TranslationCache(path) as cache:
                results.append(
                    await harness_run(
                        url,
                        subset,
                        concurrency=64,
                        max_batch=25,
                        runs=root / "runs-cached",
                        cache=cache,
                    )
                )

        async def rerun_shown() -> None:
            # A terminal that swallows what it is sent: the bar is drawn, nobody sees it.
            with open(os.devnull, "w", encoding="utf-8") as sink:
                console = Console(file=sink, force_terminal=True, width=100)
                with (
                    TranslationCache(path) as cache,
                    RunProgress(enabled=True, console=console) as progress,
                ):
                    results.append(
                        await harness_run(
                            url,
                            subset,
                            concurrency=64,
                            max_batch=25,
                            runs=root / "runs-cached-shown",
                            cache=cache,
                            progress=progress,
                        )
                    )

        async def dry() -> None:
            with TranslationCache(path) as cache:
                await dry_run(url, subset, cache)

        async def raw() -> None:
            sqlite_lookups(path, keys)

        jobs: dict[str, Job] = {"sqlite": raw, "rerun": rerun, "shown": rerun_shown, "dry": dry}
        median = rounds(jobs, args.rounds)
        sent = server_requests(url) - before
        assert all(r.cached == count for r in results), [r.cached for r in results]
        base = median["sqlite"]
        print_rows(
            f"3. cached re-run of {count:,} segments (median of {args.rounds} rounds; "
            f"requests sent by the re-runs: {sent})",
            [
                ("raw sqlite lookups (anchor)", f"{base:.3f} s", "1.00"),
                (
                    "harness run, all cached",
                    f"{median['rerun']:.3f} s",
                    f"{median['rerun'] / base:.2f} x sqlite",
                ),
                (
                    "harness run, all cached, progress bar",
                    f"{median['shown']:.3f} s",
                    f"{median['shown'] / base:.2f} x sqlite",
                ),
                (
                    "harness run --dry-run",
                    f"{median['dry']:.3f} s",
                    f"{median['dry'] / base:.2f} x sqlite",
                ),
            ],
        )
        if args.profile:
            print("\n".join(profile("cached re-run", rerun, args.top)))
            print("\n".join(profile("dry run", dry, args.top)))


def main() -> None:
    parser = argparse.ArgumentParser(description="run-engine benchmarks")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-requests", type=int, default=10_000)
    parser.add_argument("--batched-segments", type=int, default=200_000)
    parser.add_argument("--cached-segments", type=int, default=20_000)
    parser.add_argument(
        "--concurrency", type=int, default=16, help="concurrency of the batched part"
    )
    parser.add_argument("--parts", default="latency,batched,cache")
    parser.add_argument(
        "--httpx-latency",
        action="store_true",
        help="also time a plain httpx client in part 1 (slow)",
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument(
        "--quick", action="store_true", help="a tenth of the sizes, for a first look"
    )
    args = parser.parse_args()
    if args.quick:
        args.latency_requests, args.batched_segments = 2_000, 20_000
        args.cached_segments = 4_000
    load = os.getloadavg()
    print(
        f"load average at start: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
        f"on {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ[CACHE_DIR_ENV] = str(root / "cache")
        needed = max(args.latency_requests, args.batched_segments, args.cached_segments)
        ids = make_references(root / "references", -(-needed // SEGMENTS_PER_ARTICLE))
        articles = [load_article(i, root / "references") for i in ids]
        parts = {"latency": part_latency, "batched": part_batched, "cache": part_cache}
        for name in args.parts.split(","):
            parts[name](root, articles, args)
    load = os.getloadavg()
    print(f"\nload average at end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
