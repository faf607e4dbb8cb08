"""The ``[gates]`` table of ``harness.toml``: what ``harness compare`` checks with no flags.

::

    [gates]
    baseline = "runs/baseline/apertium.jsonl"   # --baseline
    runs = "runs"                               # the RUNS argument

    [gates.fail_under]                          # --fail-under METRIC[@VARIANT]=VALUE
    "names@restored" = 0.75

    [gates.max_regression]                      # --max-regression METRIC[@VARIANT]=VALUE
    fidelity = 0.02
    broken = 0

Each part stands in for its flag when the flag is not given: ``--fail-under``
on the command line replaces the whole ``fail_under`` table, and so on. Paths
are relative to the folder of the config file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.compare.gates import Gate, parse_gate
from harness.errors import ConfigError, UsageError

KEYS = ("baseline", "runs", "fail_under", "max_regression")


@dataclass(frozen=True)
class GateTable:
    baseline: Path | None = None
    runs: list[Path] = field(default_factory=list)
    fail_under: list[Gate] = field(default_factory=list)
    max_regression: list[Gate] = field(default_factory=list)


def _gates(table: Mapping[str, Any], key: str, where: str) -> list[Gate]:
    raw = table.get(key, {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: {key} must be a table of METRIC = VALUE")
    kind = key.replace("_", "-")
    gates = []
    for metric, value in raw.items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ConfigError(f"{where}: {key}.{metric} must be a number")
        try:
            gates.append(parse_gate(kind, f"{metric}={value}"))
        except UsageError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return gates


def parse_gate_table(
    table: Mapping[str, Any], base: Path, where: str = "harness.toml [gates]"
) -> GateTable:
    """The table, checked; ``base`` is the folder relative paths start from."""
    unknown = set(table) - set(KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(KEYS)}"
        )
    paths: dict[str, list[Path]] = {}
    for key in ("baseline", "runs"):
        raw = table.get(key, [])
        values = [raw] if isinstance(raw, str) else raw
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ConfigError(f"{where}: {key} must be a path or a list of paths")
        paths[key] = [base / v for v in values]
    if len(paths["baseline"]) > 1:
        raise ConfigError(f"{where}: baseline is one run file")
    return GateTable(
        paths["baseline"][0] if paths["baseline"] else None,
        paths["runs"],
        _gates(table, "fail_under", where),
        _gates(table, "max_regression", where),
    )
