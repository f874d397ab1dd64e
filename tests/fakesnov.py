"""A programmable fake of Snov.io's email-verification task endpoints, on aioresponses.

Made for runner tests on the virtual-time loop (`tests.vtime`): a start can be slow (its
answer waits ``start_delay`` virtual seconds, after the task was created), a task completes
``latency`` virtual seconds after its start, and any start or poll can be answered with a
scripted failure. Everything that reached the "server" is recorded, so tests assert what was
paid for, not how long it took.
"""

from __future__ import annotations

import asyncio
import collections
import random
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs
from aioresponses import CallbackResult, aioresponses

from tests.helpers import BALANCE_URL, BASE, TOKEN_URL, token_payload

START_URL = f"{BASE}/v2/email-verification/start"
RESULT_PATTERN = re.compile(r"^https://api\.snov\.io/v2/email-verification/result(\?.*)?$")

#: A scripted answer: (status, JSON body, headers), or an exception to raise on the wire.
Scripted = tuple[int, Any, dict[str, str]] | BaseException


def verdict(email: str) -> dict[str, Any]:
    """The (deterministic) verification result of an address."""
    status = "valid" if sum(map(ord, email)) % 3 else "unknown"
    return {
        "smtp_status": status,
        "is_valid_format": True,
        "is_disposable": False,
        "is_webmail": False,
        "is_gibberish": False,
    }


@attrs.define
class FakeSnov:
    """The fake server's behaviour and what it saw."""

    #: Seconds from a start to its task's completion (a number, or drawn per task).
    latency: float | Callable[[random.Random], float] = 1.0
    #: Seconds a start's answer is held back (the task already exists and is charged).
    start_delay: float = 0.0
    #: ``on_start(n, emails)``: a scripted answer for the n-th start attempt (0-based), or None.
    on_start: Callable[[int, list[str]], Scripted | None] | None = None
    #: ``on_poll(n, task_hash)``: a scripted answer for the n-th poll, or None.
    on_poll: Callable[[int, str], Scripted | None] | None = None
    #: What the balance endpoint answers.
    balance: float = 100.0
    #: Shuffle answer entries (the live API does not keep input order).
    shuffle: bool = True
    seed: int = 0

    rng: random.Random = attrs.field(init=False)
    #: Emails of every start the server accepted (a task was created and charged).
    accepted: list[list[str]] = attrs.field(init=False, factory=list)
    #: Times each email was accepted in a start.
    charged: collections.Counter[str] = attrs.field(init=False, factory=collections.Counter)
    start_attempts: int = attrs.field(init=False, default=0)
    polls: int = attrs.field(init=False, default=0)
    tokens: int = attrs.field(init=False, default=0)
    balance_checks: int = attrs.field(init=False, default=0)
    tasks: dict[str, tuple[list[str], float]] = attrs.field(init=False, factory=dict)
    #: Loop times at which each request reached the server.
    arrivals: list[float] = attrs.field(init=False, factory=list)

    def __attrs_post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def install(self, m: aioresponses) -> None:
        m.post(TOKEN_URL, callback=self._token, repeat=True)
        m.post(START_URL, callback=self._start, repeat=True)
        m.get(RESULT_PATTERN, callback=self._result, repeat=True)
        m.get(BALANCE_URL, callback=self._balance, repeat=True)

    @property
    def requests(self) -> int:
        return len(self.arrivals)

    def _now(self) -> float:
        now = asyncio.get_running_loop().time()
        self.arrivals.append(now)
        return now

    @staticmethod
    def _answer(scripted: Scripted) -> CallbackResult:
        if isinstance(scripted, BaseException):
            raise scripted
        status, body, headers = scripted
        return CallbackResult(status=status, payload=body, headers=headers)

    def _token(self, url: Any, **kwargs: Any) -> CallbackResult:
        self._now()
        self.tokens += 1
        return CallbackResult(payload=token_payload(f"tok-{self.tokens}"))

    def _balance(self, url: Any, **kwargs: Any) -> CallbackResult:
        self._now()
        self.balance_checks += 1
        return CallbackResult(payload={"success": True, "balance": f"{self.balance:.2f}"})

    async def _start(self, url: Any, **kwargs: Any) -> CallbackResult:
        now = self._now()
        n = self.start_attempts
        self.start_attempts += 1
        emails = [v for k, v in kwargs.get("data") or [] if k.startswith("emails")]
        scripted = self.on_start(n, emails) if self.on_start is not None else None
        if scripted is not None:
            return self._answer(scripted)
        task_hash = f"h{n:05d}"
        latency = self.latency(self.rng) if callable(self.latency) else self.latency
        self.tasks[task_hash] = (emails, now + latency)
        self.accepted.append(emails)
        self.charged.update(emails)
        if self.start_delay > 0:
            await asyncio.sleep(self.start_delay)
        return CallbackResult(
            payload={"data": {"task_hash": task_hash}, "meta": {"emails": emails}}
        )

    def _result(self, url: Any, **kwargs: Any) -> CallbackResult:
        now = self._now()
        n = self.polls
        self.polls += 1
        query = parse_qs(urlsplit(str(url)).query)
        params = dict(kwargs.get("params") or [])
        task_hash = params.get("task_hash") or (query.get("task_hash") or [""])[0]
        scripted = self.on_poll(n, task_hash) if self.on_poll is not None else None
        if scripted is not None:
            return self._answer(scripted)
        if task_hash not in self.tasks:
            return CallbackResult(
                status=404, payload={"errors": {"code": 404, "title": "Not found", "source": ""}}
            )
        emails, done_at = self.tasks[task_hash]
        if now < done_at:
            return CallbackResult(payload={"status": "in_progress", "data": []})
        data = [{"email": e, "result": verdict(e)} for e in emails]
        if self.shuffle:
            self.rng.shuffle(data)
        return CallbackResult(
            payload={"status": "completed", "data": data, "meta": {"task_hash": task_hash}}
        )
