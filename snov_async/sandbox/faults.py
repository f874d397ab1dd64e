"""Seeded, reproducible fault injection.

Each request gets a sequence number; whether it fails, and how, is a pure function of the seed
and that number. The same seed and the same sequence of requests give the same faults.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

from .data import rng_for

__all__ = ["Fault", "Faults"]


class Fault(enum.Enum):
    """What can go wrong with one request, and when in its life."""

    #: Before processing: the access token is revoked, the answer is the 401 envelope.
    REVOKE_TOKEN = "revoke"
    #: Before processing: 429 with a Retry-After header.
    RATE_LIMIT = "429"
    #: Before processing: 500 with a JSON body.
    SERVER_500 = "500"
    #: Before processing: 502 with an HTML page.
    BAD_GATEWAY_HTML = "html"
    #: Before processing: 503 with a JSON body.
    SERVER_503 = "503"
    #: Before processing: the answer is delayed by ``slow_seconds`` (then processed normally).
    SLOW = "slow"
    #: After processing: a 200 whose JSON body is cut in half.
    TRUNCATED = "truncated"
    #: After processing: the connection is dropped without an answer.
    RESET = "reset"

    @property
    def after_processing(self) -> bool:
        return self in (Fault.TRUNCATED, Fault.RESET)


_ALIASES = {
    "429": Fault.RATE_LIMIT,
    "rate_limit": Fault.RATE_LIMIT,
    "500": Fault.SERVER_500,
    "502": Fault.BAD_GATEWAY_HTML,
    "html": Fault.BAD_GATEWAY_HTML,
    "503": Fault.SERVER_503,
    "slow": Fault.SLOW,
    "truncated": Fault.TRUNCATED,
    "reset": Fault.RESET,
    "revoke": Fault.REVOKE_TOKEN,
    "revoke_token": Fault.REVOKE_TOKEN,
}


@attrs.define
class Faults:
    """Probabilities of each fault, per request (0 disables it).

    ``never_complete`` is per task: the probability that a started task never leaves
    ``in_progress``. ``slow_seconds`` is the delay of a slow answer.
    """

    probabilities: dict[Fault, float] = attrs.field(factory=dict)
    never_complete: float = 0.0
    slow_seconds: float = 2.0
    seed: int = 0

    def __attrs_post_init__(self) -> None:
        total = sum(self.probabilities.values())
        bad = [p for p in (*self.probabilities.values(), self.never_complete) if not 0 <= p <= 1]
        if bad or total > 1:
            raise ValueError("fault probabilities must be in [0, 1] and sum to at most 1")

    @property
    def enabled(self) -> bool:
        return any(p > 0 for p in self.probabilities.values()) or self.never_complete > 0

    @classmethod
    def parse(cls, spec: str, *, seed: int = 0) -> Faults:
        """Parse ``"429=0.05,500=0.01,html=0.01,never=0.02,slow_seconds=3"``."""
        probs: dict[Fault, float] = {}
        never = 0.0
        slow_seconds = 2.0
        for part in filter(None, (p.strip() for p in spec.split(","))):
            name, _, value = part.partition("=")
            name = name.strip().lower()
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"bad fault setting {part!r}: expected name=number") from None
            if name in ("never", "never_complete"):
                never = number
            elif name == "slow_seconds":
                slow_seconds = number
            elif name in _ALIASES:
                probs[_ALIASES[name]] = number
            else:
                known = ", ".join(sorted({*_ALIASES, "never", "slow_seconds"}))
                raise ValueError(f"unknown fault {name!r}; known: {known}")
        return cls(probs, never_complete=never, slow_seconds=slow_seconds, seed=seed)

    @classmethod
    def from_mapping(
        cls,
        probabilities: Mapping[str, float],
        *,
        never_complete: float = 0.0,
        slow_seconds: float = 2.0,
        seed: int = 0,
    ) -> Faults:
        """Build from names as `parse` knows them: ``{"429": 0.1, "html": 0.05}``."""
        probs = {_ALIASES[k.lower()]: v for k, v in probabilities.items()}
        return cls(probs, never_complete=never_complete, slow_seconds=slow_seconds, seed=seed)

    def decide(self, sequence: int) -> Fault | None:
        """The fault for the request with this sequence number, if any."""
        if not self.probabilities:
            return None
        roll = rng_for(self.seed, "fault", sequence).random()
        acc = 0.0
        for fault in Fault:
            acc += self.probabilities.get(fault, 0.0)
            if roll < acc:
                return fault
        return None

    def task_never_completes(self, task_number: int) -> bool:
        if self.never_complete <= 0:
            return False
        return rng_for(self.seed, "never", task_number).random() < self.never_complete
