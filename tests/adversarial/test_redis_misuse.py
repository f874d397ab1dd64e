"""A Redis set up the way an operator might, wrongly, for a journal: one that evicts keys when
full (a cache), an ACL user without MULTI/EXEC (or a proxy that refuses them), an ACL user
without INFO. A real redis-server on a free port, the sandbox.

What must hold: nothing paid is silently forgotten. Before the fixes, on a 3 MB
``allkeys-lru`` Redis another app filling its cache evicted journal rows and a rerun paid
again for 102 of 200 inputs; without MULTI every task hash write failed (only logged), so a
crash left paid inputs with no hash to poll.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from snov_async import JournalError, SnovClient
from snov_async.journal import State
from snov_async.journal.redis import RedisJournal
from snov_async.sandbox import Sandbox
from tests.adversarial.redis_server import KillableRedis

ACCOUNT = ("acct-m", "secret-m")


def emails(n: int) -> list[str]:
    return [f"lead{i}@firm{i % 7}.com" for i in range(n)]


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[KillableRedis]:
    redis = KillableRedis(tmp_path, persistent=False)
    redis.start()
    yield redis
    redis.kill()


def client(sb: Sandbox, journal: str) -> SnovClient:
    return SnovClient(
        *ACCOUNT,
        base_url=sb.base_url,
        journal=journal,
        requests_per_minute=60_000,
        initial_task_latency=0.05,
    )


@pytest.mark.parametrize("policy", ["allkeys-lru", "volatile-ttl", "allkeys-random"])
async def test_a_redis_that_evicts_keys_is_refused_before_anything_is_paid(
    own_redis: KillableRedis, policy: str
) -> None:
    admin = aioredis.Redis.from_url(own_redis.url)
    await admin.config_set("maxmemory", "3mb")
    await admin.config_set("maxmemory-policy", policy)
    async with Sandbox(rate_limit=None, accounts=[ACCOUNT], task_latency=0.05) as sb:
        async with client(sb, own_redis.url) as snov:
            with pytest.raises(JournalError, match="noeviction") as info:
                await snov.verification.verify(emails(20))
        assert policy in str(info.value)
        assert sum(sb.stats.starts_per_input.values()) == 0  # nothing sent
        await admin.config_set("maxmemory-policy", "noeviction")  # full: refuse writes instead
        async with client(sb, own_redis.url) as snov:
            assert all(r.ok for r in await snov.verification.verify(emails(20)))
        await admin.config_set("maxmemory", "0")
        await admin.config_set("maxmemory-policy", policy)  # no limit: nothing is evicted
        async with client(sb, own_redis.url) as snov:
            again = await snov.verification.verify(emails(20))
            assert all(r.ok for r in again) and snov.runner.cached == 20
    await admin.aclose()


async def test_task_hashes_are_recorded_without_multi_exec(own_redis: KillableRedis) -> None:
    admin = aioredis.Redis.from_url(own_redis.url)
    await admin.execute_command(
        "ACL", "SETUSER", "app", "on", ">pw", "~*", "+@all", "-multi", "-exec"
    )
    await admin.aclose()
    journal = RedisJournal(own_redis.url.replace("redis://", "redis://app:pw@"), prefix="t")
    await journal.intent("op", ["a", "b"])
    await journal.started("op", ["a", "b"], "h1")  # was: BackendError (EXEC without MULTI)
    rows = await journal.lookup("op", ["a", "b"])
    assert [(rows[k].state, rows[k].task_hash) for k in "ab"] == [(State.STARTED, "h1")] * 2
    await journal.close()


async def test_without_info_the_journal_works_and_warns(
    own_redis: KillableRedis, caplog: pytest.LogCaptureFixture
) -> None:
    admin = aioredis.Redis.from_url(own_redis.url)
    await admin.execute_command("ACL", "SETUSER", "app", "on", ">pw", "~*", "+@all", "-info")
    await admin.aclose()
    journal = RedisJournal(own_redis.url.replace("redis://", "redis://app:pw@"), prefix="t")
    with caplog.at_level(logging.WARNING, logger="snov_async"):
        await journal.intent("op", ["a"])
        await journal.intent("op", ["b"])
    assert (await journal.lookup("op", ["a"]))["a"].state is State.INTENT
    warned = [r for r in caplog.records if "maxmemory-policy" in r.getMessage()]
    assert len(warned) == 1 and "pw" not in warned[0].getMessage()
    await journal.close()
