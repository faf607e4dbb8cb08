"""Start and stop a real Apertium APy server on 127.0.0.1, in its own process group.

APy (Debian ``apertium-apy``) has no bind-address option and listens on every
interface. :class:`ApyServer` runs it through a tiny launcher that makes
tornado's ``HTTPServer.bind`` use 127.0.0.1, with ``-j 1`` on a free port, waits
until ``/listPairs`` answers, and on stop terminates the whole process group.
Used by the test suite and the benchmarks; usable from Python by anyone who
wants a private APy for a run.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

# Runs under the interpreter APy was installed for (Debian's python3), not ours.
_LAUNCHER = """
import sys
import tornado.httpserver
_bind = tornado.httpserver.HTTPServer.bind
def _loopback_bind(self, port, address=None, *args, **kwargs):
    return _bind(self, port, "127.0.0.1", *args, **kwargs)
tornado.httpserver.HTTPServer.bind = _loopback_bind
from apertium_apy.apy import main
sys.argv = ["apertium-apy"] + sys.argv[1:]
main()
"""

DEFAULT_PAIRS_DIR = Path("/usr/share/apertium/modes")


class ApyUnavailableError(RuntimeError):
    """APy is not installed (or its interpreter cannot be found)."""


def apy_python() -> str:
    """The interpreter named in the ``apertium-apy`` script's shebang line."""
    script = shutil.which("apertium-apy")
    if script is None:
        raise ApyUnavailableError("apertium-apy is not installed (Debian package apertium-apy)")
    with open(script, encoding="utf-8", errors="replace") as fh:
        first = fh.readline().strip()
    if first.startswith("#!"):
        parts = first[2:].split()
        if parts and parts[0].endswith("/env") and len(parts) > 1:
            found = shutil.which(parts[1])
            if found:
                return found
        elif parts:
            return parts[0]
    raise ApyUnavailableError(f"cannot tell which Python runs {script}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ApyServer:
    """A private APy on 127.0.0.1; use as a context manager."""

    def __init__(
        self,
        pairs_dir: Path = DEFAULT_PAIRS_DIR,
        *,
        port: int | None = None,
        timeout: float = 10.0,
        startup_timeout: float = 60.0,
    ) -> None:
        self.pairs_dir = pairs_dir
        self.port = port or free_port()
        self.timeout = timeout
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ApyServer:
        command = [
            apy_python(),
            "-c",
            _LAUNCHER,
            "-p",
            str(self.port),
            "-j",
            "1",
            "-t",
            str(int(self.timeout)),
            str(self.pairs_dir),
        ]
        # APy logs every request; a file (not a pipe nobody reads) can never fill up and block it.
        log = self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log.seek(0)
                err = log.read().decode(errors="replace")
                raise ApyUnavailableError(f"APy exited at start: {err.strip()[-500:]}")
            try:
                if httpx.get(f"{self.base_url}/listPairs", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise ApyUnavailableError(f"APy did not answer on {self.base_url} in time")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        group = os.getpgid(process.pid)
        os.killpg(group, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> ApyServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
