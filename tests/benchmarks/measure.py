"""Wall time and peak memory of a command run as a child process, for the benchmarks.

The peak memory is reported three ways: the peak resident set of the child process
itself (sampled every 20 ms from /proc); the largest peak resident set of the child and
every worker process it waited for (``wait4``: Linux reports the maximum over that
tree); and the peak of the proportional set size of the child and its worker
processes together, sampled alike (pages that forked workers share count once in the
sum, not once per process as in RSS). CPU time is reported beside wall time: on a
machine shared with other work, wall time measures the neighbours as much as the
command, CPU time much less so.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple


def _memory_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def tree_pss(pid: int) -> int:
    """Proportional set size (KiB) of process ``pid`` and its descendants: pages shared
    by forked workers count once in the sum, not once per process as in RSS."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            total += _memory_kib(current, "Pss")
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


class Measured(NamedTuple):
    elapsed: float  # wall seconds
    cpu: float  # user + system seconds, the child's and its reaped workers'
    peak_rss: float  # MiB, the largest of the child's and its workers' (wait4)
    tree_pss: float  # MiB, peak of the summed PSS of the child and its workers
    main_rss: float  # MiB, peak RSS of the child process itself (sampled)


def child(command: list[str], ok: tuple[int, ...] = (0,), cwd: Path | None = None) -> Measured:
    """Run ``command`` and measure it (:class:`Measured`). An exit code not in ``ok`` stops
    the benchmark with the end of the child's error output; ``cwd`` (a checkout) decides
    which ``harness`` package ``python -m harness`` runs."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, cwd=cwd)
        peak_tree = peak_main = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak_tree, peak_main
            while not stop.wait(0.02):
                peak_tree = max(peak_tree, tree_pss(proc.pid))
                try:
                    peak_main = max(peak_main, _memory_kib(proc.pid, "Rss"))
                except OSError:
                    continue

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        stop.set()
        sampler.join()
        elapsed = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            errors.seek(0)
            raise SystemExit(
                f"{' '.join(command)} failed ({code}): {errors.read().decode()[-2000:]}"
            )
        cpu = usage.ru_utime + usage.ru_stime
        return Measured(elapsed, cpu, usage.ru_maxrss / 1024, peak_tree / 1024, peak_main / 1024)
