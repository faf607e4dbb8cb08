"""Access tokens printed by a command, fetched when needed and again when they expire.

OAuth access tokens (Google's among them) live about an hour, shorter than a
long run. An adapter given a command such as ``gcloud auth print-access-token``
runs it for its first token and, when the backend answers 401, once more for a
fresh one; requests that failed on the stale token are sent again with the new
one, once. Concurrent requests that all meet the expiry share one refresh. The
command is split like a shell line (no shell runs it), in a process group of its own so a
Ctrl-C on the harness does not reach it, and its output is never logged: a
failure names the command and its exit status, with its first line of stderr.
"""

from __future__ import annotations

import asyncio
import shlex

from harness.errors import AuthError, UsageError

TIMEOUT_SECONDS = 60.0


class TokenCommand:
    """The current token from ``command``; :meth:`refresh` replaces a stale one."""

    def __init__(self, command: str, owner: str) -> None:
        self.argv = shlex.split(command)
        if not self.argv:
            raise UsageError(f"{owner}: token_command is empty")
        self.owner = owner
        self._token: str | None = None
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        async with self._lock:
            if self._token is None:
                self._token = await self._run()
            return self._token

    async def refresh(self, stale: str) -> str:
        """A new token, unless another request already replaced ``stale``."""
        async with self._lock:
            if self._token is None or self._token == stale:
                self._token = await self._run()
            return self._token

    async def _run(self) -> str:
        name = self.argv[0]
        try:
            process = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise AuthError(
                f"{self.owner}: token_command {name!r} could not start: {exc.strerror}"
            ) from None
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), TIMEOUT_SECONDS)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise AuthError(
                f"{self.owner}: token_command {name!r} gave no token within {TIMEOUT_SECONDS:.0f} s"
            ) from None
        if process.returncode != 0:
            reason = stderr.decode("utf-8", "replace").strip().splitlines()
            raise AuthError(
                f"{self.owner}: token_command {name!r} exited with status "
                f"{process.returncode}: {reason[0] if reason else 'no message'}"
            )
        lines = stdout.decode("utf-8", "replace").split()
        if not lines:
            raise AuthError(f"{self.owner}: token_command {name!r} printed no token")
        return lines[0]
