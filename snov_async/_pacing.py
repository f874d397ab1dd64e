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
import logging
import math
from typing import Protocol, runtime_checkable

from aiolimiter import AsyncLimiter

from . import _validate
from ._constants import DEFAULT_PACING_MARGIN, DEFAULT_REQUESTS_PER_MINUTE
from .errors import ConfigurationError

__all__ = ["EvenPacer", "Pacer"]

logger = logging.getLogger("snov_async")


@runtime_checkable
class Pacer(Protocol):
    """What the HTTP core needs from a pacer.

    Two more methods are used when a pacer has them (`EvenPacer` does): ``before_wire()``,
    awaited for every attempt just before it goes on the wire (to space what leaves, not only
    the slots), and ``cooling_for()``, the seconds left of a cool-down (a call that would wait
    longer than the retry policy allows fails at once, unsent).
    """

    async def acquire(self) -> None:
        """Wait until one more request may be sent, and count it."""

    def cool_down(self, seconds: float) -> None:
        """Send nothing for ``seconds`` from now (after a 429), then resume the normal pace."""


class EvenPacer:
    """Evenly spaced requests with an optional burst allowance, on aiolimiter.

    ``EvenPacer(60)`` lets one request through every 1.02 s (60 per minute plus the 2 % safety
    margin), so any 60-second window holds at most 60 requests and any 1-second window at most
    one. ``burst=n`` lets up to ``n`` requests through back to back after an idle period; any
    window of ``w`` seconds then holds at most ``n - 1 + w / interval`` requests.

    The spacing is aiolimiter's leaky bucket sized to the burst, ``AsyncLimiter(burst, burst *
    interval)`` (``AsyncLimiter(1, interval)`` by default: even spacing, never the burst of
    ``AsyncLimiter(60, 60)``); the cool-down gate sits on top. Waiters are served first come,
    first served. A cool-down (after a 429) holds everyone back and then resumes at the normal
    spacing: the first request after it refills the bucket, so the queue never bursts out.

    The pacer binds to the event loop that first uses it; used from another loop (a new test,
    a new ``asyncio.run``), it starts afresh there instead of failing, as aiolimiter does.
    It reads that loop's clock, so it works in tests whose loop runs on virtual time.

    Example::

        pacer = EvenPacer(requests_per_minute=60)
        a = SnovClient(client_id, secret, pacer=pacer)
        b = SnovClient(client_id, secret, pacer=pacer)  # a and b together stay at 60/min
    """

    __slots__ = (
        "_blocked_until",
        "_interval",
        "_limiter",
        "_loop",
        "_refill",
        "_wire_tat",
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
        _validate.number(requests_per_minute, "requests_per_minute", above=0)
        _validate.integer(burst, "burst", 1, error=ConfigurationError)
        if not 0 <= _validate.number(margin, "margin", low=0) < 1:
            raise ConfigurationError(f"margin must be in [0, 1), got {margin!r}", field="margin")
        self.rpm = float(requests_per_minute)
        self.burst = burst
        self.margin = margin
        self._interval = 60.0 / self.rpm * (1.0 + margin)
        self._limiter: AsyncLimiter | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._blocked_until = -math.inf
        self._refill = False
        self._wire_tat = -math.inf

    @property
    def interval(self) -> float:
        """Seconds between two requests at the steady pace, margin included."""
        return self._interval

    def __repr__(self) -> str:
        return (
            f"<EvenPacer {self.rpm:g}/min interval={self._interval:.4f}s burst={self.burst}"
            f" margin={self.margin:g}>"
        )

    def _bound(self) -> tuple[asyncio.AbstractEventLoop, AsyncLimiter]:
        """The running loop and this pacer's limiter on it (made afresh on a new loop)."""
        loop = asyncio.get_running_loop()
        if self._limiter is None or self._loop is not loop:
            if self._loop is not None:
                logger.debug("%r is used on a new event loop: it starts afresh there", self)
            self._limiter = AsyncLimiter(self.burst, self.burst * self._interval)
            self._loop = loop
            self._blocked_until = -math.inf
            self._refill = False
            self._wire_tat = -math.inf
        return loop, self._limiter

    async def acquire(self) -> None:
        """Wait for this request's slot, then take it. Cancelling the wait takes no slot."""
        loop, limiter = self._bound()
        while True:
            wait = self._blocked_until - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            amount = 1.0
            if self._refill:  # the first request after a cool-down: no burst behind it
                self._refill = False
                amount = float(self.burst)
            await limiter.acquire(amount)
            if loop.time() >= self._blocked_until:
                return
            # A cool-down began while this request queued: what it took is spent; wait it out.

    async def before_wire(self) -> None:
        """Wait, if need be, so that this request leaves at least one interval after the one
        before it; the HTTP core calls it for every attempt, after `acquire`, as the request
        goes on the wire.

        `acquire` spaces the slots; this spaces what leaves. A request held up between its
        slot and the wire — a loop blocked by other code, a long garbage collection, a token
        being fetched — would otherwise leave right before the next one, which kept its time:
        two requests in less than an interval, and the window holds one more than its share
        (the server answers 429). Measured at 20x speed (1,200/min, a 1-second window): a
        45 ms collection of the start-up heap did exactly that in 1 run of 6.

        Each caller reserves the next time to leave, in the order they call (first come,
        first served: nobody is overtaken), on the same bucket as `acquire` (``burst``
        back-to-back after an idle period, then one per interval), and never inside a
        cool-down: one that begins while a request waits here holds it back too. A cancelled
        wait gives its time back when nobody reserved after it. One that wakes late (the
        loop was busy when its time came) pushes the next an interval after it.
        """
        loop, _ = self._bound()
        while True:
            now = loop.time()
            at, reserved = self._reserve(now)
            if at <= now:
                return
            try:
                await asyncio.sleep(at - now)
            except asyncio.CancelledError:
                if self._wire_tat == reserved:  # the latest reservation: nobody is behind it
                    self._wire_tat = reserved - self._interval
                raise
            left = loop.time()
            if left >= self._blocked_until:
                # Woken late (a blocked loop, a collection)? The next leaves an interval
                # after this one really left, not after when it was due.
                self._wire_tat = max(self._wire_tat, left + self._interval)
                return
            # A cool-down began while this request waited: reserve again, behind it.

    def _reserve(self, now: float) -> tuple[float, float]:
        """The time this request may leave (GCRA on the wire), and the bucket after it."""
        interval, slack = self._interval, (self.burst - 1) * self._interval
        base = max(now, self._blocked_until)
        tat = max(self._wire_tat, base)
        if self._blocked_until > now:  # after a cool-down the pace resumes, without a burst
            tat = max(tat, self._blocked_until + slack)
        self._wire_tat = tat + interval
        return max(base, tat - slack), self._wire_tat

    def cooling_for(self) -> float:
        """Seconds left of the current cool-down (0 when there is none)."""
        if self._loop is None:
            return 0.0
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return 0.0
        if loop is not self._loop:
            return 0.0
        return max(0.0, self._blocked_until - loop.time())

    def cool_down(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` from now; the pace resumes after it."""
        if seconds <= 0:
            return
        try:
            loop, _ = self._bound()
        except RuntimeError:  # pragma: no cover - always called from a request
            return
        self._blocked_until = max(self._blocked_until, loop.time() + seconds)
        self._refill = self.burst > 1
