"""Sizes of the comparison reports for ten runs against the committed baseline.

Run: ``.venv/bin/python tests/benchmarks/report_sizes.py [--runs 10]``

The runs are made from ``runs/baseline/apertium.jsonl`` as the report tests make
them (each losing a different share of numbers and names), compared against it
with the gates of the CI workflow. Prints the characters of the Markdown report
(what a PR comment gets, against GitHub's 65,536) and of the full Markdown
without a size limit, the bytes of the HTML and JSON reports, and the number
of JUnit failures next to the number of failed gate checks.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from harness.compare.build import CompareOptions, build_report  # noqa: E402
from harness.compare.gates import parse_gate  # noqa: E402
from harness.report.html import render_html  # noqa: E402
from harness.report.json_report import render_json  # noqa: E402
from harness.report.junit import render_junit  # noqa: E402
from harness.report.markdown import COMMENT_CHARS, render_markdown  # noqa: E402
from tests.compare_fixtures import write_many_runs  # noqa: E402

GATES = [
    ("fail-under", "names@restored=0.75"),
    ("fail-under", "numbers@restored=0.50"),
    ("max-regression", "fidelity=0.02"),
    ("max-regression", "broken=0"),
    ("max-regression", "errors=0"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    baseline = REPO / "runs" / "baseline" / "apertium.jsonl"
    with tempfile.TemporaryDirectory() as scratch:
        runs = write_many_runs(Path(scratch), baseline, args.runs)
        report = build_report(
            runs,
            CompareOptions(
                baseline=baseline,
                references=REPO / "references",
                gates=[parse_gate(kind, spec) for kind, spec in GATES],
            ),
        )
    markdown = render_markdown(report)
    full = render_markdown(report, limit_chars=10**9, limit_bytes=10**9)
    junit = ET.fromstring(render_junit(report))
    print(f"runs: {args.runs} against the baseline")
    print(
        f"markdown: {len(markdown):,} characters (limit {COMMENT_CHARS:,}); {len(full):,} in full"
    )
    print(
        f"html: {len(render_html(report).encode()):,} bytes; "
        f"json: {len(render_json(report).encode()):,} bytes"
    )
    print(
        f"junit failures: {junit.get('failures')}; failed gate checks: {len(report.failed_gates)}"
    )


if __name__ == "__main__":
    main()
