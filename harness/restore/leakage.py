"""Spin leakage: does the spun meaning of a spun span come through a translation?

For every segment of a run translated in both variants, each spun span of the
article (its edits) is checked in the pair of outputs:

* **cue** (where the article has ``leakage.toml``, see that file's header): a
  cue for the target language matches the spun variant's output and nothing in
  the restored variant's output: "Might 20" became "Poder 20", "Wall Avenue
  Journal" became "Revista de Avenida". Counted as *leaked*.
* **diff** (fallback for spans without cues in that language): the two outputs
  are compared word by word; each differing stretch is attributed to the spun
  span nearest to it by relative position in the segment. A span with a
  differing stretch of its own *diverged*: its translation changed with the
  spinning, which is weaker evidence than a cue (a synonym may translate to a
  synonym).

:func:`leakage_for_run` streams a run file and returns a :class:`LeakageReport`
with per target language counts and the worst examples, side by side.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import ArticleError
from harness.references.add import segment_offsets
from harness.references.article import Article, Edit, references_root
from harness.references.facts import article_facts
from harness.references.library import ReferenceLibrary
from harness.runfile import RunFile

CUES_FILE = "leakage.toml"
MAX_EXAMPLES = 5
# A differing stretch of output further than this (as a share of the segment)
# from every spun span is not attributed to any: word order differs by language.
_MAX_DISTANCE = 0.2
_SNIPPET = 30
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SpanCues:
    segment: str
    spun: str
    meaning: str
    cues: dict[str, tuple[re.Pattern[str], ...]]

    def for_language(self, lang: str) -> tuple[re.Pattern[str], ...]:
        return self.cues.get(lang) or self.cues.get(lang.split("-")[0].lower()) or ()


def load_cues(article: Article) -> dict[tuple[str, str], SpanCues]:
    """The article's leakage cues by (segment, spun text); empty without a file."""
    path = article.path / CUES_FILE
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ArticleError(f"{path}: {exc}") from exc
    out: dict[tuple[str, str], SpanCues] = {}
    for index, raw in enumerate(data.get("span", [])):
        where = f"{path}: span[{index}]"
        if not isinstance(raw, dict) or "segment" not in raw or "spun" not in raw:
            raise ArticleError(f"{where}: needs segment and spun")
        cues: dict[str, tuple[re.Pattern[str], ...]] = {}
        for lang, patterns in dict(raw.get("cues", {})).items():
            try:
                cues[lang] = tuple(re.compile(p, re.IGNORECASE) for p in patterns)
            except re.error as exc:
                raise ArticleError(f"{where}.cues.{lang}: bad regular expression ({exc})") from None
        out[(str(raw["segment"]), str(raw["spun"]))] = SpanCues(
            str(raw["segment"]), str(raw["spun"]), str(raw.get("meaning", "")), cues)
    return out


@dataclass(frozen=True)
class LeakExample:
    """One spun span in one target language, with both outputs side by side."""

    article: str
    segment: str
    spun: str
    restored: str
    target_lang: str
    method: str  # "cue" or "diff"
    evidence: str
    spun_output: str
    restored_output: str
    fact: bool = False  # the span is part of a name or number of the article

    def to_json(self) -> dict[str, Any]:
        return {"article": self.article, "segment": self.segment, "spun": self.spun,
                "restored": self.restored, "target_lang": self.target_lang,
                "method": self.method, "evidence": self.evidence, "fact": self.fact,
                "spun_output": self.spun_output, "restored_output": self.restored_output}


@dataclass
class TargetLeakage:
    """Counts for one target language of a run."""

    target_lang: str
    pairs: int = 0  # segments with output for both variants
    spans: int = 0  # spun spans in those segments
    checked: int = 0  # spans with cues for this language
    leaked: int = 0
    compared: int = 0  # spans without cues, compared by word diff
    diverged: int = 0
    examples: list[LeakExample] = field(default_factory=list)

    @property
    def leak_rate(self) -> float | None:
        return self.leaked / self.checked if self.checked else None

    @property
    def divergence_rate(self) -> float | None:
        return self.diverged / self.compared if self.compared else None

    def add_example(self, example: LeakExample) -> None:
        # Worst first: cue leaks (the clearest evidence) in names and numbers.
        self.examples.append(example)
        self.examples.sort(key=lambda e: (e.method != "cue", not e.fact))
        del self.examples[MAX_EXAMPLES:]

    def to_json(self) -> dict[str, Any]:
        return {"target_lang": self.target_lang, "pairs": self.pairs, "spans": self.spans,
                "checked": self.checked, "leaked": self.leaked, "leak_rate": self.leak_rate,
                "compared": self.compared, "diverged": self.diverged,
                "divergence_rate": self.divergence_rate,
                "examples": [e.to_json() for e in self.examples]}


@dataclass
class LeakageReport:
    run_id: str
    provider: str
    targets: dict[str, TargetLeakage]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "provider": self.provider,
                "targets": {t: v.to_json() for t, v in sorted(self.targets.items())},
                "notes": self.notes}


def _snippet(text: str, start: int, end: int) -> str:
    left, right = max(0, start - _SNIPPET), min(len(text), end + _SNIPPET)
    return ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")


def _around(text: str, share: float) -> str:
    centre = int(share * len(text))
    return _snippet(text, centre, centre)


def _cue_hit(patterns: Sequence[re.Pattern[str]], spun_out: str,
             restored_out: str) -> re.Match[str] | None:
    for pattern in patterns:
        found = pattern.search(spun_out)
        if found and not pattern.search(restored_out):
            return found
    return None


