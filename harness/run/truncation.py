"""Flag outputs that look cut short: far shorter than the source for their language pair.

Some backends cut long inputs and still answer success (APy does, above a few
thousand characters). The runner keeps requests under ``max_chars``; this check
catches what still slips through. The thresholds are data
(``harness/run/data/truncation.toml``): a ratio per target language, optionally per
pair, and a minimum source length below which nothing is flagged.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

SUSPECT_TRUNCATION = "suspect_truncation"
_DATA = Path(__file__).resolve().parent / "data" / "truncation.toml"


@dataclass(frozen=True)
class TruncationRule:
    default: float
    min_source_chars: int
    targets: dict[str, float] = field(default_factory=dict)
    pairs: dict[str, float] = field(default_factory=dict)
    # Thresholds found so far, by pair: asked once per segment, and a run has few pairs.
    _known: dict[tuple[str, str], float] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def threshold(self, source_lang: str, target_lang: str) -> float:
        known = self._known.get((source_lang, target_lang))
        if known is None:
            known = self._known[(source_lang, target_lang)] = self._threshold(
                source_lang, target_lang
            )
        return known

    def _threshold(self, source_lang: str, target_lang: str) -> float:
        pair = f"{source_lang}-{target_lang}"
        if pair in self.pairs:
            return self.pairs[pair]
        for code in (target_lang, target_lang.split("-")[0]):
            if code in self.targets:
                return self.targets[code]
        return self.default

    def looks_truncated(self, source: str, output: str, source_lang: str, target_lang: str) -> bool:
        length = len(source.strip())
        if length < self.min_source_chars:
            return False
        return len(output.strip()) / length < self.threshold(source_lang, target_lang)


@lru_cache(maxsize=1)
def default_rule() -> TruncationRule:
    with _DATA.open("rb") as fh:
        data = tomllib.load(fh)
    return TruncationRule(
        float(data["default"]),
        int(data["min_source_chars"]),
        {k: float(v) for k, v in data.get("targets", {}).items()},
        {k: float(v) for k, v in data.get("pairs", {}).items()},
    )
