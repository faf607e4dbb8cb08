"""Adding a reference article from a spun text and its restoration.

:func:`add_article` checks the pair (see :mod:`harness.references.align`), then writes
``references/<id>/`` in one step: both texts byte for byte, ``edits.jsonl``
derived by alignment, ``meta.toml`` with digests, and a proposed
``facts.toml`` (:mod:`harness.references.proposal`). Everything is written to a
temporary folder first and moved into place, so a refused or failed add leaves
nothing behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from harness.errors import ArticleError
from harness.references.align import DEFAULT_MAX_CHANGED, Alignment, align_texts
from harness.references.article import (
    Article,
    Edit,
    load_article,
    sha256_text,
    split_segments,
)
from harness.references.proposal import propose_facts
from harness.runfile import sync_directory

_ARTICLE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True)
class ArticleMeta:
    title: str
    publisher: str
    date: str
    language: str = "en"
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class AddedArticle:
    article: Article
    alignment: Alignment


def read_text(path: Path, what: str) -> str:
    try:
        # utf-8-sig: a byte-order mark (Windows editors add one) would become a paragraph.
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ArticleError(f"{what} text {path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise ArticleError(f"{what} text {path}: not UTF-8 ({exc.reason})") from None
    except OSError as exc:
        raise ArticleError(f"{what} text {path}: {exc.strerror}") from None


def _write_synced(path: Path, text: str) -> None:
    """Write and fsync, so the folder renamed into place is complete after a crash."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _q(text: str) -> str:
    """A TOML basic string. JSON escapes the C0 controls; TOML also forbids a raw DEL."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def meta_toml(article_id: str, meta: ArticleMeta, spun: str, restored: str) -> str:
    lines = [
        "# Metadata of a reference article, written by `harness references add`.",
        f"id = {_q(article_id)}", f"title = {_q(meta.title)}",
        f"publisher = {_q(meta.publisher)}", f"date = {_q(meta.date)}",
        f"language = {_q(meta.language)}",
    ]
    if meta.urls:
        lines.append(f"url = {_q(meta.urls[0])}")
        if len(meta.urls) > 1:
            lines.append("urls = [" + ", ".join(_q(u) for u in meta.urls) + "]")
    lines += [
        "", "[files]", 'spun = "spun.txt"', 'restored = "restored.txt"', 'edits = "edits.jsonl"',
        "", "[digests]", f"spun_sha256 = {_q(sha256_text(spun))}",
        f"restored_sha256 = {_q(sha256_text(restored))}",
        "", "[restoration]",
        'source = "spun.txt and restored.txt as given to `harness references add`."',
        'method = "edits.jsonl derived by word alignment of the two texts."',
    ]
    return "\n".join(lines) + "\n"


def edits_jsonl(edits: tuple[Edit, ...]) -> str:
    return "".join(
        json.dumps({"segment": e.segment, "start": e.start, "end": e.end,
                    "spun": e.spun, "restored": e.restored}, ensure_ascii=False) + "\n"
        for e in edits)


def segment_offsets(text: str, segment_lines: dict[str, int]) -> dict[str, int]:
    """Offset in ``text`` of each segment's first non-blank character."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    return {seg: starts[n - 1] + len(lines[n - 1]) - len(lines[n - 1].lstrip())
            for seg, n in segment_lines.items()}


def add_article(root: Path, article_id: str, spun_path: Path, restored_path: Path,
                meta: ArticleMeta, max_changed: float = DEFAULT_MAX_CHANGED) -> AddedArticle:
    """Create ``root/article_id`` from the two texts; raises :class:`ArticleError`
    (with the reason) when the id is taken or the texts are not a spun pair."""
    if not _ARTICLE_ID.match(article_id):
        raise ArticleError(f"article id {article_id!r}: use lower-case letters, digits, "
                           "'.', '_' and '-' (e.g. publisher-date-topic)")
    folder = root / article_id
    if folder.exists():
        raise ArticleError(f"{folder} exists already; choose another id or remove it")
    spun, restored = read_text(spun_path, "spun"), read_text(restored_path, "restored")
    for what, text in (("spun", spun), ("restored", restored)):
        if not text.strip():
            raise ArticleError(f"the {what} text is empty")
    try:
        segments = split_segments(spun, restored, frozenset())
    except ArticleError:
        segments = ()  # the alignment says what differs in the structure, more clearly
    alignment = align_texts(spun, restored, {s.line: s.id for s in segments}, max_changed)
    offsets = segment_offsets(spun, {s.id: s.line for s in segments})
    facts = propose_facts(article_id, segments, alignment.edits, offsets, meta.language)
    meta_text = meta_toml(article_id, meta, spun, restored)
    for name, toml_text in (("meta.toml", meta_text), ("facts.toml", facts)):
        try:  # a folder that cannot be loaded back must never appear
            tomllib.loads(toml_text)
        except (tomllib.TOMLDecodeError, UnicodeEncodeError) as exc:
            raise ArticleError(f"{article_id}: cannot write a valid {name} ({exc})") from None
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{article_id}.", dir=root))
    try:
        for name, text in (("spun.txt", spun), ("restored.txt", restored),
                           ("edits.jsonl", edits_jsonl(alignment.edits)),
                           ("meta.toml", meta_text), ("facts.toml", facts)):
            _write_synced(staging / name, text)
        sync_directory(staging)
        staging.rename(folder)
        sync_directory(root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return AddedArticle(load_article(article_id, root), alignment)
