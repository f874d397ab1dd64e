"""Cooperative time slices: many jobs reading their inputs at once share the event loop.

asyncio runs every callback that is ready at the start of a loop iteration before it looks at
timers or sockets again, so 500 bulk calls that begin together would each read and check
their inputs in one iteration (the application's other coroutines would wait for all of it).
`TimeSlice.checkpoint` is awaited before each input: once the inputs read in this iteration
took `SLICE` seconds, a reader waits in line. Each later iteration renews the slice and
resumes the next `WAKE` readers in line (each reads at least one input, the first ones as
long as the slice lasts), until the line is empty.

Waking only a few per iteration matters: when every waiting reader resumed each iteration
just to find the slice spent again, 500 of them cost 16 ms per iteration doing nothing
(measured in ``benchmarks/loop_lag.py``: iterations of 16-19 ms, 450-500 wake-ups each).
"""

from __future__ import annotations

import asyncio
import collections
import time

__all__ = ["SLICE", "WAKE", "TimeSlice"]

#: Seconds of input reading per loop iteration, for all jobs of a client together.
SLICE = 0.005
#: Readers resumed per loop iteration while some wait in line.
WAKE = 16


class TimeSlice:
    """A budget of CPU time per event-loop iteration, shared by every caller."""

    __slots__ = ("_began", "_line", "_loop", "_pumping", "_spent")

    def __init__(self) -> None:
        self._began: float | None = None
        self._spent = False
        #: Readers waiting for a slice, first come first resumed.
        self._line: collections.deque[asyncio.Future[None]] = collections.deque()
        self._pumping = False
        #: The loop the line belongs to (a client reused on a new event loop starts afresh:
        #: the old loop may have closed with readers in line and its renewal pending).
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"<TimeSlice spent={self._spent} waiting={len(self._line)}>"

    @property
    def waiting(self) -> int:
        """Readers waiting in line for a slice."""
        return len(self._line)

    def _renew(self) -> None:
        self._began = None
        self._spent = False

    def _pump(self) -> None:
        """A new iteration: a new slice, and the next readers in line resume in it."""
        self._renew()
        if not self._line:
            self._pumping = False
            return
        loop = self._loop
        assert loop is not None
        # Before the wake-ups: the next iteration renews the slice before they read on.
        loop.call_soon(self._pump)
        woken = 0
        while self._line and woken < WAKE:
            waiter = self._line.popleft()
            if not waiter.done():  # a cancelled reader left the line
                waiter.set_result(None)
                woken += 1

    async def checkpoint(self) -> None:
        """Wait for a slice if this iteration's is used up (returns at once otherwise)."""
        now = time.perf_counter()
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop = loop
            self._line = collections.deque()
            self._pumping = False
            self._renew()
        if not self._spent:
            if self._began is None:
                self._began = now
            if now - self._began < SLICE:
                return
            self._spent = True
        waiter: asyncio.Future[None] = loop.create_future()
        self._line.append(waiter)
        if not self._pumping:
            self._pumping = True
            loop.call_soon(self._pump)
        await waiter
        if self._began is None:  # the renewed slice begins with this reader's item
            self._began = time.perf_counter()
