"""The comparison as one JSON document, versioned by its ``schema`` field.

The schema is ``harness/report/schema/compare-report.v1.json`` (JSON Schema
2020-12), shipped with the package; :func:`schema` loads it. A change that
removes or renames a field, or changes its meaning, bumps the version in
:data:`harness.compare.model.REPORT_SCHEMA` and gets a new schema file; adding
an optional field does not.

Besides the data, the document carries what the other formats show, so every
format tells one truth: ``overview`` (the verdict and the leaderboard with 95 %
intervals) and ``summary`` (the side-by-side rows as text, with their Δ
columns and the columns a gate failed on in ``failed``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.compare.model import Report
from harness.report.common import DELTA_COLUMNS, delta_state, delta_text, summary_rows
from harness.report.overview import overview_json

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "compare-report.v1.json"


def render_json(report: Report) -> str:
    data = {**report.to_json(), "overview": overview_json(report), "summary": summary_json(report)}
    return json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def summary_json(report: Report) -> list[dict[str, Any]]:
    """The side-by-side rows as every format prints them."""
    rows = []
    for row in summary_rows(report):
        deltas: dict[str, Any] = {}
        for metric, column in DELTA_COLUMNS.items():
            delta = row.deltas.get(metric)
            deltas[column] = (
                None
                if delta is None or row.baseline
                else {
                    "delta": delta.delta,
                    "p_value": delta.p_value,
                    "ci95": delta.ci95,
                    "text": delta_text(delta),
                    "state": delta_state(delta),
                }
            )
        rows.append(
            {
                "target": row.target,
                "variant": row.variant,
                "run": row.run,
                "label": row.label,
                "baseline": row.baseline,
                "cells": row.cells,
                "deltas": deltas,
                "failed": sorted(row.failed),
            }
        )
    return rows


def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return data
