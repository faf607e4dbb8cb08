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

Each line is one typed record, :class:`RunHeader`, :class:`SegmentRecord`,
:class:`BatchRecord` or :class:`Footer`, written by :class:`RunWriter` and read
by :func:`iter_records` / :class:`RunFile` only. The reader checks JSON types strictly (no NaN, no
infinity, no strings for numbers) and names the line and field it refuses;
keys it does not know are kept, so a file written by a newer version keeps its
extra header fields through resume, retry and merge. Segments are counted in
one place, :class:`Tally`, which also makes the footer.

Every segment id appears at most once in a file, so readers never deduplicate
(:meth:`RunFile.segments` refuses a file that holds one twice).
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

import contextlib
import fcntl
import json
import os
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import HarnessError, RunFileError
from harness.jsoncodec import loads

SCHEMA_VERSION = 1
_MAX_CAUSES = 100
_CAUSE_CHARS = 160
RECORD_TYPES = ("header", "segment", "footer", "batch")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_run_id(instance: str) -> str:
    """``20261125T101500Z-deepl-formal-3f9a0c1d2e4b``: sortable by time, unique, a safe filename.

    48 random bits make two runs started in the same second by the same instance
    collide about once in 10^14 pairs; the writer's exclusive create refuses even that.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{_UNSAFE.sub('-', instance).strip('-') or 'run'}-{secrets.token_hex(6)}"


# ---------------------------------------------------------------- the records


class _Record(BaseModel):
    """Strict JSON types, no NaN or infinity; keys this version does not know are kept."""

    model_config = ConfigDict(
        extra="allow", strict=True, allow_inf_nan=False, populate_by_name=True
    )

    def to_dict(self) -> dict[str, Any]:
        """The record as written: known fields first, then the extra keys it was read with."""
        data = self.model_dump(by_alias=True)
        for key in _OMITTED_WHEN_NONE:
            if key in data and data[key] is None:
                del data[key]
        return data


#: Optional header fields written only when a run has them.
_OMITTED_WHEN_NONE = ("retry_of", "merged_from", "detail", "references", "inputs", "batch")


class ArticleEntry(_Record):
    """One reference article of a run, with the digests of its texts when the run started."""

    id: str
    title: str = ""
    language: str = ""
    segments: int = 0
    digests: dict[str, str] = Field(default_factory=dict)


class RunHeader(_Record):
    """Line 1: everything needed to rebuild the run's plan, never a secret."""

    type: Literal["header"] = "header"
    schema_version: int = Field(default=SCHEMA_VERSION, alias="schema")
    run_id: str = ""
    created: str = ""
    harness_version: str = ""
    provider: dict[str, Any] = Field(default_factory=dict)
    settings: dict[str, Any] = Field(default_factory=dict)
    articles: list[ArticleEntry] = Field(default_factory=list)
    source_lang: str | list[str] = "en"
    targets: list[str] = Field(default_factory=list)
    variants: list[str] = Field(default_factory=list)
    shard: dict[str, Any] | None = None
    retry_of: dict[str, str] | None = None
    merged_from: list[dict[str, str]] | None = None
    #: The reference folder given with ``--references``, used again by ``--resume``.
    references: str | None = None
    #: The user's own input files (``--input``): path, format, sha256, articles.
    inputs: list[dict[str, Any]] | None = None
    #: A run through a provider's batch service (``--batch``): ``{"api": name}``.
    batch: dict[str, Any] | None = None
    #: The glossary given with ``--glossary``: ``{"path": ..., "digest": ...}``, for
    #: ``score`` and ``compare`` to judge with.
    glossary: dict[str, str] | None = None

    @property
    def provider_name(self) -> str:
        return str(self.provider.get("name") or "?")


class SegmentError(_Record):
    """Why a segment has no output: the error class, a scrubbed message, the HTTP status."""

    type: str
    message: str = ""
    status: int | None = None


class SegmentRecord(_Record):
    """One (article, variant, target language, segment): its output or its error."""

    type: Literal["segment"] = "segment"
    id: str
    article: str
    segment: str
    variant: str
    index: int
    source_lang: str
    target_lang: str
    source: str
    output: str | None
    error: SegmentError | None
    attempts: int = Field(ge=0)
    latency_ms: float = Field(ge=0)
    cached: bool
    usage: dict[str, int]
    engine: str | None = None
    flags: list[str] = Field(default_factory=list)
    #: What the adapter kept beside the text (an LLM's raw answer, stop reason, refusal).
    detail: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class RunCounts(_Record):
    segments: int = 0
    ok: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"segments": self.segments, "ok": self.ok, "errors": self.errors}

    def add(self, ok: bool) -> None:
        # Called once per segment of a run: the int fields are bumped in place, without
        # pydantic's attribute hook (there is nothing to validate in adding one).
        fields = self.__dict__
        fields["segments"] += 1
        fields["ok" if ok else "errors"] += 1

    def add_ok(self, count: int) -> None:
        """``count`` ok segments at once (cache hits of one lookup)."""
        fields = self.__dict__
        fields["segments"] += count
        fields["ok"] += count


