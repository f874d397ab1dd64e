"""Duplicates within one bulk call: answered from the first one's result while it is in the
bounded window, from the journal beyond it; the window bounds memory for any input length."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aioresponses import aioresponses

from snov_async import ConfigurationError, SnovClient
from tests.adversarial.support import LoopSQLite
from tests.fakesnov import FakeSnov
from tests.helpers import CLIENT_ID, CLIENT_SECRET
from tests.vtime import run_virtual


def uniques(n: int) -> list[str]:
    return [f"u{i}@acme.com" for i in range(n)]


def stream(*phases: list[str], **kw: Any) -> tuple[list[Any], FakeSnov, SnovClient]:
    """One bulk call whose input arrives in phases: each phase is read only after every
    input of the earlier ones was answered (so a duplicate meets a finished answer)."""
    fake = FakeSnov(latency=0.5)

    async def body() -> tuple[list[Any], SnovClient]:
        queue: asyncio.Queue[list[str] | None] = asyncio.Queue()

        async def inputs() -> AsyncIterator[str]:
            while (phase := await queue.get()) is not None:
                for email in phase:
                    yield email

        with aioresponses() as m:
            fake.install(m)
            async with SnovClient(CLIENT_ID, CLIENT_SECRET, requests_per_minute=6000, **kw) as snov:
                rows: list[Any] = []
                expected = 0
                results = snov.verification.verify_iter(inputs())
                for phase in phases:
                    queue.put_nowait(phase)
                    expected += len(phase)
                    while len(rows) < expected:
                        rows.append(await anext(results))
                queue.put_nowait(None)
                rows.extend([r async for r in results])
                return sorted(rows, key=lambda r: r.index), snov

    rows, snov = run_virtual(body)
    return rows, fake, snov


def test_a_duplicate_within_the_window_is_a_copy_not_a_new_start() -> None:
    # 30 unique inputs, then the first 10 again: within a window of 100, nothing new starts.
    first = uniques(30)
    rows, fake, _ = stream(first, first[:10], dedupe_window=100)
    assert [r.email for r in rows] == [*first, *first[:10]]
    assert all(r.ok for r in rows)
    assert max(fake.charged.values()) == 1
    assert [r.index for r in rows] == list(range(40))
    assert rows[30].task_hash == rows[0].task_hash and rows[30].index == 30


def test_the_window_is_bounded_and_evicts_the_oldest_answers() -> None:
    first = uniques(30)
    # Window of 5: the first inputs were evicted when met again: without a journal they are
    # started again (documented); met a third time, they are in the window: copies.
    rows, fake, _ = stream(first, first[:5], first[:5], dedupe_window=5)
    assert all(r.ok for r in rows) and len(rows) == 40
    again = {e for e, n in fake.charged.items() if n == 2}
    assert again == set(first[:5])
    assert all(fake.charged[e] == 1 for e in first[5:])


def test_beyond_the_window_the_journal_answers_without_a_new_charge(tmp_path: Path) -> None:
    first = uniques(30)
    rows, fake, snov = stream([*first, *first[:5]], dedupe_window=5, journal=tmp_path / "j.db")
    assert all(r.ok for r in rows) and len(rows) == 35
    # No start for the five: the journal answers them, from its stored result or (when the
    # background write of that result has not landed yet) by polling the task it recorded.
    assert max(fake.charged.values()) == 1 and len(fake.accepted) == 3
    assert snov.runner.cached + snov.runner.scheduler.resumed >= 1


def test_window_zero_keeps_no_results_but_in_flight_duplicates_share_a_start() -> None:
    email = "same@acme.com"
    rows, fake, _ = stream([email] * 5, dedupe_window=0)  # one phase: read together
    assert len(rows) == 5 and all(r.ok for r in rows)
    assert fake.charged[email] == 1  # all five were read while the first was in flight


@pytest.mark.parametrize("value", [-1, 1.5, "10", None, True])
def test_a_bad_window_is_refused_before_any_request(value: Any) -> None:
    with pytest.raises(ConfigurationError, match="dedupe_window"):
        SnovClient(CLIENT_ID, CLIENT_SECRET, dedupe_window=value)


def test_a_trickling_source_gets_its_part_full_batch_started() -> None:
    # Three inputs and then a long pause: they are started without waiting for ten.
    rows, fake, _ = stream(uniques(3), uniques(13)[3:])
    assert len(rows) == 13 and all(r.ok for r in rows)
    assert len(fake.accepted[0]) == 3


def test_a_stalled_source_cancelled_after_its_batch_started_loses_and_repeats_nothing(
    tmp_path: Path,
) -> None:
    # The source gives three inputs and then never another: the part-full batch is started
    # after the linger; the caller gives up while the task runs. The started task is listed
    # (or answered), and a rerun on the same journal pays for nothing again.
    fake = FakeSnov(latency=30.0)
    path = tmp_path / "j.db"
    emails = uniques(3)

    async def stalled() -> AsyncIterator[str]:
        for email in emails:
            yield email
        await asyncio.Event().wait()  # never

    async def body() -> tuple[Any, list[Any]]:
        with aioresponses() as m:
            fake.install(m)
            # The real SQLite journal run on the loop's thread, so virtual time waits for it.
            async with SnovClient(
                CLIENT_ID, CLIENT_SECRET, requests_per_minute=600, journal=LoopSQLite(path)
            ) as first:

                async def consume() -> None:
                    async for _ in first.verification.verify_iter(stalled()):
                        pass

                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(consume(), 5.0)
            async with SnovClient(
                CLIENT_ID, CLIENT_SECRET, requests_per_minute=600, journal=LoopSQLite(path)
            ) as again:
                rows = await again.verification.verify(emails)
            return first, rows

    first, rows = run_virtual(body)
    assert len(fake.accepted) == 1 and sorted(fake.accepted[0]) == sorted(emails)
    assert {ref.task_hash for ref in first.runner.unfinished} == set(fake.tasks)
    assert all(r.ok for r in rows) and max(fake.charged.values()) == 1
