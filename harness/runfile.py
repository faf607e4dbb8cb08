"""Run files: ``runs/<run-id>.jsonl``, one per provider run, append-only.

Line 1 is a ``header`` (schema version, run id, times, harness version, provider
identity without secrets, articles with text digests, languages, variants); then
one ``segment`` line per (article, variant, target language, segment), flushed
as written; last a ``footer`` with counts. Runs through a batch service
(``--batch``) also hold ``batch`` lines: a batch's id and state when it was
submitted and when it ended (:mod:`harness.run.batch.record`). No footer means the run was
interrupted. Reading streams line by line, so a file of a million segments is
read in flat memory. A torn last line (a write cut short) is reported with its
line number; :func:`repair_torn_tail` cuts it off so the run can be resumed.

Every segment id appears at most once in a file, so readers never deduplicate.
The operations that change a run keep it that way:

* ``harness run --resume RUN`` repairs a torn tail, then appends the segments
  that have no line yet and finally the footer (counts cover the whole file);
* ``harness run --retry-errors RUN`` leaves RUN as it is and writes a new run
  file whose header names it (``"retry_of": {"run_id", "file"}``): the segments
  that were ok are copied line for line, the failed and missing ones are sent
  again;
* ``harness merge`` writes a new file from the shard files (``"merged_from"``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from harness.errors import RunFileError

SCHEMA_VERSION = 1
RECORD_TYPES = ("header", "segment", "footer", "batch")
SEGMENT_KEYS = (
    "id", "article", "segment", "variant", "index", "source_lang", "target_lang",
    "source", "output", "error", "attempts", "latency_ms", "cached", "usage",
)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# One encoder for every line: json.dumps with options builds a new encoder per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_run_id(instance: str) -> str:
    """``20261125T101500Z-deepl-formal-3f9a``: sortable by time, unique, safe as a filename."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{_UNSAFE.sub('-', instance).strip('-') or 'run'}-{secrets.token_hex(2)}"


class RunWriter:
    """Appends records to a run file, one JSON object per line, flushed as written."""

    def __init__(self, path: Path, *, append: bool = False) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # "x" refuses to overwrite an existing run; resuming appends to a repaired file.
        self._fh: IO[str] = path.open("a" if append else "x", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        self._fh.write(_ENCODER.encode(record) + "\n")
        self._fh.flush()

    def write_line(self, line: str) -> None:
        """Append a line that is already a serialized record (copying between run files)."""
        self._fh.write(line if line.endswith("\n") else line + "\n")
        self._fh.flush()

    def header(self, header: dict[str, Any]) -> None:
        self.write({"type": "header", "schema": SCHEMA_VERSION, **header})

    def segment(self, record: dict[str, Any]) -> None:
        self.write({"type": "segment", **record})

    def segments(self, records: Iterable[dict[str, Any]]) -> None:
        """Several segment lines (the segments of one request) in one write and one flush."""
        self._fh.write("".join(_ENCODER.encode({"type": "segment", **record}) + "\n"
                               for record in records))
        self._fh.flush()

    def footer(self, counts: dict[str, int], *, interrupted: bool = False,
               **extra: Any) -> None:
        self.write({"type": "footer", "finished": utc_now(), "counts": counts,
                    "interrupted": interrupted, **extra})

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _parse(line: str, path: Path, number: int, *, last: bool) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        if last and not line.endswith("\n"):
            raise RunFileError(
                f"{path}:{number}: last line is cut short (the run was interrupted while "
                "writing); `harness run --resume` repairs and continues it"
            ) from exc
        raise RunFileError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
    if not isinstance(record, dict) or record.get("type") not in RECORD_TYPES:
        raise RunFileError(f"{path}:{number}: not a run-file record "
                           "(header, segment, batch or footer)")
    return record


def iter_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Every record with its line number, checked for shape; streams the file."""
    for number, _, record in iter_lines(path):
        yield number, record


def iter_lines(path: Path) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """Every record with its line number and its line as written (for copying)."""
    try:
        fh = path.open(encoding="utf-8")
    except FileNotFoundError:
        raise RunFileError(f"{path}: no such run file") from None
    except IsADirectoryError:
        raise RunFileError(f"{path}: is a directory, not a run file") from None
    with fh:
        number = 0
        pending: str | None = None
        for line in fh:
            if pending is not None:
                number += 1
                record = _checked(_parse(pending, path, number, last=False), path, number)
                yield number, pending, record
            pending = line
        if pending is not None:
            number += 1
            if pending.strip():
                record = _checked(_parse(pending, path, number, last=True), path, number)
                yield number, pending, record
        if number == 0:
            raise RunFileError(f"{path}: empty file, not a run file")


def _checked(record: dict[str, Any], path: Path, number: int) -> dict[str, Any]:
    kind = record["type"]
    if number == 1 and kind != "header":
        raise RunFileError(f"{path}:1: a run file starts with a header line")
    if number > 1 and kind == "header":
        raise RunFileError(f"{path}:{number}: a second header line")
    if kind == "header" and record.get("schema") != SCHEMA_VERSION:
        raise RunFileError(
            f"{path}:1: run-file schema {record.get('schema')!r}; "
            f"this harness reads schema {SCHEMA_VERSION}"
        )
    if kind == "segment":
        missing = [key for key in SEGMENT_KEYS if key not in record]
        if missing:
            raise RunFileError(f"{path}:{number}: segment line lacks {', '.join(missing)}")
    return record


class RunFile:
    """A run file opened for reading: header at once, segments streamed, footer by tail."""

    def __init__(self, path: Path) -> None:
        self.path = path
        first = next(iter_records(path))[1]
        self.header: dict[str, Any] = first

    @property
    def run_id(self) -> str:
        return str(self.header.get("run_id", self.path.stem))

    def segments(self) -> Iterator[dict[str, Any]]:
        for _, record in iter_records(self.path):
            if record["type"] == "segment":
                yield record

    def footer(self) -> dict[str, Any] | None:
        """The footer, read from the end of the file without scanning it."""
        tail = _last_line(self.path)
        if tail is None:
            return None
        try:
            record = json.loads(tail)
        except json.JSONDecodeError:
            return None
        return record if isinstance(record, dict) and record.get("type") == "footer" else None


def _last_line(path: Path, block: int = 65536) -> str | None:
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        data = b""
        while size > 0:
            step = min(block, size)
            size -= step
            fh.seek(size)
            data = fh.read(step) + data
            stripped = data.rstrip(b"\n")
            if b"\n" in stripped or size == 0:
                return stripped.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace")
    return None


def repair_torn_tail(path: Path) -> bool:
    """Cut a last line that was not fully written; True when something was cut."""
    with path.open("rb+") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        if size == 0:
            return False
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return False
        # Walk back to the previous newline; everything after it is the torn line.
        position = size
        while position > 0:
            step = min(65536, position)
            fh.seek(position - step)
            chunk = fh.read(step)
            index = chunk.rfind(b"\n")
            if index >= 0:
                fh.truncate(position - step + index + 1)
                return True
            position -= step
        fh.truncate(0)
        return True
