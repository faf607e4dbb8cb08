"""Adaptive pacing (AIMD, Retry-After) and the SQLite cache (keys, failures, two processes)."""

from __future__ import annotations

import itertools
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from harness.models import Translation, Usage
from harness.run.cache import CACHE_DIR_ENV, TranslationCache, default_cache_dir, request_key
from harness.run.execution import RunResult, execute_run
from harness.run.pacing import Backoff, Pacing
from tests.engine_helpers import FakeTime, batch_plan, seed_article, segment_lines
from tests.fakes.fault_server import FaultServer
from tests.fakes.loopback import serve

IDENTITY = {"adapter": "x", "adapter_version": "1", "options": {"model": "m"}}


@pytest.mark.anyio
async def test_rate_limit_halves_concurrency_once_per_burst_and_grows_back() -> None:
    fake = FakeTime()
    pacing = Pacing(8, None, clock=fake.clock, sleep=fake.sleep)
    tickets = [await pacing.acquire() for _ in range(8)]
    for ticket in tickets:  # eight 429s from requests sent together: one signal
        pacing.release(ticket, rate_limited=True)
    assert pacing.concurrency == 4 and pacing.decreases == 1
    ticket = await pacing.acquire()
    pacing.release(ticket, rate_limited=True)  # sent after the decrease: a new signal
    assert pacing.concurrency == 2 and pacing.decreases == 2
    for _ in range(2 + 3 + 4 + 5 + 6 + 7):  # one full window per step: 2 -> 8
        pacing.release(await pacing.acquire(), ok=True)
    assert pacing.concurrency == 8


@pytest.mark.anyio
async def test_retry_after_pauses_every_request_and_rate_recovers() -> None:
    fake = FakeTime()
    pacing = Pacing(4, 10.0, clock=fake.clock, sleep=fake.sleep)
    ticket = await pacing.acquire()
    pacing.release(ticket, rate_limited=True, retry_after=3.0)
    assert pacing.rate == 5.0
    before = fake.now
    await pacing.acquire()
    assert fake.now - before >= 3.0  # no request starts before Retry-After has passed
    for _ in range(40):
        pacing.release(await pacing.acquire(), ok=True)
    assert pacing.rate == 10.0


@pytest.mark.anyio
async def test_rate_limit_spaces_request_starts() -> None:
    fake = FakeTime()
    pacing = Pacing(100, 4.0, clock=fake.clock, sleep=fake.sleep)
    starts = []
    for _ in range(5):
        await pacing.acquire()
        starts.append(fake.now)
    assert [round(b - a, 6) for a, b in itertools.pairwise(starts)] == [0.25] * 4


def test_backoff_grows_with_jitter_and_retry_after_wins() -> None:
    import random

    backoff = Backoff(base=0.5, cap=8.0, rng=random.Random(1))
    delays = [backoff.delay(n, None) for n in range(1, 9)]
    assert all(0 <= d <= min(8.0, 0.5 * 2 ** (n - 1)) for n, d in enumerate(delays, 1))
    assert len(set(delays)) == len(delays)
    assert backoff.delay(3, 12.0) == 12.0
    assert backoff.delay(3, 10_000.0) == 600.0


def test_cache_key_covers_the_whole_request() -> None:
    base = request_key(IDENTITY, "en", "de", "Hello")
    assert base == request_key(dict(IDENTITY), "en", "de", "Hello")
    changed = [
        request_key({**IDENTITY, "adapter": "y"}, "en", "de", "Hello"),
        request_key({**IDENTITY, "adapter_version": "2"}, "en", "de", "Hello"),
        request_key({**IDENTITY, "options": {"model": "n"}}, "en", "de", "Hello"),
        request_key(IDENTITY, "en", "fr", "Hello"),
        request_key(IDENTITY, "de", "de", "Hello"),
        request_key(IDENTITY, "en", "de", "Hello!"),
    ]
    assert base not in changed and len(set(changed)) == len(changed)


def test_cache_dir_from_environment(tmp_path: Path) -> None:
    assert default_cache_dir({CACHE_DIR_ENV: str(tmp_path)}) == tmp_path
    assert default_cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/harness")
    assert default_cache_dir({}).parts[-2:] == (".cache", "harness")


def _writer(path: str, start: int, count: int) -> None:
    with TranslationCache(Path(path)) as cache:
        cache.batch = 7  # many small transactions, to interleave with the other process
        for n in range(start, start + count):
            cache.put(f"k{n}", Translation(f"text {n}", Usage(characters=n)))


def test_two_processes_write_one_cache_at_once(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    TranslationCache(path).close()
    context = multiprocessing.get_context("spawn")
    # Overlapping key ranges: both write k500..k999.
    workers = [context.Process(target=_writer, args=(str(path), start, 1000)) for start in (0, 500)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with TranslationCache(path) as cache:
        assert cache.count() == 1500
        hit = cache.get("k1234")
        assert hit is not None and hit.text == "text 1234" and hit.usage.characters == 1234


@pytest.mark.anyio
async def test_second_run_is_served_from_cache_but_failures_are_sent_again(tmp_path: Path) -> None:
    server = FaultServer(always_fail=["Bastrykin"])
    with serve(server.app) as url, TranslationCache(tmp_path / "c.sqlite3") as cache:
        plan = batch_plan(url, max_batch=1, concurrency=4, max_attempts=2)

        async def run(use_cache: TranslationCache | None) -> RunResult:
            return await execute_run(
                plan,
                [seed_article()],
                targets=["de"],
                variants=["spun"],
                runs_dir=tmp_path,
                cache=use_cache,
                control=FakeTime().control(),
            )

        first = await run(cache)
        sent_first = server.count
        second = await run(cache)
        uncached = await run(None)
    failed = [r for r in segment_lines(first.path) if r["error"]]
    assert failed and not any(r["cached"] for r in segment_lines(first.path))
    again = segment_lines(second.path)
    assert [r["cached"] for r in again] == [
        r["error"] is None and "Bastrykin" not in r["source"] for r in again
    ]
    assert all(r["attempts"] == 0 for r in again if r["cached"])
    # Only the failed segments went to the server again (two attempts each).
    assert server.count - sent_first == len(failed) * 2 + uncached.requests
    assert uncached.requests == 11 * 1 + len(failed)  # --no-cache: everything sent
    first_ok = {r["id"]: r["output"] for r in segment_lines(first.path) if r["error"] is None}
    assert {r["id"]: r["output"] for r in again if r["cached"]} == first_ok