class Footer(_Record):
    """The last line of a finished run: the counts over the whole file."""

    type: Literal["footer"] = "footer"
    finished: str = ""
    counts: RunCounts = Field(default_factory=RunCounts)
    interrupted: bool = False
    engines: list[str] = Field(default_factory=list)


class BatchRecord(_Record):
    """A batch of a batch-service run: ``submitted`` (with its plan positions) or ``ended``."""

    type: Literal["batch"] = "batch"
    event: Literal["submitted", "ended"]
    batch: str
    api: str = ""
    part: int = 0
    count: int = 0
    items: list[list[int]] = Field(default_factory=list)
    submitted: str = ""
    ended: str = ""
    status: dict[str, Any] = Field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        # Each event has its own fields: only those given are written.
        return {"type": self.type, **self.model_dump(by_alias=True, exclude_unset=True)}


Record = RunHeader | SegmentRecord | Footer | BatchRecord
_MODELS: dict[str, type[RunHeader] | type[SegmentRecord] | type[Footer] | type[BatchRecord]] = {
    "header": RunHeader,
    "segment": SegmentRecord,
    "footer": Footer,
    "batch": BatchRecord,
}


@dataclass
class Tally:
    """The one place segments are counted: whole run, per target language, engines seen."""

    counts: RunCounts = field(default_factory=RunCounts)
    by_target: dict[str, RunCounts] = field(default_factory=dict)
    engines: set[str] = field(default_factory=set)
    causes: Counter[str] = field(default_factory=Counter)

    def add(self, segment: SegmentRecord) -> None:
        self.counts.add(segment.ok)
        self.by_target.setdefault(segment.target_lang, RunCounts()).add(segment.ok)
        if segment.engine:
            self.engines.add(segment.engine)
        if segment.error is not None:
            cause = f"{segment.error.type}: {segment.error.message}"[:_CAUSE_CHARS]
            # Distinct causes are kept up to a bound, so a run of a million failures with
            # a million different messages stays small.
            if cause in self.causes or len(self.causes) < _MAX_CAUSES:
                self.causes[cause] += 1
            else:
                self.causes["(other errors)"] += 1

    def add_ok(self, by_target: dict[str, int], engines: Iterable[str]) -> None:
        """Ok segments counted in bulk: how many of each target language, their engines."""
        for target, count in by_target.items():
            self.counts.add_ok(count)
            self.by_target.setdefault(target, RunCounts()).add_ok(count)
        self.engines.update(engines)

    def top_causes(self, count: int = 3) -> list[tuple[str, int]]:
        return self.causes.most_common(count)

    def footer(self) -> Footer:
        return Footer(
            finished=utc_now(), counts=self.counts.model_copy(), engines=sorted(self.engines)
        )


# ---------------------------------------------------------------- writing


class RunLockedError(RunFileError):
    """Another process is writing the run file."""


class RunWriteError(HarnessError):
    """The run file cannot be written (disk full, quota, I/O error): exit 3."""


