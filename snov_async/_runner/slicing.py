"""Cooperative time slices: many jobs reading their inputs at once share the event loop.

asyncio runs every callback that is ready at the start of a loop iteration before it looks at
timers or sockets again, so 500 bulk calls that begin together would each read and check
their inputs in one iteration (the application's other coroutines would wait for all of it).
`TimeSlice.checkpoint` is awaited after each input: once the inputs read in this iteration
took `SLICE` seconds, every reader yields until the next iteration, where a new slice begins.
"""

from __future__ import annotations

import asyncio
import time

__all__ = ["SLICE", "TimeSlice"]

#: Seconds of input reading per loop iteration, for all jobs of a client together.
SLICE = 0.005


class TimeSlice:
    """A budget of CPU time per event-loop iteration, shared by every caller."""

    __slots__ = ("_began", "_loop", "_spent")

    def __init__(self) -> None:
        self._began: float | None = None
        self._spent = False
        #: The loop whose next iteration renews the slice (a client reused on a new loop
        #: starts afresh: the old loop may have closed before renewing it).
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"<TimeSlice spent={self._spent}>"

    def _renew(self) -> None:
        self._began = None
        self._spent = False

    async def checkpoint(self) -> None:
        """Yield to the loop if this iteration's slice is used up."""
        now = time.perf_counter()
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop = loop
            self._renew()
        if not self._spent:
            if self._began is None:
                self._began = now
            if now - self._began < SLICE:
                return
            self._spent = True
            # Runs in the next iteration, before the readers that yield now resume.
            loop.call_soon(self._renew)
        await asyncio.sleep(0)
