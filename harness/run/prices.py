"""The dated list-price table shipped with harness (``prices.toml``), for dry runs.

``harness run --dry-run`` prices a run with the instance's own
``price_per_million_*`` settings when it has any, else with this table: per
adapter, and for token-billed LLM adapters per model. The table says when its
prices were taken (``as_of``) and in which currency, and the dry run prints
both, so an old price is seen to be old. An adapter or model the table does
not know has no estimate rather than a guessed one.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

PRICES_PATH = Path(__file__).resolve().parent / "prices.toml"


@dataclass(frozen=True)
class PriceTable:
    as_of: str
    currency: str
    adapters: Mapping[str, Mapping[str, Any]]

    def lookup(self, adapter: str, model: str | None) -> dict[str, float] | None:
        """Prices per million units for ``adapter`` (and ``model``), or None if unknown."""
        entry = self.adapters.get(adapter)
        if entry is None:
            return None
        models = entry.get("models")
        if isinstance(models, Mapping):
            found = models.get(model) if model else None
            return {k: float(v) for k, v in found.items()} if isinstance(found, Mapping) else None
        return {k: float(v) for k, v in entry.items() if k.startswith("price_per_million_")}


@cache
def price_table(path: Path = PRICES_PATH) -> PriceTable:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return PriceTable(str(data["as_of"]), str(data["currency"]), dict(data.get("adapters", {})))
