"""``harness run --batch`` with the ``openai`` adapter against a fake Batch API on 127.0.0.1.

The fake follows the documented file upload, batch objects, statuses and result
files; every test asserts on the requests the harness sent and on the run file
it wrote, never on timing.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from harness.cli import main
from harness.provider import Limits
from harness.run.batch.api import BatchLimits
from providers.openai import OpenAIProvider
from providers.openai_batch import OpenAIBatchApi
from tests.fakes.chat_recording import fake_translation
from tests.fakes.loopback import serve
from tests.fakes.openai_batch_server import FakeOpenAIBatch
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import REFERENCES, REPO, read_jsonl

KEY = "sk-test-0123456789abcdef"
SEGMENTS = 22  # the seed article: 11 paragraphs, spun and restored, one target


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeOpenAIBatch, str]]:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    server = FakeOpenAIBatch(key=KEY)
    with serve(server.app) as url:
        yield server, f"{url}/v1"


def harness(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def batch_run(url: str, runs: Path, *extra: str) -> Result:
    return harness(
        "run",
        "-p",
        "openai",
        "-o",
        f"base_url={url}",
        "-o",
        "model=gpt-test",
        "--to",
        "de",
        "--batch",
        "--poll",
        "0",
        "--runs-dir",
        str(runs),
        "--references",
        str(REFERENCES),
        "--no-cache",
        *extra,
    )


def only_run(runs: Path) -> Path:
    (path,) = runs.glob("*.jsonl")
    return path


def by_type(path: Path, kind: str) -> list[dict[str, Any]]:
    return [r for r in read_jsonl(path) if r["type"] == kind]


def calls(server: FakeOpenAIBatch, method: str, path_start: str) -> list[Any]:
    return [r for r in server.requests if r.method == method and r.path.startswith(path_start)]


def uploaded_lines(server: FakeOpenAIBatch) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for _, content in server.files.values()
        if _.get("purpose") == "batch"
        for line in content.decode().splitlines()
    ]


def test_a_batch_run_uploads_one_request_per_segment_and_joins_the_results(
    fake: tuple[FakeOpenAIBatch, str], tmp_path: Path
) -> None:
    server, url = fake
    result = batch_run(url, tmp_path / "runs")
    assert result.exit_code == 0, result.output
    assert "22 segments, 22 ok, 0 errors; 22 requests" in result.output
    assert "1 batch(es) submitted to openai-batch" in result.output
    (upload,) = calls(server, "POST", "/v1/files")
    assert upload.headers["authorization"] == f"Bearer {KEY}"
    assert upload.headers["content-type"].startswith("multipart/form-data")
    assert 'name="purpose"\r\n\r\nbatch' in upload.body
    (create,) = calls(server, "POST", "/v1/batches")
    assert create.body["endpoint"] == "/v1/chat/completions"
    assert create.body["completion_window"] == "24h"
    assert create.body["input_file_id"] in server.files
    # Polled through every state, then both result files' content fetched (output only here).
    assert len(calls(server, "GET", "/v1/batches/")) == 3
    (batch,) = server.batches.values()
    assert [r.path.split("/")[3] for r in calls(server, "GET", "/v1/files/")] == [
        batch["output_file_id"]
    ]
    path = only_run(tmp_path / "runs")
    segments = by_type(path, "segment")
    lines = uploaded_lines(server)
    assert sorted(line["custom_id"] for line in lines) == sorted(s["id"] for s in segments)
    assert len(segments) == SEGMENTS
    for segment in segments:
        assert segment["output"] == fake_translation(segment["source"])
        assert segment["error"] is None and segment["batch"] == batch["id"]
        assert segment["engine"] == "gpt-test-2025-01-01"
    header = read_jsonl(path)[0]
    assert header["batch"] == {"api": "openai-batch"}
    events = [(r["event"], r["status"]["state"]) for r in by_type(path, "batch")]
    assert events == [("submitted", "validating"), ("ended", "completed")]
    assert read_jsonl(path)[-1]["counts"] == {"segments": SEGMENTS, "ok": SEGMENTS, "errors": 0}
    assert KEY not in path.read_text(encoding="utf-8")


def test_batch_requests_and_checks_are_the_synchronous_ones(
    fake: tuple[FakeOpenAIBatch, str], tmp_path: Path
) -> None:
    """Same bodies as the synchronous adapter sends, same outputs and flags in the run file."""
    server, url = fake
    options = ("-o", "temperature=0.3", "-o", "seed=7", "-o", "max_tokens=500")
    assert batch_run(url, tmp_path / "batch", *options).exit_code == 0
    chat = FakeOpenAI(key=KEY)
    with serve(chat.app) as chat_url:
        result = harness(
            "run",
            "-p",
            "openai",
            "-o",
            f"base_url={chat_url}/v1",
            "-o",
            "model=gpt-test",
            "--to",
            "de",
            "--runs-dir",
            str(tmp_path / "sync"),
            "--references",
            str(REFERENCES),
            "--no-cache",
            *options,
        )
        assert result.exit_code == 0, result.output
    sync_bodies = sorted(json.dumps(r.body, sort_keys=True) for r in chat.requests)
    batch_bodies = sorted(
        json.dumps(line["body"], sort_keys=True) for line in uploaded_lines(server)
    )
    assert batch_bodies == sync_bodies
    assert all(
        line["method"] == "POST" and line["url"] == "/v1/chat/completions"
        for line in uploaded_lines(server)
    )

    def outcome(path: Path) -> dict[str, tuple[Any, ...]]:
        return {s["id"]: (s["output"], s["flags"], s["usage"]) for s in by_type(path, "segment")}

    assert outcome(only_run(tmp_path / "batch")) == outcome(only_run(tmp_path / "sync"))


def test_large_plans_are_split_into_batches_under_both_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    limits = BatchLimits(max_requests=5, max_bytes=3_000)
    monkeypatch.setattr(OpenAIBatchApi, "limits", limits)
    server = FakeOpenAIBatch(key=KEY, max_requests=5, max_bytes=3_000)
    with serve(server.app) as url:
        result = batch_run(f"{url}/v1", tmp_path / "runs")
    assert result.exit_code == 0, result.output
    uploads = [content for meta, content in server.files.values() if meta["purpose"] == "batch"]
    assert len(uploads) == len(server.batches) > 22 // 5  # at most 5 requests per batch
    assert all(len(content) <= 3_000 and content.count(b"\n") <= 5 for content in uploads)
    assert any(content.count(b"\n") < 5 for content in uploads[:-1])  # bytes cut some early
    assert not any(batch["errors"] for batch in server.batches.values())
    path = only_run(tmp_path / "runs")
    submitted = [b for b in by_type(path, "batch") if b["event"] == "submitted"]
    assert [b["part"] for b in submitted] == list(range(1, len(uploads) + 1))
    assert sum(b["count"] for b in submitted) == SEGMENTS
    assert read_jsonl(path)[-1]["counts"]["ok"] == SEGMENTS


def test_a_request_that_fails_inside_the_batch_is_that_segments_error(
    fake: tuple[FakeOpenAIBatch, str], tmp_path: Path
) -> None:
    server, url = fake
    server.fail_text = "Bastrykin"
    result = batch_run(url, tmp_path / "runs")
    assert result.exit_code == 0, result.output
    assert "--retry-errors" in result.output
    segments = by_type(only_run(tmp_path / "runs"), "segment")
    failed = [s for s in segments if s["error"] is not None]
    assert failed and all("Bastrykin" in s["source"] for s in failed)
    assert all(
        s["error"]["status"] == 500
        and s["error"]["type"] == "TransientError"
        and s["output"] is None
        for s in failed
    )
    assert all(
        s["output"] == fake_translation(s["source"])
        for s in segments
        if "Bastrykin" not in s["source"]
    )
    assert len(segments) == SEGMENTS


def test_an_expired_batch_keeps_its_results_and_fails_the_rest(
    fake: tuple[FakeOpenAIBatch, str], tmp_path: Path
) -> None:
    server, url = fake
    server.expire_after(9)
    result = batch_run(url, tmp_path / "runs")
    assert result.exit_code == 0, result.output
    path = only_run(tmp_path / "runs")
    segments = by_type(path, "segment")
    ok = [s for s in segments if s["error"] is None]
    expired = [s for s in segments if s["error"] is not None]
    assert len(ok) == 9 and len(expired) == SEGMENTS - 9
    assert all("batch_expired" in s["error"]["message"] for s in expired)
    assert by_type(path, "batch")[-1]["status"]["state"] == "expired"
    assert read_jsonl(path)[-1]["counts"] == {"segments": SEGMENTS, "ok": 9, "errors": 13}


def test_a_batch_that_fails_validation_fails_its_segments_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    server = FakeOpenAIBatch(key=KEY, max_requests=5)  # the harness believes 50,000
    with serve(server.app) as url:
        result = batch_run(f"{url}/v1", tmp_path / "runs")
    # Every segment failed: exit 3 with the cause.
    assert result.exit_code == 3, result.output
    assert "every segment failed: 22 x BatchFailedError" in result.output
    segments = by_type(only_run(tmp_path / "runs"), "segment")
    assert len(segments) == SEGMENTS
    assert all(
        s["error"]["type"] == "BatchFailedError"
        and "too_many_requests" in s["error"]["message"]
        and "'failed'" in s["error"]["message"]
        for s in segments
    )


def test_no_wait_then_status_then_resume_collects_without_paying_again(
    fake: tuple[FakeOpenAIBatch, str], tmp_path: Path
) -> None:
    server, url = fake
    runs = tmp_path / "runs"
    result = batch_run(url, runs, "--no-wait")
    assert result.exit_code == 0, result.output
    assert "1 batch(es) in flight" in result.output
    path = only_run(runs)
    assert by_type(path, "segment") == [] and read_jsonl(path)[-1]["type"] == "batch"
    status = harness("run", "--batch", "--status", str(path), "--references", str(REFERENCES))
    assert status.exit_code == 0, status.output
    batch_id = next(iter(server.batches))
    assert f"batch 1 {batch_id}: in_progress; 0 ok, 0 failed of 22 requests" in status.output
    assert "0 of 22 segments written" in status.output
    resumed = harness(
        "run", "--resume", str(path), "--poll", "0", "--no-cache", "--references", str(REFERENCES)
    )
    assert resumed.exit_code == 0, resumed.output
    assert len(calls(server, "POST", "/v1/batches")) == 1
    assert len(calls(server, "POST", "/v1/files")) == 1
    assert read_jsonl(path)[-1]["counts"]["ok"] == SEGMENTS
    again = harness("run", "--resume", str(path), "--references", str(REFERENCES))
    assert again.exit_code == 0 and "nothing to do" in again.output
    done = harness("run", "--batch", "--status", str(path), "--references", str(REFERENCES))
    assert "complete; 22 of 22 segments written" in done.output
    assert f"batch 1 {batch_id}: completed, collected" in done.output


def test_cancel_keeps_what_finished_and_records_the_rest_as_errors(
    fake: tuple[FakeOpenAIBatch, str], tmp_path: Path
) -> None:
    server, url = fake
    server.cancel_keeps = 4
    runs = tmp_path / "runs"
    assert batch_run(url, runs, "--no-wait").exit_code == 0
    path = only_run(runs)
    cancelled = harness("run", "--batch", "--cancel", str(path), "--references", str(REFERENCES))
    assert cancelled.exit_code == 0, cancelled.output
    (cancel,) = calls(server, "POST", "/v1/batches/")
    assert cancel.path.endswith("/cancel") and "cancelling" in cancelled.output
    assert (
        harness(
            "run",
            "--resume",
            str(path),
            "--poll",
            "0",
            "--no-cache",
            "--references",
            str(REFERENCES),
        ).exit_code
        == 0
    )
    segments = by_type(path, "segment")
    assert sum(s["error"] is None for s in segments) == 4
    assert all("batch_cancelled" in s["error"]["message"] for s in segments if s["error"])
    assert read_jsonl(path)[-1]["counts"] == {"segments": SEGMENTS, "ok": 4, "errors": 18}


def test_resume_after_a_kill_polls_the_batch_in_flight(
    fake: tuple[FakeOpenAIBatch, str], tmp_path: Path
) -> None:
    server, url = fake
    runs = tmp_path / "runs"
    env = {**os.environ, "OPENAI_API_KEY": KEY, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harness",
            "run",
            "-p",
            "openai",
            "-o",
            f"base_url={url}",
            "-o",
            "model=gpt-test",
            "--to",
            "de",
            "--batch",
            "--poll",
            "600",
            "--runs-dir",
            str(runs),
            "--references",
            str(REFERENCES),
            "--no-cache",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not calls(server, "GET", "/v1/batches/"):  # submitted, recorded, polled once
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    path = only_run(runs)
    assert read_jsonl(path)[-1]["event"] == "submitted"
    resumed = harness(
        "run",
        "--resume",
        str(path),
        "--batch",
        "--poll",
        "0",
        "--no-cache",
        "--references",
        str(REFERENCES),
    )
    assert resumed.exit_code == 0, resumed.output
    assert len(server.batches) == 1 and len(calls(server, "POST", "/v1/files")) == 1
    assert read_jsonl(path)[-1]["counts"]["ok"] == SEGMENTS


def test_dry_run_shows_the_batches_and_the_discount(
    fake: tuple[FakeOpenAIBatch, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, url = fake
    config = tmp_path / "harness.toml"
    config.write_text(
        '[providers.gpt]\nadapter = "openai"\n'
        "price_per_million_input_tokens = 2.0\n"
        "price_per_million_output_tokens = 8.0\n"
        f'options = {{ model = "gpt-test", base_url = "{url}" }}\n',
        encoding="utf-8",
    )
    result = harness(
        "run",
        "-p",
        "gpt",
        "--config",
        str(config),
        "--to",
        "de",
        "--batch",
        "--dry-run",
        "--references",
        str(REFERENCES),
    )
    assert result.exit_code == 0, result.output
    assert server.requests == []
    row = next(line for line in result.output.splitlines() if line.startswith("gpt "))
    full = float(row.split()[-1])
    line = next(line for line in result.output.splitlines() if "batch price" in line)
    found = re.search(r"cost at batch price (\S+) \(50% off (\S+)\)", line)
    assert found is not None and full > 0, line
    assert float(found.group(2)) == full
    assert float(found.group(1)) == pytest.approx(full / 2, abs=1e-4)
    assert "batch 1: 22 of 50,000 requests" in result.output


def test_batch_needs_an_adapter_with_a_batch_api(tmp_path: Path) -> None:
    result = harness(
        "run",
        "-p",
        "echo",
        "--to",
        "de",
        "--batch",
        "--runs-dir",
        str(tmp_path),
        "--references",
        str(REFERENCES),
    )
    assert result.exit_code == 2
    assert "has no batch API" in result.output and not list(tmp_path.glob("*.jsonl"))
    assert harness("run", "--no-wait", "--references", str(REFERENCES)).exit_code == 2
    assert harness("run", "--status", "x.jsonl").exit_code == 2


def test_batch_shards_merge_into_one_run(fake: tuple[FakeOpenAIBatch, str], tmp_path: Path) -> None:
    """A matrix of batch jobs: each shard its own batch, the shard files merge as usual."""
    server, url = fake
    files = []
    for shard in ("1/2", "2/2"):
        runs = tmp_path / shard.replace("/", "-")
        assert batch_run(url, runs, "--shard", shard).exit_code == 0
        files.append(only_run(runs))
    assert len(server.batches) == 2
    merged = tmp_path / "merged.jsonl"
    result = harness("merge", *map(str, files), "--output", str(merged))
    assert result.exit_code == 0, result.output
    records = read_jsonl(merged)
    assert sum(r["type"] == "segment" for r in records) == SEGMENTS
    assert records[-1]["counts"] == {"segments": SEGMENTS, "ok": SEGMENTS, "errors": 0}


def test_cached_segments_are_not_batched_again(
    fake: tuple[FakeOpenAIBatch, str], tmp_path: Path
) -> None:
    server, url = fake
    common = (
        "run",
        "-p",
        "openai",
        "-o",
        f"base_url={url}",
        "-o",
        "model=gpt-test",
        "--to",
        "de",
        "--batch",
        "--poll",
        "0",
        "--references",
        str(REFERENCES),
    )
    assert harness(*common, "--runs-dir", str(tmp_path / "first")).exit_code == 0
    second = harness(*common, "--runs-dir", str(tmp_path / "second"))
    assert second.exit_code == 0, second.output
    assert len(server.batches) == 1
    segments = by_type(only_run(tmp_path / "second"), "segment")
    assert len(segments) == SEGMENTS and all(s["cached"] for s in segments)
    assert by_type(only_run(tmp_path / "second"), "batch") == []


def test_paragraphs_too_long_for_one_request_go_synchronously(
    fake: tuple[FakeOpenAIBatch, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, url = fake
    monkeypatch.setattr(OpenAIProvider, "limits", Limits(max_batch=1, max_chars=190))
    result = batch_run(url, tmp_path / "runs")
    assert result.exit_code == 0, result.output
    segments = by_type(only_run(tmp_path / "runs"), "segment")
    long = {s["id"] for s in segments if len(s["source"]) > 190}
    assert long and len(long) < SEGMENTS
    assert {line["custom_id"] for line in uploaded_lines(server)} == {
        s["id"] for s in segments
    } - long
    assert all("split" in s["flags"] and "batch" not in s for s in segments if s["id"] in long)
    assert len(server.chat.requests) > len(long)  # split into pieces, sent one by one
    assert read_jsonl(only_run(tmp_path / "runs"))[-1]["counts"]["ok"] == SEGMENTS
