"""An event loop on virtual time, for tests that must not sleep.

When the loop has nothing ready to run it jumps its clock straight to the next timer instead of
waiting, so ``asyncio.sleep(3600)`` returns at once while ``loop.time()`` advances by 3600.
Everything that reads the loop's clock (the pacer, token expiry, retries) sees the jump.
Only for tests whose I/O is mocked (aioresponses): real sockets would see time fly.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: Real seconds without any timer or I/O after which a virtual-time loop reports a deadlock.
DEADLOCK_SECONDS = 10.0
#: Turns of the loop at one instant after which the virtual clock moves on by `TICK`.
SPINS_PER_TICK = 10
TICK = 1e-9


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0


class _VirtualSelector(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    def __init__(self, clock: _Clock) -> None:
        super().__init__()
        self._clock = clock
        self._spins = 0

    def select(self, timeout: float | None = None) -> list[Any]:
        events = super().select(0)
        if not events and timeout is not None and timeout > 0:
            self._clock.now += timeout
            self._spins = 0
        elif not events and timeout == 0:
            # A real loop's clock never stands still: a timer set a rounding error ahead of
            # "now" (aiolimiter's leaky bucket does) comes due after a few turns. Here, after
            # many turns at one instant, time moves on by a tick.
            self._spins += 1
            if self._spins >= SPINS_PER_TICK:
                self._clock.now += TICK
                self._spins = 0
        if not events and timeout is None:
            # Nothing scheduled: only real I/O (a worker thread's answer) can wake the loop.
            # Mocked tests have none for long, so a long silence is a deadlock: say so.
            events = super().select(DEADLOCK_SECONDS)
            if not events:
                raise RuntimeError(
                    f"virtual-time loop: no timer and no I/O for {DEADLOCK_SECONDS:g} real "
                    "seconds: everything is waiting on something that will never happen"
                )
        return events


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self.clock = _Clock()
        super().__init__(_VirtualSelector(self.clock))

    def time(self) -> float:
        return self.clock.now


def run_virtual(fn: Callable[[], Awaitable[T]]) -> T:
    """Run ``fn()`` to completion on a fresh virtual-time loop."""
    loop = VirtualTimeLoop()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(fn())
    finally:
        asyncio.set_event_loop(None)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