class RunWriter:
    """Appends records to a run file, one JSON object per line, flushed as written.

    The writer holds an advisory lock (``flock``) on the file for its lifetime, so a
    second writer (``--resume`` of a live run) is refused instead of interleaving
    lines. The file is opened in append mode: every line lands at the end.
    """

    def __init__(self, path: Path, *, append: bool = False) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # "x" refuses to overwrite an existing run (and two runs that drew the same id);
        # resuming appends to a file that must exist already.
        flags = os.O_WRONLY | os.O_APPEND | (0 if append else os.O_CREAT | os.O_EXCL)
        try:
            fd = os.open(path, flags, 0o644)
        except FileNotFoundError:
            raise RunFileError(f"{path}: no such run file") from None
        self._fh: IO[str] = os.fdopen(fd, "a", encoding="utf-8")
        self._failed: str | None = None
        try:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._fh.close()
            raise RunLockedError(
                f"{path}: another harness process is writing this run; wait for it to finish "
                "(or stop it) before resuming"
            ) from None

    def write(self, record: Record) -> None:
        self._write_text(dump_record(record) + "\n")

    def write_line(self, line: str) -> None:
        """Append a line that is already a serialized record (copying between run files)."""
        self._write_text(line if line.endswith("\n") else line + "\n")

    def _write_text(self, text: str) -> None:
        if self._failed is not None:
            raise RunWriteError(self._failed)
        try:
            self._fh.write(text)
            self._fh.flush()
        except OSError as exc:
            # Nothing more is written after a failed line: the file ends in at most one
            # torn line, which resuming cuts off.
            self._failed = f"{self.path}: cannot write ({exc.strerror or exc})"
            raise RunWriteError(self._failed) from None

    def header(self, header: RunHeader) -> None:
        self.write(header)

    def segment(self, record: SegmentRecord) -> None:
        self.write(record)

    def segments(self, records: Iterable[SegmentRecord]) -> None:
        """Several segment lines (the segments of one request) in one write and one flush."""
        self._write_text("".join([dump_record(record) + "\n" for record in records]))

    def lines(self, lines: list[str]) -> None:
        """Serialized records, each ending in a newline, in one write and one flush."""
        if lines:
            self._write_text("".join(lines))

    def footer(self, footer: Footer) -> None:
        """The last line; synced to disk, since its presence says the run is complete."""
        self.write(footer)
        self.sync()

    def sync(self) -> None:
        try:
            os.fsync(self._fh.fileno())
        except OSError as exc:
            raise RunWriteError(f"{self.path}: cannot write ({exc.strerror or exc})") from None

    def close(self) -> None:
        # Closing releases the lock. A failed write was reported already; what is left
        # unwritten ends as a torn line, which resuming cuts off.
        with contextlib.suppress(OSError):
            self._fh.close()

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def is_being_written(path: Path) -> bool:
    """True when a writer holds the run file's lock right now."""
    try:
        fh = path.open("rb")
    except OSError:
        return False
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        return False


