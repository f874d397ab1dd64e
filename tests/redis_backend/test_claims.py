"""Claims in the Redis journal: the same contract as SQLite's, leases as Redis TTLs, and N
processes claiming the same inputs on one Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from snov_async import JournalError
from snov_async.journal import ClaimState, Journal, State
from snov_async.journal.redis import RedisJournal
from tests.journal import contract
from tests.journal.test_claims import check_owned_once, run_workers


@pytest.fixture
async def journal(redis_url: str) -> AsyncIterator[RedisJournal]:
    j = RedisJournal(redis_url, prefix="test:journal")
    yield j
    await j.close()


@pytest.mark.parametrize("check", contract.CHECKS, ids=lambda c: c.__name__)
async def test_contract(journal: RedisJournal, check: Callable[[Journal], object]) -> None:
    await check(journal)  # type: ignore[misc]


@pytest.mark.parametrize("check", contract.CHECKS_WITH_DEATH, ids=lambda c: c.__name__)
async def test_contract_with_a_dead_worker(
    journal: RedisJournal, check: Callable[[Journal, contract.Kill], object]
) -> None:
    await check(journal, contract.end_lease)  # type: ignore[misc]


async def test_a_lease_is_a_ttl_on_the_server(journal: RedisJournal, redis_url: str) -> None:
    # No clock can be injected into Redis: this one test lets a 1 s lease run out. (It was
    # 0.2 s: a loaded machine stalled past it between two steps and the test failed.)
    await journal.claim("op", ["i", "c"], owner="A", lease=1.0, fresh_after=0)
    await journal.intent("op", ["i"], owner="A")
    raw = aioredis.Redis.from_url(redis_url, decode_responses=True)
    ttl = await raw.pttl("test:journal:@owner:A")
    assert 0 < ttl <= 1000
    await asyncio.sleep(0.3)
    await journal.renew("A", 1.0)  # the heartbeat restarts it
    # Without the renewal at most 700 ms would be left.
    assert await raw.pttl("test:journal:@owner:A") > 700
    got = await journal.claim("op", ["i", "c"], owner="B", lease=60, fresh_after=0)
    assert {c.state for c in got.values()} == {ClaimState.HELD}
    await asyncio.sleep(1.05)  # the lease runs out on the server's clock
    assert not await raw.exists("test:journal:@owner:A")
    got = await journal.claim("op", ["i", "c"], owner="B", lease=60, fresh_after=0)
    assert got["i"].state is ClaimState.UNKNOWN and got["c"].state is ClaimState.OWNED
    await raw.aclose()


async def test_keys_carry_the_prefix_and_quote_the_operation(
    journal: RedisJournal, redis_url: str
) -> None:
    await journal.claim("a:b/c@d", ["k:1"], owner="W", lease=60, fresh_after=0)
    raw = aioredis.Redis.from_url(redis_url, decode_responses=True)
    keys = sorted(await raw.keys("*"))
    await raw.aclose()
    assert keys == ["test:journal:@owner:W", "test:journal:a%3Ab%2Fc%40d:k:1"]


async def test_a_row_another_program_wrote_is_a_journal_error(
    journal: RedisJournal, redis_url: str
) -> None:
    raw = aioredis.Redis.from_url(redis_url, decode_responses=True)
    await raw.hset("test:journal:op:a", mapping={"state": "weird", "updated_at": "x"})
    await raw.aclose()
    with pytest.raises(JournalError, match="cannot read"):
        await journal.lookup("op", ["a"])


async def test_four_processes_claiming_the_same_inputs_own_each_once(
    redis_url: str, tmp_path: Path
) -> None:
    keys = [f"user{i}@acme.com" for i in range(500)]
    outs = await run_workers(redis_url, 4, keys, tmp_path)
    journal = RedisJournal(redis_url)  # the workers used the default prefix
    rows = await journal.lookup("op", keys)
    await journal.close()
    check_owned_once(outs, keys, rows)
    assert sum(len(o["owned"]) for o in outs) == len(rows)
    assert all(r.state is State.DONE for r in rows.values())
