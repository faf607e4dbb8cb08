"""Misuse a real user will hit: live files, broken files, full disks, signals, odd input.

Every case ends with one clear line and the documented exit code (2 usage, 3
runtime), never a traceback, and never loses what was already written.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from harness.cli import main
from harness.references.article import load_article
from harness.restore.phrasebook import load_phrasebook
from harness.restore.proposer import propose_restoration
from harness.run.merge import merge_runs
from harness.runfile import new_run_id
from tests.compare_fixtures import BAD, GOOD, write_run
from tests.fakes.batch_provider import install_plugin
from tests.fakes.fault_server import FaultServer
from tests.fakes.loopback import serve
from tests.helpers import REFERENCES, REPO, SEED_ID, read_jsonl

RUN_ARGS = ["-p", "fault-batch", "--to", "de", "--variant", "restored", "--no-cache"]


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The fault-batch plugin for in-process commands; the environment for subprocesses."""
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delenv("FAULT_BATCH_KEY", raising=False)
    env = {**os.environ, **install_plugin(tmp_path / "site")}
    return env


def _harness(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _one_line_error(result: Result, code: int, expected: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("harness: error")]
    assert len(errors) == 1 and expected in errors[0], result.output


@pytest.fixture
def stopped_run(tmp_path: Path, plugin: dict[str, str]) -> Iterator[tuple[Path, str]]:
    """A run stopped by a fatal error after a few segments, and its server (now healthy)."""
    server = FaultServer(["ok", "ok", "auth"])
    with serve(server.app) as url:
        result = _harness(
            "run",
            *RUN_ARGS,
            "-o",
            f"base_url={url}",
            "-o",
            "max_batch=2",
            "--concurrency",
            "1",
            "--runs-dir",
            tmp_path / "runs",
            "--references",
            REFERENCES,
        )
        assert result.exit_code == 3, result.output
        yield next((tmp_path / "runs").glob("*.jsonl")), url


# ---------------------------------------------------------------- 1: live run files


def test_resume_of_a_live_run_is_refused_and_changes_nothing(
    stopped_run: tuple[Path, str], plugin: dict[str, str]
) -> None:
    path, _ = stopped_run
    # Another process holds the run open for writing, as a live `harness run` does.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time\n"
            "f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX)\n"
            "print('locked', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        before = path.read_bytes()
        for flag in ("--resume", "--retry-errors"):
            result = _harness("run", flag, path, "--references", REFERENCES)
            _one_line_error(result, 2, "another harness process")
        assert path.read_bytes() == before
        assert list(path.parent.glob("*.jsonl")) == [path]
    finally:
        holder.kill()
        holder.wait(timeout=10)
    resumed = _harness("run", "--resume", path, "--references", REFERENCES)
    assert resumed.exit_code == 0, resumed.output
    assert read_jsonl(path)[-1]["counts"] == {"segments": 11, "ok": 11, "errors": 0}


# ---------------------------------------------------------------- 7: restore is linear


def _proposer_lines(text: str) -> int:
    """Lines of the proposer module executed for ``text``: a count of work, not a time."""
    book = load_phrasebook()
    executed = 0
    proposer_file = propose_restoration.__code__.co_filename

    def trace(frame: Any, event: str, _arg: Any) -> Any:
        nonlocal executed
        if frame.f_code.co_filename != proposer_file:
            return None
        if event == "line":
            executed += 1
        return trace

    sys.settrace(trace)
    try:
        propose_restoration(text, book)
    finally:
        sys.settrace(None)
    return executed


def test_restore_work_grows_linearly_with_the_text() -> None:
    spun = (REFERENCES / SEED_ID / "spun.txt").read_text(encoding="utf-8")
    small, large = _proposer_lines(spun * 8), _proposer_lines(spun * 16)
    # Twice the text, about twice the work (quadratic overlap checks made it ~4x).
    assert large < 2.3 * small


# ---------------------------------------------------------------- 8: broken files, full disk


def _valid_run(tmp_path: Path) -> Path:
    return write_run(tmp_path / "run.jsonl", "good", GOOD)


@pytest.mark.parametrize(
    "damage, message",
    [
        (
            lambda lines: [lines[0], b'{"type":"segment","id":"\xff\xfe"}', *lines[2:]],
            "run.jsonl:2: not UTF-8 text",
        ),
        (
            lambda lines: [lines[0].replace(b'"targets": ["es"]', b'"targets": "es"'), *lines[1:]],
            "run.jsonl:1: header field targets",
        ),
        (
            lambda lines: [
                lines[0],
                lines[1].replace(b'"latency_ms": 121.0', b'"latency_ms": "abc"'),
                *lines[2:],
            ],
            "run.jsonl:2: segment field latency_ms",
        ),
        (
            lambda lines: [
                lines[0],
                lines[1].replace(b'"latency_ms": 121.0', b'"latency_ms": NaN'),
                *lines[2:],
            ],
            "run.jsonl:2: not valid JSON (NaN is not a JSON number)",
        ),
        (lambda lines: [*lines[:3], lines[2], *lines[3:]], "run.jsonl:4: segment"),
    ],
)
@pytest.mark.parametrize("command", ["score", "compare"])
def test_damaged_run_files_get_one_line_and_exit_2(
    tmp_path: Path, damage: Any, message: str, command: str
) -> None:
    path = _valid_run(tmp_path)
    lines = path.read_bytes().splitlines()
    path.write_bytes(b"\n".join(damage(lines)) + b"\n")
    _one_line_error(_harness(command, path, "--references", REFERENCES), 2, message)


def test_run_ids_do_not_collide() -> None:
    ids = {new_run_id("deepl") for _ in range(2000)}
    assert len(ids) == 2000
    assert all(len(run_id.rsplit("-", 1)[1]) == 12 for run_id in ids)  # 48 random bits


def test_a_merge_killed_earlier_does_not_block_the_next(
    tmp_path: Path, plugin: dict[str, str]
) -> None:
    server = FaultServer()
    with serve(server.app) as url:
        shards = []
        for shard in ("1/2", "2/2"):
            out = tmp_path / shard.replace("/", "-")
            result = _harness(
                "run",
                *RUN_ARGS,
                "-o",
                f"base_url={url}",
                "--shard",
                shard,
                "--runs-dir",
                out,
                "--references",
                REFERENCES,
            )
            assert result.exit_code == 0, result.output
            shards.append(next(out.glob("*.jsonl")))
    target = tmp_path / "merged.jsonl"
    target.with_name("merged.jsonl.partial").write_text('{"type":"header"', encoding="utf-8")
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "fsync", fsync)
        merged = merge_runs(shards, tmp_path, target)
    assert merged.counts.ok == 11 and read_jsonl(target)[-1]["type"] == "footer"
    assert len(synced) >= 2  # the file before the rename, its folder after
    assert not target.with_name("merged.jsonl.partial").exists()


