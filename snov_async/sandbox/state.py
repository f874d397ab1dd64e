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

__all__ = [
    "Account",
    "AccountSpec",
    "SandboxConfig",
    "SandboxState",
    "SandboxStats",
    "parse_accounts",
]

#: ``(client_id, client_secret)`` or ``(client_id, client_secret, credits)``.
AccountSpec = tuple[str, str] | tuple[str, str, Decimal | int | str]
SHAPES = ("live", "reference")


def _accounts(value: Any) -> tuple[tuple[str, str, Decimal | None], ...] | None:
    """Normalise ``accounts=`` to ``((id, secret, credits or None), ...)``; refuse bad specs."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_accounts(value)
    out: list[tuple[str, str, Decimal | None]] = []
    seen: set[str] = set()
    for spec in value:
        if not isinstance(spec, (tuple, list)) or len(spec) not in (2, 3):
            raise ValueError("each account is (client_id, client_secret[, credits])")
        cid, secret = spec[0], spec[1]
        if not isinstance(cid, str) or not isinstance(secret, str) or not cid or not secret:
            raise ValueError("an account's client_id and client_secret are non-empty strings")
        if cid in seen:
            raise ValueError(f"account {cid!r} is listed twice")
        seen.add(cid)
        credits = Decimal(spec[2]) if len(spec) == 3 else None
        out.append((cid, secret, credits))
    if not out:
        raise ValueError("accounts= needs at least one account (or None for open sign-up)")
    return tuple(out)


def parse_accounts(text: str) -> list[tuple[str, str]]:
    """``"id1:secret1,id2:secret2"`` -> ``[("id1", "secret1"), ("id2", "secret2")]``."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        cid, sep, secret = part.partition(":")
        if not sep or not cid or not secret:
            raise ValueError(f"bad account {part.split(':')[0]!r}: expected ID:SECRET")
        out.append((cid, secret))
    return out


