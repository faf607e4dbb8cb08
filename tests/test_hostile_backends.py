"""The run engine against a hostile backend: nothing lost, nothing leaked, nothing hangs.

Each test drives the real engine (or ``harness run``) against the fault server on
127.0.0.1 with one hostile behaviour and checks what ends up in the run file,
the cache and the terminal.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.errors import ConfigError, TransientError, scrub_message
from harness.run.cache import TranslationCache
from harness.run.execution import execute_run
from harness.run.http_client import MAX_RESPONSE_BYTES
from harness.run.runner import INVALID_UNICODE, RunStoppedError
from harness.runfile import RunFile
from tests.engine_helpers import FakeTime, batch_plan, seed_article, segment_lines
from tests.fakes.batch_provider import KEY_ENV, install_plugin
from tests.fakes.fault_server import FaultServer
from tests.fakes.loopback import serve
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import REFERENCES, read_jsonl

KEY = "hb-Zq8Lr3Vx7Kp2Wm9Tn4Yc6"
VARIANTS = ["restored"]


async def _run(
    url: str,
    tmp_path: Path,
    *,
    cache: TranslationCache | None = None,
    environ: dict[str, str] | None = None,
    **settings: object,
) -> Path:
    plan = batch_plan(url, environ=environ, **{"max_batch": 4, "concurrency": 1, **settings})
    result = await execute_run(
        plan,
        [seed_article()],
        targets=["de"],
        variants=VARIANTS,
        runs_dir=tmp_path / "runs",
        cache=cache,
        control=FakeTime().control(),
    )
    return result.path


# ---------------------------------------------------------------- 2: any text is stored


@pytest.mark.anyio
async def test_a_lone_surrogate_is_replaced_flagged_and_cached(tmp_path: Path) -> None:
    server = FaultServer(["surrogate"])
    with TranslationCache(tmp_path / "cache.sqlite") as cache, serve(server.app) as url:
        path = await _run(url, tmp_path, cache=cache)
        hits_before = cache.hits
        again = await _run(url, tmp_path, cache=cache)  # served from the cache, not crashed
        assert cache.hits - hits_before == 11
    records = read_jsonl(path)
    assert records[-1]["type"] == "footer" and records[-1]["counts"]["ok"] == 11
    odd = [r for r in records[1:-1] if INVALID_UNICODE in r["flags"]]
    assert len(odd) == 4  # the first batch of four
    assert all(r["output"].endswith("\ufffd") for r in odd)
    assert [r["output"] for r in segment_lines(again)] == [r["output"] for r in segment_lines(path)]


# ---------------------------------------------------------------- 3: LLM detail is kept


def test_llm_detail_reaches_the_run_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = FakeOpenAI(key="sk-test-0123456789abcdef")
    server.reply(None, refusal="I can't help with that.")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789abcdef")
    monkeypatch.chdir(tmp_path)
    with serve(server.app) as url:
        result = CliRunner().invoke(
            main,
            [
                "run",
                "-p",
                "openai",
                "-o",
                f"base_url={url}/v1",
                "-o",
                "model=gpt-test",
                "--to",
                "de",
                "--variant",
                "restored",
                "--runs-dir",
                str(tmp_path / "runs"),
                "--concurrency",
                "1",
                "--no-cache",
                "--references",
                str(REFERENCES),
            ],
        )
    assert result.exit_code == 0, result.output
    segments = segment_lines(next((tmp_path / "runs").glob("*.jsonl")))
    refused = [s for s in segments if "refusal" in s["flags"]]
    assert len(refused) == 1
    assert refused[0]["detail"]["refusal"] == "I can't help with that."
    assert all(s["detail"]["stop_reason"] for s in segments)


# ---------------------------------------------------------------- 4: secrets


@pytest.mark.anyio
async def test_a_key_with_a_trailing_cr_is_stripped_and_never_written(tmp_path: Path) -> None:
    server = FaultServer(key=KEY)
    with serve(server.app) as url:
        path = await _run(url, tmp_path, environ={KEY_ENV: KEY + "\r"})
    text = path.read_text(encoding="utf-8")
    assert json.loads(text.splitlines()[-1])["counts"]["ok"] == 11
    assert KEY[:8] not in text


def test_a_key_with_a_control_character_inside_is_refused_unseen() -> None:
    with pytest.raises(ConfigError, match=KEY_ENV) as caught:
        batch_plan("http://127.0.0.1:9", environ={KEY_ENV: KEY[:10] + "\x00" + KEY[10:]})
    assert KEY[:8] not in str(caught.value)


@pytest.mark.anyio
async def test_a_key_echoed_next_to_the_cut_leaves_no_piece(tmp_path: Path) -> None:
    # The adapter cuts the body at 200 characters: 188 of noise, " key ", then 7 of the key.
    server = FaultServer(["echo-key"], key=KEY)
    with serve(server.app) as url:
        path = await _run(url, tmp_path, environ={KEY_ENV: KEY}, max_attempts=1)
    failed = [r for r in segment_lines(path) if r["error"]]
    assert len(failed) == 4
    assert all("[redacted]" in r["error"]["message"] for r in failed)
    assert KEY[:6] not in path.read_text(encoding="utf-8")


def test_a_key_echoed_by_a_startup_request_is_not_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    install_plugin(tmp_path / "site")
    monkeypatch.setenv(KEY_ENV, KEY)
    server = FaultServer(startup="echo-key", key=KEY)
    with serve(server.app) as url:
        result = CliRunner().invoke(
            main,
            [
                "run",
                "-p",
                "fault-batch",
                "-o",
                f"base_url={url}",
                "-o",
                "check_languages=true",
                "--to",
                "de",
                "--runs-dir",
                str(tmp_path / "r"),
                "--references",
                str(REFERENCES),
            ],
        )
    assert result.exit_code == 3, result.output
    assert "languages: eee" in result.output and "[redacted]" in result.output
    assert KEY[:6] not in result.output


def test_a_password_in_base_url_is_refused_and_not_repeated() -> None:
    with pytest.raises(ConfigError, match="user name or password") as caught:
        batch_plan("http://bob:hunter2-secret@127.0.0.1:9")
    assert "hunter2" not in str(caught.value)


def test_messages_lose_url_passwords_and_terminal_escapes() -> None:
    said = "POST https://bob:hunter2@api.example/v1 failed: \x1b[2J\x1b]0;owned\x07 503"
    assert scrub_message(said) == "POST https://api.example/v1 failed: 503"


# ---------------------------------------------------------------- 5: hangs and waits


@pytest.mark.anyio
async def test_a_trickled_startup_answer_times_out(tmp_path: Path) -> None:
    server = FaultServer(startup="trickle", trickle_seconds=0.05)
    # wait_for only keeps a regression from hanging the suite; the engine must give up.
    with (
        serve(server.app) as url,
        pytest.raises(TransientError, match=r"start-up request within 0\.5 s"),
    ):
        await asyncio.wait_for(_run(url, tmp_path, check_languages=True, timeout=0.5), 60)
    assert server.startup_requests == 1 and server.count == 0


@pytest.mark.parametrize(
    "setting", ["--timeout=inf", "--timeout=nan", "--max-wait=inf", "--concurrency=1000000000"]
)
def test_impossible_settings_are_refused(setting: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "run",
            "-p",
            "apertium",
            setting,
            "--runs-dir",
            str(tmp_path),
            "--references",
            str(REFERENCES),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "must be" in result.output and "Traceback" not in result.output
    assert not list(tmp_path.glob("*.jsonl"))


def test_impossible_settings_in_the_config_file_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "harness.toml"
    config.write_text("[defaults]\ntimeout = nan\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--config",
            str(config),
            "--runs-dir",
            str(tmp_path),
            "--references",
            str(REFERENCES),
        ],
    )
    assert result.exit_code == 2
    assert "[defaults]: timeout must be a finite number" in result.output


@pytest.mark.anyio
async def test_a_retry_after_of_hours_stops_the_provider_with_its_resume_command(
    tmp_path: Path,
) -> None:
    server = FaultServer(["retry-hours"])
    fake = FakeTime()
    with serve(server.app) as url:
        plan = batch_plan(url, max_batch=4, concurrency=1, max_wait=60)
        with pytest.raises(RunStoppedError, match="asks to wait 7200 s") as caught:
            await execute_run(
                plan,
                [seed_article()],
                targets=["de"],
                variants=VARIANTS,
                runs_dir=tmp_path,
                control=fake.control(),
            )
    assert "longer than max_wait (60 s)" in str(caught.value)
    assert "harness run --resume" in str(caught.value)
    assert not any(pause > 60 for pause in fake.sleeps)
    assert server.count == 1


# ---------------------------------------------------------------- 6: memory


@pytest.mark.anyio
@pytest.mark.parametrize("behaviour", ["bomb", "huge"])
async def test_oversized_answers_are_refused_while_streaming(
    behaviour: str, tmp_path: Path
) -> None:
    server = FaultServer([behaviour], huge_bytes=MAX_RESPONSE_BYTES + 2**20)
    with serve(server.app) as url:
        path = await _run(url, tmp_path, max_attempts=1)
    failed = [r for r in segment_lines(path) if r["error"]]
    assert len(failed) == 4
    assert all(r["error"]["type"] == "BadResponseError" for r in failed)
    assert all("larger than 32 MiB" in r["error"]["message"] for r in failed)
    assert read_jsonl(path)[-1]["counts"] == {"segments": 11, "ok": 7, "errors": 4}


@pytest.mark.anyio
async def test_megabytes_of_output_for_a_paragraph_fail_the_segment(tmp_path: Path) -> None:
    server = FaultServer(["duplicate"])
    with serve(server.app) as url:
        path = await _run(url, tmp_path, max_attempts=1)
    failed = [r for r in segment_lines(path) if r["error"]]
    assert len(failed) == 4 and all("characters of output" in r["error"]["message"] for r in failed)
    assert path.stat().st_size < 2**20
    assert sum(1 for _ in RunFile(path).segments()) == 11


# ---------------------------------------------------------------- 9: terminal and exit code


def test_a_run_where_every_segment_failed_exits_3_with_the_causes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    install_plugin(tmp_path / "site")
    server = FaultServer(faults=["503"], fault_rate=1.0)
    with serve(server.app) as url:
        result = CliRunner().invoke(
            main,
            [
                "run",
                "-p",
                "fault-batch",
                "-o",
                f"base_url={url}",
                "--to",
                "de",
                "--variant",
                "restored",
                "--max-attempts",
                "1",
                "--runs-dir",
                str(tmp_path / "r"),
                "--references",
                str(REFERENCES),
                "--no-cache",
            ],
        )
    assert result.exit_code == 3, result.output
    assert (
        "every segment failed: 11 x TransientError: fault-batch: server error 503" in result.output
    )
