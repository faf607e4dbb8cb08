"""Engine package versions that differ between compared runs.

A run header may list the engine's installed packages (``provider.packages``,
e.g. the Apertium language pairs with their Debian versions). When a run's
packages differ from the first run's (the baseline, when there is one), the
report says which changed, so that a package upgrade is read as what it is,
not mistaken for a regression of the harness or the configuration.
"""

from __future__ import annotations

from typing import Any

from harness.runfile import RunHeader


def _packages(header: RunHeader) -> dict[str, str]:
    raw: Any = header.provider.get("packages") or {}
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def package_notes(labels: list[str], headers: list[RunHeader]) -> list[str]:
    """One note per run whose engine packages differ from the first run's."""
    if not headers:
        return []
    first = _packages(headers[0])
    notes = []
    for label, header in zip(labels[1:], headers[1:], strict=True):
        mine = _packages(header)
        if not first or not mine or mine == first:
            continue
        changes = [
            f"{name} {first.get(name, 'absent')} → {mine.get(name, 'absent')}"
            for name in sorted(set(first) | set(mine))
            if first.get(name) != mine.get(name)
        ]
        notes.append(
            f"{label}: engine packages differ from {labels[0]} ({'; '.join(changes)}); "
            "a change in its results may come from the packages"
        )
    return notes
