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
import hashlib
import re
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.errors import ArticleError
from harness.references.add import segment_offsets
from harness.references.article import Article, Edit, references_root
from harness.references.facts import FACTS_FILE, article_facts
from harness.references.library import ReferenceLibrary
from harness.runfile import RunFile

CUES_FILE = "leakage.toml"
MAX_EXAMPLES = 5
# A differing stretch of output further than this (as a share of the segment)
# from every spun span is not attributed to any: word order differs by language.
_MAX_DISTANCE = 0.2
_SNIPPET = 30
_WORD = re.compile(r"\w+")
_COUNTS = ("pairs", "spans", "checked", "leaked", "compared", "diverged")
# Articles kept loaded, and outcomes of recent checks remembered (flat memory).
_KEEP_ARTICLES = 64
_RECENT_CHECKS = 5_000


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
            str(raw["segment"]), str(raw["spun"]), str(raw.get("meaning", "")), cues
        )
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
        return {
            "article": self.article,
            "segment": self.segment,
            "spun": self.spun,
            "restored": self.restored,
            "target_lang": self.target_lang,
            "method": self.method,
            "evidence": self.evidence,
            "fact": self.fact,
            "spun_output": self.spun_output,
            "restored_output": self.restored_output,
        }


def _rank(example: LeakExample) -> tuple[bool, bool]:
    return (example.method != "cue", not example.fact)


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
        self.examples.sort(key=_rank)
        del self.examples[MAX_EXAMPLES:]

    def to_json(self) -> dict[str, Any]:
        return {
            "target_lang": self.target_lang,
            "pairs": self.pairs,
            "spans": self.spans,
            "checked": self.checked,
            "leaked": self.leaked,
            "leak_rate": self.leak_rate,
            "compared": self.compared,
            "diverged": self.diverged,
            "divergence_rate": self.divergence_rate,
            "examples": [e.to_json() for e in self.examples],
        }


@dataclass
class LeakageReport:
    run_id: str
    provider: str
    targets: dict[str, TargetLeakage]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "provider": self.provider,
            "targets": {t: v.to_json() for t, v in sorted(self.targets.items())},
            "notes": self.notes,
        }


def _snippet(text: str, start: int, end: int) -> str:
    left, right = max(0, start - _SNIPPET), min(len(text), end + _SNIPPET)
    return ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")


def _around(text: str, share: float) -> str:
    centre = int(share * len(text))
    return _snippet(text, centre, centre)


def _cue_hit(
    patterns: Sequence[re.Pattern[str]], spun_out: str, restored_out: str
) -> re.Match[str] | None:
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
    return {
        (e.segment, e.spun)
        for e in article.edits
        for segment, spun in spun_facts
        if e.segment == segment and e.spun in spun
    }


def check_segment(
    report: TargetLeakage,
    article: Article,
    segment_spun: str,
    segment_offset: int,
    edits: Sequence[Edit],
    cues: dict[tuple[str, str], SpanCues],
    spun_out: str,
    restored_out: str,
    facts: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
) -> None:
    """Count the spun spans of one segment in one pair of outputs."""
    report.pairs += 1
    length = max(len(segment_spun), 1)
    centres = [((e.start + e.end) / 2 - segment_offset) / length for e in edits]
    span_patterns = []
    for edit in edits:
        span_cues = cues.get((edit.segment, edit.spun))
        span_patterns.append(span_cues.for_language(report.target_lang) if span_cues else ())
    stretches: dict[int, list[str]] = {}
    # The word diff (the dear part) is read only for spans without cues in this language.
    if spun_out != restored_out and not all(span_patterns):
        for position, words in _differing_stretches(spun_out, restored_out):
            nearest = min(range(len(edits)), key=lambda i: abs(centres[i] - position))
            if abs(centres[nearest] - position) <= _MAX_DISTANCE:
                stretches.setdefault(nearest, []).append(words)
    for index, edit in enumerate(edits):
        report.spans += 1
        patterns = span_patterns[index]
        if patterns:
            report.checked += 1
            hit = _cue_hit(patterns, spun_out, restored_out)
            if hit:
                report.leaked += 1
                report.add_example(
                    LeakExample(
                        article.id,
                        edit.segment,
                        edit.spun,
                        edit.restored,
                        report.target_lang,
                        "cue",
                        hit.group(),
                        _snippet(spun_out, hit.start(), hit.end()),
                        _around(restored_out, hit.start() / max(len(spun_out), 1)),
                        (edit.segment, edit.spun) in facts,
                    )
                )
            continue
        report.compared += 1
        if index in stretches:
            report.diverged += 1
            report.add_example(
                LeakExample(
                    article.id,
                    edit.segment,
                    edit.spun,
                    edit.restored,
                    report.target_lang,
                    "diff",
                    "; ".join(stretches[index]),
                    _around(spun_out, centres[index]),
                    _around(restored_out, centres[index]),
                    (edit.segment, edit.spun) in facts,
                )
            )


@dataclass(frozen=True)
class _Loaded:
    article: Article
    cues: dict[tuple[str, str], SpanCues]
    offsets: dict[str, int]
    facts: set[tuple[str, str]]
    content: str  # names what a check reads of the article: texts, edits, cues, facts


