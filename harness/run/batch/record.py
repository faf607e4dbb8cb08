"""Batch lines in a run file: what was submitted, and what has ended.

A batch run appends a ``batch`` line when a batch is created and another when
its results are all written, so the file alone says which batches are still in
flight::

    {"type": "batch", "event": "submitted", "batch": "batch_abc", "api": "openai-batch",
     "part": 1, "count": 500, "items": [[0, 500]], "submitted": "...", "status": {...}}
    {"type": "batch", "event": "ended", "batch": "batch_abc", "ended": "...", "status": {...}}

``items`` are ranges of positions in the run's plan (rebuilt from the header).
The id is written as soon as the service returns it, before any polling, so a
run killed at any later point is resumed by polling that batch, never by paying
for it again. The segment lines of a batch come before its ``ended`` line; a
batch without one is collected again on resume, skipping segments already written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.run.batch.api import BatchStatus
from harness.run.batch.parts import from_ranges, to_ranges
from harness.runfile import BatchRecord, RunWriter, iter_records, utc_now


@dataclass
class BatchEntry:
    """One batch of a run, as the run file tells it."""

    batch_id: str
    api: str
    part: int
    count: int
    items: list[list[int]]
    submitted: str
    status: dict[str, Any]
    ended: bool = False

    def positions(self) -> list[int]:
        return list(from_ranges(self.items))


@dataclass
class BatchLog:
    """Every batch line of a run file, in order of submission."""

    batches: dict[str, BatchEntry] = field(default_factory=dict)

    @property
    def open(self) -> list[BatchEntry]:
        return [b for b in self.batches.values() if not b.ended]

    def covered(self) -> set[int]:
        """Plan positions that belong to a batch (open or ended)."""
        return {p for b in self.batches.values() for p in b.positions()}


def read_batches(path: Path) -> BatchLog:
    """The batch lines of ``path``, read in one streaming pass."""
    log = BatchLog()
    for _, record in iter_records(path):
        if not isinstance(record, BatchRecord):
            continue
        batch_id = record.batch
        if record.event == "submitted":
            log.batches[batch_id] = BatchEntry(
                batch_id,
                record.api,
                record.part,
                record.count,
                [list(r) for r in record.items],
                record.submitted,
                dict(record.status),
            )
        elif record.event == "ended" and batch_id in log.batches:
            log.batches[batch_id].ended = True
            log.batches[batch_id].status = dict(record.status)
    return log


def write_submitted(
    writer: RunWriter, status: BatchStatus, api: str, part: int, positions: list[int]
) -> BatchEntry:
    entry = BatchEntry(
        status.id, api, part, len(positions), to_ranges(positions), utc_now(), status.as_record()
    )
    writer.write(
        BatchRecord(
            event="submitted",
            batch=entry.batch_id,
            api=api,
            part=part,
            count=entry.count,
            items=entry.items,
            submitted=entry.submitted,
            status=entry.status,
        )
    )
    return entry


def write_ended(writer: RunWriter, entry: BatchEntry, status: BatchStatus) -> None:
    entry.ended = True
    entry.status = status.as_record()
    writer.write(
        BatchRecord(event="ended", batch=entry.batch_id, ended=utc_now(), status=entry.status)
    )
