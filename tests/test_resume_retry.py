"""Resume after a fatal error, retry of failed segments, several providers in one command."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.run.execution import execute_run, resume_run, retry_errors
from harness.run.plan import plan_items
from harness.run.resume import read_state, remaining_items
from harness.run.runner import RunStoppedError
from tests.engine_helpers import (
    FakeTime,
    batch_plan,
    expected_output,
    seed_article,
    segment_lines,
)
from tests.fakes.batch_provider import install_plugin
from tests.fakes.fault_server import FaultServer
from tests.fakes.loopback import serve
from tests.helpers import REFERENCES, read_jsonl

VARIANTS = ["spun", "restored"]


def _planned(targets: list[str]) -> set[str]:
    return {i.key for i in plan_items([seed_article()], VARIANTS, targets)}


@pytest.mark.anyio
async def test_fatal_error_stops_then_resume_sends_only_the_rest(tmp_path: Path) -> None:
    server = FaultServer(["ok"] * 3 + ["quota"])
    with serve(server.app) as url:
        plan = batch_plan(url, max_batch=4, concurrency=1)
        with pytest.raises(RunStoppedError) as stopped:
            await execute_run(
                plan,
                [seed_article()],
                targets=["de"],
                variants=VARIANTS,
                runs_dir=tmp_path,
                control=FakeTime().control(),
            )
        path = next(tmp_path.glob("*.jsonl"))
        assert f"resume with: harness run --resume {path}" in str(stopped.value)
        assert "quota" in str(stopped.value)
        before = segment_lines(path)
        assert len(before) == 12 and read_jsonl(path)[-1]["type"] == "segment"
        sent_before = server.count
        result = await resume_run(path, plan, [seed_article()], control=FakeTime().control())
    records = segment_lines(path)
    assert [r["id"] for r in records[:12]] == [r["id"] for r in before]
    assert sorted(r["id"] for r in records) == sorted(_planned(["de"]))
    assert all(r["output"] == expected_output(r) for r in records)
    assert server.count - sent_before == 3  # 10 segments left, in batches of four
    footer = read_jsonl(path)[-1]
    assert footer["type"] == "footer" and footer["counts"]["segments"] == 22
    assert result.counts.ok == 22
    again = await resume_run(path, plan, [seed_article()])
    assert again.already_complete and again.requests == 0 and again.counts.ok == 22
    assert read_jsonl(path)[-1] == footer


@pytest.mark.anyio
async def test_retry_errors_writes_a_new_run_with_the_failed_segments_sent_again(
    tmp_path: Path,
) -> None:
    server = FaultServer(always_fail=["Kremlin"])
    with serve(server.app) as url:
        plan = batch_plan(url, max_batch=1, concurrency=3, max_attempts=2)
        first = await execute_run(
            plan,
            [seed_article()],
            targets=["de", "fr"],
            variants=VARIANTS,
            runs_dir=tmp_path,
            control=FakeTime().control(),
        )
        original = first.path.read_bytes()
        failed = {r["id"] for r in segment_lines(first.path) if r["error"]}
        assert failed
        server.always_fail = []
        server.count = 0
        retried = await retry_errors(
            first.path, plan, [seed_article()], control=FakeTime().control()
        )
    assert first.path.read_bytes() == original  # the retried run is left as it was
    assert retried.path != first.path
    header = read_jsonl(retried.path)[0]
    assert header["retry_of"] == {"run_id": first.run_id, "file": first.path.name}
    records = segment_lines(retried.path)
    assert sorted(r["id"] for r in records) == sorted(_planned(["de", "fr"]))
    assert all(r["error"] is None for r in records)
    assert server.count == len(failed) and retried.copied == 44 - len(failed)
    assert read_jsonl(retried.path)[-1]["counts"] == {"segments": 44, "ok": 44, "errors": 0}


@pytest.mark.anyio
async def test_interrupted_retry_is_resumed_without_sending_ok_segments(tmp_path: Path) -> None:
    server = FaultServer(always_fail=["Kremlin"])
    with serve(server.app) as url:
        plan = batch_plan(url, max_batch=1, concurrency=1, max_attempts=1)
        first = await execute_run(
            plan,
            [seed_article()],
            targets=["de"],
            variants=VARIANTS,
            runs_dir=tmp_path,
            control=FakeTime().control(),
        )
        server.always_fail = []
        server.script = ["ok", "auth"]  # the retry stops after one re-sent segment
        with pytest.raises(RunStoppedError):
            await retry_errors(first.path, plan, [seed_article()], control=FakeTime().control())
        retry_path = next(p for p in tmp_path.glob("*.jsonl") if p != first.path)
        # Simulate a kill during the copy: keep the header and two lines only.
        lines = retry_path.read_text(encoding="utf-8").splitlines(keepends=True)
        retry_path.write_text("".join(lines[:3]), encoding="utf-8")
        server.count = 0
        await resume_run(retry_path, plan, [seed_article()], control=FakeTime().control())
    failed = sum(1 for r in segment_lines(first.path) if r["error"])
    records = segment_lines(retry_path)
    assert sorted(r["id"] for r in records) == sorted(_planned(["de"]))
    assert all(r["error"] is None for r in records)
    # Only the segments that failed in the first run were sent (minus one, if it was kept).
    assert server.count <= failed


def test_resume_state_counts_and_skips(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(
        '{"type":"header","schema":1,"run_id":"r","provider":{},"articles":[],'
        '"targets":["de"],"variants":["spun"]}\n{"type":"segment","id":"a/p01/spun/de",'
        '"article":"a","segment":"p01","variant":"spun","index":0,"source_lang":"en",'
        '"target_lang":"de","source":"x","output":null,"error":{"type":"E"},"attempts":1,'
        '"latency_ms":1,"cached":false,"usage":{}}\n{"type":"segm',
        encoding="utf-8",
    )
    state = read_state(path)
    assert state.repaired and not state.complete
    assert state.done == state.failed == {"a/p01/spun/de"}
    assert state.counts.errors == 1
    assert remaining_items(state.header, [], state.done) == []


def _write_config(tmp_path: Path, good: str, bad: str) -> Path:
    config = tmp_path / "harness.toml"
    config.write_text(
        f'[providers.good]\nadapter = "fault-batch"\nprice_per_million_chars = 20\n'
        f'[providers.good.options]\nbase_url = "{good}"\nmax_batch = 8\n'
        f'[providers.bad]\nadapter = "fault-batch"\n'
        f'[providers.bad.options]\nbase_url = "{bad}"\n',
        encoding="utf-8",
    )
    return config


def test_one_providers_fatal_error_keeps_the_others_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    install_plugin(tmp_path / "site")
    monkeypatch.setenv("FAULT_BATCH_KEY", "k-123")
    good, bad = FaultServer(), FaultServer(key="another-key")
    runs = tmp_path / "runs"
    with serve(good.app) as good_url, serve(bad.app) as bad_url:
        config = _write_config(tmp_path, good_url, bad_url)
        args = [
            "run",
            "-p",
            "good",
            "-p",
            "bad",
            "--to",
            "de",
            "--config",
            str(config),
            "--runs-dir",
            str(runs),
            "--references",
            str(REFERENCES),
        ]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 3, result.output
        bad_file = next(runs.glob("*-bad-*.jsonl"))
        good_file = next(runs.glob("*-good-*.jsonl"))
        assert read_jsonl(good_file)[-1]["counts"]["ok"] == 22
        assert read_jsonl(bad_file)[-1]["type"] == "header"
        assert f"harness run --resume {bad_file}" in result.output
        assert "k-123" not in result.output + bad_file.read_text() + good_file.read_text()
        bad.key = "k-123"  # the key is fixed: resuming finishes the run
        resumed = CliRunner().invoke(
            main,
            [
                "run",
                "--resume",
                str(bad_file),
                "--config",
                str(config),
                "--references",
                str(REFERENCES),
            ],
        )
        assert resumed.exit_code == 0, resumed.output
    assert read_jsonl(bad_file)[-1]["counts"]["ok"] == 22


def test_dry_run_counts_what_a_run_then_sends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    install_plugin(tmp_path / "site")
    server = FaultServer()
    runs = tmp_path / "runs"
    with serve(server.app) as url:
        config = _write_config(tmp_path, url, url)
        args = [
            "run",
            "-p",
            "good",
            "--to",
            "de,fr",
            "--config",
            str(config),
            "--runs-dir",
            str(runs),
            "--references",
            str(REFERENCES),
        ]
        dry = CliRunner().invoke(main, [*args, "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert server.count == 0 and not runs.exists()
        real = CliRunner().invoke(main, args)
        assert real.exit_code == 0, real.output
        requests = server.count
        cached = CliRunner().invoke(main, [*args, "--dry-run"])
    row = dry.output.splitlines()[1].split()
    characters = sum(len(i.text) for i in plan_items([seed_article()], VARIANTS, ["de", "fr"]))
    assert row[0] == "good" and row[2:6] == ["44", "0", str(requests), str(characters)]
    assert float(row[7]) == pytest.approx(characters * 20 / 1e6, abs=1e-4)
    assert cached.output.splitlines()[1].split()[2:5] == ["44", "44", "0"]
