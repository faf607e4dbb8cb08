"""The one scoring pipeline: a run file into rows, rows into totals, on one core or more.

A run file is read as chunks of consecutive lines. :meth:`Scorer.chunk` parses a
chunk's lines, turns each segment line into a :class:`~harness.score.rows.SegmentRow`
and folds it into a :class:`RunTotals`: one :class:`~harness.score.totals.GroupTotals`
per (variant, target language), and per target language the spin figures of each
segment whose two variants both have output (chrF of the spun output against the
restored one, and spin leakage). A segment whose other variant is in another chunk
waits in the totals; :meth:`Scorer.merge` adds the totals of the next chunk and pairs
what was waiting. The chunks' totals are merged in file order, so scoring the chunks
in worker processes (:func:`score_file` with ``workers`` > 1) gives exactly what
scoring them one after the other in this process gives.

``harness score`` reports the totals; ``harness compare`` reads the same rows and
totals (:mod:`harness.compare.build`) and adds pairing, significance and gates.
"""

from __future__ import annotations

import gc
import hashlib
import io
import os
from array import array
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from harness.errors import RunFileError
from harness.fidelity.glossary import Glossary, run_glossary
from harness.fidelity.language import likeliest
from harness.fidelity.matching import primary_language
from harness.references.library import ReferenceLibrary
from harness.restore.leakage import LeakageCounter
from harness.runfile import RunFile, RunHeader, SegmentRecord, iter_records, parse_line
from harness.score.gold import learn_run_references, own_articles
from harness.score.judging import Judge
from harness.score.rows import SegmentRow, TextMetrics, segment_row
from harness.score.totals import GroupTotals, add_stats

CHUNK_LINES = 4000
# Files smaller than this are scored in this process: a pool would cost more than it saves.
_PARALLEL_FROM_BYTES = 4 * 2**20
# chrF statistics of recent (spun output, restored output) pairs, kept in memory.
_RECENT_PAIRS = 5_000

Slot = tuple[str, str, str]  # article, segment, target language


@dataclass
class SpinTotals:
    """chrF sufficient statistics of spun against restored outputs, one target language."""

    pairs: int = 0
    chrf: list[float] | None = None


@dataclass
class RunTotals:
    """Everything scoring learns about a run (or a chunk of it): sums, never texts,
    except the outputs still waiting for their segment's other variant."""

    root: Path
    segments: int = 0
    groups: dict[tuple[str, str], GroupTotals] = field(default_factory=dict)
    spin: dict[str, SpinTotals] = field(default_factory=dict)
    leakage: LeakageCounter | None = None
    waiting: dict[Slot, tuple[str, str]] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # article id -> why not loaded
    notes: dict[str, None] = field(default_factory=dict)  # the library's, in order
    articles: dict[str, tuple[str, bool]] = field(default_factory=dict)  # see Judge.seen
    ids: array[int] = field(default_factory=lambda: array("Q"))  # 64-bit hashes of ids

    def __post_init__(self) -> None:
        if self.leakage is None:
            self.leakage = LeakageCounter(ReferenceLibrary(self.root))

    @property
    def leaks(self) -> LeakageCounter:
        assert self.leakage is not None
        return self.leakage


