"""A user's files as articles to translate, as run-header entries, and back.

Each input file becomes one article (a ``.jsonl`` file one per distinct
``article`` field) with a single variant, ``original``: the run engine plans,
shards, resumes and merges it exactly like a reference article. The run header
records each input under ``inputs``: the path as given, its format, the sha256
of its bytes, the source language and article id it was read with, and each
line-aligned reference file (path and sha256). :func:`rebuild_inputs` reads the
files again from that entry and refuses one whose bytes changed, so a resumed
run never mixes two versions of a text. :attr:`LoadedInput.gold` holds the
reference translations the input carries (JSONL ``references``, TSV columns,
``--reference`` files), by article, segment and language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.inputs.reading import (
    InputError,
    InputSegment,
    file_format,
    read_raw,
    read_reference_lines,
    read_segments,
)
from harness.references.article import ORIGINAL, Article, ArticleSegment

DEFAULT_SOURCE_LANG = "en"

#: article id -> language -> segment id -> reference translation
Gold = dict[str, dict[str, dict[str, str]]]


@dataclass(frozen=True)
class InputSpec:
    """One ``--input`` as the user gave it."""

    path: Path
    references: Mapping[str, Path] = field(default_factory=dict)
    article_id: str | None = None
    source_lang: str = DEFAULT_SOURCE_LANG


@dataclass(frozen=True)
class LoadedInput:
    spec: InputSpec
    format: str
    sha256: str
    reference_sha256: dict[str, str]
    articles: tuple[Article, ...]
    gold: Gold

    def entry(self) -> dict[str, Any]:
        """What the run header records about this input."""
        return {
            "path": str(self.spec.path),
            "format": self.format,
            "sha256": self.sha256,
            "source_lang": self.spec.source_lang,
            "article_id": self.spec.article_id,
            "articles": [a.id for a in self.articles],
            "references": {
                lang: {"path": str(path), "sha256": self.reference_sha256[lang]}
                for lang, path in sorted(self.spec.references.items())
            },
        }


def load_input(spec: InputSpec) -> LoadedInput:
    """Read ``spec``'s file (and its reference files) into articles and gold translations."""
    fmt = file_format(spec.path)
    if spec.references and fmt != "txt":
        raise InputError(
            f"--reference goes with a .txt input; {spec.path} carries its "
            "references itself (JSONL 'references', TSV columns)"
        )
    raw = read_raw(spec.path)
    segments = read_segments(raw, fmt)
    gold: Gold = {}
    reference_sha: dict[str, str] = {}
    if spec.references:
        extra: dict[str, list[str]] = {}
        for lang, path in spec.references.items():
            ref = read_raw(path, f"reference ({lang})")
            extra[lang] = read_reference_lines(ref, len(segments), spec.path)
            reference_sha[lang] = ref.sha256
        segments = [
            InputSegment(
                s.id,
                s.source,
                s.line,
                s.source_lang,
                s.article,
                {**s.references, **{lang: lines[n] for lang, lines in extra.items()}},
            )
            for n, s in enumerate(segments)
        ]
    articles = _group(spec, fmt, segments)
    for article_id, members in _members(spec, segments).items():
        for segment in members:
            for lang, text in segment.references.items():
                gold.setdefault(article_id, {}).setdefault(lang, {})[segment.id] = text
    return LoadedInput(spec, fmt, raw.sha256, reference_sha, tuple(articles), gold)


def _article_of(spec: InputSpec, segment: InputSegment) -> str:
    return segment.article or spec.article_id or spec.path.stem


def _members(spec: InputSpec, segments: Iterable[InputSegment]) -> dict[str, list[InputSegment]]:
    groups: dict[str, list[InputSegment]] = {}
    for segment in segments:
        groups.setdefault(_article_of(spec, segment), []).append(segment)
    return groups


def _group(spec: InputSpec, fmt: str, segments: list[InputSegment]) -> list[Article]:
    articles = []
    for article_id, members in _members(spec, segments).items():
        if not article_id.strip() or "/" in article_id:
            raise InputError(
                f"{spec.path}:{members[0].line}: article id {article_id!r} may "
                "not be empty or contain '/'"
            )
        language = members[0].source_lang or spec.source_lang
        for segment in members:
            if (segment.source_lang or spec.source_lang) != language:
                raise InputError(
                    f"{spec.path}:{segment.line}: source_lang {segment.source_lang!r} differs "
                    f"from {language!r} of the other segments of article {article_id!r}; give "
                    "segments of another language their own 'article'"
                )
        text = "\n".join(s.source for s in members)
        title = (
            spec.path.name if article_id == spec.path.stem else f"{spec.path.name}: {article_id}"
        )
        articles.append(
            Article(
                id=article_id,
                path=spec.path,
                meta={"title": title, "language": language, "variants": [ORIGINAL], "input": fmt},
                spun_text=text,
                restored_text=text,
                edits=(),
                segments=tuple(ArticleSegment(s.id, s.line, s.source, s.source) for s in members),
            )
        )
    return articles


def load_inputs(specs: Sequence[InputSpec], taken: Iterable[str] = ()) -> list[LoadedInput]:
    """Every input, refusing two articles with one id (also against ``taken``)."""
    loaded = [load_input(spec) for spec in specs]
    seen = {article_id: "a reference article" for article_id in taken}
    for item in loaded:
        for article in item.articles:
            if article.id in seen:
                raise InputError(
                    f"{item.spec.path}: article id {article.id!r} is taken by "
                    f"{seen[article.id]}; give --article-id (or an 'article' "
                    "field) to tell them apart"
                )
            seen[article.id] = str(item.spec.path)
    return loaded


def spec_from_entry(entry: Mapping[str, Any]) -> InputSpec:
    references = {
        str(lang): Path(str(ref["path"])) for lang, ref in (entry.get("references") or {}).items()
    }
    article_id = entry.get("article_id")
    return InputSpec(
        Path(str(entry["path"])),
        references,
        None if article_id is None else str(article_id),
        str(entry.get("source_lang") or DEFAULT_SOURCE_LANG),
    )


def rebuild_input(entry: Mapping[str, Any]) -> LoadedInput:
    """An input of a run header read again; refused when a file's bytes changed."""
    spec = spec_from_entry(entry)
    for path in (spec.path, *spec.references.values()):
        if not path.is_absolute() and not path.exists():
            raise InputError(
                f"{path}: no such file here; the run header records input paths "
                "as given, relative to the folder the run was started in"
            )
    loaded = load_input(spec)
    if loaded.sha256 != entry.get("sha256"):
        raise InputError(
            f"input {loaded.spec.path} changed since the run started (its sha256 "
            "differs from the run header); start a new run instead"
        )
    for lang, ref in (entry.get("references") or {}).items():
        if loaded.reference_sha256.get(str(lang)) != ref.get("sha256"):
            raise InputError(
                f"reference {ref.get('path')} ({lang}) changed since the run "
                "started (its sha256 differs from the run header)"
            )
    return loaded


def rebuild_inputs(entries: Sequence[Mapping[str, Any]]) -> list[Article]:
    """The articles of a run's ``inputs`` header entries, checked against their digests."""
    return [article for entry in entries for article in rebuild_input(entry).articles]
