"""Many workers, many accounts, one journal: every input of every account started exactly
once, no account's window over its limit, no answer handed across accounts.

Real components: the sandbox with two accounts on a loopback port, real SQLite files, and
the real redis-server the Redis tests start; workers are separate OS processes.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from snov_async import SnovClient
from snov_async.sandbox import Sandbox

ACCOUNTS = [("acct-a", "secret-a"), ("acct-b", "secret-b")]
LIMIT, WINDOW = 25, 1.0  # per account: 25 requests per rolling second
# Each account's shared pacer: 14 per second. The headroom is for a loaded 2-core machine
# where a worker may send a beat after its slot (the pacer's contract is the slot grid).
RPM = 840


def emails(n: int) -> list[str]:
    return [f"lead{i}@firm{i % 13}.com" for i in range(n)]


async def verify_all(
    sb: Sandbox, account: tuple[str, str], inputs: list[str], journal: Path
) -> list[Any]:
    async with SnovClient(
        *account,
        base_url=sb.base_url,
        journal=journal,
        requests_per_minute=60_000,
        initial_task_latency=0.05,
    ) as snov:
        return await snov.verification.verify(inputs)


async def test_two_calls_of_one_client_with_the_same_inputs_pay_once(tmp_path: Path) -> None:
    async with Sandbox(rate_limit=None, task_latency=(0.05, 0.2), accounts=ACCOUNTS[:1]) as sb:
        async with SnovClient(
            *ACCOUNTS[0],
            base_url=sb.base_url,
            journal=tmp_path / "j.db",
            requests_per_minute=60_000,
            initial_task_latency=0.05,
        ) as snov:
            a, b = await asyncio.gather(
                snov.verification.verify(emails(60)), snov.verification.verify(emails(80))
            )
        assert all(r.ok for r in [*a, *b])
        assert [r.result for r in a] == [r.result for r in b[:60]]
        starts = sb.stats_for(ACCOUNTS[0][0]).starts_per_input
        assert len(starts) == 80 and max(starts.values()) == 1


async def test_two_clients_of_two_accounts_on_one_journal_never_share_answers(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "shared.db"
    async with Sandbox(rate_limit=None, task_latency=(0.05, 0.2), accounts=ACCOUNTS) as sb:
        a = await verify_all(sb, ACCOUNTS[0], emails(40), journal)
        b = await verify_all(sb, ACCOUNTS[1], emails(40), journal)
        again = await verify_all(sb, ACCOUNTS[1], emails(40), journal)
        assert all(r.ok for r in [*a, *b, *again])
        for client_id, _ in ACCOUNTS:  # each account paid for its own answers, once
            starts = sb.stats_for(client_id).starts_per_input
            assert len(starts) == 40 and max(starts.values()) == 1
        tasks_b = set(sb.account(ACCOUNTS[1][0]).tasks)
        assert {r.task_hash for r in [*b, *again]} <= tasks_b


async def test_a_sandbox_run_never_answers_a_real_run_from_the_same_journal(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "shared.db"
    async with (
        Sandbox(rate_limit=None, task_latency=0.05) as one,
        Sandbox(rate_limit=None, task_latency=0.05) as other,
    ):
        await verify_all(one, ("id", "s"), emails(20), journal)
        await verify_all(other, ("id", "s"), emails(20), journal)  # another API, same id
        assert len(other.stats.starts_per_input) == 20


WORKER = textwrap.dedent(
    """
    import asyncio, json, sys
    from snov_async import SnovClient

    async def run(base, journal, pacer, rpm, client_id, secret, inputs, out):
        async with SnovClient(client_id, secret, base_url=base, journal=journal, pacer=pacer,
                              requests_per_minute=rpm, initial_task_latency=0.2,
                              journal_lease=5.0) as snov:
            results = await snov.verification.verify(inputs)
        with open(out, "a") as f:
            for r in results:
                f.write(json.dumps({"account": client_id, "email": r.email, "ok": r.ok,
                                    "hash": r.task_hash, "error": repr(r.error)}) + "\\n")

    async def main(base, journal, pacer, rpm, plan, out):
        jobs = json.loads(plan)
        await asyncio.gather(*(run(base, journal, pacer or None, float(rpm), cid, sec, inputs, out)
                               for cid, sec, inputs in jobs))

    asyncio.run(main(*sys.argv[1:7]))
    """
)


async def run_workers(sb: Sandbox, journal: str, pacer: str, tmp_path: Path, n: int) -> list[Any]:
    """``n`` processes, each running one client per account on an overlapping 60 % share of
    that account's 1,000 inputs, all at once. With a Redis pacer the workers of an account
    share its rate; without one each takes an ``n``-th of it."""
    rpm = RPM if pacer else RPM / n
    rng = random.Random(7)
    every = emails(1000)
    procs, outs = [], []
    for w in range(n):
        plan = [(cid, secret, rng.sample(every, 600)) for cid, secret in ACCOUNTS]
        out = tmp_path / f"worker{w}.jsonl"
        outs.append(out)
        procs.append(
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                WORKER,
                sb.base_url,
                journal,
                pacer,
                str(rpm),
                json.dumps(plan),
                str(out),
                stderr=subprocess.PIPE,
            )
        )
    for proc in procs:
        _, err = await asyncio.wait_for(proc.communicate(), 240)
        assert proc.returncode == 0, err.decode()[-3000:]
    return [json.loads(line) for out in outs for line in out.read_text().splitlines()]


def check(sb: Sandbox, rows: list[Any]) -> None:
    assert rows and all(r["ok"] for r in rows), [r for r in rows if not r["ok"]][:3]
    for client_id, _ in ACCOUNTS:
        asked = {r["email"] for r in rows if r["account"] == client_id}
        stats = sb.stats_for(client_id)
        started = {key for (_, key) in stats.starts_per_input}
        assert started == asked  # every input of the account started...
        assert max(stats.starts_per_input.values()) == 1  # ...exactly once
        assert stats.rate_limited == 0 and stats.max_in_window(WINDOW) <= LIMIT
        tasks = set(sb.account(client_id).tasks)
        assert {r["hash"] for r in rows if r["account"] == client_id} <= tasks  # its own


async def test_four_processes_two_accounts_one_sqlite_journal(tmp_path: Path) -> None:
    async with Sandbox(
        rate_limit=LIMIT, rate_window=WINDOW, task_latency=(0.2, 1.0), accounts=ACCOUNTS
    ) as sb:
        rows = await run_workers(sb, str(tmp_path / "shared.db"), "", tmp_path, 4)
    check(sb, rows)


async def test_four_processes_two_accounts_one_redis(tmp_path: Path, redis_url: str) -> None:
    async with Sandbox(
        rate_limit=LIMIT, rate_window=WINDOW, task_latency=(0.2, 1.0), accounts=ACCOUNTS
    ) as sb:
        rows = await run_workers(sb, redis_url, redis_url, tmp_path, 4)
    check(sb, rows)
