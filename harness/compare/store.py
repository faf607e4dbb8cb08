"""Scored rows on disk, so runs can be paired segment by segment in flat memory.

Runs write their segment lines in completion order, which differs from run to
run. Pairing a candidate with the baseline therefore needs a join on segment
id; doing it in a temporary SQLite file (standard library) keeps memory flat
however many segments the runs have. Each row keeps only what a paired
comparison reads: counts, fact outcomes, chrF/BLEU statistics, the output.
"""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.jsoncodec import dumps, loads
from harness.score.rows import SegmentRow

_FLUSH_EVERY = 5000


@dataclass(frozen=True, slots=True)
class StoredRow:
    """A :class:`SegmentRow` as read back for pairing."""

    output: str | None
    error: str | None
    counts: tuple[int, int, int, int]  # names kept, expected, numbers kept, expected
    facts: list[list[Any]]
    chrf: list[float] | None
    bleu: list[float] | None

    @property
    def ok(self) -> bool:
        return self.error is None and self.output is not None


def _payload(row: SegmentRow) -> bytes:
    return dumps(
        [
            row.output,
            row.error,
            [row.names_kept, row.names_expected, row.numbers_kept, row.numbers_expected],
            [f.to_json() for f in row.facts],
            row.chrf_stats,
            row.bleu_stats,
        ]
    )


def entry(row: SegmentRow) -> tuple[str, str, bytes]:
    """(group, segment id, payload) of a row, as the store keeps it."""
    return f"{row.variant}/{row.target}", row.id, _payload(row)


def decode_row(payload: bytes) -> StoredRow:
    output, error, counts, facts, chrf, bleu = loads(payload)
    names_kept, names_expected, numbers_kept, numbers_expected = (int(c) for c in counts)
    return StoredRow(
        output,
        error,
        (names_kept, names_expected, numbers_kept, numbers_expected),
        facts,
        chrf,
        bleu,
    )


class RowStore:
    """A temporary table of (group, segment id, run) -> row, written by one process
    (each worker process of pass one writes its own; :class:`RowReader` reads them
    together)."""

    def __init__(self, directory: Path, name: str = "rows.sqlite", cache_kib: int = 16384) -> None:
        self.path = directory / name
        self._db = sqlite3.connect(self.path)
        # A scratch file: no journal, no fsync; the page cache bounds memory.
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            f"PRAGMA cache_size=-{int(cache_kib)}; PRAGMA temp_store=FILE;"
            # Keyed by segment first: pairing reads every run's row of a segment together.
            "CREATE TABLE rows (grp TEXT, id TEXT, run INTEGER, payload BLOB,"
            " PRIMARY KEY (grp, id, run)) WITHOUT ROWID;"
        )
        self._pending: list[tuple[str, str, int, bytes]] = []

    def add_entries(self, run: int, entries: list[tuple[str, str, bytes]]) -> None:
        """Rows already turned into (group, id, payload) by :func:`entry`."""
        self._pending.extend((grp, ident, run, payload) for grp, ident, payload in entries)
        if len(self._pending) >= _FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        # A segment id twice in a run is refused after pass one; until then the later wins.
        self._db.executemany(
            "INSERT OR REPLACE INTO rows (grp, id, run, payload) VALUES (?, ?, ?, ?)",
            self._pending,
        )
        self._db.commit()
        self._pending.clear()

    def close(self) -> None:
        self.flush()
        self._db.close()


class RowReader:
    """The rows of one or more :class:`RowStore` files, read as one store."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self._dbs = [sqlite3.connect(path) for path in paths]
        for db in self._dbs:
            db.executescript("PRAGMA cache_size=-4096; PRAGMA temp_store=FILE;")

    def groups(self) -> list[str]:
        """The (variant/target language) groups of every run, in order."""
        query = "SELECT DISTINCT grp FROM rows"
        return sorted({grp for db in self._dbs for (grp,) in db.execute(query)})

    def segments(self, group: str) -> Iterator[tuple[str, dict[int, bytes]]]:
        """(segment id, run -> payload) of every segment of ``group``, ordered by id (the
        files' rows merged: SQLite's binary order of UTF-8 text is Python's order of str)."""
        query = "SELECT id, run, payload FROM rows WHERE grp = ? ORDER BY id, run"
        cursors = [db.execute(query, (group,)) for db in self._dbs]
        rows = cursors[0] if len(cursors) == 1 else heapq.merge(*cursors)
        current: str | None = None
        payloads: dict[int, bytes] = {}
        for ident, run, payload in rows:
            if ident != current:
                if current is not None:
                    yield current, payloads
                current, payloads = ident, {}
            payloads[run] = payload
        if current is not None:
            yield current, payloads

    def close(self) -> None:
        for db in self._dbs:
            db.close()
