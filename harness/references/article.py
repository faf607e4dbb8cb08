"""Reference articles: the spun text, its restoration, the edits between them, metadata.

An article lives in ``references/<id>/`` as data only::

    meta.toml      title, publisher, date, language, url, digests, furniture lines
    spun.txt       the text as it reached us, byte for byte
    restored.txt   every spun word put back, nothing else changed
    edits.jsonl    one record per restoration: segment, start, end (offsets in spun.txt),
                   spun, restored
    facts.toml     names and numbers of the restored text (optional, see harness.references.facts)

Segments are the article's paragraphs: the non-empty lines of the text, page
furniture excluded, numbered ``p01``, ``p02``... in order. Spun and restored
texts have the same lines, so their segments align one to one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import ArticleError

VARIANTS = ("spun", "restored")
ORIGINAL = "original"  # the one variant of a plain text (no spun version)
REFERENCES_ENV = "HARNESS_REFERENCES"


@dataclass(frozen=True, slots=True)
class Edit:
    """One restoration: ``spun[start:end] == spun_span`` becomes ``restored_span``."""

    segment: str
    start: int
    end: int
    spun: str
    restored: str


@dataclass(frozen=True, slots=True)
class ArticleSegment:
    """A paragraph in both variants, with its line number (1-based) in the text files."""

    id: str
    line: int
    spun: str
    restored: str

    def text(self, variant: str) -> str:
        # A plain text's one variant, "original", is stored as both texts.
        return self.spun if variant == "spun" else self.restored


@dataclass(frozen=True)
class Article:
    """A reference article loaded from its folder."""

    id: str
    path: Path
    meta: dict[str, Any]
    spun_text: str
    restored_text: str
    edits: tuple[Edit, ...]
    segments: tuple[ArticleSegment, ...]
    furniture_lines: frozenset[int] = field(default_factory=frozenset)

    @property
    def title(self) -> str:
        return str(self.meta.get("title", self.id))

    @property
    def language(self) -> str:
        return str(self.meta.get("language", "en"))

    @property
    def variants(self) -> tuple[str, ...]:
        """The versions of the text that can be sent: spun and restored, or for a
        plain text (``variants = ["original"]`` in its meta) the one original."""
        return tuple(str(v) for v in self.meta.get("variants", VARIANTS))

    def text(self, variant: str) -> str:
        return self.spun_text if variant == "spun" else self.restored_text

    def digest(self, variant: str) -> str:
        return sha256_text(self.text(variant))

    def segment(self, segment_id: str) -> ArticleSegment:
        for seg in self.segments:
            if seg.id == segment_id:
                return seg
        raise ArticleError(f"article {self.id!r} has no segment {segment_id!r}")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def references_root(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where articles are read from: an explicit path, ``$HARNESS_REFERENCES``,
    ``./references``, or the articles shipped with the package."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(REFERENCES_ENV)
    if env:
        return Path(env)
    local = Path.cwd() / "references"
    if local.is_dir():
        return local
    package_dir = Path(__file__).resolve().parent.parent  # the harness package
    for candidate in (package_dir / "_bundled" / "references", package_dir.parent / "references"):
        if candidate.is_dir():
            return candidate
    return local


def list_article_ids(root: Path) -> list[str]:
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "meta.toml").is_file())


def split_segments(
    spun: str, restored: str, furniture: frozenset[int]
) -> tuple[ArticleSegment, ...]:
    """Pair the non-empty, non-furniture lines of both texts as segments ``p01``...."""
    spun_lines = spun.split("\n")
    restored_lines = restored.split("\n")
    if len(spun_lines) != len(restored_lines):
        raise ArticleError(
            f"spun and restored texts have {len(spun_lines)} and {len(restored_lines)} lines; "
            "restoration must not add or remove lines"
        )
    segments: list[ArticleSegment] = []
    for number, (s_line, r_line) in enumerate(zip(spun_lines, restored_lines, strict=True), 1):
        if number in furniture:
            continue
        if bool(s_line.strip()) != bool(r_line.strip()):
            raise ArticleError(f"line {number} is empty in one variant only")
        if s_line.strip():
            segments.append(
                ArticleSegment(f"p{len(segments) + 1:02d}", number, s_line.strip(), r_line.strip())
            )
    return tuple(segments)


def _read_meta(folder: Path) -> dict[str, Any]:
    meta_path = folder / "meta.toml"
    try:
        with meta_path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ArticleError(f"{meta_path}: missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise ArticleError(f"{meta_path}: {exc}") from exc


def _read_edits(path: Path) -> tuple[Edit, ...]:
    edits: list[Edit] = []
    if not path.exists():
        return ()
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                edits.append(
                    Edit(
                        segment=str(record["segment"]),
                        start=int(record["start"]),
                        end=int(record["end"]),
                        spun=str(record["spun"]),
                        restored=str(record["restored"]),
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ArticleError(f"{path}:{number}: not an edit record ({exc})") from exc
    return tuple(edits)


def load_article(article_id: str, root: Path | None = None) -> Article:
    """Load ``references/<article_id>/``; a clear error when it is missing or broken."""
    root = root or references_root()
    folder = root / article_id
    if not (folder / "meta.toml").is_file():
        known = list_article_ids(root)
        raise ArticleError(
            f"no reference article {article_id!r} in {root}; "
            f"available: {', '.join(known) or 'none'}"
        )
    meta = _read_meta(folder)
    files = meta.get("files", {})
    try:
        # utf-8-sig: a byte-order mark left by an editor is not a character of the text.
        spun = (folder / files.get("spun", "spun.txt")).read_text(encoding="utf-8-sig")
        restored = (folder / files.get("restored", "restored.txt")).read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ArticleError(f"article {article_id!r}: {exc.filename} is missing") from exc
    furniture = frozenset(int(item["line"]) for item in meta.get("furniture", []))
    edits = _read_edits(folder / files.get("edits", "edits.jsonl"))
    return Article(
        id=str(meta.get("id", article_id)),
        path=folder,
        meta=meta,
        spun_text=spun,
        restored_text=restored,
        edits=edits,
        segments=split_segments(spun, restored, furniture),
        furniture_lines=furniture,
    )


def apply_edits(spun: str, edits: tuple[Edit, ...] | list[Edit]) -> str:
    """The text that results from applying ``edits`` to ``spun`` (checks each spun span)."""
    pieces: list[str] = []
    cursor = 0
    for edit in sorted(edits, key=lambda e: e.start):
        if edit.start < cursor:
            raise ArticleError(f"edit at {edit.start} overlaps the previous edit")
        if spun[edit.start : edit.end] != edit.spun:
            raise ArticleError(
                f"edit at {edit.start}-{edit.end} expects {edit.spun!r} "
                f"but the spun text has {spun[edit.start : edit.end]!r}"
            )
        pieces.append(spun[cursor : edit.start])
        pieces.append(edit.restored)
        cursor = edit.end
    pieces.append(spun[cursor:])
    return "".join(pieces)
