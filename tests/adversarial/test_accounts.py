"""Two accounts in one process, on one journal and one Redis pacer, at the same time; a task
hash of one account collected by the other; the client closed while it collects.

What must hold: each account pays for each of its inputs once and only gets answers from its
own tasks; a foreign hash never brings another account's answers into this account's rows or
journal; a close during a collect drops nothing (the hashes stay listed, a new client
collects them without a start). The sandbox with two accounts, real SQLite, real redis-server.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from snov_async import ClientStateError, SnovClient, SnovError
from snov_async.sandbox import Sandbox

A = ("acct-a", "secret-a")
B = ("acct-b", "secret-b")
OP = "email-verification"


def emails(n: int, prefix: str = "lead") -> list[str]:
    return [f"{prefix}{i}@firm{i % 7}.com" for i in range(n)]


def client(sb: Sandbox, account: tuple[str, str], **kw: Any) -> SnovClient:
    kw.setdefault("requests_per_minute", 900)  # 15/s per account, under the sandbox's 20
    return SnovClient(*account, base_url=sb.base_url, initial_task_latency=0.1, **kw)


@pytest.mark.parametrize("journal_kind", ["sqlite", "redis"])
async def test_two_accounts_at_once_on_one_journal_and_one_redis_pacer(
    tmp_path: Path, redis_url: str, journal_kind: str
) -> None:
    journal = str(tmp_path / "j.db") if journal_kind == "sqlite" else redis_url
    async with Sandbox(
        accounts=[A, B], rate_limit=20, rate_window=1.0, task_latency=(0.1, 0.4)
    ) as sb:
        async with (
            client(sb, A, journal=journal, pacer=redis_url) as a,
            client(sb, B, journal=journal, pacer=redis_url) as b,
        ):
            ra, rb, ra2 = await asyncio.gather(
                a.verification.verify(emails(60)),
                b.verification.verify(emails(60)),
                a.verification.verify(emails(60)),  # A twice: paid once, shared
            )
        for rows, account in ((ra, A), (rb, B), (ra2, A)):
            assert all(r.ok for r in rows), [r.error for r in rows if not r.ok][:2]
            own = set(sb.account(account[0]).tasks)
            assert {r.task_hash for r in rows} <= own  # answers from its own tasks only
        for account in (A, B):
            stats = sb.stats_for(account[0])
            assert len(stats.starts_per_input) == 60 and max(stats.starts_per_input.values()) == 1
            assert stats.rate_limited == 0  # each account paced on its own budget


async def test_collecting_another_accounts_task_hash_never_takes_its_answers(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "j.db"
    async with Sandbox(accounts=[A, B], rate_limit=None, task_latency=0.1) as sb:
        async with client(sb, A, journal=journal) as a, client(sb, B, journal=journal) as b:
            start = await a.verification.start_verify(emails(5))
            theirs = await b.verification.collect(start.task_hash, emails(5))
            assert all(not r.ok and isinstance(r.error, SnovError) for r in theirs)
            with pytest.raises(SnovError):
                await b.verification.collect(start.task_hash)  # without inputs: no guess
            mine = await a.verification.collect(start.task_hash, emails(5))
            assert all(r.ok for r in mine)
            # B's journal learnt nothing from A's task: B's own run pays for its inputs.
            again = await b.verification.verify(emails(5))
            assert all(r.ok for r in again) and b.runner.cached == 0
            assert {r.task_hash for r in again} <= set(sb.account(B[0]).tasks)
        assert max(sb.stats_for(B[0]).starts_per_input.values()) == 1


async def test_closing_while_collect_runs_keeps_the_hashes_collectable(tmp_path: Path) -> None:
    async with Sandbox(accounts=[A], rate_limit=None, task_latency=1.0) as sb:
        a = client(sb, A, journal=tmp_path / "j.db")
        async with a:
            starts = [await a.verification.start_verify(emails(3, f"p{n}-")) for n in range(3)]
            refs = []
            for n, s in enumerate(starts):
                refs.append(
                    a.runner.collect_task(a.verification.spec, s.task_hash, emails(3, f"p{n}-"))
                )
            collecting = asyncio.gather(*refs)
            await asyncio.sleep(0.2)
            await a.close()
            with pytest.raises(ClientStateError):
                await collecting
            listed = {ref.task_hash for ref in a.runner.unfinished}
        assert listed == {s.task_hash for s in starts}
        async with client(sb, A, journal=tmp_path / "j.db") as again:
            got = await again.runner.collect(list(a.runner.unfinished))
        assert len(got) == 9 and all(r.ok for r in got)
        assert sum(sb.stats_for(A[0]).starts_per_input_set.values()) == 3  # nothing restarted
