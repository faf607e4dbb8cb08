"""``apertium``: the local Apertium engine through its command line.

Apertium is rule-based MT that runs offline from Debian packages (``apertium``,
``apertium-eng-spa``, ``apertium-eng-cat``, ``apertium-en-gl``, ``apertium-eo-en``).
The pairs on offer are read from the installed modes (``apertium -l``), so an
unsupported ``--to`` fails before any work with the list of what is installed.

A batch is sent to one ``apertium`` process as paragraphs separated by blank
lines, which the ``txt`` format keeps; if the answer does not split back into
as many paragraphs (an input with blank lines of its own), each segment is
translated by its own process instead, so outputs always align with inputs.

Every engine process (the listing, the version, each translation) is an asyncio
subprocess, so concurrent requests never block the event loop, and starts in a
session of its own: Ctrl-C on the harness reaches the harness alone, which lets
requests in flight finish (the first Ctrl-C) or kills their process groups
(the second). :meth:`ApertiumProvider.prepare` reads the installed modes and
the engine version once, before anything asks for pairs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from harness.errors import BadResponseError, UnsupportedLanguageError, UsageError
from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import Limits, Provider, ProviderOptions
from providers.apertium_codes import pair_table
from providers.apertium_packages import installed_packages

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
#: Listing modes and reading the version take well under a second; a hung engine does not.
_QUERY_SECONDS = 30.0


class ApertiumOptions(ProviderOptions):
    binary: str = Field("apertium", description="The apertium command (name on PATH or a path).")
    datadir: str | None = Field(
        None, description="Directory holding modes/ (apertium -d); default: the installed packages."
    )
    mark_unknown: bool = Field(
        False, description="Keep Apertium's '*' marks on unknown words (apertium without -u)."
    )
    modes: dict[str, str] = Field(
        default_factory=dict,
        description="Explicit BCP-47 pair -> mode, e.g. {'en-ca' = 'eng-cat_valencia_uni'}.",
    )


class ApertiumProvider(Provider[ApertiumOptions]):
    name = "apertium"
    version = "1"
    description = "Apertium rule-based MT through the local command line (Debian packages)."
    Options = ApertiumOptions
    uses_http = False
    limits = Limits(max_batch=64, max_chars=20_000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._modes: list[str] | None = None
        self._by_pair: dict[LangPair, str] | None = None
        self._version = "unknown"

    def _command(self) -> list[str]:
        binary = shutil.which(self.options.binary)
        if binary is None:
            raise UsageError(
                f"apertium: command {self.options.binary!r} not found; install the Debian "
                "package 'apertium' and a language pair such as 'apertium-eng-spa'"
            )
        command = [binary]
        if self.options.datadir:
            command += ["-d", self.options.datadir]
        return command

    async def _engine(
        self, arguments: list[str], stdin: bytes | None, timeout: float | None = None
    ) -> tuple[int, bytes, bytes]:
        """Run the engine with ``arguments``: its exit status, output and error output."""
        process = await asyncio.create_subprocess_exec(
            *self._command(),
            *arguments,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # Ctrl-C on the harness must not kill it mid-request
        )
        try:
            async with asyncio.timeout(timeout):
                stdout, stderr = await process.communicate(stdin)
        except BaseException:  # cancelled or timed out: the whole pipeline goes
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
            raise
        return process.returncode or 0, stdout, stderr

    async def prepare(self) -> None:
        """Read the installed modes (``apertium -l``) and the engine version (``-V``), once."""
        if self._modes is not None:
            return
        try:
            _, listing, _ = await self._engine(["-l"], None, _QUERY_SECONDS)
            _, out, err = await self._engine(["-V"], None, _QUERY_SECONDS)
        except OSError as exc:
            raise UsageError(f"apertium: cannot run {self.options.binary!r}: {exc}") from exc
        except TimeoutError as exc:
            raise UsageError(
                f"apertium: {self.options.binary!r} did not answer within {_QUERY_SECONDS:g} s"
            ) from exc
        lines = (out or err).decode("utf-8", errors="replace").strip().splitlines()
        self._version = lines[0] if lines else "unknown"
        text = listing.decode("utf-8", errors="replace")
        self._modes = [line.strip() for line in text.splitlines() if line.strip()]

    @property
    def installed_modes(self) -> list[str]:
        """Mode names the engine reports (``apertium -l``), read by :meth:`prepare`."""
        if self._modes is None:
            raise RuntimeError("apertium: await prepare() before asking for modes or pairs")
        return self._modes

    @property
    def modes_by_pair(self) -> dict[LangPair, str]:
        if self._by_pair is None:
            table = pair_table(self.installed_modes)
            for pair_text, mode in self.options.modes.items():
                source, _, target = pair_text.partition("-")
                table[LangPair(source, target)] = mode
            self._by_pair = table
        return self._by_pair

    def supported_pairs(self) -> list[LangPair]:
        return sorted(self.modes_by_pair, key=str)

    def default_targets(self, source: str) -> list[str]:
        """Every installed target of ``source`` without a regional or orthographic variant:
        ``ca-valencia`` is there for ``--to``, but the default run covers each language once."""
        return sorted(
            {p.target for p in self.modes_by_pair if p.source == source and "-" not in p.target}
        )

    def check_pair(self, pair: LangPair) -> None:
        if pair not in self.modes_by_pair:
            installed = (
                ", ".join(
                    f"{p.source}->{p.target} ({m})"
                    for p, m in sorted(self.modes_by_pair.items(), key=lambda kv: str(kv[0]))
                )
                or "none (install e.g. the Debian package apertium-eng-spa)"
            )
            raise UnsupportedLanguageError(
                f"apertium has no installed pair {pair.source}->{pair.target}; "
                f"installed: {installed}"
            )
        mode = self.modes_by_pair[pair]
        if mode not in self.installed_modes:
            raise UnsupportedLanguageError(
                f"apertium: mode {mode!r} (from the modes option) is not installed"
            )

    def identity(self) -> dict[str, Any]:
        identity = super().identity()
        identity["engine"] = self.engine_version
        identity["packages"] = installed_packages()  # a package upgrade is not a regression
        return identity

    @property
    def engine_version(self) -> str:
        """The first line of ``apertium -V``, read by :meth:`prepare` ("unknown" before)."""
        return self._version

    async def _apertium(self, mode: str, text: str) -> str:
        arguments = [] if self.options.mark_unknown else ["-u"]
        arguments += ["-f", "txt", mode]
        try:
            status, stdout, stderr = await self._engine(arguments, text.encode("utf-8"))
        except OSError as exc:
            raise BadResponseError(f"apertium could not start: {exc}") from exc
        if status != 0:
            reason = stderr.decode("utf-8", errors="replace").strip().splitlines()
            raise BadResponseError(
                f"apertium {mode} exited with status {status}: "
                f"{reason[0] if reason else 'no message'}"
            )
        return stdout.decode("utf-8", errors="replace")

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        await self.prepare()
        mode = self.modes_by_pair.get(pair)
        if mode is None:
            self.check_pair(pair)  # raises with the list of installed pairs
            raise AssertionError("unreachable")
        texts = [seg.text.strip() for seg in batch]
        outputs: list[str] | None = None
        if len(texts) > 1 and not any("\n" in text for text in texts):
            joined = await self._apertium(mode, "\n\n".join(texts) + "\n")
            parts = [p.strip() for p in _PARAGRAPH_BREAK.split(joined.strip())]
            if len(parts) == len(texts):
                outputs = parts
        if outputs is None:
            outputs = [(await self._apertium(mode, text + "\n")).strip() for text in texts]
        engine = f"{self.engine_version} {mode}"
        return [
            Translation(out, Usage(characters=len(seg.text)), engine=engine)
            for seg, out in zip(batch, outputs, strict=True)
        ]
