"""Pass one of a comparison: each run's rows and totals, in chunks, on one core or more.

A run file is read in chunks of consecutive lines (:func:`~harness.score.pipeline.chunks`).
:func:`chunk_rows` scores a chunk with the pipeline ``harness score`` uses (rows and
:class:`~harness.score.pipeline.RunTotals`) and keeps of its rows only what the
comparison reads later: the row store's entries, each judged row's fact outcomes for
the per-fact table, and the full rows of the segments shown side by side (chosen up
front from the first run by :func:`shown_slots`). :func:`run_chunks` yields those
per chunk, in file order, computed in this process or in worker processes; the
caller folds them in that order, so the report does not depend on the number of
workers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from harness.compare.store import RowStore, entry
from harness.fidelity.glossary import Glossary
from harness.references.library import ReferenceLibrary
from harness.run.langs import lang_key
from harness.runfile import RunFile, RunHeader, SegmentRecord, parse_line
from harness.score.judging import FactOutcome, Judge, JudgementMemo
from harness.score.pipeline import (
    RunTotals,
    Scorer,
    chunks,
    id_hash,
    read_span,
    share_before_fork,
    spans,
    start_worker,
)
from harness.score.rows import SegmentRow

FactEntry = tuple[str, str, str, str, tuple[FactOutcome, ...]]  # article, segment, target,
# variant, outcomes


@dataclass
class ChunkRows:
    """What the comparison keeps of one chunk of a run."""

    totals: RunTotals
    facts: list[FactEntry] = field(default_factory=list)
    shown: list[SegmentRow] = field(default_factory=list)


def shown_slots(path: Path, limit: int) -> frozenset[str]:
    """The first ``limit`` segments (``article/segment/target``) of run file ``path``."""
    slots: dict[str, None] = {}
    if limit <= 0:
        return frozenset()
    for record in RunFile(path).segments():
        slots[f"{record.article}/{record.segment}/{lang_key(record.target_lang)}"] = None
        if len(slots) >= limit:
            break
    return frozenset(slots)


def chunk_rows(
    scorer: Scorer,
    path: Path,
    first: int,
    lines: list[bytes],
    last: bool,
    shown: frozenset[str],
    run: int,
    store: RowStore | None,
    own: frozenset[str],
    glossary: Glossary | None = None,
) -> ChunkRows:
    """Rows of a chunk of run number ``run``, their entries written to ``store``."""
    out = ChunkRows(scorer.totals())
    stored = []
    for offset, line in enumerate(lines):
        record = parse_line(line, path, first + offset, last=last and offset == len(lines) - 1)
        if not isinstance(record, SegmentRecord):
            continue
        out.totals.ids.append(id_hash(record.id))
        row = scorer.row(record, own, glossary)
        scorer.add(out.totals, row)
        if store is not None:
            stored.append(entry(row))
        if row.output is not None and row.error is None:
            out.facts.append((row.article, row.segment, row.target, row.variant, row.facts))
        if row.slot in shown:
            out.shown.append(row)
    if store is not None:
        store.add_entries(run, stored)
        store.flush()  # a worker may be stopped once its last chunk is handed back
    scorer.finish(out.totals)
    return out


_WORKER: Scorer | None = None
_STORE: RowStore | None = None


def store_files(scratch: Path) -> list[Path]:
    """The row stores pass one wrote in ``scratch`` (this process's and the workers')."""
    return sorted(scratch.glob("rows*.sqlite"))


def _start_worker(root: Path, scratch: Path, headers: list[RunHeader], store: bool) -> None:
    global _WORKER, _STORE
    book = ReferenceLibrary(root)
    # Each worker remembers its own judgements and writes its own rows (no rows pass
    # through the parent); small page caches keep workers light.
    memo = JudgementMemo(scratch, f"judged-{os.getpid()}.sqlite", cache_kib=4096)
    _WORKER = start_worker(Scorer(root, book, Judge(book, memo), spin_chrf=False), headers)
    _STORE = RowStore(scratch, f"rows-{os.getpid()}.sqlite", cache_kib=4096) if store else None


def _chunk_in_worker(
    path: Path,
    first: int,
    start: int,
    end: int,
    last: bool,
    shown: frozenset[str],
    run: int,
    own: frozenset[str],
    glossary: Glossary | None,
) -> ChunkRows:
    assert _WORKER is not None
    lines = read_span(path, start, end)
    return chunk_rows(_WORKER, path, first, lines, last, shown, run, _STORE, own, glossary)


def worker_pool(
    workers: int, root: Path, scratch: Path, headers: list[RunHeader], store: bool
) -> Executor:
    """Worker processes for :func:`run_chunks`; with ``store``, each writes the rows it
    scores to its own :class:`RowStore` in ``scratch`` (:func:`store_files`)."""
    share_before_fork(headers)
    return ProcessPoolExecutor(
        workers,
        mp_context=get_context("fork"),
        initializer=_start_worker,
        initargs=(root, scratch, headers, store),
    )


def run_chunks(
    paths: list[Path],
    owns: list[frozenset[str]],
    glossaries: list[Glossary | None],
    scorer: Scorer,
    pool: Executor | None,
    workers: int,
    shown: frozenset[str],
    store: RowStore | None,
) -> Iterator[tuple[int, ChunkRows]]:
    """Every chunk of every run file (run index, chunk), scored, in order: the runs
    one after the other, each in file order. Workers run ahead into the next run.
    Rows go to ``store`` in this process, to each worker's own store in a pool."""
    if pool is None:
        for index, path in enumerate(paths):
            for first, lines, last in chunks(path):
                yield (
                    index,
                    chunk_rows(
                        scorer,
                        path,
                        first,
                        lines,
                        last,
                        shown,
                        index,
                        store,
                        owns[index],
                        glossaries[index],
                    ),
                )
        return
    pending: list[tuple[int, Future[ChunkRows]]] = []
    # One chunk queued per worker beside the one it scores: memory stays flat however
    # long the runs.
    for index, path in enumerate(paths):
        for first, start, end, last in spans(path):
            pending.append(
                (
                    index,
                    pool.submit(
                        _chunk_in_worker,
                        path,
                        first,
                        start,
                        end,
                        last,
                        shown,
                        index,
                        owns[index],
                        glossaries[index],
                    ),
                )
            )
            if len(pending) > workers + 1:
                done, future = pending.pop(0)
                yield done, future.result()
    while pending:  # popped as handed on: a chunk handed on is let go at once
        done, future = pending.pop(0)
        yield done, future.result()
