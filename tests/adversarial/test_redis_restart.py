"""Redis killed (-9) and restarted in the middle of a bulk run that keeps its journal, its
pacer and its token there; then the same inputs run again.

What must hold: the run ends (each input answered or given a typed error, never a hang), no
input is started twice in it, and — with a Redis that keeps what it acknowledged (an
append-only file) — the rerun pays for nothing that was paid.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from snov_async import OutcomeUnknownError, SnovError
from snov_async.sandbox import Sandbox
from tests.adversarial.redis_server import KillableRedis
from tests.adversarial.test_kill_takeover import emails, until

ACCOUNT = ("acct-r", "secret-r")
N = 100


async def run_with_a_restart(redis: KillableRedis) -> tuple[list[Any], list[Any], Any]:
    from snov_async import SnovClient

    def client(sb: Sandbox) -> SnovClient:
        return SnovClient(
            *ACCOUNT,
            base_url=sb.base_url,
            journal=redis.url,
            pacer=redis.url,
            requests_per_minute=60_000,
            initial_task_latency=0.2,
            max_tasks_in_flight=4,
        )

    async with Sandbox(
        rate_limit=None, accounts=[ACCOUNT], start_latency=(0.0, 0.1), task_latency=(0.2, 0.6)
    ) as sb:
        async with client(sb) as snov:
            run = asyncio.ensure_future(snov.verification.verify(emails(N)))
            await until(lambda: sum(sb.stats.starts_per_input_set.values()) >= 4)
            redis.kill()
            redis.start()
            first = await asyncio.wait_for(run, 60)
        paid_first = dict(sb.stats_for(ACCOUNT[0]).starts_per_input)
        async with client(sb) as snov:
            again = await asyncio.wait_for(snov.verification.verify(emails(N)), 60)
        return first, again, (paid_first, sb.stats_for(ACCOUNT[0]).starts_per_input)


def check_the_run(first: list[Any], paid_first: dict[Any, int]) -> None:
    assert len(first) == N
    assert all(r.ok or isinstance(r.error, SnovError) for r in first)
    assert max(paid_first.values()) == 1  # nothing started twice within the run


async def test_a_restart_of_a_redis_that_keeps_its_writes_loses_and_repeats_nothing(
    tmp_path: Path,
) -> None:
    redis = KillableRedis(tmp_path, persistent=True)
    redis.start()
    try:
        first, again, (paid_first, paid_all) = await run_with_a_restart(redis)
    finally:
        redis.kill()
    check_the_run(first, paid_first)
    assert max(paid_all.values()) == 1, "the rerun paid again for inputs already paid"
    assert all(r.ok or isinstance(r.error, OutcomeUnknownError) for r in again)


async def test_a_restart_of_a_redis_without_persistence_ends_the_run(tmp_path: Path) -> None:
    """No append-only file: the run still ends with answers or typed errors, and never
    starts an input twice itself. (What the rerun then pays again: see
    /work/notes/adversary/test_redis_without_persistence.py.)"""
    redis = KillableRedis(tmp_path, persistent=False)
    redis.start()
    try:
        first, _, (paid_first, _) = await run_with_a_restart(redis)
    finally:
        redis.kill()
    check_the_run(first, paid_first)
