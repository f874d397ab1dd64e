"""The journal in Redis, for many workers sharing one bulk job (``journal="redis://..."``).

One hash per (operation, input): ``state``, ``task_hash``, ``data`` (JSON), ``updated_at``.
Redis's own durability settings decide what survives a Redis restart; a worker's crash loses
nothing that was written.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._redis import connect
from .base import Record, State

if TYPE_CHECKING:
    import redis.asyncio as aioredis

__all__ = ["RedisJournal"]


class RedisJournal:
    """A `Journal` in Redis."""

    def __init__(self, url: str, *, prefix: str = "snov_async:journal") -> None:
        self.url = url
        self.prefix = prefix
        self._redis: aioredis.Redis | None = None

    def __repr__(self) -> str:
        return f"<RedisJournal prefix={self.prefix!r}>"

    @property
    def redis(self) -> aioredis.Redis:
        if self._redis is None:
            self._redis = connect(self.url)
        return self._redis

    def _key(self, operation: str, key: str) -> str:
        return f"{self.prefix}:{operation}:{key}"

    async def lookup(self, operation: str, keys: Sequence[str]) -> dict[str, Record]:
        pipe = self.redis.pipeline()
        for key in keys:
            pipe.hgetall(self._key(operation, key))
        rows: list[dict[str, Any]] = await pipe.execute()
        out: dict[str, Record] = {}
        for key, row in zip(keys, rows, strict=True):
            if row:
                data = row.get("data")
                out[key] = Record(
                    operation,
                    key,
                    State(row["state"]),
                    row.get("task_hash") or None,
                    json.loads(data) if data else None,
                    float(row.get("updated_at", 0)),
                )
        return out

    async def _set(self, operation: str, items: Sequence[tuple[str, dict[Any, Any]]]) -> None:
        pipe = self.redis.pipeline(transaction=True)
        for key, fields in items:
            pipe.hset(self._key(operation, key), mapping=fields)
        await pipe.execute()

    async def intent(self, operation: str, keys: Sequence[str]) -> None:
        now = str(time.time())
        pipe = self.redis.pipeline(transaction=True)
        for key in keys:
            name = self._key(operation, key)
            pipe.delete(name)
            pipe.hset(name, mapping={"state": State.INTENT.value, "updated_at": now})
        await pipe.execute()

    async def started(self, operation: str, keys: Sequence[str], task_hash: str) -> None:
        now = str(time.time())
        fields = {"state": State.STARTED.value, "task_hash": task_hash, "updated_at": now}
        await self._set(operation, [(key, fields) for key in keys])

    async def done(self, operation: str, results: Sequence[tuple[str, Any]]) -> None:
        now = str(time.time())
        await self._set(
            operation,
            [
                (key, {"state": State.DONE.value, "data": json.dumps(data), "updated_at": now})
                for key, data in results
            ],
        )

    async def forget(self, operation: str, keys: Sequence[str]) -> None:
        if keys:
            await self.redis.delete(*(self._key(operation, key) for key in keys))

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
