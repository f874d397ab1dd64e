"""Shared pieces of the adversarial tests: a scripted-fake scenario on virtual time, and
small checks of what was paid for against what every input got."""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from aioresponses import aioresponses

from snov_async import OutcomeUnknownError, SnovClient
from snov_async.journal import SQLiteJournal
from tests.fakesnov import FakeSnov, Scripted
from tests.helpers import CLIENT_ID, CLIENT_SECRET
from tests.vtime import run_virtual

T = TypeVar("T")

SERVER_500: Scripted = (500, {"errors": {"code": 500, "title": "Internal", "source": ""}}, {})
UNAUTHORIZED: Scripted = (401, {"errors": {"code": 401, "title": "Unauthorized", "source": ""}}, {})


def emails(n: int, prefix: str = "u") -> list[str]:
    return [f"{prefix}{i}@acme{i % 5}.com" for i in range(n)]


def client(**kw: Any) -> SnovClient:
    kw.setdefault("requests_per_minute", 600)
    return SnovClient(CLIENT_ID, CLIENT_SECRET, **kw)


async def in_client(
    fake: FakeSnov, body: Callable[[SnovClient], Any], **kw: Any
) -> tuple[Any, SnovClient]:
    """Run ``body(snov)`` against ``fake`` (on the running loop); the client is closed after."""
    with aioresponses() as m:
        fake.install(m)
        snov = client(**kw)
        try:
            async with snov:
                out = await body(snov)
        finally:
            await snov.close()
        return out, snov


def scenario(fake: FakeSnov, body: Callable[[SnovClient], Any], **kw: Any) -> Any:
    """`in_client` on a fresh virtual-time loop."""

    async def run() -> Any:
        return await in_client(fake, body, **kw)

    return run_virtual(run)


def paid(fake: FakeSnov) -> set[str]:
    """Every input some accepted start carried (a task was made and charged)."""
    return {e for batch in fake.accepted for e in batch}


def unknown(results: Iterable[Any]) -> set[str]:
    return {r.email for r in results if isinstance(r.error, OutcomeUnknownError)}


def finishes(coro: Any, within: float) -> Any:
    """``coro`` bounded by ``within`` (virtual) seconds: a hang is a failure, not a stall."""
    return asyncio.wait_for(coro, within)


class LoopSQLite(SQLiteJournal):
    """The real SQLite journal (same file, SQL and transactions), run on the event loop's
    thread so that a virtual-time loop waits for it (a worker thread's real milliseconds
    would let virtual time race ahead of the journal). Its clock is the wall clock moved on
    with the loop's virtual time, so leases and cache ages follow the virtual clock.

    ``before(what)`` / ``after(what)``: virtual seconds spent before the transaction (a
    cancel then leaves nothing written) and after it (written, but the caller may be
    cancelled before it hears so) — a slow journal, with both kinds of cut-off.
    """

    def __init__(
        self,
        path: Any,
        *,
        before: Callable[[str], float] | None = None,
        after: Callable[[str], float] | None = None,
        **kw: Any,
    ) -> None:
        loop = asyncio.get_running_loop()
        base = time.time() - loop.time()
        kw.setdefault("clock", lambda: base + loop.time())
        super().__init__(path, **kw)
        self.before = before
        self.after = after
        self.calls: collections.Counter[str] = collections.Counter()

    async def _run(self, what: str, fn: Callable[[], T]) -> T:
        self.calls[what] += 1
        if self.before is not None:
            await asyncio.sleep(self.before(what))
        try:
            result = fn()
        except sqlite3.Error as exc:
            raise self._translate(what, exc) from exc
        if self.after is not None:
            await asyncio.sleep(self.after(what))
        return result

    async def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
