"""Language tables of the hosted adapters: BCP-47 code -> backend code, kept as data.

Each backend has one TOML file in ``providers/languages/``. A file has a
``[codes]`` table used for both directions, or ``[source]`` and ``[target]``
tables when the backend spells them differently (DeepL takes ``EN`` as a
source but wants ``EN-US`` or ``EN-GB`` as a target). Keys are BCP-47 tags and
are matched case-insensitively, as BCP-47 requires (``pt-br`` is ``pt-BR``).
Files are read once per process.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from harness.errors import UnsupportedLanguageError
from harness.models import LangPair

TABLES_DIR = Path(__file__).parent / "languages"


@dataclass(frozen=True)
class LanguageTable:
    """BCP-47 -> backend codes for one backend, per direction."""

    backend: str
    source: Mapping[str, str]
    target: Mapping[str, str]
    _folded: dict[int, dict[str, str]] = field(default_factory=dict, repr=False, compare=False)

    def _lookup(self, table: Mapping[str, str], code: str) -> str | None:
        folded = self._folded.get(id(table))
        if folded is None:
            folded = self._folded[id(table)] = {k.lower(): v for k, v in table.items()}
        return folded.get(code.lower())

    def source_code(self, code: str) -> str:
        found = self._lookup(self.source, code)
        if found is None:
            raise KeyError(code)
        return found

    def target_code(self, code: str) -> str:
        found = self._lookup(self.target, code)
        if found is None:
            raise KeyError(code)
        return found

    def check(self, provider: str, pair: LangPair) -> None:
        """Raise :class:`UnsupportedLanguageError` naming the language and the offer."""
        for role, table, code in (
            ("source", self.source, pair.source),
            ("target", self.target, pair.target),
        ):
            if self._lookup(table, code) is None:
                raise UnsupportedLanguageError(
                    f"{provider} does not support {role} language {code!r}; "
                    f"supported {role} languages: {', '.join(sorted(table, key=str.lower))}"
                )
        if self.target_code(pair.target).lower() == self.source_code(pair.source).lower():
            raise UnsupportedLanguageError(
                f"{provider}: source and target are the same language ({pair.source} -> "
                f"{pair.target})"
            )


@cache
def load_table(name: str) -> LanguageTable:
    """Read ``providers/languages/<name>.toml`` (once per process)."""
    with (TABLES_DIR / f"{name}.toml").open("rb") as fh:
        data = tomllib.load(fh)
    both = data.get("codes")
    source = data.get("source", both)
    target = data.get("target", both)
    if not isinstance(source, dict) or not isinstance(target, dict):
        raise ValueError(f"language table {name}.toml needs [codes] or [source] and [target]")
    return LanguageTable(name, dict(source), dict(target))
