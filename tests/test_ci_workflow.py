"""The pull-request workflow cannot rot silently: its steps run here, as written.

The test reads ``.github/workflows/harness.yml``, and runs each ``run:`` step that
calls harness in a scratch folder the way the runner would (``bash -e``, with
``GITHUB_STEP_SUMMARY`` pointing at a file), against the committed baseline and
the real engines (Apertium and Bergamot). The install step is the one thing left
out: it is ``.ci/setup``, which set up this very environment. Then it checks that
the files the upload step keeps exist, and that a regression fails each engine's
compare step while the step summary is still written.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import (
    APERTIUM_MISSING,
    APERTIUM_SKIP_REASON,
    BERGAMOT_MISSING,
    BERGAMOT_SKIP_REASON,
    REPO,
    read_jsonl,
)

yaml = pytest.importorskip("yaml", reason="PyYAML is a test dependency (pip install -e '.[test]')")

WORKFLOW = REPO / ".github" / "workflows" / "harness.yml"
ENGINES = ("apertium", "bergamot")
BASELINES = {engine: REPO / "runs" / "baseline" / f"{engine}.jsonl" for engine in ENGINES}
REAL_ENGINES = (
    pytest.mark.apertium,
    pytest.mark.bergamot,
    pytest.mark.skipif(APERTIUM_MISSING, reason=APERTIUM_SKIP_REASON),
    pytest.mark.skipif(BERGAMOT_MISSING, reason=BERGAMOT_SKIP_REASON),
)


def load_steps() -> list[dict[str, Any]]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    # PyYAML reads the key `on` as the boolean True (YAML 1.1).
    assert "pull_request" in (workflow.get("on") or workflow.get(True))
    steps: list[dict[str, Any]] = workflow["jobs"]["compare"]["steps"]
    return steps


def load_workflow() -> dict[str, Any]:
    workflow: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return workflow


def harness_steps() -> list[dict[str, Any]]:
    return [s for s in load_steps() if "run" in s and "harness " in s["run"]]


def test_workflow_installs_with_the_ci_script_and_keeps_the_reports() -> None:
    steps = load_steps()
    assert any(s.get("run", "").strip() == ".ci/setup" for s in steps)
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload.get("if") == "always()"
    assert len(harness_steps()) == 4
    for engine, baseline in BASELINES.items():
        assert baseline.is_file()
        header = read_jsonl(baseline)[0]
        assert header["provider"]["adapter"] == engine
        translate, compare = engine_steps(engine)
        assert f"--provider {engine} " in translate["run"]
        assert f"--baseline runs/baseline/{engine}.jsonl" in compare["run"]


def engine_steps(engine: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The step that translates with ``engine`` and the one that compares its run."""
    translate = [s for s in harness_steps() if f"--provider {engine} " in s["run"]]
    compare = [s for s in harness_steps() if f"baseline/{engine}.jsonl" in s["run"]]
    assert len(translate) == 1 and len(compare) == 1, engine
    return translate[0], compare[0]


ACTIONLINT = shutil.which("actionlint") or shutil.which(
    "actionlint", path=str(Path(sys.executable).parent)
)


