"""Reference translations of a run's segments, wherever they exist, for chrF and BLEU.

Two sources, looked up in this order:

* the user's own inputs that a run header names (``inputs``: JSONL
  ``references``, TSV language columns, ``--reference LANG=FILE`` files), read
  again from their recorded paths and used only while their sha256 still
  matches the header (otherwise a note says why they were left out);
* ``references/<article>/translations/<lang>.txt`` of a reference article, one
  line per segment.

``harness score`` and ``harness compare`` both look references up here, so a
segment has a reference in one exactly when it has one in the other.
:func:`missing_reference_notes` words the one note per language that has none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from harness.errors import UsageError
from harness.inputs.content import Gold, rebuild_input
from harness.references.article import Article


class ReferenceTranslations:
    """Reference translations by (article, segment, target language)."""

    def __init__(self) -> None:
        self.notes: list[str] = []
        self._inputs: Gold = {}
        self._seen: set[tuple[str, str]] = set()
        self._files: dict[tuple[str, str], dict[str, str] | None] = {}

    def add_run(self, header: Mapping[str, Any]) -> None:
        """Learn the references of the inputs that a run header names."""
        for entry in header.get("inputs") or []:
            key = (str(entry.get("path")), str(entry.get("sha256")))
            if key in self._seen:
                continue
            self._seen.add(key)
            try:
                loaded = rebuild_input(entry)
            except UsageError as exc:
                if entry.get("references") or _inline(entry):
                    self.notes.append(f"{exc}; its reference translations are not used")
                continue
            for article, languages in loaded.gold.items():
                for lang, segments in languages.items():
                    self._inputs.setdefault(article, {}).setdefault(lang, {}).update(segments)

    def get(self, article_id: str, segment: str, target: str,
            article: Article | None = None) -> str | None:
        """The reference translation of one segment into ``target``, if any."""
        found = self._inputs.get(article_id, {}).get(target, {}).get(segment)
        if found is not None or article is None:
            return found
        lines = self._article_file(article, target)
        return lines.get(segment) if lines else None

    def forget(self, article_id: str) -> None:
        """Drop an article's file-based references (callers that bound their memory)."""
        for key in [k for k in self._files if k[0] == article_id]:
            del self._files[key]

    def _article_file(self, article: Article, target: str) -> dict[str, str] | None:
        key = (article.id, target)
        if key not in self._files:
            path = article.path / "translations" / f"{target}.txt"
            lines = None
            if path.is_file():
                texts = [ln.strip() for ln in path.read_text("utf-8").split("\n") if ln.strip()]
                if len(texts) == len(article.segments):
                    lines = {s.id: t for s, t in zip(article.segments, texts, strict=True)}
                else:
                    self.notes.append(f"{path.name} of {article.id}: {len(texts)} lines for "
                                      f"{len(article.segments)} segments; not used")
            self._files[key] = lines
        return self._files[key]


def _inline(entry: Mapping[str, Any]) -> bool:
    """JSONL and TSV inputs may carry references in the file itself."""
    return str(entry.get("format")) in ("jsonl", "tsv")


def missing_reference_notes(targets: Iterable[str], measured: Iterable[str]) -> list[str]:
    """One note per target language without any reference translation."""
    have = set(measured)
    missing = [t for t in dict.fromkeys(targets) if t not in have]
    return [f"no reference translation for {t}: chrF and BLEU are not measured"
            for t in missing]
