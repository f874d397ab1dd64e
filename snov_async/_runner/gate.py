"""When the runner must stop starting paid work: the unknown-outcome breaker.

Every ``.../start`` may spend credits and cannot be retried once it may have reached the
server. If starts keep ending with an unknown outcome (timeouts, 5xx, dropped connections),
sending more of them only multiplies the possibly-charged, unanswered batches. `StartBreaker`
counts consecutive unknown outcomes; at ``threshold`` it opens: no start is sent for
``cool_down`` seconds, then exactly one probe start is allowed. A probe that gets a definite
answer closes the breaker; a probe that fails again tells the scheduler to give up on the
work waiting now (a typed "not started" error) — later calls probe again after a cool-down.

Pure state on times passed in: no clock, no I/O.
"""

from __future__ import annotations

import enum

__all__ = ["BreakerState", "StartBreaker"]


class BreakerState(enum.Enum):
    CLOSED = "closed"  # starts flow
    OPEN = "open"  # no start until the cool-down ends
    PROBING = "probing"  # one start is allowed (or in flight) to test the service


class StartBreaker:
    """Counts consecutive unknown-outcome starts and holds starts back after ``threshold``.

    Args:
        threshold: consecutive unknown outcomes that open the breaker (0 disables it).
        cool_down: seconds without starts before the probe.
    """

    __slots__ = ("_probe_in_flight", "cool_down", "failures", "opened_at", "state", "threshold")

    def __init__(self, threshold: int = 3, cool_down: float = 30.0) -> None:
        self.threshold = threshold
        self.cool_down = cool_down
        self.state = BreakerState.CLOSED
        self.failures = 0
        self.opened_at = 0.0
        self._probe_in_flight = False

    def __repr__(self) -> str:
        return f"<StartBreaker {self.state.value} failures={self.failures}/{self.threshold}>"

    def allows(self, now: float) -> bool:
        """Whether a start may be sent at ``now``."""
        if self.state is BreakerState.CLOSED:
            return True
        if self.state is BreakerState.OPEN and now >= self.opened_at + self.cool_down:
            self.state = BreakerState.PROBING
        return self.state is BreakerState.PROBING and not self._probe_in_flight

    def resumes_at(self) -> float | None:
        """When a start may be sent again, if the breaker holds them back."""
        if self.state is BreakerState.OPEN:
            return self.opened_at + self.cool_down
        return None

    def sending(self) -> bool:
        """A start is being sent; ``True`` if it is the probe."""
        if self.state is BreakerState.PROBING:
            self._probe_in_flight = True
            return True
        return False

    def answered(self) -> None:
        """A start got a definite answer (accepted, or refused): the service is answering."""
        self.failures = 0
        self.state = BreakerState.CLOSED
        self._probe_in_flight = False

    def unknown(self, now: float, probe: bool) -> bool:
        """A start ended with an unknown outcome; ``True`` when it was the probe (give up)."""
        self.failures += 1
        if probe:
            self._probe_in_flight = False
            self.state = BreakerState.OPEN
            self.opened_at = now
            return True
        closed = self.state is BreakerState.CLOSED
        if closed and self.threshold and self.failures >= self.threshold:
            self.state = BreakerState.OPEN
            self.opened_at = now
        return False
