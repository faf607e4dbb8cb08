"""A progress bar on stderr (only when stderr is a terminal), one line per provider.

It also remembers where each provider's run file is, so an interrupted command
can say how to resume every one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class RunProgress:
    def __init__(self, enabled: bool, *, console: Console | None = None) -> None:
        """``console``: where the bar is drawn (stderr unless given, e.g. a fake terminal)."""
        self.enabled = enabled
        self._console = console
        self._progress: Progress | None = None
        self._tasks: dict[str, Any] = {}
        self.paths: dict[str, Path] = {}

    def __enter__(self) -> RunProgress:
        if self.enabled:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self._console or Console(stderr=True),
                transient=False,
            )
            self._progress.start()
        return self

    def start(self, provider: str, total: int, path: Path) -> None:
        self.paths[provider] = path
        if self._progress is not None:
            self._tasks[provider] = self._progress.add_task(provider, total=total)

    @property
    def on_progress(self) -> Callable[[str, int], None] | None:
        """The run's count callback, or None when no bar is shown. Counts, not records:
        cache hits then need no record each and keep the runner's fast path."""
        return self.advance if self._progress is not None else None

    def advance(self, provider: str, count: int) -> None:
        """``count`` more of ``provider``'s segments were written."""
        if self._progress is not None and provider in self._tasks:
            self._progress.advance(self._tasks[provider], count)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
