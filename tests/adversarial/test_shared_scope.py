"""Two accounts given one ``scope=`` (an operator who takes it for an environment name,
"prod"), on one journal and one Redis: each account must still pay for its own inputs and
only get answers from its own tasks. The sandbox with two accounts, real SQLite, a real
redis-server.

Before the fix the given scope was used as is: account B was answered from account A's paid
tasks for 40 of 40 inputs and paid for none (the journal's records were shared).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from snov_async import SnovClient
from snov_async.sandbox import Sandbox

A = ("acct-a", "secret-a")
B = ("acct-b", "secret-b")


def emails(n: int) -> list[str]:
    return [f"lead{i}@firm{i % 7}.com" for i in range(n)]


@pytest.mark.parametrize("journal_kind", ["sqlite", "redis"])
async def test_two_accounts_given_one_scope_never_share_paid_work(
    tmp_path: Path, redis_url: str, journal_kind: str
) -> None:
    journal = str(tmp_path / "j.db") if journal_kind == "sqlite" else redis_url
    async with Sandbox(rate_limit=None, accounts=[A, B], task_latency=(0.05, 0.2)) as sb:

        def client(account: tuple[str, str]) -> SnovClient:
            return SnovClient(
                *account,
                base_url=sb.base_url,
                journal=journal,
                pacer=redis_url,
                scope="prod",
                requests_per_minute=60_000,
                initial_task_latency=0.05,
            )

        async with client(A) as a, client(B) as b:
            assert a.scope != b.scope
            ra, rb = await asyncio.gather(
                a.verification.verify(emails(40)), b.verification.verify(emails(40))
            )
            rb2 = await b.verification.verify(emails(40))  # B's cache: B's own answers
        for rows, account in ((ra, A), (rb, B), (rb2, B)):
            assert all(r.ok for r in rows)
            assert {r.task_hash for r in rows} <= set(sb.account(account[0]).tasks)
        for account in (A, B):
            starts = sb.stats_for(account[0]).starts_per_input
            assert len(starts) == 40 and max(starts.values()) == 1


def test_a_given_scope_is_stable_and_keeps_the_account() -> None:
    one = SnovClient("acct-a", "s", base_url="http://127.0.0.1:1", scope="prod")
    moved = SnovClient("acct-a", "s", base_url="http://127.0.0.1:2", scope="prod")
    other = SnovClient("acct-b", "s", base_url="http://127.0.0.1:1", scope="prod")
    assert one.scope == moved.scope != other.scope