def _content(article: Article) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(article.spun_text.encode("utf-8"))
    for name in ("restored.txt", "edits.jsonl", CUES_FILE, FACTS_FILE):
        path = article.path / name
        digest.update(b"\0" + (path.read_bytes() if path.is_file() else b""))
    return digest.hexdigest()


class _Articles:
    """Articles of the library with their leakage cues, worked out once per article."""

    def __init__(self, library: ReferenceLibrary, notes: list[str]) -> None:
        self.library, self.notes = library, notes
        self._cache: dict[str, _Loaded | None] = {}
        # Cues and fact spans by content: copies of an article are parsed once.
        self._derived: dict[str, tuple[dict[tuple[str, str], SpanCues], set[tuple[str, str]]]] = {}

    def get(self, article_id: str) -> _Loaded | None:
        if article_id not in self._cache:
            if len(self._cache) >= _KEEP_ARTICLES:
                self._cache.pop(next(iter(self._cache)))
            loaded = self.library.load(article_id)
            article = loaded.article
            if article is None:
                self.notes.append(f"{article_id}: {loaded.problem}; left out of leakage")
                self._cache[article_id] = None
            else:
                content = _content(article)
                derived = self._derived.get(content)
                if derived is None:
                    derived = self._derived[content] = (load_cues(article), fact_spans(article))
                offsets = segment_offsets(
                    article.spun_text, {s.id: s.line for s in article.segments}
                )
                self._cache[article_id] = _Loaded(article, derived[0], offsets, derived[1], content)
        return self._cache[article_id]


class LeakageCounter:
    """Leakage counts per target language, fed one pair of outputs (spun, restored) of a
    segment at a time; counters of consecutive parts of a run merge in order."""

    def __init__(self, library: ReferenceLibrary) -> None:
        self.notes: list[str] = []
        self.articles = _Articles(library, self.notes)
        self.targets: dict[str, TargetLeakage] = {}
        self._checked: dict[tuple[str, str, str, str, str], TargetLeakage] = {}

    def add_pair(
        self, article_id: str, segment_id: str, target: str, spun_out: str, restored_out: str
    ) -> None:
        loaded = self.articles.get(article_id)
        if loaded is None:
            return
        try:
            segment = loaded.article.segment(segment_id)
        except ArticleError:
            return
        report = self.targets.setdefault(target, TargetLeakage(target))
        key = (loaded.content, segment_id, target, spun_out, restored_out)
        found = self._checked.get(key)
        if found is None:
            # A check reads only the article's content: copies share the outcome.
            found = TargetLeakage(target)
            edits = [e for e in loaded.article.edits if e.segment == segment.id]
            check_segment(
                found,
                loaded.article,
                segment.spun,
                loaded.offsets[segment.id],
                edits,
                loaded.cues,
                spun_out,
                restored_out,
                loaded.facts,
            )
            if len(self._checked) >= _RECENT_CHECKS:
                self._checked.clear()
            self._checked[key] = found
        for name in _COUNTS:
            setattr(report, name, getattr(report, name) + getattr(found, name))
        for example in found.examples:
            full = len(report.examples) >= MAX_EXAMPLES
            if full and _rank(example) >= _rank(report.examples[-1]):
                continue  # add_example would drop it again: it ranks after all it keeps
            report.add_example(
                example if example.article == article_id else replace(example, article=article_id)
            )

    def merge(self, other: LeakageCounter) -> None:
        for target, theirs in other.targets.items():
            mine = self.targets.setdefault(target, TargetLeakage(target))
            for name in _COUNTS:
                setattr(mine, name, getattr(mine, name) + getattr(theirs, name))
            for example in theirs.examples:
                mine.add_example(example)
        self.notes.extend(n for n in other.notes if n not in self.notes)

    def __getstate__(self) -> dict[str, Any]:
        # Sent between processes without the loaded articles (reloaded on use).
        return {"notes": self.notes, "root": self.articles.library.root, "targets": self.targets}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.notes = state["notes"]
        self.articles = _Articles(ReferenceLibrary(state["root"]), self.notes)
        self.targets = state["targets"]
        self._checked = {}

    def report(self, run_id: str, provider: str, unpaired: int) -> LeakageReport:
        notes = list(self.notes)
        if unpaired:
            notes.append(
                f"{unpaired} segments have output for one variant only; left out of leakage"
            )
        return LeakageReport(run_id, provider, dict(self.targets), notes)


def leakage_for_run(
    run_path: Path, references: Path | None = None, *, library: ReferenceLibrary | None = None
) -> LeakageReport:
    """Leakage of spun spans per target language for one run file, streamed:
    a segment's output waits only until its other variant arrives. ``library``
    shares already loaded articles with the caller."""
    counter = LeakageCounter(library or ReferenceLibrary(references_root(references)))
    run = RunFile(run_path)
    provider = run.header.provider_name
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
        spun_out, restored_out = (
            (output, other[1]) if record.variant == "spun" else (other[1], str(output))
        )
        counter.add_pair(*slot, spun_out, restored_out)
    return counter.report(run.run_id, provider, len(waiting))
