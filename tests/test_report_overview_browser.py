"""The HTML report of ten runs, as a person sees it on a desktop and on a phone.

Headless Chromium opens the page at 1400 px and at 390 px wide, takes a
screenshot of each, and reads the layout through a measuring script that the
test (not the report) appends to a copy of the page: where the verdict, the
leaderboard, the first chart and the details start, how wide the document is,
and which elements stick out of the viewport without a scrolling box around
them. The overview must come first and fit in the first screen; nothing may be
clipped on a phone. A headless window is never narrower than 500 px, so the
measured copy is shown in a frame of the exact size (media queries and layout
follow the frame's viewport), and it posts its measures to the outer page.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("harness.fidelity.numbers", reason="the numbers judge is not merged yet")

from harness.compare.build import CompareOptions, build_report
from harness.compare.gates import parse_gate
from harness.report.html import render_html
from tests.compare_fixtures import write_many_runs
from tests.helpers import REFERENCES, REPO

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
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-default-browser-check",
    "--mute-audio",
    "--hide-scrollbars",
]
BASELINE = REPO / "runs" / "baseline" / "apertium.jsonl"

# Appended by the test to a copy of the page: measures the layout after the report's
# own script ran, and writes the result into the DOM for --dump-dom to carry out.
MEASURE = """<script>
window.addEventListener("load", function () {
  function top(id) {
    var el = document.getElementById(id);
    return el ? el.getBoundingClientRect().top + window.scrollY : null;
  }
  var width = window.innerWidth, clipped = [];
  document.querySelectorAll("body *").forEach(function (el) {
    if (el.closest(".scroll") || el.closest("svg") || el.tagName === "SCRIPT") { return; }
    var box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1) {
      clipped.push(el.tagName + "#" + el.id + "." + el.className);
    }
  });
  var boxes = [];
  document.querySelectorAll(".scroll").forEach(function (el) {
    boxes.push({right: el.getBoundingClientRect().right, scrolls: el.scrollWidth > el.clientWidth});
  });
  parent.postMessage(JSON.stringify({
    width: width, height: window.innerHeight,
    documentWidth: document.documentElement.scrollWidth,
    verdict: top("verdict"), leaderboard: top("leaderboard"),
    chart: top("chart-es"), details: top("details"), summary: top("summary"),
    clipped: clipped.slice(0, 20), boxes: boxes,
    order: Array.prototype.map.call(document.querySelectorAll("body > section"),
                                    function (s) { return s.id; })
  }), "*");
});
</script>"""

FRAME = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; }} iframe {{ border: 0; display: block; }}</style></head><body>
<iframe src="measured.html" width="{width}" height="{height}"></iframe>
<script>window.addEventListener("message", function (event) {{
  var out = document.createElement("pre"); out.id = "measured";
  out.textContent = event.data; document.body.appendChild(out);
}});</script></body></html>"""


def chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("overview")
    runs = write_many_runs(folder / "runs", BASELINE, 10)
    gates = [
        parse_gate("fail-under", "names@restored=0.75"),
        parse_gate("max-regression", "fidelity=0.02"),
        parse_gate("max-regression", "broken=0"),
    ]
    report = build_report(
        runs, CompareOptions(baseline=BASELINE, references=REFERENCES, gates=gates)
    )
    path = folder / "compare.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path


def measure(page: Path, tmp_path: Path, width: int, height: int) -> dict[str, Any]:
    probe = tmp_path / "measured.html"
    probe.write_text(
        page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8"
    )
    frame = tmp_path / "frame.html"
    frame.write_text(FRAME.format(width=width, height=height), encoding="utf-8")
    result = chromium(
        frame,
        tmp_path / "profile",
        "--dump-dom",
        "--allow-file-access-from-files",
        f"--window-size={width + 100},{height + 100}",
        "--virtual-time-budget=5000",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.search(r'<pre id="measured">(.*?)</pre>', result.stdout, re.S)
    assert found is not None, "the measuring script did not run"
    data: dict[str, Any] = json.loads(
        found.group(1)
        .replace("&quot;", '"')
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
    )
    return data


def screenshot(page: Path, tmp_path: Path, width: int, height: int) -> bytes:
    shot = tmp_path / f"report-{width}.png"
    result = chromium(
        page,
        tmp_path / f"profile-{width}",
        f"--screenshot={shot}",
        f"--window-size={width},{height}",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    size = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert size == (width, height)
    return data


@pytest.mark.parametrize(("width", "height"), [(1400, 900), (390, 844)])
def test_overview_comes_first_and_fits_the_first_screen(
    page: Path, tmp_path: Path, width: int, height: int
) -> None:
    data = measure(page, tmp_path, width, height)
    assert data["width"] == width
    assert data["order"] == ["overview", "details"]
    assert data["verdict"] < data["leaderboard"] < data["chart"] < data["details"]
    assert data["details"] < data["summary"]
    # The verdict and the start of the leaderboard are on the first screen.
    assert data["leaderboard"] < height
    assert len(screenshot(page, tmp_path, width, height)) > 20_000  # not a blank page


def test_nothing_is_clipped_on_a_phone(page: Path, tmp_path: Path) -> None:
    data = measure(page, tmp_path, 390, 844)
    assert data["clipped"] == []
    assert data["documentWidth"] <= 390
    # Wide tables scroll inside their own box, which ends inside the screen.
    assert data["boxes"] and all(box["right"] <= 390 for box in data["boxes"])
    assert any(box["scrolls"] for box in data["boxes"])


def test_desktop_page_shows_the_leaderboard_without_scrolling_sideways(
    page: Path, tmp_path: Path
) -> None:
    data = measure(page, tmp_path, 1400, 900)
    assert data["documentWidth"] <= 1400
    assert data["clipped"] == []