@pytest.mark.skipif(
    ACTIONLINT is None, reason="actionlint is not installed (pip install -e '.[test]')"
)
def test_workflows_pass_actionlint() -> None:
    assert ACTIONLINT is not None
    workflows = sorted(WORKFLOW.parent.glob("*.yml"))
    assert WORKFLOW in workflows
    result = subprocess.run(
        [ACTIONLINT, "-no-color", *map(str, workflows)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_triggers_comments_reports_and_keeps_the_run_files() -> None:
    workflow = load_workflow()
    triggers = workflow.get("on") or workflow.get(True)
    assert {"pull_request", "push", "schedule"} <= set(triggers)
    assert triggers["push"]["branches"] == ["main"] and triggers["schedule"][0]["cron"]
    job = workflow["jobs"]["compare"]
    assert job["permissions"]["pull-requests"] == "write"
    assert job["permissions"]["checks"] == "write"
    steps = job["steps"]
    uses = [s for s in steps if "uses" in s]
    cache = next(s for s in uses if s["uses"].startswith("actions/cache@"))
    assert "pip" in cache["with"]["path"] and "hashFiles('pyproject.toml')" in cache["with"]["key"]
    assert steps.index(cache) < steps.index(next(s for s in steps if s.get("run") == ".ci/setup"))
    kept = " ".join(
        s["with"]["path"] for s in uses if s["uses"].startswith("actions/upload-artifact@")
    )
    comments = {
        s["with"]["header"]: s
        for s in uses
        if s["uses"].startswith("marocchino/sticky-pull-request-comment@")
    }
    reporter = next(s for s in uses if s["uses"].startswith("dorny/test-reporter@"))
    assert reporter["with"]["reporter"] == "java-junit"
    for engine in ENGINES:
        translate, compare = engine_steps(engine)
        runs_dir = re.search(r"--runs-dir (\S+)", translate["run"])
        report_dir = re.search(r"--output-dir (\S+)", compare["run"])
        assert runs_dir is not None and report_dir is not None
        assert f"{runs_dir.group(1)}/*.jsonl" in kept.split()
        # One comment per engine, updated in place, with that engine's Markdown report.
        comment = comments[f"harness-compare-{engine}"]
        assert comment["with"]["path"] == f"{report_dir.group(1)}/compare.md"
        assert "github.event_name == 'pull_request'" in comment["if"]
        assert f"{report_dir.group(1)}/compare.junit.xml" in reporter["with"]["path"].split(",")


def _workspace(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A scratch checkout: the baseline, and `.venv/bin/harness` running this harness."""
    work = tmp_path / "checkout"
    (work / "runs" / "baseline").mkdir(parents=True)
    for baseline in BASELINES.values():
        shutil.copy(baseline, work / "runs" / "baseline" / baseline.name)
    shim = work / ".venv" / "bin" / "harness"
    shim.parent.mkdir(parents=True)
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m harness "$@"\n', encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    env = {
        **os.environ,
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "HARNESS_REFERENCES": str(REPO / "references"),
        "NO_COLOR": "1",
    }
    env.pop("HARNESS_RUNS_DIR", None)
    return work, env


def run_step(
    step: dict[str, Any], work: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    # GitHub runs `run:` blocks as `bash --noprofile --norc -eo pipefail {0}`.
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.apertium
@pytest.mark.bergamot
@pytest.mark.skipif(APERTIUM_MISSING, reason=APERTIUM_SKIP_REASON)
@pytest.mark.skipif(BERGAMOT_MISSING, reason=BERGAMOT_SKIP_REASON)
def test_workflow_steps_pass_and_write_the_summary_and_artifacts(tmp_path: Path) -> None:
    work, env = _workspace(tmp_path)
    for step in harness_steps():
        result = run_step(step, work, env)
        assert result.returncode == 0, f"{step['name']}: {result.stdout}\n{result.stderr}"
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert summary.startswith("## ✅ harness compare: PASSED")
    assert summary.count("## ✅ harness compare: PASSED") == 2  # one report per engine
    upload = next(s for s in load_steps() if "upload-artifact" in str(s.get("uses", "")))
    for line in upload["with"]["path"].split():
        assert (work / line).is_file(), f"the upload step keeps {line}, which was not written"
    for folder in ("report", "report/neural"):
        report = json.loads((work / folder / "compare.json").read_text(encoding="utf-8"))
        assert report["passed"] and report["comparisons"][0]["facts_broken"] == 0
    # The run header records the Apertium packages: an upgrade is not a regression.
    header = read_jsonl(next((work / "runs" / "ci").glob("*.jsonl")))[0]
    if shutil.which("dpkg-query"):
        assert "apertium-eng-spa" in header["provider"]["packages"]


@pytest.mark.parametrize("engine", [pytest.param(engine, marks=REAL_ENGINES) for engine in ENGINES])
def test_a_regression_fails_the_compare_step_and_still_writes_the_summary(
    tmp_path: Path, engine: str
) -> None:
    work, env = _workspace(tmp_path)
    translate, compare = engine_steps(engine)
    assert run_step(translate, work, env).returncode == 0
    runs_dir = translate["run"].split("--runs-dir ")[1].split()[0]
    run_file = next((work / runs_dir).glob("*.jsonl"))
    # A backend that drops a name: "Bastrykin" vanishes from every output.
    lines = run_file.read_text(encoding="utf-8").splitlines()
    broken = []
    for line in lines:
        record = json.loads(line)
        if record["type"] == "segment" and record["output"]:
            record["output"] = record["output"].replace("Bastrykin", "")
        broken.append(json.dumps(record, ensure_ascii=False))
    run_file.write_text("\n".join(broken) + "\n", encoding="utf-8")
    result = run_step(compare, work, env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "gate failed: max-regression broken=0" in result.stderr
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert summary.startswith("## ❌ harness compare")
    assert "Alexander Bastrykin" in summary
