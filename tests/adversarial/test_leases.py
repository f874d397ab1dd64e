"""A worker whose lease lapses while it still runs (its heartbeats fail: a journal hiccup, a
blocked event loop), and another worker on the same inputs that takes over.

What must hold: the second worker takes what the first only claimed and polls what the first
started; the first, coming back, finds its claims lost and sends nothing for them (a typed
`JournalError`); every input is paid exactly once. Two clients on one virtual-time loop, a
scripted fake server, one real SQLite file.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from snov_async import JournalError, OutcomeUnknownError, SnovClient
from tests.adversarial.support import LoopSQLite, client, emails
from tests.fakesnov import FakeSnov
from tests.vtime import run_virtual


class FailingRenewals(LoopSQLite):
    """A journal on which heartbeats fail (claims still renew the lease)."""

    async def renew(self, owner: str, lease: float) -> None:
        if lease > 0:
            raise JournalError("heartbeat lost")
        await super().renew(owner, lease)


def test_a_worker_whose_lease_lapses_loses_its_claims_and_nothing_is_paid_twice(
    tmp_path: Path,
) -> None:
    from aioresponses import aioresponses

    fake = FakeSnov(latency=50.0)
    path = tmp_path / "j.db"

    async def run() -> tuple[list[Any], list[Any], SnovClient]:
        with aioresponses() as m:
            fake.install(m)
            a = client(journal=FailingRenewals(path), max_tasks_in_flight=1, journal_lease=30)
            b = client(journal=LoopSQLite(path), journal_lease=30)
            async with a, b:
                first = asyncio.ensure_future(a.verification.verify(emails(30)))
                await asyncio.sleep(35)  # A's lease (30 s) lapsed; its first task runs
                second = await b.verification.verify(emails(30))
                return await first, second, b

    first, second, b = run_virtual(run)
    assert all(r.ok for r in second)
    assert b.runner.resumed >= 1  # B polled the task A had started
    assert sum(r.ok for r in first) == 10  # A's own task
    assert all(isinstance(r.error, JournalError) for r in first if not r.ok)
    assert "lost" in str(next(r.error for r in first if not r.ok))
    assert fake.start_attempts == 3 and max(fake.charged.values()) == 1


def test_a_worker_whose_clock_is_far_behind_never_causes_a_double_start(tmp_path: Path) -> None:
    """SQLite leases use each process's wall clock. Worker A's clock is 100 s behind: to B,
    A's leases are always expired. B then takes A's unsent claims (A's intents fail: lost)
    and reports A's starts on the wire as unknown — but nothing is started twice."""
    from aioresponses import aioresponses

    fake = FakeSnov(latency=5.0, start_delay=1.0)
    path = tmp_path / "j.db"

    async def run() -> tuple[list[Any], list[Any]]:
        loop = asyncio.get_running_loop()
        base = time.time() - loop.time()
        with aioresponses() as m:
            fake.install(m)
            behind = LoopSQLite(path, clock=lambda: base - 100 + loop.time())
            a = client(journal=behind, max_tasks_in_flight=1)
            b = client(journal=LoopSQLite(path, clock=lambda: base + loop.time()))
            async with a, b:
                first = asyncio.ensure_future(a.verification.verify(emails(40)))
                await asyncio.sleep(0.5)
                second = await b.verification.verify(emails(40))
                return await first, second

    first, second = run_virtual(run)
    assert max(fake.charged.values()) == 1
    for r in [*first, *second]:
        assert r.ok or isinstance(r.error, (JournalError, OutcomeUnknownError)), r.error
    assert all(r.ok or isinstance(r.error, OutcomeUnknownError) for r in second)
