"""Many calls at once on one client: the same inputs in concurrent calls, a holder whose
starts fail, 500 concurrent bulk calls. With a journal each input is paid once and every call
ends; without one, each call dedupes only its own inputs (measured, not promised). A scripted
fake on virtual time; the journal is real SQLite on the loop's thread.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

from snov_async import OutcomeUnknownError, SnovClient
from tests.adversarial.support import SERVER_500, LoopSQLite, emails, in_client
from tests.fakesnov import FakeSnov, verdict
from tests.vtime import run_virtual


def own(results: list[Any]) -> None:
    for r in results:
        assert r.ok and r.result.smtp_status.value == verdict(r.email)["smtp_status"]


def test_the_same_inputs_in_two_concurrent_calls_are_paid_once(tmp_path: Path) -> None:
    fake = FakeSnov(latency=3.0)

    async def body(snov: SnovClient) -> Any:
        return await asyncio.gather(
            snov.verification.verify(emails(20)), snov.verification.verify(emails(25))
        )

    async def run() -> Any:
        return await in_client(fake, body, journal=LoopSQLite(tmp_path / "j.db"))

    (a, b), snov = run_virtual(run)
    own([*a, *b])
    assert len(fake.charged) == 25 and max(fake.charged.values()) == 1
    assert snov.runner.cached >= 20  # the second call took the first call's answers


def test_a_waiter_never_resends_what_a_failing_holder_may_have_started(tmp_path: Path) -> None:
    """The first call's starts end with 500s (maybe charged); the second call waits for the
    same inputs and then reports them unknown — it does not send them again."""
    fake = FakeSnov(latency=3.0, on_start=lambda n, e: SERVER_500 if n < 2 else None)

    async def body(snov: SnovClient) -> Any:
        first = asyncio.ensure_future(snov.verification.verify(emails(20)))
        await asyncio.sleep(0.5)
        second = await snov.verification.verify(emails(20))
        return await first, second

    async def run() -> Any:
        return await in_client(fake, body, journal=LoopSQLite(tmp_path / "j.db"))

    (a, b), _ = run_virtual(run)
    assert all(isinstance(r.error, OutcomeUnknownError) for r in [*a, *b])
    assert fake.start_attempts == 2  # only the holder's two starts, never resent


def test_five_hundred_concurrent_calls_on_one_journal_pay_each_input_once(tmp_path: Path) -> None:
    rng = random.Random(5)
    pool = emails(200)
    plans = [rng.sample(pool, 3) for _ in range(500)]
    fake = FakeSnov(latency=lambda r: r.uniform(1.0, 5.0))

    async def body(snov: SnovClient) -> Any:
        calls = [snov.verification.verify(plan) for plan in plans]
        return await asyncio.wait_for(asyncio.gather(*calls), 3600)

    async def run() -> Any:
        return await in_client(
            fake,
            body,
            journal=LoopSQLite(tmp_path / "j.db"),
            requests_per_minute=6000,
            max_tasks_in_flight=64,
        )

    results, _ = run_virtual(run)
    assert [[r.email for r in rs] for rs in results] == plans
    own([r for rs in results for r in rs])
    asked = {e for plan in plans for e in plan}
    assert set(fake.charged) == asked and max(fake.charged.values()) == 1


def test_five_hundred_concurrent_calls_without_a_journal_all_end() -> None:
    """No journal: every call ends with its own answers; an input shared by calls is paid by
    each call that asks for it (dedupe is per call) — at most once per call."""
    rng = random.Random(6)
    pool = emails(200)
    plans = [rng.sample(pool, 3) for _ in range(500)]
    fake = FakeSnov(latency=lambda r: r.uniform(1.0, 5.0))

    async def body(snov: SnovClient) -> Any:
        calls = [snov.verification.verify(plan) for plan in plans]
        return await asyncio.wait_for(asyncio.gather(*calls), 3600)

    async def run() -> Any:
        return await in_client(fake, body, requests_per_minute=6000, max_tasks_in_flight=64)

    results, _ = run_virtual(run)
    own([r for rs in results for r in rs])
    asks: dict[str, int] = {}
    for plan in plans:
        for e in plan:
            asks[e] = asks.get(e, 0) + 1
    assert all(fake.charged[e] <= n for e, n in asks.items())
