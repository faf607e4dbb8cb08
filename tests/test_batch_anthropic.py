"""``harness run --batch`` with ``anthropic`` against fake Message Batches on 127.0.0.1."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from harness.cli import main
from harness.errors import BadResponseError
from harness.run.batch.api import BatchLimits, BatchStatus
from providers.anthropic import AnthropicOptions, AnthropicProvider
from providers.anthropic_batch import AnthropicBatchApi
from tests.fakes.anthropic_batch_server import FakeAnthropicBatches
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.chat_recording import fake_translation
from tests.fakes.loopback import serve
from tests.helpers import REFERENCES, read_jsonl

KEY = "sk-ant-test-0123456789abcdef"
SEGMENTS = 22


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeAnthropicBatches, str]]:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    server = FakeAnthropicBatches(key=KEY)
    with serve(server.app) as url:
        yield server, url


def harness(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def batch_run(url: str, runs: Path, *extra: str) -> Result:
    return harness(
        "run",
        "-p",
        "anthropic",
        "-o",
        f"base_url={url}",
        "-o",
        "model=claude-test",
        "--to",
        "uk",
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


def segments(path: Path) -> list[dict[str, Any]]:
    return [r for r in read_jsonl(path) if r["type"] == "segment"]


def created(server: FakeAnthropicBatches) -> list[Any]:
    return [r for r in server.requests if r.method == "POST" and r.path == "/v1/messages/batches"]


def test_a_batch_run_posts_the_requests_inline_and_joins_the_results(
    fake: tuple[FakeAnthropicBatches, str], tmp_path: Path
) -> None:
    server, url = fake
    result = batch_run(url, tmp_path / "runs")
    assert result.exit_code == 0, result.output
    (create,) = created(server)
    assert create.headers["x-api-key"] == KEY
    assert create.headers["anthropic-version"] == "2023-06-01"
    requests = create.body["requests"]
    assert len(requests) == SEGMENTS
    assert all(re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", r["custom_id"]) for r in requests)
    polls = [r for r in server.requests if r.method == "GET" and r.path.count("/") == 4]
    assert len(polls) == 3  # in_progress, in_progress, ended
    (download,) = [r for r in server.requests if r.path.endswith("/results")]
    assert download.headers["x-api-key"] == KEY
    path = only_run(tmp_path / "runs")
    written = segments(path)
    assert len(written) == SEGMENTS
    batch_id = next(iter(server.batches))
    for segment in written:
        assert segment["output"] == fake_translation(segment["source"])
        assert segment["batch"] == batch_id and segment["engine"] == "claude-test"
        assert "wrong_language" in segment["flags"]  # Latin letters for Ukrainian, as sync
    assert read_jsonl(path)[-1]["counts"] == {"segments": SEGMENTS, "ok": SEGMENTS, "errors": 0}


def test_batch_params_and_outputs_are_the_synchronous_ones(
    fake: tuple[FakeAnthropicBatches, str], tmp_path: Path
) -> None:
    server, url = fake
    options = (
        "-o",
        "temperature=0.5",
        "-o",
        "max_tokens=300",
        "-o",
        "system_prompt=Render {source} as {target}.",
    )
    assert batch_run(url, tmp_path / "batch", *options).exit_code == 0
    sync = FakeAnthropic(key=KEY)
    with serve(sync.app) as sync_url:
        result = harness(
            "run",
            "-p",
            "anthropic",
            "-o",
            f"base_url={sync_url}",
            "-o",
            "model=claude-test",
            "--to",
            "uk",
            "--runs-dir",
            str(tmp_path / "sync"),
            "--references",
            str(REFERENCES),
            "--no-cache",
            *options,
        )
        assert result.exit_code == 0, result.output
    assert sorted(json.dumps(r.body, sort_keys=True) for r in sync.requests) == sorted(
        json.dumps(r["params"], sort_keys=True) for r in created(server)[0].body["requests"]
    )

    def outcome(path: Path) -> dict[str, Any]:
        return {s["id"]: (s["output"], s["flags"], s["usage"]) for s in segments(path)}

    assert outcome(only_run(tmp_path / "batch")) == outcome(only_run(tmp_path / "sync"))


def test_errored_expired_and_split_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two batches (the limit is 12 requests): one expires after 5, one has errored requests."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setattr(AnthropicBatchApi, "limits", BatchLimits(12, 256_000_000))
    server = FakeAnthropicBatches(key=KEY, max_requests=12)
    server.expire_after(5)
    server.fail_text = "Bastrykin"
    with serve(server.app) as url:
        result = batch_run(url, tmp_path / "runs")
    assert result.exit_code == 0, result.output
    assert [len(r.body["requests"]) for r in created(server)] == [12, 10]
    path = only_run(tmp_path / "runs")
    written = {s["id"]: s for s in segments(path)}
    assert len(written) == SEGMENTS
    first, second = (list(batch) for batch in server.inputs.values())
    by_custom = {AnthropicBatchApi.custom_id(_api(), key): key for key in written}
    expired = [by_custom[r["custom_id"]] for r in first[5:]]
    assert all("expired before it ran" in written[k]["error"]["message"] for k in expired)
    overloaded = [
        s for s in written.values() if s["error"] and s["error"]["type"] == "TransientError"
    ]
    assert overloaded and all(
        "Bastrykin" in s["source"] and s["error"]["status"] == 529 for s in overloaded
    )
    second_ids = {by_custom[r["custom_id"]] for r in second}
    assert all(
        written[k]["output"] == fake_translation(written[k]["source"])
        for k in second_ids
        if "Bastrykin" not in written[k]["source"]
    )
    footer = read_jsonl(path)[-1]
    assert footer["counts"]["segments"] == SEGMENTS
    assert footer["counts"]["errors"] == len(expired) + sum(
        1 for s in overloaded if s["id"] not in expired
    )


def test_cancel_then_resume(fake: tuple[FakeAnthropicBatches, str], tmp_path: Path) -> None:
    server, url = fake
    server.cancel_keeps = 3
    runs = tmp_path / "runs"
    assert batch_run(url, runs, "--no-wait").exit_code == 0
    path = only_run(runs)
    result = harness("run", "--batch", "--cancel", str(path), "--references", str(REFERENCES))
    assert result.exit_code == 0, result.output
    assert "canceling" in result.output
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
    written = segments(path)
    assert sum(s["error"] is None for s in written) == 3
    assert all("canceled before it ran" in s["error"]["message"] for s in written if s["error"])
    assert len(created(server)) == 1


def _api(base_url: str = "http://127.0.0.1:9") -> AnthropicBatchApi:
    options = AnthropicOptions(base_url=base_url, model="claude-test")
    return AnthropicBatchApi(AnthropicProvider(options, secrets={"ANTHROPIC_API_KEY": KEY}))


def test_custom_ids_fit_the_pattern_and_stay_unique() -> None:
    api = _api()
    keys = [f"{'a' * 60}/p{n:02d}/spun/pt-BR" for n in range(200)] + [
        "x/p01/spun/de",
        "x_p01/spun/de",
    ]
    ids = [api.custom_id(key) for key in keys]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", cid) for cid in ids)
    assert ids[-2].startswith("x_p01_spun_de-")


@pytest.mark.anyio
async def test_results_on_another_host_are_refused_and_get_no_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="")

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        options = AnthropicOptions(base_url="http://127.0.0.1:9", model="claude-test")
        api = AnthropicBatchApi(
            AnthropicProvider(options, client=client, secrets={"ANTHROPIC_API_KEY": KEY})
        )
        status = BatchStatus(
            "msgbatch_1", "ended", True, detail={"results_url": "http://elsewhere.example/results"}
        )
        with pytest.raises(BadResponseError, match="not on base_url"):
            [item async for item in api.results(status)]
    assert seen == []
