"""The SQLite journal file under attack while a run uses it: locked by another program for
longer than the busy timeout, deleted, replaced. Real SQLite (its worker thread), the sandbox.

What must hold: a typed `JournalError` in bounded time instead of a hang or a raw sqlite3
error; nothing started that the journal could not record; and a run whose journal file was
deleted or replaced under it stops starting paid work instead of recording it in a file
nobody will ever read again.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from snov_async import JournalError, SnovClient
from snov_async.journal import SQLiteJournal
from snov_async.sandbox import Sandbox

ACCOUNT = ("acct-j", "secret-j")


def emails(n: int, prefix: str = "lead") -> list[str]:
    return [f"{prefix}{i}@firm{i % 7}.com" for i in range(n)]


def client(sb: Sandbox, journal: Any) -> SnovClient:
    return SnovClient(
        *ACCOUNT,
        base_url=sb.base_url,
        journal=journal,
        requests_per_minute=60_000,
        initial_task_latency=0.1,
        max_tasks_in_flight=2,
    )


async def test_a_journal_locked_longer_than_the_busy_timeout_is_a_journal_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "j.db"
    async with Sandbox(rate_limit=None, accounts=[ACCOUNT], task_latency=0.05) as sb:
        async with client(sb, path) as snov:  # make the journal
            assert all(r.ok for r in await snov.verification.verify(emails(5, "seed")))
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another program holds the file
        try:
            async with client(sb, SQLiteJournal(path, busy_timeout=0.3)) as snov:
                with pytest.raises(JournalError) as info:
                    await asyncio.wait_for(snov.verification.verify(emails(20)), 10)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert "locked" in str(info.value) and info.value.path == str(path)
        sent = sb.stats_for(ACCOUNT[0]).starts_per_input
        assert not any(key.startswith("lead") for _, key in sent)  # nothing paid unrecorded
        async with client(sb, path) as snov:  # the lock is gone: the same run works
            assert all(r.ok for r in await snov.verification.verify(emails(20)))
        assert max(sb.stats_for(ACCOUNT[0]).starts_per_input.values()) == 1


def delete(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def replace(path: Path) -> None:
    """Put another (valid, empty) journal where the file was: a restored backup."""
    fresh = path.with_name("restored.db")
    db = sqlite3.connect(fresh)
    db.execute("CREATE TABLE t (x)")
    db.close()
    delete(path)
    fresh.rename(path)


@pytest.mark.parametrize("attack", [delete, replace])
async def test_a_journal_file_deleted_or_replaced_mid_run_stops_new_starts(
    tmp_path: Path, attack: Any
) -> None:
    path = tmp_path / "j.db"
    async with Sandbox(rate_limit=None, accounts=[ACCOUNT], task_latency=0.05) as sb:
        received: list[Any] = []
        at_attack = 0
        async with client(sb, path) as snov:
            with pytest.raises(JournalError) as info:
                async for result in snov.verification.verify_iter(emails(100)):
                    received.append(result)
                    if len(received) == 10:
                        at_attack = sum(sb.stats_for(ACCOUNT[0]).starts_per_input.values())
                        attack(path)
        after = sum(sb.stats_for(ACCOUNT[0]).starts_per_input.values())
    assert "deleted or replaced" in str(info.value)
    # At most the batches already recorded and on their way (2 in flight). Before the fix
    # the run went on: 80 of 100 inputs were started into the deleted file.
    assert after - at_attack <= 20, f"{after - at_attack} inputs started into a lost journal"


async def test_closing_a_client_twice_with_a_journal_is_harmless(tmp_path: Path) -> None:
    """``close()`` is idempotent, also with a journal (it used to raise "cannot schedule new
    futures after shutdown" from the journal's closed thread pool); a journal object closed
    by one client works again for the next."""
    journal = SQLiteJournal(tmp_path / "j.db")
    async with Sandbox(rate_limit=None, accounts=[ACCOUNT], task_latency=0.05) as sb:
        async with client(sb, journal) as snov:
            assert all(r.ok for r in await snov.verification.verify(emails(5)))
            await snov.close()
            await snov.close()
        async with client(sb, journal) as snov:  # the same journal object, reused
            again = await snov.verification.verify(emails(5))
            assert snov.runner.cached == 5 and all(r.ok for r in again)
        assert max(sb.stats_for(ACCOUNT[0]).starts_per_input.values()) == 1
