"""Run-engine figures: overhead against a raw httpx loop, latency hiding, a cached re-run.

Run as ``python tests/benchmarks/bench_engine.py`` (from the repository root, with
the test dependencies installed). Everything talks to a fake backend on
127.0.0.1 that runs in its own process (``tests/fakes/fault_server.py`` under
uvicorn, logging off), so the server does not share the client's interpreter.

1. Overhead: 20,000 segments (a generated set of articles x 10 target languages
   x 2 variants), one segment per request, sent by the harness run machinery
   (``execute_run``: batching, pacing, retries, run-file lines flushed one by
   one, with and without the cache) and by a plain ``httpx.AsyncClient`` loop
   sending the same requests at the same concurrency. Rounds alternate, the best
   of each is kept; the figure is the throughput ratio harness / raw.
2. Latency hiding: a backend answering after 50 ms, concurrency 64: segments/s
   against the ideal 64 / 0.05 s = 1,280/s.
3. Cache: the same run again with the cache on; the server counts requests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
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

from harness.references.article import Article, load_article  # noqa: E402
from harness.run.cache import CACHE_DIR_ENV, TranslationCache  # noqa: E402
from harness.run.execution import RunResult, execute_run  # noqa: E402
from harness.run.http_client import SpreadTransport  # noqa: E402
from harness.run.plan import plan_items  # noqa: E402
from harness.testing.apy_server import free_port  # noqa: E402
from tests.engine_helpers import batch_plan  # noqa: E402

TARGETS = ["de", "fr", "es", "it", "pt", "nl", "pl", "sv", "da", "fi"]
SENTENCE = ("the council said on May 20 that 20,000 people in Saint Petersburg had "
            "registered for the new programme while officials in Moscow denied it")
WORDS = SENTENCE.split()


def make_references(root: Path, articles: int, paragraphs: int) -> list[str]:
    """``articles`` synthetic articles of ``paragraphs`` paragraphs each."""
    ids = []
    for a in range(articles):
        article_id = f"bench-{a:03d}"
        folder = root / article_id
        folder.mkdir(parents=True)
        lines = [" ".join(WORDS[(a + p + k) % len(WORDS)] for k in range(30)) + f" ({p})."
                 for p in range(paragraphs)]
        restored = "\n".join(lines) + "\n"
        # Spun differs from restored (as in a real spun article), so no two requests are alike.
        spun = restored.replace("May", "Might")
        (folder / "spun.txt").write_text(spun, encoding="utf-8")
        (folder / "restored.txt").write_text(restored, encoding="utf-8")
        (folder / "meta.toml").write_text(
            f'id = "{article_id}"\ntitle = "Benchmark {a}"\nlanguage = "en"\n', encoding="utf-8")
        ids.append(article_id)
    return ids


@contextmanager
def server_process(latency: float) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.fault_server", "--port", str(port),
         "--latency", str(latency)], cwd=REPO, stdout=subprocess.DEVNULL)
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


async def harness_run(url: str, articles: list[Article], concurrency: int, runs: Path,
                      cache: TranslationCache | None) -> tuple[float, RunResult]:
    plan = batch_plan(url, max_batch=1, concurrency=concurrency, timeout=60)
    started = time.perf_counter()
    result = await execute_run(plan, articles, targets=TARGETS, variants=["spun", "restored"],
                               runs_dir=runs, cache=cache)
    return time.perf_counter() - started, result


def measure(make: Callable[[], Coroutine[Any, Any, Any]]) -> tuple[float, float]:
    """Wall seconds and client CPU seconds of one run."""
    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(make())
    return time.perf_counter() - wall, time.process_time() - cpu


async def raw_loop(url: str, articles: list[Article], concurrency: int, spread: bool) -> float:
    """The same requests with nothing but httpx: what the harness is measured against.

    ``spread``: through the harness's own transport (small pools), which isolates
    the cost of the run machinery from that of httpx's single large pool.
    """
    items = plan_items(articles, ["spun", "restored"], TARGETS)
    queue = iter(items)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    transport = SpreadTransport(concurrency) if spread else None
    async with httpx.AsyncClient(timeout=60, limits=limits, transport=transport) as client:
        async def worker() -> None:
            for item in queue:
                response = await client.post(url + "/translate", json={
                    "source": item.source_lang, "target": item.target_lang,
                    "texts": [item.text]})
                response.raise_for_status()
                assert len(response.json()["translations"]) == 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description="run-engine benchmarks")
    parser.add_argument("--articles", type=int, default=10)
    parser.add_argument("--paragraphs", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--latency-segments", type=int, default=3840)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ[CACHE_DIR_ENV] = str(root / "cache")
        ids = make_references(root / "references", args.articles, args.paragraphs)
        articles = [load_article(i, root / "references") for i in ids]
        segments = len(articles) * args.paragraphs * len(TARGETS) * 2
        rows: list[tuple[str, str, str]] = []
        with server_process(0.0) as url:
            walls: dict[str, list[float]] = {"raw": [], "spread": [], "harness": [], "cache": []}
            cpus: dict[str, list[float]] = {key: [] for key in walls}
            for n in range(args.rounds):
                caches = TranslationCache(root / f"cache-{n}.sqlite3")
                jobs: dict[str, Callable[[], Coroutine[Any, Any, Any]]] = {
                    "raw": lambda: raw_loop(url, articles, args.concurrency, False),
                    "spread": lambda: raw_loop(url, articles, args.concurrency, True),
                    "harness": lambda n=n: harness_run(  # type: ignore[misc]
                        url, articles, args.concurrency, root / f"runs-{n}", None),
                    "cache": lambda n=n, c=caches: harness_run(  # type: ignore[misc]
                        url, articles, args.concurrency, root / f"runs-c{n}", c),
                }
                for key, job in jobs.items():  # alternating, so load on the machine hits all
                    wall, cpu = measure(job)
                    walls[key].append(wall)
                    cpus[key].append(cpu / segments * 1e6)
                caches.close()
            raw_rate, spread_rate, plain_rate, cache_rate = (
                segments / min(walls[key]) for key in ("raw", "spread", "harness", "cache"))
            rows += [
                ("raw httpx loop (one pool)", f"{raw_rate:,.0f} seg/s", "1.00"),
                ("raw httpx loop (small pools)", f"{spread_rate:,.0f} seg/s",
                 f"{spread_rate / raw_rate:.2f}"),
                ("harness run, --no-cache", f"{plain_rate:,.0f} seg/s",
                 f"{plain_rate / raw_rate:.2f} / {plain_rate / spread_rate:.2f}"),
                ("harness run, cache writes", f"{cache_rate:,.0f} seg/s",
                 f"{cache_rate / raw_rate:.2f} / {cache_rate / spread_rate:.2f}"),
            ]
            for name, key in (("client CPU, raw (one pool)", "raw"),
                              ("client CPU, raw (small pools)", "spread"),
                              ("client CPU, harness --no-cache", "harness"),
                              ("client CPU, harness with cache", "cache")):
                rows.append((name, f"{min(cpus[key]):,.0f} us/seg",
                             f"{min(cpus['spread']) / min(cpus[key]):.2f}"))
            # 3. The same run again, served from the cache of the last round.
            with TranslationCache(root / f"cache-{args.rounds - 1}.sqlite3") as cache:
                before = server_requests(url)
                seconds, result = asyncio.run(harness_run(url, articles, args.concurrency,
                                                          root / "runs-again", cache))
                sent = server_requests(url) - before
            rows.append(("second run from the cache",
                         f"{result.cached:,} cached, {sent} requests", f"{seconds:.2f} s"))
        with server_process(0.05) as url:
            per_article = args.paragraphs * len(TARGETS) * 2
            subset = articles[: max(1, args.latency_segments // per_article)]
            count = len(subset) * per_article
            raw_seconds = asyncio.run(raw_loop(url, subset, 64, True))
            seconds, _ = asyncio.run(harness_run(url, subset, 64, root / "runs-latency", None))
            for name, took in (("50 ms backend, c=64, raw httpx", raw_seconds),
                               ("50 ms backend, c=64, harness", seconds)):
                rate = count / took
                rows.append((name, f"{rate:,.0f} seg/s", f"{rate / 1280:.2f} of 1,280"))
    print(f"segments per overhead run: {segments:,}; concurrency {args.concurrency}; "
          f"best of {args.rounds} rounds")
    width = max(len(r[0]) for r in rows)
    print(f"{'':<{width}}  {'throughput':>28}  {'ratio':>14}")
    for name, figure, ratio in rows:
        print(f"{name:<{width}}  {figure:>28}  {ratio:>14}")
    print("ratio of harness rows: against the one-pool loop / against the small-pools loop;")
    print("CPU rows: small-pools loop CPU / this row's CPU (1.00 = no overhead)")


if __name__ == "__main__":
    main()