def test_a_full_disk_is_one_line_and_the_run_resumes(
    tmp_path: Path, plugin: dict[str, str]
) -> None:
    server = FaultServer()
    runs = tmp_path / "runs"
    runs.mkdir()

    def small_files() -> None:  # the disk "fills" after 4 KB of any file
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    with serve(server.app) as url:
        process = subprocess.run(
            [
                sys.executable,
                "-m",
                "harness",
                "run",
                *RUN_ARGS,
                "-o",
                f"base_url={url}",
                "--runs-dir",
                str(runs),
                "--references",
                str(REFERENCES),
            ],
            cwd=REPO,
            env=plugin,
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=small_files,
            check=False,
        )
        assert process.returncode == 3, process.stderr
        assert "Traceback" not in process.stderr
        (path,) = runs.glob("*.jsonl")
        assert f"{path}: cannot write (File too large)" in process.stderr
        assert f"harness run --resume {path}" in process.stderr
        resumed = _harness("run", "--resume", path)
        assert resumed.exit_code == 0, resumed.output
    assert read_jsonl(path)[-1]["counts"] == {"segments": 11, "ok": 11, "errors": 0}


# ---------------------------------------------------------------- 9: smaller


def test_sigterm_stops_like_ctrl_c(tmp_path: Path, plugin: dict[str, str]) -> None:
    server = FaultServer(latency=0.05)
    runs = tmp_path / "runs"
    with serve(server.app) as url:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "harness",
                "run",
                *RUN_ARGS,
                "-o",
                f"base_url={url}",
                "-o",
                "max_batch=1",
                "--concurrency",
                "1",
                "--runs-dir",
                str(runs),
                "--references",
                str(REFERENCES),
            ],
            cwd=REPO,
            env=plugin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        while (
            not list(runs.glob("*.jsonl"))
            or next(runs.glob("*.jsonl")).read_bytes().count(b"\n") < 3
        ):
            assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    (path,) = runs.glob("*.jsonl")
    assert f"resume with: harness run --resume {path}" in stderr
    records = read_jsonl(path)
    assert records[-1]["type"] == "segment" and path.read_bytes().endswith(b"\n")