def sync_directory(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (POSIX needs the directory synced)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def dump_record(record: Record) -> str:
    data = record.to_dict()
    line = _ENCODER.encode(data)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate the runner did not catch: JSON escapes keep the line writable.
        line = _ASCII_ENCODER.encode(data)
    return line


# One encoder each for every line: json.dumps with options builds a new encoder per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_ASCII_ENCODER = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False)
#: What ``_ENCODER`` writes for one string.
_string: Callable[[str], str] = json.encoder.encode_basestring


def cached_segment_line(
    segment_id: str,
    article: str,
    segment: str,
    variant: str,
    index: int,
    source_lang: str,
    target_lang: str,
    source: str,
    output: str,
    usage: dict[str, int],
    engine: str | None,
    flags: list[str],
    detail: dict[str, Any] | None,
) -> str:
    """The line (with its newline) that :func:`dump_record` writes for the
    :class:`SegmentRecord` of a cache hit with these fields (no error, no attempt, no
    latency, no extra key), built without the model: the records, their validation
    and their dump were most of a cached re-run's time.

    The caller vouches for the types (plain ``str``, ``int``, lists and dicts, as the
    record would accept them). The line may not be encodable as UTF-8 (a lone
    surrogate); writing it then fails, so callers check. A ``detail`` holding NaN or
    infinity raises ``ValueError``, as :func:`dump_record` would.
    """
    # The keys in SegmentRecord's field order, as model_dump gives them; a test pins
    # the bytes against dump_record's.
    tail = ',"detail":' + _ENCODER.encode(detail) + "}\n" if detail else "}\n"
    return (
        f'{{"type":"segment","id":{_string(segment_id)},"article":{_string(article)}'
        f',"segment":{_string(segment)},"variant":{_string(variant)},"index":{index!r}'
        f',"source_lang":{_string(source_lang)},"target_lang":{_string(target_lang)}'
        f',"source":{_string(source)},"output":{_string(output)},"error":null'
        ',"attempts":0,"latency_ms":0.0,"cached":true'
        f',"usage":{_usage_json(usage) if usage else "{}"}'
        f',"engine":{"null" if engine is None else _string(engine)}'
        f',"flags":{"[" + ",".join(map(_string, flags)) + "]" if flags else "[]"}{tail}'
    )


def _usage_json(usage: dict[str, int]) -> str:
    # A %-template per set of keys: usage holds the same one or two keys on every line.
    keys = tuple(usage)
    template = _USAGE_TEMPLATES.get(keys)
    if template is None:
        template = "{" + ",".join([_string(key).replace("%", "%%") + ":%r" for key in keys]) + "}"
        if len(_USAGE_TEMPLATES) < 64:
            _USAGE_TEMPLATES[keys] = template
    return template % tuple(usage.values())


_USAGE_TEMPLATES: dict[tuple[str, ...], str] = {}


# ---------------------------------------------------------------- reading


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _parse(raw: bytes, path: Path, number: int, *, last: bool) -> tuple[str, dict[str, Any]]:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RunFileError(
            f"{path}:{number}: not UTF-8 text (bad byte at column {exc.start + 1})"
        ) from None
    try:
        data = loads(raw, line, parse_constant=_reject_constant)
    except ValueError as exc:
        if last and not line.endswith("\n"):
            raise RunFileError(
                f"{path}:{number}: last line is cut short (the run was interrupted while "
                "writing); `harness run --resume` repairs and continues it"
            ) from None
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise RunFileError(f"{path}:{number}: not valid JSON ({reason})") from None
    if not isinstance(data, dict) or data.get("type") not in RECORD_TYPES:
        raise RunFileError(
            f"{path}:{number}: not a run-file record (header, segment, batch or footer)"
        )
    return line, data


def parse_record(data: dict[str, Any], path: Path, number: int) -> Record:
    """One line's object as its typed record; a clear error names the line and the field."""
    kind = str(data["type"])
    if number == 1 and kind != "header":
        raise RunFileError(f"{path}:1: a run file starts with a header line")
    if number > 1 and kind == "header":
        raise RunFileError(f"{path}:{number}: a second header line")
    if kind == "header" and data.get("schema") != SCHEMA_VERSION:
        raise RunFileError(
            f"{path}:1: run-file schema {data.get('schema')!r}; "
            f"this harness reads schema {SCHEMA_VERSION}"
        )
    try:
        return _MODELS[kind].model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        missing = [_where(e["loc"]) for e in errors if e["type"] == "missing"]
        if missing:
            raise RunFileError(f"{path}:{number}: {kind} line lacks {', '.join(missing)}") from None
        first = errors[0]
        shown = repr(first["input"])
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        raise RunFileError(
            f"{path}:{number}: {kind} field {_where(first['loc'])}: "
            f"{first['msg'].lower()} (found {shown})"
        ) from None


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "?"


def iter_records(path: Path) -> Iterator[tuple[int, Record]]:
    """Every record with its line number, checked for shape and types; streams the file."""
    for number, _, record in iter_lines(path):
        yield number, record


def iter_lines(path: Path) -> Iterator[tuple[int, str, Record]]:
    """Every record with its line number and its line as written (for copying)."""
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise RunFileError(f"{path}: no such run file") from None
    except IsADirectoryError:
        raise RunFileError(f"{path}: is a directory, not a run file") from None
    with fh:
        number = 0
        pending: bytes | None = None
        for raw in fh:
            if pending is not None:
                number += 1
                line, data = _parse(pending, path, number, last=False)
                yield number, line, parse_record(data, path, number)
            pending = raw
        if pending is not None:
            number += 1
            if pending.strip():
                line, data = _parse(pending, path, number, last=True)
                yield number, line, parse_record(data, path, number)
        if number == 0:
            raise RunFileError(f"{path}: empty file, not a run file")


def parse_line(raw: bytes, path: Path, number: int, *, last: bool) -> Record:
    """Line ``number`` of run file ``path`` as its typed record, checked as
    :func:`iter_lines` checks it (``last``: the file's last line, which may be torn). For
    readers that split a file into parts."""
    _, data = _parse(raw, path, number, last=last)
    return parse_record(data, path, number)


class RunFile:
    """A run file opened for reading: header at once, segments streamed, footer by tail."""

    def __init__(self, path: Path) -> None:
        self.path = path
        first = next(iter_records(path))[1]
        assert isinstance(first, RunHeader)  # parse_record insists line 1 is a header
        self.header: RunHeader = first

    @property
    def run_id(self) -> str:
        return self.header.run_id or self.path.stem

    def segments(self) -> Iterator[SegmentRecord]:
        """Every segment once; a file holding an id twice is refused (the line is named).

        The ids seen are kept to check that (the lines themselves are streamed).
        """
        seen: set[str] = set()
        for number, record in iter_records(self.path):
            if isinstance(record, SegmentRecord):
                if record.id in seen:
                    raise RunFileError(f"{self.path}:{number}: segment {record.id} appears twice")
                seen.add(record.id)
                yield record

    def footer(self) -> Footer | None:
        """The footer, read from the end of the file without scanning it."""
        tail = _last_line(self.path)
        if tail is None:
            return None
        try:
            data = json.loads(tail, parse_constant=_reject_constant)
            if isinstance(data, dict) and data.get("type") == "footer":
                return Footer.model_validate(data)
        except (ValueError, ValidationError):
            return None
        return None


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