class Scorer:
    """What scoring needs in one process: the judge (with its memory), the text metrics,
    and the chrF statistics of recent output pairs."""

    def __init__(
        self,
        root: Path,
        book: ReferenceLibrary | None = None,
        judge: Judge | None = None,
        *,
        spin_chrf: bool = True,
        glossary: Glossary | None = None,
    ) -> None:
        self.root = root
        self.glossary = glossary  # given by the user; else each run's recorded one
        self.spin_chrf = spin_chrf  # chrF of spun against restored outputs (score reports it)
        self.book = book or ReferenceLibrary(root)
        self.judge = judge or Judge(self.book)
        self.metrics = TextMetrics()
        self._pair_stats: dict[tuple[str, str, str], tuple[float, ...]] = {}

    def row(
        self,
        record: SegmentRecord,
        own: frozenset[str] = frozenset(),
        glossary: Glossary | None = None,
    ) -> SegmentRow:
        """``own``: ids of the articles that are the user's own content."""
        return segment_row(record, self.judge, self.metrics, own, glossary)

    def add(self, totals: RunTotals, row: SegmentRow) -> None:
        totals.segments += 1
        key = (row.variant, row.target)
        group = totals.groups.get(key)
        if group is None:
            group = totals.groups[key] = GroupTotals(row.variant, row.target)
        group.add(row)
        if row.error is None and row.output is not None and row.variant in ("spun", "restored"):
            self._wait_or_pair(
                totals, (row.article, row.segment, row.target), row.variant, row.output
            )

    def _wait_or_pair(self, totals: RunTotals, slot: Slot, variant: str, output: str) -> None:
        other = totals.waiting.pop(slot, None)
        if other is None or other[0] == variant:
            totals.waiting[slot] = (variant, output)
            return
        spun, restored = (output, other[1]) if variant == "spun" else (other[1], output)
        spin = totals.spin.get(slot[2])
        if spin is None:
            spin = totals.spin[slot[2]] = SpinTotals()
        spin.pairs += 1
        if self.spin_chrf:
            spin.chrf = add_stats(spin.chrf, self._chrf(spun, restored, slot[2]))
        totals.leaks.add_pair(*slot, spun, restored)

    def _chrf(self, spun: str, restored: str, target: str) -> tuple[float, ...]:
        key = (spun, restored, target)
        stats = self._pair_stats.get(key)
        if stats is None:
            if len(self._pair_stats) >= _RECENT_PAIRS:
                self._pair_stats.clear()
            stats = self._pair_stats[key] = self.metrics.chrf_stats(spun, restored)
        return stats

    def merge(self, totals: RunTotals, later: RunTotals) -> None:
        """Add the totals of the lines after ``totals``' to it, pairing waiting outputs."""
        totals.segments += later.segments
        for key, group in later.groups.items():
            mine = totals.groups.get(key)
            if mine is None:
                totals.groups[key] = group
            else:
                mine.merge(group)
        for target, spin in later.spin.items():
            mine_spin = totals.spin.setdefault(target, SpinTotals())
            mine_spin.pairs += spin.pairs
            if spin.chrf is not None:
                mine_spin.chrf = add_stats(mine_spin.chrf, spin.chrf)
        totals.leaks.merge(later.leaks)
        totals.problems.update(later.problems)
        totals.articles.update(later.articles)
        totals.ids.extend(later.ids)
        totals.notes.update(later.notes)
        for slot, (variant, output) in later.waiting.items():
            self._wait_or_pair(totals, slot, variant, output)

    def totals(self) -> RunTotals:
        return RunTotals(self.root, leakage=LeakageCounter(self.book))

    def finish(self, totals: RunTotals) -> RunTotals:
        """Hand the notes gathered so far to ``totals``."""
        totals.problems.update(self.judge.problems)
        totals.articles.update(self.judge.seen)
        totals.notes.update(dict.fromkeys(self.book.notes))
        return totals

    def chunk(
        self,
        path: Path,
        first: int,
        lines: list[bytes],
        last: bool,
        each: Callable[[SegmentRow], None] | None = None,
        own: frozenset[str] = frozenset(),
        glossary: Glossary | None = None,
    ) -> RunTotals:
        """Totals of ``lines`` (line ``first`` onwards of run file ``path``); ``each`` is
        called with every row, in order."""
        totals = self.totals()
        for offset, line in enumerate(lines):
            record = parse_line(line, path, first + offset, last=last and offset == len(lines) - 1)
            if isinstance(record, SegmentRecord):
                totals.ids.append(id_hash(record.id))
                row = self.row(record, own, glossary)
                self.add(totals, row)
                if each is not None:
                    each(row)
        return self.finish(totals)


def id_hash(segment_id: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(segment_id.encode("utf-8"), digest_size=8).digest(), "little"
    )


def check_unique(path: Path, ids: array[int]) -> None:
    """Refuse a run file that holds a segment id twice, naming the line, as
    :meth:`RunFile.segments` does; ``ids`` are the hashes of its ids (8 bytes a segment,
    where a set of the ids would hold each id), sorted by the check. Only on a repeated
    hash is the file read again, to find the line."""
    # Sorted in place (the hashes serve nothing else): no second copy of 8 bytes a segment.
    ordered = np.frombuffer(ids, dtype=np.uint64)
    ordered.sort()
    if not len(ordered) or not bool(np.any(ordered[1:] == ordered[:-1])):
        return
    seen: set[str] = set()
    for number, record in iter_records(path):
        if isinstance(record, SegmentRecord):
            if record.id in seen:
                raise RunFileError(f"{path}:{number}: segment {record.id} appears twice")
            seen.add(record.id)


