"""The progress bar of ``harness run`` counts every segment a run writes, by counts alone.

A run hands the bar the number of segments of each write (cache hits, answers and
errors alike), never a record per segment, so cache hits keep their fast path when
the bar is shown. These tests run the command with its bar on a fake terminal and
check that every bar ends full (completed equals its total) and that its total is
the number of segment lines the command wrote: new runs, cached re-runs, resumed
runs, retries of errors and batch runs. Library callers that ask for records still
get one per segment.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from rich.console import Console

import harness.cli.progress
from harness.cli import main
from harness.cli.progress import RunProgress
from harness.provider import Limits
from harness.run.cache import TranslationCache
from harness.run.execution import execute_run
from harness.run.runner import Runner
from harness.runfile import SegmentRecord, dump_record
from providers.openai import OpenAIProvider
from tests.engine_helpers import FakeTime, batch_plan, seed_article, segment_lines
from tests.fakes.batch_provider import install_plugin
from tests.fakes.fault_server import FaultServer
from tests.fakes.loopback import serve
from tests.fakes.openai_batch_server import FakeOpenAIBatch
from tests.helpers import REFERENCES

VARIANTS = ["spun", "restored"]
OPENAI_KEY = "sk-test-0123456789abcdef"


class FakeTerminal(RunProgress):
    """The command's progress bar, shown (as on a terminal) into a string."""

    def __init__(self, enabled: bool) -> None:
        super().__init__(True, console=Console(file=io.StringIO(), force_terminal=True))
        self.advances: list[tuple[str, int]] = []

    def advance(self, provider: str, count: int) -> None:
        self.advances.append((provider, count))
        super().advance(provider, count)

    def bars(self) -> dict[str, tuple[float, float | None]]:
        """Each provider's bar as the terminal shows it: (completed, total)."""
        assert self._progress is not None
        return {task.description: (task.completed, task.total) for task in self._progress.tasks}


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> list[FakeTerminal]:
    """The bars of the commands run in the test, one per command, in order."""
    shown: list[FakeTerminal] = []

    def make(enabled: bool) -> FakeTerminal:
        shown.append(FakeTerminal(enabled))
        return shown[-1]

    monkeypatch.setattr(harness.cli.progress, "RunProgress", make)
    return shown


