"""The runner against a backend that fails in every way: nothing lost, nothing duplicated."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from harness.run.execution import execute_run
from harness.run.plan import plan_items
from tests.engine_helpers import (
    FakeTime,
    batch_plan,
    expected_output,
    seed_article,
    segment_lines,
)
from tests.fakes.fault_server import FAULTS, FaultServer
from tests.fakes.loopback import serve

TARGETS = ["de", "fr"]
PLANNED = 2 * 2 * 11  # targets x variants x paragraphs


def _check_every_segment_ended(path: Path, max_attempts: int) -> list[dict[str, object]]:
    records = segment_lines(path)
    article = seed_article()
    planned = {item.key for item in plan_items([article], ["spun", "restored"], TARGETS)}
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)), "a segment was written twice"
    assert set(ids) == planned, "a segment was lost"
    for r in records:
        assert 1 <= r["attempts"] <= max_attempts
        if r["error"] is None:
            assert r["output"] == expected_output(r), "output not aligned with its source"
        else:
            assert r["output"] is None and r["error"]["type"]
    return records


@pytest.mark.anyio
async def test_random_faults_every_segment_ok_or_recorded(tmp_path: Path) -> None:
    # Every kind of fault once, then faults at random (seeded) on a third of the requests.
    server = FaultServer(list(FAULTS), fault_rate=0.35, seed=7)
    fake = FakeTime()
    with serve(server.app) as url:
        plan = batch_plan(url, max_batch=3, concurrency=6, max_attempts=4, timeout=0.5)
        result = await execute_run(
            plan,
            [seed_article()],
            targets=TARGETS,
            variants=["spun", "restored"],
            runs_dir=tmp_path,
            control=fake.control(),
        )
    records = _check_every_segment_ended(result.path, 4)
    # Every request the runner counted reached the server, and each was one attempt.
    assert result.requests == server.count
    assert sum(server.behaviours.values()) == server.count
    assert set(FAULTS) <= set(server.behaviours)
    errors = Counter(r["error"]["type"] for r in records if r["error"])  # type: ignore[index]
    assert set(errors) <= {"BadResponseError", "TransientError", "RateLimitError"}
    assert result.counts.segments == PLANNED
    assert result.counts.ok == sum(1 for r in records if r["error"] is None)
    assert fake.sleeps, "retries back off through the injected sleep"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "fault, retried, error",
    [
        ("429", True, None),
        ("429-retry", True, None),
        ("500", True, None),
        ("503", True, None),
        ("timeout", True, None),
        ("reset", True, None),
        ("slow", False, None),
        ("malformed", False, "BadResponseError"),
        ("short", False, "BadResponseError"),
        ("long", False, "BadResponseError"),
    ],
)
async def test_each_fault_is_retried_or_recorded(
    tmp_path: Path, fault: str, retried: bool, error: str | None
) -> None:
    server = FaultServer([fault])
    fake = FakeTime()
    with serve(server.app) as url:
        plan = batch_plan(url, max_batch=4, concurrency=1, max_attempts=3, timeout=0.3)
        result = await execute_run(
            plan,
            [seed_article()],
            targets=["de"],
            variants=["spun"],
            runs_dir=tmp_path,
            control=fake.control(),
        )
    records = segment_lines(result.path)
    first_batch = records[:4]
    assert [r["segment"] for r in first_batch] == ["p01", "p02", "p03", "p04"]
    assert {r["attempts"] for r in first_batch} == {2 if retried else 1}
    assert {r["attempts"] for r in records[4:]} == {1}
    assert server.count == 3 + (1 if retried else 0)  # 11 paragraphs in batches of 4
    if error:
        assert {r["error"]["type"] for r in first_batch} == {error}
    else:
        assert all(r["output"] == expected_output(r) for r in records)
    if fault == "429-retry":
        assert 1.0 in fake.sleeps  # Retry-After: 1 honoured exactly


@pytest.mark.anyio
async def test_persistent_failure_stops_after_max_attempts(tmp_path: Path) -> None:
    server = FaultServer(always_fail=["Bastrykin"])
    with serve(server.app) as url:
        plan = batch_plan(url, max_batch=1, concurrency=2, max_attempts=3)
        result = await execute_run(
            plan,
            [seed_article()],
            targets=["de"],
            variants=["spun"],
            runs_dir=tmp_path,
            control=FakeTime().control(),
        )
    failed = [r for r in segment_lines(result.path) if r["error"]]
    assert failed and all("Bastrykin" in r["source"] for r in failed)
    assert {r["attempts"] for r in failed} == {3}
    assert {r["error"]["status"] for r in failed} == {500}
    assert result.counts.errors == len(failed)


@pytest.mark.anyio
async def test_rate_limits_slow_down_then_recover(tmp_path: Path) -> None:
    server = FaultServer(["429"] * 6)
    fake = FakeTime()
    control = fake.control()
    with serve(server.app) as url:
        plan = batch_plan(url, max_batch=1, concurrency=8, max_attempts=10)
        await execute_run(
            plan,
            [seed_article()],
            targets=TARGETS,
            variants=["spun", "restored"],
            runs_dir=tmp_path,
            control=control,
        )
    pacing = control.runners[0].pacing
    assert pacing.decreases >= 1
    # 44 successes after the last 429 are enough windows to climb back to the maximum.
    assert pacing.concurrency == 8


@pytest.mark.anyio
async def test_outputs_far_shorter_than_the_source_are_flagged(tmp_path: Path) -> None:
    server = FaultServer(["truncated"])
    with serve(server.app) as url:
        plan = batch_plan(url, max_batch=4, concurrency=1)
        result = await execute_run(
            plan,
            [seed_article()],
            targets=["de"],
            variants=["spun"],
            runs_dir=tmp_path,
            control=FakeTime().control(),
        )
    records = segment_lines(result.path)
    assert all("suspect_truncation" in r["flags"] for r in records[:4])
    assert not any("suspect_truncation" in r["flags"] for r in records[4:])


@pytest.mark.anyio
async def test_long_segments_are_split_under_max_chars_and_rejoined(tmp_path: Path) -> None:
    server = FaultServer()
    with serve(server.app) as url:
        plan = batch_plan(url, max_batch=2, max_chars=120, concurrency=3)
        result = await execute_run(
            plan,
            [seed_article()],
            targets=["de"],
            variants=["restored"],
            runs_dir=tmp_path,
            control=FakeTime().control(),
        )
    assert all(sum(len(t) for t in req["texts"]) <= 120 for req in server.requests)
    records = segment_lines(result.path)
    split = [r for r in records if "split" in r["flags"]]
    assert split
    for r in split:
        # Each piece came back as "[de] piece"; rejoined in order, the pieces give the source.
        assert r["output"].replace("[de] ", "") == r["source"]
        assert r["attempts"] >= 2
