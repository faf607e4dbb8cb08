"""How fast requests go out: backoff between attempts, and adaptive concurrency and rate.

:class:`Pacing` is shared by every worker of one provider run. It admits a
request when a concurrency slot is free, the request rate allows it and no
``Retry-After`` pause is in force. It adapts like TCP congestion control
(AIMD, additive increase / multiplicative decrease): a rate-limit answer halves
the effective concurrency and rate, and each full window of successes (as many
as the current concurrency) adds one slot back and a twentieth of the
configured rate, up to what the configuration allows. A burst of 429s from
requests that were all sent before the last decrease counts as one signal, so
the limit is not halved once per request in flight.

Clock and sleep are injected, so tests drive time without waiting.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Awaitable, Callable

from harness.kit.retry_after import MAX_RETRY_AFTER as KIT_MAX_RETRY_AFTER

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

#: The longest pause honoured from a ``Retry-After`` header (the kit's cap, applied again
#: here for adapters that read the header themselves).
MAX_RETRY_AFTER = KIT_MAX_RETRY_AFTER


class Backoff:
    """Exponential backoff with full jitter, capped; ``retry_after`` from the backend wins.

    Full jitter (a uniform delay between 0 and the exponential bound) spreads the
    retries of many workers apart; see "Exponential Backoff And Jitter", AWS
    Architecture Blog, 2015.
    """

    def __init__(self, base: float = 0.5, cap: float = 30.0, rng: random.Random | None = None):
        self.base, self.cap = base, cap
        self.rng = rng or random.Random()

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, MAX_RETRY_AFTER)
        return self.rng.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))


class Pacing:
    """Concurrency slots, request spacing and ``Retry-After`` pauses, adapting to 429s."""

    def __init__(self, concurrency: int, rate: float | None, *, clock: Clock, sleep: Sleep) -> None:
        self.max_concurrency = max(1, concurrency)
        self.concurrency = self.max_concurrency
        self.max_rate = rate
        self.rate = rate
        self.clock, self.sleep = clock, sleep
        self.in_flight = 0
        self.decreases = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._next_start = 0.0
        self._paused_until = 0.0
        self._successes = 0
        self._tickets = 0
        self._decrease_ticket = 0

    async def acquire(self) -> int:
        """Wait until a request may start; returns a ticket for :meth:`release`."""
        wait = self._paused_until - self.clock()
        if wait > 0:
            await self.sleep(wait)
        while self.in_flight >= self.concurrency:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(future)
            try:
                await future
            except asyncio.CancelledError:
                if future in self._waiters:
                    self._waiters.remove(future)
                raise
        self.in_flight += 1
        if self.rate:
            now = self.clock()
            start = max(now, self._next_start)
            self._next_start = start + 1.0 / self.rate
            if start > now:
                try:
                    await self.sleep(start - now)
                except BaseException:
                    self._free_slot()
                    raise
        self._tickets += 1
        return self._tickets

    def release(
        self,
        ticket: int,
        *,
        ok: bool = False,
        rate_limited: bool = False,
        retry_after: float | None = None,
    ) -> None:
        """Give the slot back and tell how the request went."""
        if rate_limited:
            self._on_rate_limited(ticket, retry_after)
        elif ok:
            self._on_success()
        self._free_slot()

    def _free_slot(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        free = self.concurrency - self.in_flight
        while free > 0 and self._waiters:
            future = self._waiters.popleft()
            if not future.done():
                future.set_result(None)
                free -= 1

    def _on_rate_limited(self, ticket: int, retry_after: float | None) -> None:
        if retry_after is not None and retry_after > 0:
            until = self.clock() + min(retry_after, MAX_RETRY_AFTER)
            self._paused_until = max(self._paused_until, until)
        if ticket <= self._decrease_ticket:
            return  # sent before the last decrease: the same congestion signal
        self._decrease_ticket = self._tickets
        self.decreases += 1
        self._successes = 0
        self.concurrency = max(1, self.concurrency // 2)
        if self.rate and self.max_rate:
            self.rate = max(self.max_rate / 64, self.rate / 2)

    def _on_success(self) -> None:
        self._successes += 1
        if self._successes < self.concurrency:
            return
        self._successes = 0
        if self.concurrency < self.max_concurrency:
            self.concurrency += 1
            self._wake()
        if self.rate and self.max_rate and self.rate < self.max_rate:
            self.rate = min(self.max_rate, self.rate + self.max_rate / 20)