@pytest.fixture
def hit_records(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many records were built for cache hits (one entry per record)."""
    built: list[int] = []
    original = Runner._record

    def record(self: Runner, *args: Any, **kwargs: Any) -> SegmentRecord:
        if kwargs.get("cached"):
            built.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Runner, "_record", record)
    return built


def lines_in(path: Path) -> int:
    return len(segment_lines(path))


def full_bar(bar: FakeTerminal, provider: str, written: int) -> None:
    """The bar of ``provider`` ended full, at ``written`` segments."""
    assert bar.bars()[provider] == (written, written)
    assert sum(count for name, count in bar.advances if name == provider) == written


# -- synchronous runs ----------------------------------------------------------------------


@pytest.fixture
def fault_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FaultServer, Any]]:
    """A fault server and ``harness run`` against it, through the fault-batch plugin."""
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    install_plugin(tmp_path / "site")
    server = FaultServer(always_fail=["Kremlin"])
    with serve(server.app) as url:
        config = tmp_path / "harness.toml"
        config.write_text(
            f'[providers.good]\nadapter = "fault-batch"\n'
            f'[providers.good.options]\nbase_url = "{url}"\nmax_batch = 4\n',
            encoding="utf-8",
        )
        common = ["--config", str(config), "--references", str(REFERENCES), "--max-attempts", "1"]

        def run(*args: str) -> Result:
            return CliRunner().invoke(main, ["run", *args, *common])

        yield server, run


def new_run(run: Any, runs: Path, *extra: str) -> Result:
    return run("-p", "good", "--to", "de,fr", "--runs-dir", str(runs), "--concurrency", "1", *extra)


def test_a_run_and_its_cached_rerun_fill_the_bar_and_hits_build_no_records(
    fault_cli: tuple[FaultServer, Any],
    tmp_path: Path,
    terminal: list[FakeTerminal],
    hit_records: list[int],
) -> None:
    server, run = fault_cli
    first = new_run(run, tmp_path / "first")
    assert first.exit_code == 0, first.output
    path = next((tmp_path / "first").glob("*.jsonl"))
    errors = sum(1 for r in segment_lines(path) if r["error"])
    assert 0 < errors < 44 and lines_in(path) == 44
    full_bar(terminal[0], "good", 44)
    assert len(terminal[0].advances) == server.count  # once per request: its segments
    assert all(0 < count <= 4 for _, count in terminal[0].advances)

    server.count = 0
    again = new_run(run, tmp_path / "again")
    assert again.exit_code == 0, again.output
    rerun = next((tmp_path / "again").glob("*.jsonl"))
    segments = segment_lines(rerun)
    assert sum(r["cached"] for r in segments) == 44 - errors and server.count > 0
    full_bar(terminal[1], "good", 44)
    # The hits in one write (one lookup), then the failed segments sent again.
    assert terminal[1].advances[0] == ("good", 44 - errors)
    assert len(terminal[1].advances) == 1 + server.count
    assert hit_records == []  # the bar shown, and still no record per cache hit


def test_resume_and_retry_errors_fill_their_bars(
    fault_cli: tuple[FaultServer, Any], tmp_path: Path, terminal: list[FakeTerminal]
) -> None:
    server, run = fault_cli
    server.script = ["ok"] * 3 + ["quota"]  # the fourth request that is not failed stops it
    first = new_run(run, tmp_path / "runs", "--no-cache")
    assert first.exit_code == 3, first.output
    path = next((tmp_path / "runs").glob("*.jsonl"))
    stopped = lines_in(path)
    assert 0 < stopped < 44
    completed, total = terminal[0].bars()["good"]
    assert (completed, total) == (stopped, 44)  # stopped part way: the bar says how far

    resumed = run("--resume", str(path), "--no-cache")
    assert resumed.exit_code == 0, resumed.output
    assert lines_in(path) == 44
    full_bar(terminal[1], "good", 44 - stopped)  # only what was left

    failed = sum(1 for r in segment_lines(path) if r["error"])
    assert failed
    server.always_fail = []
    retried = run("--retry-errors", str(path))
    assert retried.exit_code == 0, retried.output
    new = next(p for p in (tmp_path / "runs").glob("*.jsonl") if p != path)
    assert lines_in(new) == 44
    full_bar(terminal[2], "good", failed)  # the copied ok lines are not this run's work


async def traced_run(
    plan: Any, runs_dir: Path, cache: TranslationCache
) -> tuple[list[tuple[str, int]], list[tuple[str, SegmentRecord]], Path]:
    """A run as a library caller does it: every count and every record it was handed."""
    counts: list[tuple[str, int]] = []
    records: list[tuple[str, SegmentRecord]] = []
    result = await execute_run(
        plan,
        [seed_article()],
        targets=["de", "fr"],
        variants=VARIANTS,
        runs_dir=runs_dir,
        cache=cache,
        control=FakeTime().control(),
        on_record=lambda name, record: records.append((name, record)),
        on_progress=lambda name, count: counts.append((name, count)),
    )
    return counts, records, result.path


@pytest.mark.anyio
async def test_library_callers_get_a_record_per_segment_and_counts_that_add_up(
    tmp_path: Path,
) -> None:
    server = FaultServer(always_fail=["Kremlin"])
    with serve(server.app) as url, TranslationCache(tmp_path / "c.sqlite3") as cache:
        plan = batch_plan(url, max_batch=4, concurrency=2, max_attempts=1)
        first = await traced_run(plan, tmp_path, cache)
        second = await traced_run(plan, tmp_path, cache)  # the ok segments are cache hits
    for counts, records, path in (first, second):
        assert {name for name, _ in records + counts} == {plan.instance.name}
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)[1:-1]
        assert [dump_record(r) + "\n" for _, r in records] == lines
        assert sum(count for _, count in counts) == len(lines) == 44
    assert sum(r.cached for _, r in second[1]) == sum(r.ok for _, r in first[1]) > 0


def test_the_command_hands_the_bar_counts_only_when_it_is_shown() -> None:
    with RunProgress(enabled=False) as quiet:
        assert quiet.on_progress is None
        quiet.start("p", 3, Path("r.jsonl"))
        quiet.advance("p", 3)  # nothing shown, nothing to fail
    sink = Console(file=io.StringIO(), force_terminal=True)
    with RunProgress(enabled=True, console=sink) as shown:
        assert shown.on_progress == shown.advance
        shown.start("p", 5, Path("r.jsonl"))
        shown.advance("p", 2)
        shown.advance("p", 3)
        assert shown._progress is not None
        assert [(t.completed, t.total) for t in shown._progress.tasks] == [(5, 5)]


# -- batch runs ----------------------------------------------------------------------------


@pytest.fixture
def openai_batch(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[FakeOpenAIBatch, Any]]:
    """A fake Batch API and ``harness run`` against it: ``run(folder, *options)`` starts a
    batch run into ``tmp_path / folder``, ``run(None, *options)`` takes the options alone."""
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    server = FakeOpenAIBatch(key=OPENAI_KEY)
    with serve(server.app) as url:

        def run(folder: str | None, *args: str) -> Result:
            new = (
                [
                    "-p",
                    "openai",
                    "-o",
                    f"base_url={url}/v1",
                    "-o",
                    "model=gpt-test",
                    "--to",
                    "de",
                    "--batch",
                    "--runs-dir",
                    str(tmp_path / folder),
                ]
                if folder is not None
                else []
            )
            return CliRunner().invoke(
                main, ["run", *new, *args, "--poll", "0", "--references", str(REFERENCES)]
            )

        yield server, run


def test_batch_runs_fill_the_bar_with_results_errors_long_segments_and_hits(
    openai_batch: tuple[FakeOpenAIBatch, Any],
    tmp_path: Path,
    terminal: list[FakeTerminal],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, run = openai_batch
    # Long paragraphs go synchronously (split), the others through the batch.
    monkeypatch.setattr(OpenAIProvider, "limits", Limits(max_batch=1, max_chars=190))
    server.fail_text = "Putin"  # a short paragraph: its requests fail inside the batch
    first = run("first")
    assert first.exit_code == 0, first.output
    path = next((tmp_path / "first").glob("*.jsonl"))
    segments = segment_lines(path)
    long = sum(1 for r in segments if "split" in r["flags"])
    failed = sum(1 for r in segments if r["error"])
    assert len(segments) == 22 and long and failed
    full_bar(terminal[0], "openai", 22)

    again = run("again")  # the ok segments are now cache hits; the failed ones go again
    assert again.exit_code == 0, again.output
    rerun = segment_lines(next((tmp_path / "again").glob("*.jsonl")))
    assert sum(r["cached"] for r in rerun) == 22 - failed
    full_bar(terminal[1], "openai", 22)

    left = run("later", "--no-wait", "--no-cache")
    assert left.exit_code == 0, left.output
    later = next((tmp_path / "later").glob("*.jsonl"))
    assert lines_in(later) == long  # the long ones were sent at once; the batch is open
    assert terminal[2].bars()["openai"] == (long, 22)
    resumed = run(None, "--resume", str(later), "--no-cache")
    assert resumed.exit_code == 0, resumed.output
    assert lines_in(later) == 22
    full_bar(terminal[3], "openai", 22 - long)  # what the open batch held