def spans(path: Path, size: int | None = None) -> Iterator[tuple[int, int, int, bool]]:
    """(number of the first line, start offset, end offset, whether they end the file)
    of the lines after the header, ``size`` lines at a time (default
    :data:`CHUNK_LINES`). Worker processes read their span themselves
    (:func:`read_span`): the lines never pass through this process's memory or pipes."""
    size = size or CHUNK_LINES
    with path.open("rb") as fh:
        start = end = len(fh.readline())  # the header, read and checked by RunFile
        first, count = 2, 0
        for line in fh:
            if count == size:  # a further line exists: the span does not end the file
                yield first, start, end, False
                first, start, count = first + count, end, 0
            end += len(line)
            count += 1
        if count:
            yield first, start, end, True


def read_span(path: Path, start: int, end: int) -> list[bytes]:
    """The lines of run file ``path`` between two offsets of :func:`spans`, split as
    iterating over the file splits them."""
    with path.open("rb") as fh:
        fh.seek(start)
        return list(io.BytesIO(fh.read(end - start)))


def chunks(path: Path, size: int | None = None) -> Iterator[tuple[int, list[bytes], bool]]:
    """(number of the first line, lines, whether they end the file) after the header,
    ``size`` lines at a time (default :data:`CHUNK_LINES`)."""
    for first, start, end, last in spans(path, size):
        yield first, read_span(path, start, end), last


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on every platform
        return max(1, os.cpu_count() or 1)


_WORKER: Scorer | None = None


def share_before_fork(headers: list[RunHeader]) -> None:
    """Load what every worker would load alike before forking them: the language
    identifier of the runs' language pairs (its models are large and read-only, so
    forked workers share one copy instead of each building its own), then freeze the
    collector (objects it would walk in a child get copied into it page by page)."""
    for header in headers:
        sources = (
            header.source_lang if isinstance(header.source_lang, list) else [header.source_lang]
        )
        for source in sources:
            for target in header.targets:
                likeliest("", primary_language(source), primary_language(target))
    gc.freeze()


def start_worker(scorer: Scorer, headers: list[RunHeader]) -> Scorer:
    """A worker's scorer: the same library, with the references of the runs' own inputs."""
    for header in headers:
        learn_run_references(scorer.book, header)
    return scorer


def _start_worker(root: Path, headers: list[RunHeader], glossary: Glossary | None) -> None:
    global _WORKER
    _WORKER = start_worker(Scorer(root, glossary=glossary), headers)


def _chunk_in_worker(
    path: Path, first: int, start: int, end: int, last: bool, own: frozenset[str]
) -> RunTotals:
    assert _WORKER is not None
    lines = read_span(path, start, end)
    return _WORKER.chunk(path, first, lines, last, own=own, glossary=_WORKER.glossary)


def score_file(
    path: Path,
    scorer: Scorer,
    workers: int | None = None,
    *,
    each: Callable[[SegmentRow], None] | None = None,
    chunk_lines: int = CHUNK_LINES,
) -> tuple[RunFile, RunTotals]:
    """The totals of run file ``path`` scored by ``workers`` processes (default: one per
    core this process may use, and this process alone for a small file). ``each``
    (called with every row, in order) keeps the work in this process."""
    run = RunFile(path)
    own = frozenset(own_articles(run.header))
    learn_run_references(scorer.book, run.header)
    glossary = run_glossary(run.header, scorer.glossary, scorer.book.notes)
    totals = scorer.totals()
    count = (
        max(1, workers)
        if workers is not None
        else (default_workers() if path.stat().st_size >= _PARALLEL_FROM_BYTES else 1)
    )
    if count == 1 or each is not None:
        for first, lines, last in chunks(path, chunk_lines):
            scorer.merge(totals, scorer.chunk(path, first, lines, last, each, own, glossary))
        check_unique(path, totals.ids)
        return run, scorer.finish(totals)
    share_before_fork([run.header])
    try:
        with ProcessPoolExecutor(
            count,
            mp_context=get_context("fork"),
            initializer=_start_worker,
            initargs=(scorer.root, [run.header], glossary),
        ) as pool:
            pending: list[Future[RunTotals]] = []
            for first, start, end, last in spans(path, chunk_lines):
                pending.append(pool.submit(_chunk_in_worker, path, first, start, end, last, own))
                # A few chunks in flight per worker: memory stays flat however long the run.
                while len(pending) > 2 * count:
                    scorer.merge(totals, pending.pop(0).result())
            while pending:  # popped as merged: a merged chunk's totals are let go at once
                scorer.merge(totals, pending.pop(0).result())
    finally:
        gc.unfreeze()  # frozen for the workers' fork; collectable again
    check_unique(path, totals.ids)
    return run, scorer.finish(totals)