def _shapes(value: str) -> str:
    if value not in SHAPES:
        raise ValueError(f"shapes must be one of {', '.join(SHAPES)}, not {value!r}")
    return value


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
        accounts: the accounts to serve, ``[(client_id, client_secret), ...]`` (a third item
            sets that account's starting credits), or ``"id:secret,id:secret"``. ``None``:
            open sign-up, any credentials open an account of their own (keyed by client id,
            bound to the first secret it was seen with).
        credentials: ``(client_id, client_secret)``: the same as ``accounts=[credentials]``.
        token_ttl: ``expires_in`` of issued tokens, in seconds.
        rate_limit: requests allowed per ``rate_window`` seconds (rolling); ``None``: no limit.
        rate_window: the rolling window, in seconds.
        retry_after: whether 429 answers carry a ``Retry-After`` header.
        credits: the starting balance.
        task_latency: seconds a task stays ``in_progress``: a number, or ``(low, high)`` for a
            seeded uniform draw per task.
        start_latency: seconds a ``.../start`` answer is held back *after* the task was
            created and recorded (a number or ``(low, high)``, seeded per task): a client that
            gives up while waiting leaves a started task behind, as on the live API.
        shapes: ``"live"`` (the default) answers as the live API is known to from recorded
            answers (tests/samples/live): hex string profile and prospect ids, the live
            not-found bodies, out of credits as an HTTP 400 with the live words;
            ``"reference"`` answers with the reference's example shapes.
        webhook_time_scale: the documented webhook retry ladder (0, 20 min, 1 h, ... 38 h) is
            multiplied by this (default: one hour becomes 3.6 ms).
        faults: what to break, and how often.
    """

    seed: int = 0
    accounts: tuple[tuple[str, str, Decimal | None], ...] | None = attrs.field(
        default=None, converter=_accounts
    )
    credentials: tuple[str, str] | None = None
    token_ttl: float = 3600.0
    rate_limit: int | None = 60
    rate_window: float = 60.0
    retry_after: bool = True
    credits: Decimal = attrs.field(default=Decimal("25000.00"), converter=Decimal)
    task_latency: tuple[float, float] = attrs.field(default=(2.0, 2.0), converter=_latency)
    start_latency: tuple[float, float] = attrs.field(default=(0.0, 0.0), converter=_latency)
    shapes: str = attrs.field(default="live", converter=_shapes)
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
        """The counters as JSON (what ``/__sandbox__/stats`` serves)."""
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


class Account:
    """One account: its own tokens, rate window, credits, tasks, stores and counters.

    Handlers receive the account the request's token (or, for the token route, its client id)
    belongs to; nothing one account does is visible to another, except ids, which are unique
    across the whole sandbox as on the live API.
    """

    def __init__(self, server: SandboxState, client_id: str, secret: str, credits: Decimal) -> None:
        self.server = server
        self.client_id = client_id
        self.secret = secret
        self.config = server.config
        self.stats = SandboxStats()
        self.balance = Decimal(credits)
        self.window: collections.deque[float] = collections.deque()
        self.task_counter = 0
        #: Started tasks by hash (values are `tasks.Task`).
        self.tasks: dict[str, Any] = {}
        self.searched_domains: set[str] = set()
        # CRUD stores, by section.
        self.store: dict[str, dict[Any, Any]] = collections.defaultdict(dict)

    def __repr__(self) -> str:
        return f"<Account {self.client_id!r} balance={self.balance:.2f}>"

    @property
    def user_email(self) -> str:
        """The account user's address (owner of its campaigns, for ``campaign_owner``)."""
        local = "".join(c for c in self.client_id.lower() if c.isalnum() or c in "._-")
        return f"{local or 'user'}@sandbox.example"

    @property
    def all_stats(self) -> tuple[SandboxStats, SandboxStats]:
        """This account's counters and the sandbox's totals (both are kept)."""
        return (self.stats, self.server.stats)

    # Identity ---------------------------------------------------------------------------

    def next_id(self, kind: str, start: int = 1) -> int:
        """A new id of ``kind``, unique across every account."""
        return self.server.next_id(kind, start)

    def issue_token(self, now: float) -> str:
        return self.server.issue_token(now, self)

    def tokens(self) -> list[str]:
        """This account's live tokens."""
        return [t for t, (acct, _) in self.server.tokens.items() if acct is self]

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
        for stats in self.all_stats:
            stats.credits_spent += value

    # Tasks ------------------------------------------------------------------------------

    def new_task_number(self) -> int:
        """The next task number, counted across the sandbox (task hashes never collide)."""
        self.task_counter += 1
        self.server.task_counter += 1
        return self.server.task_counter

    def task_latency(self, number: int) -> float:
        return _draw(self.config.task_latency, self.config.seed, "latency", number)

    def start_latency(self, number: int) -> float:
        return _draw(self.config.start_latency, self.config.seed, "start-latency", number)

    def record_start(self, operation: str, keys: list[str]) -> None:
        for stats in self.all_stats:
            stats.starts_per_input_set[(operation, tuple(sorted(keys)))] += 1
            for key in keys:
                stats.starts_per_input[(operation, key)] += 1


def _draw(bounds: tuple[float, float], seed: int, kind: str, number: int) -> float:
    low, high = bounds
    if math.isclose(low, high):
        return low
    return rng_for(seed, kind, number).uniform(low, high)


class SandboxState:
    """Everything the sandbox remembers for the server's life: its accounts, the tokens it
    issued (token -> account and expiry) and the totals of every account's counters."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.stats = SandboxStats()
        self.accounts: dict[str, Account] = {}
        self.tokens: dict[str, tuple[Account, float]] = {}
        self.sequence = 0
        self.task_counter = 0
        self.next_ids: collections.Counter[str] = collections.Counter()
        specs = config.accounts
        if specs is None and config.credentials is not None:
            specs = ((config.credentials[0], config.credentials[1], None),)
        self.closed = specs is not None
        for cid, secret, credits in specs or ():
            self.accounts[cid] = Account(self, cid, secret, credits or config.credits)

    # Accounts ---------------------------------------------------------------------------

    def authenticate(self, client_id: Any, secret: Any, *, open_new: bool = True) -> Account | None:
        """The account these credentials open, or ``None`` when they open none.

        With configured accounts only a listed pair opens one; otherwise any non-empty pair
        does: the first secret a client id is seen with becomes that account's secret.
        """
        if not isinstance(client_id, str) or not isinstance(secret, str):
            return None
        if not client_id or not secret:
            return None
        account = self.accounts.get(client_id)
        if account is not None:
            same = secrets.compare_digest(account.secret.encode(), secret.encode())
            return account if same else None
        if self.closed or not open_new:
            return None
        account = Account(self, client_id, secret, self.config.credits)
        self.accounts[client_id] = account
        return account

    @property
    def default(self) -> Account:
        """The first account (configured, else the first one opened; else a fresh one)."""
        if not self.accounts:
            self.accounts["sandbox"] = Account(self, "sandbox", "sandbox", self.config.credits)
        return next(iter(self.accounts.values()))

    @property
    def balance(self) -> Decimal:
        """The default account's balance."""
        return self.default.balance

    @balance.setter
    def balance(self, value: Decimal) -> None:
        self.default.balance = Decimal(value)

    def next_id(self, kind: str, start: int = 1) -> int:
        self.next_ids[kind] += 1
        return start + self.next_ids[kind] - 1

    # Tokens -----------------------------------------------------------------------------

    def issue_token(self, now: float, account: Account | None = None) -> str:
        """A new token for ``account`` (the default account when not given)."""
        token = secrets.token_urlsafe(30)
        self.tokens[token] = (account or self.default, now + self.config.token_ttl)
        return token

    def account_for(self, token: str | None, now: float) -> Account | None:
        """The account a token belongs to, while it is valid."""
        if not token:
            return None
        found = self.tokens.get(token)
        if found is None or now >= found[1]:
            return None
        return found[0]

    def token_valid(self, token: str | None, now: float) -> bool:
        return self.account_for(token, now) is not None

    def revoke(self, token: str | None) -> None:
        if token:
            self.tokens.pop(token, None)
