"""Spin leakage as report text: the section that ``harness score`` (and the
comparison reports) print for a run, worst examples side by side."""

from __future__ import annotations

from harness.restore.leakage import LeakageReport

WORST_PER_TARGET = 2


def _rate(count: int, total: int) -> str:
    return f"{count}/{total} ({100 * count / total:.0f}%)" if total else "-"


def leakage_lines(report: LeakageReport, worst: int = WORST_PER_TARGET) -> list[str]:
    """Terminal lines: per target language, spun spans whose spun meaning reached
    the output (cue) or whose translation changed with the spinning (diff)."""
    if not report.targets:
        return ["  spin leakage: no segment was translated in both variants"]
    lines = [
        "  spin leakage (spun spans in segments translated in both variants)",
        f"    {'target':<8}{'spans':>6}  {'leaked (cues)':<16}{'diverged (diff)':<16}",
    ]
    for target, counts in sorted(report.targets.items()):
        lines.append(
            f"    {target:<8}{counts.spans:>6}  {_rate(counts.leaked, counts.checked):<16}"
            f"{_rate(counts.diverged, counts.compared):<16}"
        )
    for target, counts in sorted(report.targets.items()):
        for example in counts.examples[:worst]:
            kind = "leaked" if example.method == "cue" else "diverged"
            lines.append(
                f"    {kind} {target} {example.segment} {example.spun!r} "
                f"(restored {example.restored!r}): {example.evidence!r}"
            )
            lines.append(f"      spun     -> {example.spun_output}")
            lines.append(f"      restored -> {example.restored_output}")
    lines += [f"    note: {note}" for note in report.notes]
    return lines


def _md(text: str) -> str:
    # Output of a backend goes into a table cell: keep it on one line, escape pipes.
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def leakage_markdown(reports: list[LeakageReport], worst: int = WORST_PER_TARGET) -> str:
    """A Markdown section for several runs (providers) side by side: leaked and
    diverged spun spans per provider and target language, then the worst examples."""
    lines = [
        "## Spin leakage",
        "",
        "Spun spans whose spun meaning reached the translation (cues), and spans whose "
        "translation changed with the spinning (word diff).",
        "",
        "| provider | target | spans | leaked (cues) | diverged (diff) |",
        "|---|---|---:|---:|---:|",
    ]
    for report in reports:
        for target, counts in sorted(report.targets.items()):
            lines.append(
                f"| {_md(report.provider)} | {target} | {counts.spans} | "
                f"{_rate(counts.leaked, counts.checked)} | "
                f"{_rate(counts.diverged, counts.compared)} |"
            )
    lines += [
        "",
        "| provider | target | span | evidence | spun variant → | restored variant → |",
        "|---|---|---|---|---|---|",
    ]
    for report in reports:
        for target, counts in sorted(report.targets.items()):
            for ex in counts.examples[:worst]:
                lines.append(
                    f"| {_md(report.provider)} | {target} | {ex.segment} "
                    f"`{_md(ex.spun)}` → `{_md(ex.restored)}` | {ex.method}: "
                    f"{_md(ex.evidence)} | {_md(ex.spun_output)} | "
                    f"{_md(ex.restored_output)} |"
                )
    return "\n".join(lines) + "\n"