def _differing_stretches(spun_out: str, restored_out: str) -> Iterator[tuple[float, str]]:
    """(relative position in the spun output, "spun words -> restored words")."""
    a = [(m.group().lower(), m.start()) for m in _WORD.finditer(spun_out)]
    b = [(m.group().lower(), m.start()) for m in _WORD.finditer(restored_out)]
    matcher = difflib.SequenceMatcher(None, [w for w, _ in a], [w for w, _ in b], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or i1 == i2:
            continue  # words only the restored output has carry no spun meaning
        position = a[(i1 + i2 - 1) // 2][1] / max(len(spun_out), 1)
        words = " ".join(w for w, _ in a[i1:i2]) + " -> " + " ".join(w for w, _ in b[j1:j2])
        yield position, words


def fact_spans(article: Article) -> set[tuple[str, str]]:
    """(segment, spun text) of the spinnings inside the article's names and numbers."""
    facts = article_facts(article)
    if facts is None:
        return set()
    spun_facts = [(o.segment, o.spun) for n in facts.names for o in n.occurs if o.spun]
    spun_facts += [(n.segment, n.spun) for n in facts.numbers if n.spun]
    return {(e.segment, e.spun) for e in article.edits
            for segment, spun in spun_facts if e.segment == segment and e.spun in spun}


def check_segment(report: TargetLeakage, article: Article, segment_spun: str,
                  segment_offset: int, edits: Sequence[Edit],
                  cues: dict[tuple[str, str], SpanCues],
                  spun_out: str, restored_out: str,
                  facts: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset()) -> None:
    """Count the spun spans of one segment in one pair of outputs."""
    report.pairs += 1
    length = max(len(segment_spun), 1)
    centres = [((e.start + e.end) / 2 - segment_offset) / length for e in edits]
    stretches: dict[int, list[str]] = {}
    if edits and spun_out != restored_out:
        for position, words in _differing_stretches(spun_out, restored_out):
            nearest = min(range(len(edits)), key=lambda i: abs(centres[i] - position))
            if abs(centres[nearest] - position) <= _MAX_DISTANCE:
                stretches.setdefault(nearest, []).append(words)
    for index, edit in enumerate(edits):
        report.spans += 1
        span_cues = cues.get((edit.segment, edit.spun))
        patterns = span_cues.for_language(report.target_lang) if span_cues else ()
        if patterns:
            report.checked += 1
            hit = _cue_hit(patterns, spun_out, restored_out)
            if hit:
                report.leaked += 1
                report.add_example(LeakExample(
                    article.id, edit.segment, edit.spun, edit.restored, report.target_lang,
                    "cue", hit.group(), _snippet(spun_out, hit.start(), hit.end()),
                    _around(restored_out, hit.start() / max(len(spun_out), 1)),
                    (edit.segment, edit.spun) in facts))
            continue
        report.compared += 1
        if index in stretches:
            report.diverged += 1
            report.add_example(LeakExample(
                article.id, edit.segment, edit.spun, edit.restored, report.target_lang,
                "diff", "; ".join(stretches[index]), _around(spun_out, centres[index]),
                _around(restored_out, centres[index]), (edit.segment, edit.spun) in facts))


@dataclass(frozen=True)
class _Loaded:
    article: Article
    cues: dict[tuple[str, str], SpanCues]
    offsets: dict[str, int]
    facts: set[tuple[str, str]]


class _Articles:
    """Articles of the library with their leakage cues, worked out once per article."""

    def __init__(self, library: ReferenceLibrary, notes: list[str]) -> None:
        self.library, self.notes = library, notes
        self._cache: dict[str, _Loaded | None] = {}

    def get(self, article_id: str) -> _Loaded | None:
        if article_id not in self._cache:
            loaded = self.library.load(article_id)
            article = loaded.article
            if article is None:
                self.notes.append(f"{article_id}: {loaded.problem}; left out of leakage")
                self._cache[article_id] = None
            else:
                offsets = segment_offsets(article.spun_text,
                                          {s.id: s.line for s in article.segments})
                self._cache[article_id] = _Loaded(article, load_cues(article), offsets,
                                                  fact_spans(article))
        return self._cache[article_id]


def leakage_for_run(run_path: Path, references: Path | None = None,
                    *, library: ReferenceLibrary | None = None) -> LeakageReport:
    """Leakage of spun spans per target language for one run file, streamed:
    a segment's output waits only until its other variant arrives. ``library``
    shares already loaded articles with the caller."""
    notes: list[str] = []
    articles = _Articles(library or ReferenceLibrary(references_root(references)), notes)
    run = RunFile(run_path)
    provider = run.header.provider_name
    targets: dict[str, TargetLeakage] = {}
    waiting: dict[tuple[str, str, str], tuple[str, str]] = {}
    for record in run.segments():
        output = record.output
        if output is None or record.error or record.variant not in ("spun", "restored"):
            continue
        slot = (record.article, record.segment, record.target_lang)
        other = waiting.pop(slot, None)
        if other is None or other[0] == record.variant:
            waiting[slot] = (record.variant, output)
            continue
        spun_out, restored_out = ((output, other[1]) if record.variant == "spun"
                                  else (other[1], str(output)))
        loaded = articles.get(slot[0])
        if loaded is None:
            continue
        try:
            segment = loaded.article.segment(slot[1])
        except ArticleError:
            continue
        edits = [e for e in loaded.article.edits if e.segment == segment.id]
        report = targets.setdefault(slot[2], TargetLeakage(slot[2]))
        check_segment(report, loaded.article, segment.spun, loaded.offsets[segment.id], edits,
                      loaded.cues, spun_out, restored_out, loaded.facts)
    if waiting:
        notes.append(f"{len(waiting)} segments have output for one variant only; "
                     "left out of leakage")
    return LeakageReport(run.run_id, provider, targets, notes)
