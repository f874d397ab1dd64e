"""SIGKILL a worker in the middle of a bulk run while another worker shares its journal.

Worker A is an OS process; worker B runs in the test's process, on the same inputs, the same
account and the same journal (a SQLite file, or the real redis-server), against the sandbox.
A is killed once starts are on the way; B must take over A's inputs when A's lease runs
out — start what A only claimed, poll what A started, report what A was sending — and no
input may be started twice.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from snov_async import OutcomeUnknownError, SnovClient
from snov_async.sandbox import Sandbox

ACCOUNT = ("acct-k", "secret-k")
OP = "email-verification"
N = 80
LEASE = 1.0

WORKER_A = textwrap.dedent(
    """
    import asyncio, sys
    from snov_async import SnovClient

    async def main(base, journal, n):
        emails = [f"lead{i}@firm{i % 7}.com" for i in range(int(n))]
        async with SnovClient("acct-k", "secret-k", base_url=base, journal=journal,
                              requests_per_minute=60_000, initial_task_latency=0.3,
                              journal_lease=1.0, max_tasks_in_flight=3) as snov:
            await snov.verification.verify(emails)

    asyncio.run(main(*sys.argv[1:4]))
    """
)


def emails(n: int) -> list[str]:
    return [f"lead{i}@firm{i % 7}.com" for i in range(n)]


async def until(check: Any, within: float = 30.0) -> None:
    """Wait (event-driven polling) until ``check()``; fail if it never happens."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        assert loop.time() < deadline, "the awaited state never came"
        await asyncio.sleep(0.01)


async def kill_a_then_take_over(journal: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("snov_async._runner.job.HELD_POLL_INTERVAL", 0.1)
    async with Sandbox(
        rate_limit=None,
        accounts=[ACCOUNT],
        start_latency=(0.05, 0.3),
        task_latency=(0.5, 1.5),
    ) as sb:
        a = await asyncio.create_subprocess_exec(
            sys.executable, "-c", WORKER_A, sb.base_url, journal, str(N)
        )
        try:
            await until(lambda: sum(sb.stats.starts_per_input_set.values()) >= 1)
            async with SnovClient(
                *ACCOUNT,
                base_url=sb.base_url,
                journal=journal,
                requests_per_minute=60_000,
                initial_task_latency=0.3,
                journal_lease=LEASE,
            ) as b:
                run_b = asyncio.ensure_future(b.verification.verify(emails(N)))
                # A is killed with starts on the wire or tasks running (3 in flight at most).
                await until(lambda: sum(sb.stats.starts_per_input_set.values()) >= 4)
                a.send_signal(signal.SIGKILL)
                await a.wait()
                results = await asyncio.wait_for(run_b, 60)
        finally:
            if a.returncode is None:
                a.kill()
                await a.wait()
        stats = sb.stats_for(ACCOUNT[0])
    assert a.returncode == -signal.SIGKILL  # A died mid-run, not after finishing
    assert len(results) == N
    doubles = {k: n for k, n in stats.starts_per_input.items() if n > 1}
    assert not doubles, f"started twice: {doubles}"
    unknown = [r for r in results if isinstance(r.error, OutcomeUnknownError)]
    assert all(r.ok for r in results if r not in unknown), [r.error for r in results if not r.ok]
    assert len(unknown) <= 30  # at most A's starts that were on the wire (3 x 10)
    started = {key for (op, key) in stats.starts_per_input if op == OP}
    # Every input answered by B was started by A or B exactly once (none skipped unpaid).
    assert {r.email for r in results if r.ok} <= started


async def test_sigkill_a_worker_on_a_shared_sqlite_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await kill_a_then_take_over(str(tmp_path / "shared.db"), monkeypatch)


async def test_sigkill_a_worker_on_a_shared_redis_journal(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await kill_a_then_take_over(redis_url, monkeypatch)
