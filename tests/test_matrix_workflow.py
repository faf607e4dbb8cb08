"""The matrix workflow runs here as written: shards fan out, their artifacts join, then compare.

The test reads ``.github/workflows/matrix.yml`` and plays each job the way the
runner would: every ``run:`` step that calls harness runs under ``bash -eo
pipefail`` in its own scratch checkout with ``${{ matrix.shard }}`` and the
workflow's ``env`` filled in; the upload and download steps are played by
copying the files their ``path``/``pattern`` name from one job's checkout to
the other's. The install step is left out (it is ``.ci/setup``, which set up
this environment). Shards run the real Apertium engine.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import APERTIUM_MISSING, APERTIUM_SKIP_REASON, REPO, read_jsonl

yaml = pytest.importorskip("yaml", reason="PyYAML is a test dependency (pip install -e '.[test]')")

WORKFLOW = REPO / ".github" / "workflows" / "matrix.yml"
BASELINE = REPO / "runs" / "baseline" / "apertium.jsonl"


def load() -> dict[str, Any]:
    workflow: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return workflow


def step(job: dict[str, Any], uses: str) -> dict[str, Any]:
    return next(s for s in job["steps"] if str(s.get("uses", "")).startswith(uses))


def harness_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if "run" in s and "harness " in s["run"]]


def checkout(root: Path) -> Path:
    """A scratch checkout: the baseline, and ``.venv/bin/harness`` running this harness."""
    (root / "runs" / "baseline").mkdir(parents=True)
    shutil.copy(BASELINE, root / "runs" / "baseline" / "apertium.jsonl")
    shim = root / ".venv" / "bin" / "harness"
    shim.parent.mkdir(parents=True)
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m harness "$@"\n', encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    return root


def run(script: str, work: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_the_matrix_fans_out_uploads_each_shard_and_joins_them() -> None:
    workflow = load()
    shard_job, merge_job = workflow["jobs"]["shard"], workflow["jobs"]["merge"]
    shards = shard_job["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(workflow["env"]["SHARDS"]) + 1))
    assert merge_job["needs"] == "shard"
    upload, download = (
        step(shard_job, "actions/upload-artifact"),
        step(merge_job, "actions/download-artifact"),
    )
    name = upload["with"]["name"].replace("${{ matrix.shard }}", "1")
    assert fnmatch.fnmatch(name, download["with"]["pattern"])
    assert download["with"]["merge-multiple"] is True
    (translate,) = harness_steps(shard_job)
    assert "--shard" in translate["run"] and "${{ matrix.shard }}" in translate["run"]


@pytest.mark.apertium
@pytest.mark.skipif(APERTIUM_MISSING, reason=APERTIUM_SKIP_REASON)
def test_matrix_steps_run_locally_merge_and_compare(tmp_path: Path) -> None:
    workflow = load()
    shard_job, merge_job = workflow["jobs"]["shard"], workflow["jobs"]["merge"]
    env = {
        **os.environ,
        **{k: str(v) for k, v in workflow["env"].items()},
        "HARNESS_REFERENCES": str(REPO / "references"),
        "NO_COLOR": "1",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    env.pop("HARNESS_RUNS_DIR", None)
    upload = step(shard_job, "actions/upload-artifact")
    artifacts = tmp_path / "artifacts"
    for shard in shard_job["strategy"]["matrix"]["shard"]:
        work = checkout(tmp_path / f"shard-{shard}")
        for item in harness_steps(shard_job):
            script = item["run"].replace("${{ matrix.shard }}", str(shard))
            done = run(script, work, env)
            assert done.returncode == 0, f"{item['name']} {shard}: {done.stderr}"
        name = upload["with"]["name"].replace("${{ matrix.shard }}", str(shard))
        kept = sorted(work.glob(upload["with"]["path"]))
        assert len(kept) == 1, f"shard {shard} should leave one run file, left {kept}"
        (artifacts / name).mkdir(parents=True)
        shutil.copy(kept[0], artifacts / name / kept[0].name)

    download = step(merge_job, "actions/download-artifact")
    merge_step, compare_step = harness_steps(merge_job)

    def merge_checkout(root: Path, skip: str | None = None) -> Path:
        work = checkout(root)
        target = work / download["with"]["path"]
        target.mkdir(parents=True)
        for folder in sorted(artifacts.iterdir()):
            if fnmatch.fnmatch(folder.name, download["with"]["pattern"]) and folder.name != skip:
                for file in folder.iterdir():
                    shutil.copy(file, target / file.name)
        return work

    # A lost shard is refused by the merge step, not merged into a short run.
    short = merge_checkout(
        tmp_path / "merge-short", skip=upload["with"]["name"].replace("${{ matrix.shard }}", "2")
    )
    refused = run(merge_step["run"], short, env)
    assert refused.returncode == 2 and "shard(s) 2/3 missing" in refused.stderr

    work = merge_checkout(tmp_path / "merge")
    for item in (merge_step, compare_step):
        done = run(item["run"], work, env)
        assert done.returncode == 0, f"{item['name']}: {done.stdout}\n{done.stderr}"
    merged = read_jsonl(work / "runs" / "merged" / "apertium.jsonl")
    baseline = read_jsonl(BASELINE)
    ids = sorted(r["id"] for r in merged if r["type"] == "segment")
    assert ids == sorted(r["id"] for r in baseline if r["type"] == "segment")
    assert [m["shard"] for m in merged[0]["merged_from"]] == ["1/3", "2/3", "3/3"]
    assert merged[-1]["counts"]["errors"] == 0
    keep = step(merge_job, "actions/upload-artifact")
    for line in keep["with"]["path"].split():
        assert (work / line).is_file(), f"the last upload keeps {line}, which was not written"
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert summary.startswith("## ✅ harness compare: PASSED")
