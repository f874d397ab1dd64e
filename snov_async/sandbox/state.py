"""The sandbox's configuration, its in-memory account state and its inspection counters."""

from __future__ import annotations

import collections
import math
import secrets
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from .data import rng_for
from .faults import Faults

__all__ = ["SandboxConfig", "SandboxState", "SandboxStats"]


def _latency(value: float | Sequence[float]) -> tuple[float, float]:
    if isinstance(value, (int, float)):
        return (float(value), float(value))
    low, high = (float(v) for v in value)
    if low > high:
        low, high = high, low
    return (low, high)


@attrs.define
class SandboxConfig:
    """How the sandbox behaves. Every field has a realistic default.

    Attributes:
        seed: seeds the fake data, task hashes, latencies and faults.
        credentials: ``(client_id, client_secret)`` to accept; ``None`` accepts any pair.
        token_ttl: ``expires_in`` of issued tokens, in seconds.
        rate_limit: requests allowed per ``rate_window`` seconds (rolling); ``None``: no limit.
        rate_window: the rolling window, in seconds.
        retry_after: whether 429 answers carry a ``Retry-After`` header.
        credits: the starting balance.
        task_latency: seconds a task stays ``in_progress``: a number, or ``(low, high)`` for a
            seeded uniform draw per task.
        webhook_time_scale: the documented webhook retry ladder (0, 20 min, 1 h, ... 38 h) is
            multiplied by this (default: one hour becomes 3.6 ms).
        faults: what to break, and how often.
    """

    seed: int = 0
    credentials: tuple[str, str] | None = None
    token_ttl: float = 3600.0
    rate_limit: int | None = 60
    rate_window: float = 60.0
    retry_after: bool = True
    credits: Decimal = attrs.field(default=Decimal("25000.00"), converter=Decimal)
    task_latency: tuple[float, float] = attrs.field(default=(2.0, 2.0), converter=_latency)
    webhook_time_scale: float = 1e-6
    faults: Faults = attrs.field(factory=Faults)


@attrs.define
class SandboxStats:
    """What the sandbox saw, for tests and benchmarks (also served at ``/__sandbox__/stats``)."""

    #: Requests per operation, keyed ``"METHOD /path/{template}"``.
    requests: collections.Counter[str] = attrs.field(factory=collections.Counter)
    #: Token requests answered (any outcome).
    token_requests: int = 0
    #: 429 answers sent (rate limit and injected).
    rate_limited: int = 0
    #: Faults injected, by kind.
    faults: collections.Counter[str] = attrs.field(factory=collections.Counter)
    #: Accepted start calls per (operation, sorted input set): more than 1 is a repeat.
    starts_per_input_set: collections.Counter[tuple[str, tuple[str, ...]]] = attrs.field(
        factory=collections.Counter
    )
    #: Accepted start calls per (operation, input): more than 1 is a double start.
    starts_per_input: collections.Counter[tuple[str, str]] = attrs.field(
        factory=collections.Counter
    )
    #: Credits debited.
    credits_spent: Decimal = Decimal(0)
    #: Webhook POSTs attempted and delivered.
    webhook_attempts: int = 0
    webhook_delivered: int = 0
    #: When the last 100,000 requests arrived (loop time), for window checks.
    request_times: collections.deque[float] = attrs.field(
        factory=lambda: collections.deque(maxlen=100_000)
    )
    #: The last 10,000 authenticated calls: (operation, parameters), newest last.
    calls: collections.deque[tuple[str, dict[str, Any]]] = attrs.field(
        factory=lambda: collections.deque(maxlen=10_000)
    )

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def max_in_window(self, seconds: float) -> int:
        """The most requests that arrived within any window of ``seconds``."""
        times = sorted(self.request_times)
        best = 0
        low = 0
        for high, moment in enumerate(times):
            while times[low] <= moment - seconds:
                low += 1
            best = max(best, high - low + 1)
        return best

    def double_starts(self) -> dict[tuple[str, str], int]:
        """Inputs that were started more than once, with their count."""
        return {k: v for k, v in self.starts_per_input.items() if v > 1}

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "total_requests": self.total_requests,
            "token_requests": self.token_requests,
            "rate_limited": self.rate_limited,
            "faults": dict(self.faults),
            "starts": sum(self.starts_per_input_set.values()),
            "starts_per_input_set": [
                {"operation": op, "inputs": list(inputs), "count": n}
                for (op, inputs), n in self.starts_per_input_set.items()
            ],
            "double_starts": [
                {"operation": op, "input": item, "count": n}
                for (op, item), n in self.double_starts().items()
            ],
            "credits_spent": str(self.credits_spent),
            "webhook_attempts": self.webhook_attempts,
            "webhook_delivered": self.webhook_delivered,
        }


class SandboxState:
    """The account as the sandbox remembers it, for the server's life."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.stats = SandboxStats()
        self.balance = Decimal(config.credits)
        self.tokens: dict[str, float] = {}  # token -> expiry (loop time)
        self.window: collections.deque[float] = collections.deque()
        self.sequence = 0
        self.task_counter = 0
        self.searched_domains: set[str] = set()
        self.next_ids: collections.Counter[str] = collections.Counter()
        # CRUD stores, by section.
        self.store: dict[str, dict[Any, Any]] = collections.defaultdict(dict)

    # Identity ---------------------------------------------------------------------------

    def next_id(self, kind: str, start: int = 1) -> int:
        self.next_ids[kind] += 1
        return start + self.next_ids[kind] - 1

    def issue_token(self, now: float) -> str:
        token = secrets.token_urlsafe(30)
        self.tokens[token] = now + self.config.token_ttl
        return token

    def token_valid(self, token: str | None, now: float) -> bool:
        if not token:
            return False
        expiry = self.tokens.get(token)
        return expiry is not None and now < expiry

    def revoke(self, token: str | None) -> None:
        if token:
            self.tokens.pop(token, None)

    # Rate limit -------------------------------------------------------------------------

    def admit(self, now: float) -> float | None:
        """Count a request in the rolling window; return seconds to wait if it is full."""
        limit = self.config.rate_limit
        if limit is None:
            return None
        window = self.config.rate_window
        while self.window and self.window[0] <= now - window:
            self.window.popleft()
        if len(self.window) >= limit:
            return max(0.001, self.window[0] + window - now)
        self.window.append(now)
        return None

    # Credits ----------------------------------------------------------------------------

    def can_spend(self, amount: int | Decimal) -> bool:
        return self.balance >= Decimal(amount)

    def spend(self, amount: int | Decimal) -> None:
        value = Decimal(amount)
        if value <= 0:
            return
        self.balance -= value
        self.stats.credits_spent += value

    # Tasks ------------------------------------------------------------------------------

    def task_latency(self, number: int) -> float:
        low, high = self.config.task_latency
        if math.isclose(low, high):
            return low
        return rng_for(self.config.seed, "latency", number).uniform(low, high)
