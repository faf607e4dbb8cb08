"""The HTML report in a real headless browser: what a person would see.

Chromium opens the page from a file (no network), runs its script, and the test
reads the DOM after the script ran (``--dump-dom``), the console log
(``--enable-logging=stderr``) and a screenshot. The runs' outputs carry a
``<script>`` and an ``onerror`` handler: they must show as text and never run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.compare.build import CompareOptions, build_report
from harness.report.html import render_html
from tests.compare_fixtures import write_fixture_runs
from tests.helpers import REFERENCES

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium here (Debian package chromium; `.ci/setup --test` installs it)",
)

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
    "--no-default-browser-check",
    "--mute-audio",
]


def chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("html")
    runs = write_fixture_runs(folder / "runs")
    report = build_report(
        [runs["bad"], runs["same"]], CompareOptions(baseline=runs["good"], references=REFERENCES)
    )
    path = folder / "compare.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path


def test_page_renders_with_its_script_run_and_no_injected_code(page: Path, tmp_path: Path) -> None:
    result = chromium(page, tmp_path / "profile", "--dump-dom", "--enable-logging=stderr", "--v=0")
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    # The report's own script ran: it marks the root element and rewrites a status line.
    root = re.search(r"<html[^>]*>", dom)
    assert root is not None and 'data-report-ready="' in root.group(0)
    assert "interactive: " in dom and "sortable tables" in dom
    assert "Uncaught" not in result.stderr
    # What a person sees: the heatmap, the side-by-side table, newly broken facts.
    assert 'id="heatmap"' in dom and 'id="summary"' in dom
    assert "Newly broken: bad vs good" in dom
    assert "Alexander Bastrykin" in dom
    # The backend's markup is text: shown escaped, never executed.
    assert "data-pwned" not in root.group(0)
    assert "<title>harness compare</title>" in dom
    assert "&lt;script&gt;document.documentElement.setAttribute" in dom
    assert "<img src=" not in dom


def test_page_screenshot_is_produced(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    result = chromium(
        page,
        tmp_path / "profile",
        f"--screenshot={shot}",
        "--window-size=1400,2000",
        "--hide-scrollbars",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1400, 2000)
    assert len(data) > 20_000  # a page with tables, not a blank image
