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


def meta_toml(
    article_id: str,
    meta: ArticleMeta,
    spun: str,
    restored: str,
    alignment: Alignment | None = None,
    original: bool = False,
) -> str:
    lines = [
        "# Metadata of a reference article, written by `harness references add`.",
        f"id = {_q(article_id)}",
        f"title = {_q(meta.title)}",
        f"publisher = {_q(meta.publisher)}",
        f"date = {_q(meta.date)}",
        f"language = {_q(meta.language)}",
    ]
    if meta.urls:
        lines.append(f"url = {_q(meta.urls[0])}")
        if len(meta.urls) > 1:
            lines.append("urls = [" + ", ".join(_q(u) for u in meta.urls) + "]")
    lines += [
        "",
        "[files]",
        'spun = "spun.txt"',
        'restored = "restored.txt"',
        'edits = "edits.jsonl"',
    ]
    if original:
        lines.append('original = "original.txt"')
    lines += [
        "",
        "[digests]",
        f"spun_sha256 = {_q(sha256_text(spun))}",
        f"restored_sha256 = {_q(sha256_text(restored))}",
    ]
    for line, text in alignment.furniture if alignment else ():
        lines += [
            "",
            "# A spun paragraph without an original: page furniture.",
            "[[furniture]]",
            f"line = {line}",
            f"text = {_q(text)}",
        ]
    for text in alignment.dropped if alignment else ():
        lines += [
            "",
            "# An original paragraph the spun copy lacks.",
            "[[dropped]]",
            f"text = {_q(text)}",
        ]
    source = (
        "spun.txt as given to `harness references add`; original.txt is the restored "
        "text as given, restored.txt the same laid on the lines of spun.txt"
        if original
        else "spun.txt and restored.txt as given to `harness references add`."
    )
    lines += [
        "",
        "[restoration]",
        f"source = {_q(source)}",
        'method = "paragraphs aligned by words, then edits.jsonl by word alignment."',
    ]
    if alignment is not None:
        lines += [
            f"merged_paragraphs = {alignment.merged}",
            f"split_paragraphs = {alignment.split}",
            f"number_swaps = {alignment.number_swaps}",
        ]
    return "\n".join(lines) + "\n"


def text_meta_toml(article_id: str, meta: ArticleMeta, text: str) -> str:
    """``meta.toml`` of a plain text: one variant, ``original``, stored once as text.txt."""
    lines = [
        "# Metadata of a plain text (no spun version), written by `harness references add`.",
        f"id = {_q(article_id)}",
        f"title = {_q(meta.title)}",
    ]
    lines += [
        f"{key} = {_q(value)}"
        for key, value in (("publisher", meta.publisher), ("date", meta.date))
        if value
    ]
    lines.append(f"language = {_q(meta.language)}")
    if meta.urls:
        lines.append(f"url = {_q(meta.urls[0])}")
    lines += [
        'variants = ["original"]',
        "",
        "[files]",
        'spun = "text.txt"',
        'restored = "text.txt"',
        "",
        "[digests]",
        f"original_sha256 = {_q(sha256_text(text))}",
    ]
    return "\n".join(lines) + "\n"


def edits_jsonl(edits: tuple[Edit, ...]) -> str:
    return "".join(
        json.dumps(
            {
                "segment": e.segment,
                "start": e.start,
                "end": e.end,
                "spun": e.spun,
                "restored": e.restored,
            },
            ensure_ascii=False,
        )
        + "\n"
        for e in edits
    )


def segment_offsets(text: str, segment_lines: dict[str, int]) -> dict[str, int]:
    """Offset in ``text`` of each segment's first non-blank character."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    return {
        seg: starts[n - 1] + len(lines[n - 1]) - len(lines[n - 1].lstrip())
        for seg, n in segment_lines.items()
    }


def _new_folder(root: Path, article_id: str) -> Path:
    if not _ARTICLE_ID.match(article_id):
        raise ArticleError(
            f"article id {article_id!r}: use lower-case letters, digits, "
            "'.', '_' and '-' (e.g. publisher-date-topic)"
        )
    folder = root / article_id
    if folder.exists():
        raise ArticleError(f"{folder} exists already; choose another id or remove it")
    return folder


def _install(root: Path, article_id: str, files: dict[str, str]) -> Path:
    """Write ``files`` into a staging folder and move it into place in one step."""
    for name, content in files.items():
        if name.endswith(".toml"):
            try:  # a folder that cannot be loaded back must never appear
                tomllib.loads(content)
            except tomllib.TOMLDecodeError as exc:
                raise ArticleError(f"{article_id}: cannot write a valid {name} ({exc})") from None
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{article_id}.", dir=root))
    try:
        for name, content in files.items():
            _write_synced(staging / name, content)
        sync_directory(staging)
        staging.rename(root / article_id)
        sync_directory(root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return root / article_id


def add_text_article(root: Path, article_id: str, text_path: Path, meta: ArticleMeta) -> Article:
    """Create ``root/article_id`` from a plain text (no spun version): ``text.txt``
    byte for byte, ``meta.toml`` and a proposed ``facts.toml`` to review."""
    folder = _new_folder(root, article_id)
    text = read_text(text_path, "plain")
    if not text.strip():
        raise ArticleError(f"plain text {text_path}: the file is empty")
    segments = split_segments(text, text, frozenset())
    offsets = segment_offsets(text, {s.id: s.line for s in segments})
    facts = propose_facts(article_id, segments, (), offsets, meta.language)
    _install(
        root,
        article_id,
        {
            "text.txt": text,
            "facts.toml": facts,
            "meta.toml": text_meta_toml(article_id, meta, text),
        },
    )
    return load_article(folder.name, root)


def add_article(
    root: Path,
    article_id: str,
    spun_path: Path,
    restored_path: Path,
    meta: ArticleMeta,
    max_changed: float = DEFAULT_MAX_CHANGED,
) -> AddedArticle:
    """Create ``root/article_id`` from the two texts; raises :class:`ArticleError`
    (with the reason) when the id is taken or the texts cannot be aligned.

    ``spun.txt`` is stored byte for byte. When the paragraphs of the two texts do
    not pair up line for line (furniture, merged, split or dropped paragraphs),
    ``restored.txt`` is the restored text laid on the spun text's lines and
    ``original.txt`` keeps the restored text as given."""
    folder = _new_folder(root, article_id)
    spun, restored = read_text(spun_path, "spun"), read_text(restored_path, "restored")
    for what, text in (("spun", spun), ("restored", restored)):
        if not text.strip():
            raise ArticleError(f"the {what} text is empty")
    alignment = align_texts(spun, restored, None, max_changed, meta.language)
    furniture = frozenset(line for line, _ in alignment.furniture)
    segments = split_segments(spun, alignment.restored, furniture)
    offsets = segment_offsets(spun, {s.id: s.line for s in segments})
    facts = propose_facts(article_id, segments, alignment.edits, offsets, meta.language)
    original = alignment.restored != restored
    files = {
        "spun.txt": spun,
        "restored.txt": alignment.restored,
        "edits.jsonl": edits_jsonl(alignment.edits),
        "facts.toml": facts,
        "meta.toml": meta_toml(article_id, meta, spun, alignment.restored, alignment, original),
    }
    if original:
        files["original.txt"] = restored
    _install(root, article_id, files)
    return AddedArticle(load_article(folder.name, root), alignment)
