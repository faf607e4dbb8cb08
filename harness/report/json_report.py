"""The comparison as one JSON document, versioned by its ``schema`` field.

The schema is ``harness/report/schema/compare-report.v1.json`` (JSON Schema
2020-12), shipped with the package; :func:`schema` loads it. A change that
removes or renames a field, or changes its meaning, bumps the version in
:data:`harness.compare.model.REPORT_SCHEMA` and gets a new schema file; adding
an optional field does not.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.compare.model import Report

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "compare-report.v1.json"


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return data
