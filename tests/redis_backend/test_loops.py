"""The Redis pacer, token cache and journal used from two event loops in turn (``asyncio.run``
twice with one client): each makes its connection on the loop that uses it, as the
in-process pacer and the token lock do. Real redis-server."""

from __future__ import annotations

import asyncio

from snov_async._redis import RedisPacer, RedisTokenCache
from snov_async._secrets import Secret
from snov_async.journal.redis import RedisJournal


def test_the_redis_pacer_works_on_a_second_event_loop(redis_server: str) -> None:
    pacer = RedisPacer(redis_server, 6000, key="snov_async:test-loops:pacer")

    async def take() -> None:
        await asyncio.wait_for(pacer.acquire(), 5)

    asyncio.run(take())
    asyncio.run(take())  # was RuntimeError('Event loop is closed')
    asyncio.run(pacer.aclose())


def test_the_redis_token_cache_works_on_a_second_event_loop(redis_server: str) -> None:
    cache = RedisTokenCache(
        redis_server, "loops-id", secret=Secret("loops-secret"), key="snov_async:test-loops:tok"
    )

    async def put_then_get(token: str) -> tuple[Secret, float] | None:
        await cache.put(Secret(token), 600)
        return await asyncio.wait_for(cache.get(), 5)

    first = asyncio.run(put_then_get("tok-1"))
    second = asyncio.run(put_then_get("tok-2"))
    asyncio.run(cache.aclose())
    assert first is not None and first[0].get() == "tok-1"
    assert second is not None and second[0].get() == "tok-2"


def test_the_redis_journal_works_on_a_second_event_loop(redis_server: str) -> None:
    journal = RedisJournal(redis_server, prefix="snov_async:test-loops:journal")

    async def write(key: str) -> None:
        await asyncio.wait_for(journal.intent("op", [key]), 5)
        await journal.started("op", [key], f"hash-{key}")

    asyncio.run(write("a"))
    asyncio.run(write("b"))

    async def read() -> set[str]:
        try:
            rows = await journal.lookup("op", ["a", "b"])
            return {r.task_hash for r in rows.values() if r.task_hash}
        finally:
            await journal.close()

    assert asyncio.run(read()) == {"hash-a", "hash-b"}
