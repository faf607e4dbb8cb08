"""Join the run files of the shards of one run (``--shard i/n``) into one run file.

The shards must belong together: one provider identity (instance, adapter,
adapter version, options), the same articles with the same text digests, the
same targets, variants and source language, the same shard count with every
shard from 1 to n present exactly once, each complete (with a footer), and
every segment in the shard its id hashes to (which also rules out a segment
appearing in two shards). The merged file is written under a temporary name
and renamed at the end, so a refused merge leaves nothing behind. Memory: one
set of segment ids; the lines themselves are streamed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness import __version__
from harness.errors import RunFileError
from harness.run.plan import Shard
from harness.runfile import (
    RunCounts,
    RunFile,
    RunHeader,
    RunLockedError,
    RunWriter,
    SegmentRecord,
    Tally,
    is_being_written,
    iter_lines,
    new_run_id,
    sync_directory,
    utc_now,
)

#: Header fields that must be equal in every shard of one run.
SAME_IN_EVERY_SHARD = ("provider", "articles", "targets", "variants", "source_lang", "inputs")


@dataclass
class MergeResult:
    path: Path
    counts: RunCounts
    shards: int


def merge_runs(paths: Sequence[Path], out_dir: Path, output: Path | None = None) -> MergeResult:
    if not paths:
        raise RunFileError("give the run files of every shard to merge")
    shards = _check_shards(paths)
    first = RunFile(paths[0]).header
    # Extra header keys (added by newer versions) carry over from the first shard.
    header = first.model_copy(
        update={
            "run_id": new_run_id(first.provider_name),
            "created": utc_now(),
            "harness_version": __version__,
            "shard": None,
            "retry_of": None,
            "merged_from": [
                {"run_id": RunFile(p).run_id, "file": p.name, "shard": str(s)} for p, s in shards
            ],
        }
    )
    target = output or out_dir / f"{header.run_id}.jsonl"
    partial = target.with_name(target.name + ".partial")
    tally = Tally()
    seen: set[str] = set()
    if partial.exists():
        if is_being_written(partial):
            raise RunLockedError(f"{partial}: another merge into {target.name} is under way")
        partial.unlink()  # left by a merge that was killed: it never became the output
    try:
        with RunWriter(partial) as writer:
            writer.header(header)
            for path, shard in shards:
                for number, line, record in iter_lines(path):
                    if not isinstance(record, SegmentRecord):
                        continue
                    key = record.id
                    if key in seen:
                        raise RunFileError(f"{path}:{number}: segment {key} appears twice")
                    if not shard.holds(key):
                        raise RunFileError(
                            f"{path}:{number}: segment {key} does not belong to shard {shard}"
                        )
                    seen.add(key)
                    writer.write_line(line)
                    tally.add(record)
            writer.footer(tally.footer())
        if target.exists():
            raise RunFileError(f"{target}: exists already; choose another --output")
        os.replace(partial, target)
        sync_directory(target.parent)
    finally:
        partial.unlink(missing_ok=True)
    return MergeResult(target, tally.counts, len(shards))


def _check_shards(paths: Sequence[Path]) -> list[tuple[Path, Shard]]:
    found: list[tuple[Path, Shard]] = []
    first: RunHeader | None = None
    first_path = paths[0]
    for path in paths:
        run = RunFile(path)
        header = run.header
        shard = Shard.from_header(header.shard)
        if shard is None:
            raise RunFileError(f"{path}: not a shard run (made without --shard)")
        if first is None:
            first = header
        for key in SAME_IN_EVERY_SHARD:
            if getattr(header, key, None) != getattr(first, key, None):
                raise RunFileError(
                    f"{path}: its {key} differs from {first_path}'s; "
                    "these files are not shards of one run"
                )
        if run.footer() is None:
            raise RunFileError(
                f"{path}: shard {shard} is incomplete; finish it first with: "
                f"harness run --resume {path}"
            )
        found.append((path, shard))
    counts = {shard.count for _, shard in found}
    if len(counts) != 1:
        raise RunFileError(
            f"the files split the work differently: shard counts "
            f"{', '.join(str(c) for c in sorted(counts))}"
        )
    count = counts.pop()
    indices = [shard.index for _, shard in found]
    twice = sorted({i for i in indices if indices.count(i) > 1})
    if twice:
        raise RunFileError(f"shard(s) {', '.join(f'{i}/{count}' for i in twice)} given twice")
    missing = sorted(set(range(1, count + 1)) - set(indices))
    if missing:
        raise RunFileError(f"shard(s) {', '.join(f'{i}/{count}' for i in missing)} missing")
    return sorted(found, key=lambda pair: pair[1].index)
