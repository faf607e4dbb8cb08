"""``harness run`` as a process: killed at random points and resumed, and stopped by Ctrl-C.

The subprocess finds the test provider through a dist-info folder on its
PYTHONPATH, exactly as it would find an installed plugin.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from harness.run.plan import plan_items
from tests.engine_helpers import expected_output, seed_article
from tests.fakes.batch_provider import install_plugin
from tests.fakes.fault_server import FaultServer
from tests.fakes.loopback import serve
from tests.helpers import REFERENCES, REPO

TARGETS = ["de", "fr", "es"]


def _harness(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "harness", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _wait_for_lines(runs: Path, process: subprocess.Popen[str], count: int) -> Path | None:
    """Wait (polling) until the run file has ``count`` lines or the process ends."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        files = sorted(runs.glob("*.jsonl"))
        if files and _lines(files[0]) >= count:
            return files[0]
        if process.poll() is not None:
            return files[0] if files else None
        time.sleep(0.002)
    raise AssertionError("the run made no progress")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, **install_plugin(tmp_path / "site")}
    env.pop("FAULT_BATCH_KEY", None)
    return env


def _check_complete(path: Path) -> None:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    segments = [r for r in records if r["type"] == "segment"]
    planned = {i.key for i in plan_items([seed_article()], ["spun", "restored"], TARGETS)}
    ids = [r["id"] for r in segments]
    assert len(ids) == len(set(ids)), "a segment was written twice"
    assert set(ids) == planned, "a segment is missing"
    assert all(r["output"] == expected_output(r) for r in segments)
    assert records[0]["type"] == "header" and records[-1]["type"] == "footer"
    assert sum(r["type"] == "footer" for r in records) == 1
    assert records[-1]["counts"] == {"segments": 66, "ok": 66, "errors": 0}


def test_killed_at_random_points_then_resumed_loses_and_repeats_nothing(tmp_path: Path) -> None:
    rng = random.Random(20250520)
    server = FaultServer(latency=0.004)
    runs = tmp_path / "runs"
    env = _env(tmp_path)
    with serve(server.app) as url:
        start = [
            "run",
            "-p",
            "fault-batch",
            "-o",
            f"base_url={url}",
            "-o",
            "max_batch=1",
            "--to",
            ",".join(TARGETS),
            "--concurrency",
            "3",
            "--runs-dir",
            str(runs),
            "--references",
            str(REFERENCES),
            "--no-cache",
        ]
        args = start
        kills = 0
        path: Path | None = None
        for _ in range(12):
            process = _harness(args, env)
            done = _lines(path) if path else 0
            path = _wait_for_lines(runs, process, done + rng.randint(1, 20))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)
                kills += 1
                assert path is not None
                if rng.random() < 0.5:  # killed in the middle of writing a line
                    with path.open("ab") as fh:
                        fh.write(b'{"type":"segment","id":"ki-2025-05-20-natur')
            else:
                _, stderr = process.communicate(timeout=30)
                assert process.returncode == 0, stderr
            if process.returncode == 0:
                break
            args = ["run", "--resume", str(path), "--no-cache"]
        else:
            raise AssertionError("the run never finished")
    assert kills >= 2, "the seed should kill the run more than once"
    assert path is not None
    _check_complete(path)


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path: Path) -> None:
    server = FaultServer(latency=0.03)
    runs = tmp_path / "runs"
    env = _env(tmp_path)
    with serve(server.app) as url:
        process = _harness(
            [
                "run",
                "-p",
                "fault-batch",
                "-o",
                f"base_url={url}",
                "-o",
                "max_batch=1",
                "--to",
                ",".join(TARGETS),
                "--concurrency",
                "2",
                "--runs-dir",
                str(runs),
                "--references",
                str(REFERENCES),
            ],
            env,
        )
        path = _wait_for_lines(runs, process, 6)
        assert path is not None and process.poll() is None
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 130, stderr
        assert f"resume with: harness run --resume {path}" in stderr
        data = path.read_bytes()
        assert data.endswith(b"\n")
        records = [json.loads(line) for line in data.splitlines()]
        assert records[-1]["type"] == "segment"  # no footer: the run is not finished
        assert len(records) - 1 < 66
        resumed = _harness(["run", "--resume", str(path)], env)
        _, stderr = resumed.communicate(timeout=60)
        assert resumed.returncode == 0, stderr
    _check_complete(path)
