"""Request pacing: keep every window of time within the account's rate.

Snov.io allows 60 requests per minute per account and does not say whether it counts a rolling
minute or refills a bucket every second. Spacing requests evenly — one per
``60 / requests_per_minute`` seconds, plus a small safety margin — satisfies both: no window of
any length ever holds more than its share.

`Pacer` is the protocol the HTTP core talks to; `EvenPacer` is the in-process default. One pacer
belongs to one account: share the same instance between every client of that account.
"""

from __future__ import annotations

import asyncio
import math
from typing import Protocol, runtime_checkable

from ._constants import DEFAULT_PACING_MARGIN, DEFAULT_REQUESTS_PER_MINUTE
from .errors import ConfigurationError

__all__ = ["EvenPacer", "Pacer"]


@runtime_checkable
class Pacer(Protocol):
    """What the HTTP core needs from a pacer."""

    async def acquire(self) -> None:
        """Wait until one more request may be sent, and count it."""

    def cool_down(self, seconds: float) -> None:
        """Send nothing for ``seconds`` from now (after a 429), then resume the normal pace."""


class EvenPacer:
    """Evenly spaced requests with an optional burst allowance (GCRA).

    ``EvenPacer(60)`` lets one request through every 1.02 s (60 per minute plus the 2 % safety
    margin), so any 60-second window holds at most 60 requests and any 1-second window at most
    one. ``burst=n`` lets up to ``n`` requests through back to back after an idle period; any
    window of ``w`` seconds then holds at most ``n - 1 + w / interval`` requests.

    Waiters are served first come, first served. A cool-down (after a 429) holds everyone back
    and then resumes at the normal spacing: the queue never bursts out at once.

    The pacer reads the running event loop's clock, so it binds to no loop when it is made and
    works in tests whose loop runs on virtual time.

    Example::

        pacer = EvenPacer(requests_per_minute=60)
        a = SnovClient(client_id, secret, pacer=pacer)
        b = SnovClient(client_id, secret, pacer=pacer)  # a and b together stay at 60/min
    """

    __slots__ = (
        "_blocked_until",
        "_interval",
        "_lock",
        "_tat",
        "_tau",
        "_tolerance",
        "burst",
        "margin",
        "rpm",
    )

    def __init__(
        self,
        requests_per_minute: float = DEFAULT_REQUESTS_PER_MINUTE,
        *,
        burst: int = 1,
        margin: float = DEFAULT_PACING_MARGIN,
    ) -> None:
        if not (isinstance(requests_per_minute, (int, float)) and requests_per_minute > 0):
            raise ConfigurationError(
                f"requests_per_minute must be a positive number, got {requests_per_minute!r}",
                field="requests_per_minute",
            )
        if not math.isfinite(requests_per_minute):
            raise ConfigurationError("requests_per_minute must be finite")
        if not (isinstance(burst, int) and burst >= 1):
            raise ConfigurationError(f"burst must be an integer >= 1, got {burst!r}")
        if not (0 <= margin < 1):
            raise ConfigurationError(f"margin must be in [0, 1), got {margin!r}")
        self.rpm = float(requests_per_minute)
        self.burst = burst
        self.margin = margin
        self._interval = 60.0 / self.rpm * (1.0 + margin)
        self._tau = (burst - 1) * self._interval
        self._tolerance = self._interval - 60.0 / self.rpm
        self._tat: float | None = None  # theoretical arrival time of the next request
        self._blocked_until = -math.inf
        self._lock: asyncio.Lock | None = None

    @property
    def interval(self) -> float:
        """Seconds between two requests at the steady pace, margin included."""
        return self._interval

    def __repr__(self) -> str:
        return (
            f"<EvenPacer {self.rpm:g}/min interval={self._interval:.4f}s burst={self.burst}"
            f" margin={self.margin:g}>"
        )

    async def acquire(self) -> None:
        """Wait for this request's slot, then take it. Cancelling the wait takes no slot."""
        loop = asyncio.get_running_loop()
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            while True:
                now = loop.time()
                tat = now if self._tat is None else self._tat
                wait = max(tat - self._tau - now, self._blocked_until - now)
                if wait <= 0:
                    # A waiter woken a hair after its slot keeps the grid (so timer
                    # overshoot does not accumulate); the tolerance is within the margin, so
                    # no two requests are ever closer than 60 / requests_per_minute.
                    late = now - tat
                    self._tat = (tat if 0 <= late <= self._tolerance else max(tat, now)) + (
                        self._interval
                    )
                    return
                await asyncio.sleep(wait)

    def cooling_for(self) -> float:
        """Seconds left of the current cool-down (0 when there is none)."""
        try:
            now = asyncio.get_running_loop().time()
        except RuntimeError:
            return 0.0
        return max(0.0, self._blocked_until - now)

    def cool_down(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` from now; the pace resumes after it."""
        if seconds <= 0:
            return
        try:
            now = asyncio.get_running_loop().time()
        except RuntimeError:  # pragma: no cover - always called from a request
            return
        until = now + seconds
        self._blocked_until = max(self._blocked_until, until)
        # No burst right after a cool-down: the bucket restarts empty.
        floor = until + self._tau
        self._tat = floor if self._tat is None else max(self._tat, floor)
