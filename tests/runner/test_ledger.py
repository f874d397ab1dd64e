"""The journal ledger's background writes: `flush` waits for them and always returns."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from snov_async._runner.ledger import JournalLedger
from snov_async.journal import SQLiteJournal


@pytest.mark.timeout(30)
async def test_flush_returns_when_a_write_is_done_but_its_callback_has_not_run(
    tmp_path: Path,
) -> None:
    # On Python 3.12+ `gather` of finished tasks completes without yielding, so a flush that
    # waited for the done callback to empty its set spun forever (seen as a CI hang).
    journal = SQLiteJournal(tmp_path / "j.db")
    ledger = JournalLedger(journal, cache_ttl=3600, resend_unknown=False)
    finished = asyncio.Event()

    async def write() -> None:
        finished.set()

    ledger._write(write())
    await asyncio.sleep(0)  # the write runs to its end; its done callback is queued after us
    assert finished.is_set()
    assert len(ledger._writes) == 1  # not yet discarded by the callback
    await ledger.flush()
    assert not ledger._writes
    await journal.close()


async def test_flush_waits_for_writes_started_while_it_waits(tmp_path: Path) -> None:
    journal = SQLiteJournal(tmp_path / "j.db")
    ledger = JournalLedger(journal, cache_ttl=3600, resend_unknown=False)
    done: list[int] = []

    async def second() -> None:
        await asyncio.sleep(0.01)
        done.append(2)

    async def first() -> None:
        await asyncio.sleep(0.01)
        done.append(1)
        ledger._write(second())

    ledger._write(first())
    await ledger.flush()
    assert done == [1, 2] and not ledger._writes
    await journal.close()