def test_resume_remembers_the_references_folder(tmp_path: Path, plugin: dict[str, str]) -> None:
    refs = tmp_path / "my-references"
    shutil.copytree(REFERENCES / SEED_ID, refs / "my-article")
    meta = refs / "my-article" / "meta.toml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace(SEED_ID, "my-article"), encoding="utf-8"
    )
    runs = tmp_path / "runs"
    server = FaultServer(["ok", "auth"])
    with serve(server.app) as url:
        first = _harness(
            "run",
            *RUN_ARGS,
            "-o",
            f"base_url={url}",
            "--concurrency",
            "1",
            "--runs-dir",
            runs,
            "--references",
            refs,
        )
        assert first.exit_code == 3, first.output
        (path,) = runs.glob("*.jsonl")
        resumed = _harness("run", "--resume", path)
        assert resumed.exit_code == 0, resumed.output
    assert read_jsonl(path)[-1]["counts"]["ok"] == 11


def _add(tmp_path: Path, article_id: str, spun: bytes, restored: bytes, title: str) -> Result:
    (tmp_path / "spun.txt").write_bytes(spun)
    (tmp_path / "restored.txt").write_bytes(restored)
    return _harness(
        "references",
        "add",
        article_id,
        "--spun",
        tmp_path / "spun.txt",
        "--restored",
        tmp_path / "restored.txt",
        "--title",
        title,
        "--publisher",
        "P",
        "--date",
        "2026-01-01",
        "--references",
        tmp_path / "refs",
    )


def test_references_add_survives_a_del_in_the_title_and_a_bom(tmp_path: Path) -> None:
    spun = (REFERENCES / SEED_ID / "spun.txt").read_bytes()
    restored = (REFERENCES / SEED_ID / "restored.txt").read_bytes()
    assert _add(tmp_path, "plain", spun, restored, "Title").exit_code == 0
    plain = load_article("plain", tmp_path / "refs")
    result = _add(tmp_path, "odd", b"\xef\xbb\xbf" + spun, restored, "Ti\x7ftle")
    assert result.exit_code == 0, result.output
    article = load_article("odd", tmp_path / "refs")
    assert article.title == "Ti\x7ftle"
    assert [s.spun for s in article.segments] == [s.spun for s in plain.segments]


def test_escape_sequences_from_a_backend_never_reach_the_terminal(tmp_path: Path) -> None:
    good = write_run(tmp_path / "good.jsonl", "good", GOOD)
    hostile = {
        key: "\x1b[2J\x1b]0;owned\x07" + str(value)
        for key, value in BAD.items()
        if value is not None
    }
    bad = write_run(tmp_path / "bad.jsonl", "bad", hostile)
    result = _harness("compare", bad, "--baseline", good, "--references", REFERENCES)
    assert result.exit_code == 0, result.output
    assert "baseline:" in result.output  # the section that prints backend text is there
    assert "\x1b" not in result.output and "\x07" not in result.output


def test_resumed_and_complete_run_files_are_valid_json_lines(
    tmp_path: Path, plugin: dict[str, str]
) -> None:
    # Guard for the lock: a resumed file is still one record per line, in order.
    server = FaultServer(["ok", "auth"])
    runs = tmp_path / "runs"
    with serve(server.app) as url:
        _harness(
            "run",
            *RUN_ARGS,
            "-o",
            f"base_url={url}",
            "--concurrency",
            "1",
            "--runs-dir",
            runs,
            "--references",
            REFERENCES,
        )
        (path,) = runs.glob("*.jsonl")
        assert _harness("run", "--resume", path).exit_code == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    kinds = [json.loads(line)["type"] for line in lines]
    assert kinds[0] == "header" and kinds[-1] == "footer" and kinds.count("footer") == 1
