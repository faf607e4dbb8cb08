"""The comparison as JUnit XML, so CI dashboards show regressions as failed tests.

The failures are exactly the gate failures, so a dashboard and the exit code of
``harness compare`` never disagree: the suite ``harness.gates`` has one case per
gate check, failed when the check failed (a failed ``max-regression broken``
check lists the newly broken facts with both outputs).

Before it, one suite per compared run (every run but the baseline) with one
case per fact of the article, target language and variant (classname
``harness.<run>.<lang>.<variant>``, name the fact), for reading: a fact the run
lost is *skipped* with why (a regression against the baseline, lost as in the
baseline, or lost with no baseline), a kept fact passes; and one ``output
language`` case per language and variant, skipped with the count when outputs
came back untranslated, in the wrong language or refused (the ``translated``
gate turns that into a failure). Dashboards split a
classname at its dots into packages, so a dot inside a run label (``gpt-4.1``)
is written as the look-alike ONE DOT LEADER (U+2024, ``gpt-4․1``); the suite
keeps the label as it is in its ``run`` property.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from harness.compare.model import FactCell, FactRow, GroupSummary, Report
from harness.report.common import column_label, fact_how, language_cell

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: object) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def class_part(label: str) -> str:
    """A run label as one classname part: its dots cannot split it into packages."""
    return label.replace(".", "\u2024")


def _case(suite: ET.Element, classname: str, name: str) -> ET.Element:
    return ET.SubElement(
        suite, "testcase", classname=_clean(classname), name=_clean(name), time="0"
    )


def render_junit(report: Report) -> str:
    root = ET.Element("testsuites", name="harness compare")
    baseline = report.baseline
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for run in report.runs:
        if run.baseline:
            continue
        suite = ET.SubElement(root, "testsuite", name=_clean(f"harness.{class_part(run.label)}"))
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="run", value=_clean(run.label))
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for column in report.fact_columns:
            if column.run != run.index:
                continue
            base_key = f"{baseline}/{column.target}/{column.variant}"
            for fact in report.facts:
                cell = fact.cells.get(column.key)
                if cell is None or cell.total == 0:
                    continue
                base = fact.cells.get(base_key) if baseline is not None else None
                _fact_case(suite, report, run.label, column.key, fact, cell, base, counts)
        for group in report.groups:
            if group.run == run.index:
                _language_case(suite, run.label, group, counts)
        _close(suite, counts, totals)
    gates = ET.SubElement(root, "testsuite", name="harness.gates")
    counts = {"tests": 0, "failures": 0, "skipped": 0}
    for gate in report.gates:
        case = _case(
            gates,
            f"harness.gates.{gate.gate.split()[0]}",
            f"{gate.gate} {report.run_label(gate.run)} {gate.target} {gate.variant}",
        )
        counts["tests"] += 1
        if not gate.passed:
            counts["failures"] += 1
            failure = ET.SubElement(case, "failure", message=_clean(gate.message), type="gate")
            if gate.metric == "broken":
                failure.text = _clean(_broken_text(report, gate.run))
    _close(gates, counts, totals)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _fact_case(
    suite: ET.Element,
    report: Report,
    label: str,
    column_key: str,
    fact: FactRow,
    cell: FactCell,
    base: FactCell | None,
    counts: dict[str, int],
) -> None:
    _, target, variant = column_key.split("/", 2)
    case = _case(
        suite,
        f"harness.{class_part(label)}.{target}.{variant}",
        f"{fact.kind} {fact.label} ({fact.article})",
    )
    counts["tests"] += 1
    detail = f"{column_label(report, column_key)}: {fact.label}: {fact_how(cell)}"
    if cell.kept < cell.total:
        counts["skipped"] += 1
        if base is not None and base.total and cell.kept < min(base.kept, cell.total):
            why = (
                f"regression: kept in {cell.kept} of {cell.total} mentions, the baseline "
                f"in {base.kept} of {base.total}"
            )
            detail = _outputs(report, label, fact, target, variant) or detail
        elif base is not None and base.total:
            why = f"lost as in the baseline: {fact_how(cell)}"
        else:
            why = f"lost: {fact_how(cell)}"
        ET.SubElement(case, "skipped", message=_clean(why))
    out = ET.SubElement(case, "system-out")
    out.text = _clean(detail)


def _language_case(
    suite: ET.Element, label: str, group: GroupSummary, counts: dict[str, int]
) -> None:
    """One case per language and variant: are the outputs in the target language?"""
    case = _case(
        suite, f"harness.{class_part(label)}.{group.target}.{group.variant}", "output language"
    )
    counts["tests"] += 1
    outputs = group.segments - group.errors
    if group.not_translated:
        counts["skipped"] += 1
        ET.SubElement(
            case,
            "skipped",
            message=_clean(f"not translated: {language_cell(group)} of {outputs} outputs"),
        )
    out = ET.SubElement(case, "system-out")
    out.text = _clean(
        f"{outputs - group.not_translated} of {outputs} outputs in "
        f"{group.target}; {group.language_unchecked} too short to identify"
    )


def _outputs(report: Report, label: str, fact: FactRow, target: str, variant: str) -> str:
    lines = []
    for comparison in report.comparisons:
        if report.run_label(comparison.run) != label:
            continue
        for broken in comparison.newly_broken:
            if (broken.key, broken.target, broken.variant, broken.article) == (
                fact.key,
                target,
                variant,
                fact.article,
            ):
                lines += [
                    f"{broken.segment}: baseline kept {broken.baseline_found!r} "
                    f"({broken.baseline_how}); lost: {broken.candidate_why}",
                    f"  baseline:  {broken.baseline_output}",
                    f"  candidate: {broken.candidate_output}",
                ]
    return "\n".join(lines)


def _broken_text(report: Report, run: int) -> str:
    lines = []
    for comparison in report.comparisons:
        if comparison.run != run:
            continue
        for broken in comparison.newly_broken:
            lines += [
                f"{broken.target} {broken.variant} {broken.segment} {broken.kind} "
                f"{broken.label}: baseline kept {broken.baseline_found!r} "
                f"({broken.baseline_how}); lost: {broken.candidate_why}",
                f"  baseline:  {broken.baseline_output}",
                f"  candidate: {broken.candidate_output}",
            ]
        hidden = comparison.facts_broken - comparison.newly_broken_shown
        if hidden > 0:
            lines.append(f"… and {hidden} more in the JSON and HTML reports")
    return "\n".join(lines)


def _close(suite: ET.Element, counts: dict[str, int], totals: dict[str, int]) -> None:
    for key, value in counts.items():
        suite.set(key, str(value))
        totals[key] += value
    suite.set("errors", "0")
