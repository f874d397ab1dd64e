"""The sandbox injecting faults on every route (500s, connections reset after the work was
done, answers cut in half, 429s, tokens revoked, tasks that never complete) while a run on a
SQLite journal is cancelled or closed at a random moment; then the same inputs again.

What must hold: across both runs no input is started twice; the rerun answers every input
with its result or a typed error (never a hang); Real components: the sandbox on a
loopback port, the SQLite journal in its worker thread, the wall clock (short latencies).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from pathlib import Path
from typing import Any

import pytest

from snov_async import OutcomeUnknownError, RetryPolicy, SnovClient, SnovError
from snov_async.sandbox import Faults, Sandbox

ACCOUNT = ("acct-f", "secret-f")
N = 50


def emails(n: int) -> list[str]:
    return [f"lead{i}@firm{i % 7}.com" for i in range(n)]


def client(sb: Sandbox, journal: Path, **kw: Any) -> SnovClient:
    return SnovClient(
        *ACCOUNT,
        base_url=sb.base_url,
        journal=journal,
        requests_per_minute=60_000,
        initial_task_latency=0.05,
        retry=RetryPolicy(backoff_base=0.01, backoff_max=0.05),
        breaker_cool_down=0.1,
        task_timeout=3.0,
        **kw,
    )


@pytest.mark.parametrize("seed", range(4))
async def test_faults_and_a_random_cancel_then_a_rerun_never_pay_twice(
    seed: int, tmp_path: Path
) -> None:
    rng = random.Random(seed)
    faults = Faults.from_mapping(
        {"500": 0.08, "reset": 0.08, "truncated": 0.08, "429": 0.08, "revoke": 0.04},
        never_complete=0.05,
        seed=seed,
    )
    journal = tmp_path / "j.db"
    async with Sandbox(
        rate_limit=None,
        accounts=[ACCOUNT],
        start_latency=(0.0, 0.1),
        task_latency=(0.05, 0.3),
        faults=faults,
        seed=seed,
    ) as sb:
        received: list[Any] = []
        async with client(sb, journal, close_grace=rng.choice([0.0, 0.2, 1.0])) as snov:

            async def consume() -> None:
                async for result in snov.verification.verify_iter(emails(N)):
                    received.append(result)

            cancel_at = rng.uniform(0.05, 0.8)
            if rng.random() < 0.5:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(consume(), cancel_at)
            else:
                task = asyncio.ensure_future(consume())
                await asyncio.sleep(cancel_at)
                await snov.close()
                await asyncio.gather(task, return_exceptions=True)
        paid_first = {key for (_, key) in sb.stats_for(ACCOUNT[0]).starts_per_input}
        async with client(sb, journal) as snov:
            again = await asyncio.wait_for(snov.verification.verify(emails(N)), 60)
        starts = sb.stats_for(ACCOUNT[0]).starts_per_input
    assert max(starts.values()) == 1, {k: n for k, n in starts.items() if n > 1}
    assert len(again) == N and all(r.ok or isinstance(r.error, SnovError) for r in again)
    for r in again:  # what the first run paid for: answered, resumed by hash, or "unknown"
        if r.email in paid_first and not r.ok:
            assert r.task_hash or isinstance(r.error, OutcomeUnknownError), r.error
