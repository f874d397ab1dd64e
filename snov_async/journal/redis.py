"""The journal in Redis, for many workers sharing one bulk job (``journal="redis://..."``).

One hash per (operation, input) at ``{prefix}:{operation, %-quoted}:{input}``: ``state``,
``task_hash``, ``data`` (JSON), ``updated_at``, ``owner``. The operation is quoted (no ``:``
left in it), so no two (operation, input) pairs share a key whatever characters they hold.
A worker's lease is the key ``{prefix}:@owner:{owner}`` with a TTL. `SnovClient` uses the
prefix ``snov_async:{account_scope}:journal``: accounts never see each other's records.

Claims, intents, starts, answers and releases are Lua scripts (atomic on the server; no
MULTI/EXEC, which some proxies and ACL users refuse). Redis's own durability settings decide
what survives a Redis restart; a worker's crash loses nothing that was written. Any Redis
failure is a `BackendError`; a row this journal cannot read is a `JournalError`.

A Redis that evicts keys when it is full (``maxmemory`` set with a ``maxmemory-policy`` other
than ``noeviction``) would silently drop rows and leases, and inputs would be paid again: the
journal refuses it with a `JournalError` on first use, before anything is claimed or sent.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from .._redis import for_running_loop, guarded, where
from ..errors import JournalError
from .base import Claim, ClaimState, Record, State

if TYPE_CHECKING:
    import redis.asyncio as aioredis

__all__ = ["RedisJournal"]

logger = logging.getLogger("snov_async")

T = TypeVar("T")

FIELDS = ("state", "task_hash", "data", "updated_at", "owner")
CHUNK = 500  # keys per claim script

# KEYS: the caller's lease key, then the rows. ARGV: owner, lease (ms), fresh_after (s),
# take_unknown ('1'/'0'), the prefix of lease keys. Mirrors base.decide. Returns, per row,
# the verdict followed by the row's fields as the claim left them.
CLAIM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local me = ARGV[1]
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
else
  redis.call('DEL', KEYS[1])
end
local fresh_after = tonumber(ARGV[3])
local take = ARGV[4] == '1'
local seen = {}
local function alive(o)
  if not o or o == '' then return false end
  if seen[o] == nil then seen[o] = redis.call('EXISTS', ARGV[5] .. o) == 1 end
  return seen[o]
end
local out = {}
for i = 2, #KEYS do
  local k = KEYS[i]
  local row = redis.call('HMGET', k, 'state', 'task_hash', 'data', 'updated_at', 'owner')
  local state, hash, owner = row[1], row[2], row[5]
  local mine = owner == me
  local other = (not mine) and alive(owner)
  local verdict
  if not state then
    verdict = 'owned'
  elseif state == 'done' then
    if (tonumber(row[4]) or 0) < fresh_after then verdict = 'owned' else verdict = 'done' end
  elseif state == 'claimed' then
    if other then verdict = 'held' else verdict = 'owned' end
  elseif state == 'started' and hash and hash ~= '' then
    if other then verdict = 'held' else verdict = 'resume' end
  elseif mine or other then
    verdict = 'held'
  elseif take then
    verdict = 'owned'
  else
    verdict = 'unknown'
  end
  if verdict == 'owned' then
    redis.call('DEL', k)
    redis.call('HSET', k, 'state', 'claimed', 'updated_at', string.format('%.6f', now), 'owner', me)
    row = {'claimed', false, false, string.format('%.6f', now), me}
  elseif verdict == 'resume' then
    redis.call('HSET', k, 'owner', me)
    row[5] = me
  end
  out[#out + 1] = verdict
  for j = 1, 5 do out[#out + 1] = row[j] end
end
return out
"""

# KEYS: the rows. ARGV: updated_at, owner ('' for no check). CLAIMED (and INTENT) rows keep
# their owner. With an owner, every row must be that owner's CLAIMED or INTENT row, or
# nothing is written: returns the number of rows that were not.
INTENT = """
local me = ARGV[2]
if me ~= '' then
  local lost = 0
  for i = 1, #KEYS do
    local row = redis.call('HMGET', KEYS[i], 'state', 'owner')
    if row[2] ~= me or (row[1] ~= 'claimed' and row[1] ~= 'intent') then lost = lost + 1 end
  end
  if lost > 0 then return lost end
end
for i = 1, #KEYS do
  local k = KEYS[i]
  local row = redis.call('HMGET', k, 'state', 'owner')
  redis.call('DEL', k)
  if (row[1] == 'claimed' or row[1] == 'intent') and row[2] then
    redis.call('HSET', k, 'state', 'intent', 'updated_at', ARGV[1], 'owner', row[2])
  else
    redis.call('HSET', k, 'state', 'intent', 'updated_at', ARGV[1])
  end
end
return 0
"""

# KEYS: the rows. ARGV: updated_at, task hash. Marks the rows started by that task.
STARTED = """
for i = 1, #KEYS do
  redis.call('HSET', KEYS[i], 'state', 'started', 'task_hash', ARGV[2], 'updated_at', ARGV[1])
end
return 1
"""

# KEYS: the rows. ARGV: updated_at, then each row's data (JSON). Only rows that exist are
# written, as SQLite's UPDATE does: an answer for an input this journal never saw started (a
# collect of a hash with inputs the caller named) is not kept as a cached answer.
DONE = """
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('HSET', KEYS[i], 'state', 'done', 'data', ARGV[i + 1], 'updated_at', ARGV[1])
  end
end
return 1
"""

# KEYS: the rows. ARGV: owner. Deletes the owner's CLAIMED and INTENT rows.
RELEASE = """
for i = 1, #KEYS do
  local row = redis.call('HMGET', KEYS[i], 'state', 'owner')
  if row[2] == ARGV[1] and (row[1] == 'claimed' or row[1] == 'intent') then
    redis.call('DEL', KEYS[i])
  end
end
return 1
"""


class RedisJournal:
    """A `Journal` in Redis.

    Args:
        url: the Redis server.
        prefix: the namespace of this journal's keys (one per account and API).
    """

    def __init__(self, url: str, *, prefix: str = "snov_async:journal") -> None:
        self.url = url
        self.prefix = prefix
        self._redis: aioredis.Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scripts: dict[str, Any] = {}
        #: The Redis client whose server was checked not to evict keys.
        self._checked: aioredis.Redis | None = None

    def __repr__(self) -> str:
        return f"<RedisJournal {where(self.url)} prefix={self.prefix!r}>"

    @property
    def redis(self) -> aioredis.Redis:
        self._redis, self._loop = for_running_loop(self._redis, self._loop, self.url)
        return self._redis

    def _eval(self, text: str, keys: Sequence[str], *args: Any) -> Awaitable[Any]:
        """Run a script by its SHA (loaded again if the server forgot it: a restart)."""
        redis = self.redis
        script = self._scripts.get(text)
        if script is None or script.registered_client is not redis:
            script = self._scripts[text] = redis.register_script(text)
        result: Awaitable[Any] = script(keys=list(keys), args=list(args))
        return result

    def _key(self, operation: str, key: str) -> str:
        return f"{self.prefix}:{quote(operation, safe='')}:{key}"

    def _owner_key(self, owner: str) -> str:
        return f"{self.prefix}:@owner:{owner}"

    async def _call(self, call: Awaitable[T]) -> T:
        if self._checked is not self._redis:
            try:
                await self._check_eviction()
            except BaseException:
                if inspect.iscoroutine(call):
                    call.close()  # never sent
                raise
        return await guarded("redis journal", self.url, call)

    async def _check_eviction(self) -> None:
        """Refuse a server that may evict this journal's keys (see the module doc)."""
        from redis.exceptions import ResponseError

        redis = self.redis

        async def memory() -> dict[str, Any] | None:
            try:
                info: dict[str, Any] = await redis.info("memory")
            except ResponseError:  # INFO not allowed (ACL) or renamed: cannot tell
                return None
            return info

        info = await guarded("redis journal", self.url, memory())
        if info is None:
            logger.warning(
                "journal %s: cannot read the server's maxmemory-policy (INFO refused); make "
                "sure it is noeviction, or evicted rows will be paid again",
                where(self.url),
            )
        else:
            limit = int(info.get("maxmemory") or 0)
            policy = str(info.get("maxmemory_policy") or "noeviction")
            if limit > 0 and policy != "noeviction":
                err = JournalError(
                    f"journal {where(self.url)}: this Redis evicts keys when full "
                    f"(maxmemory-policy {policy}, maxmemory {limit} bytes); it would drop "
                    "journal rows and leases without a word, and their inputs would be paid "
                    "again: set maxmemory-policy noeviction, or give the journal a Redis of "
                    "its own"
                )
                err.path = self.prefix
                raise err
        self._checked = redis

    def _record(self, operation: str, key: str, fields: Sequence[Any]) -> Record:
        state, task_hash, data, updated, owner = fields
        try:
            return Record(
                operation,
                key,
                State(state),
                task_hash or None,
                json.loads(data) if data else None,
                float(updated or 0),
                owner or None,
            )
        except (ValueError, TypeError) as exc:
            err = JournalError(
                f"journal {where(self.url)} {self._key(operation, key)!r}: a row this journal "
                f"cannot read ({exc}); another program wrote under prefix {self.prefix!r}: "
                "use another prefix or delete the key"
            )
            err.path = self.prefix
            raise err from exc

    # Journal -------------------------------------------------------------------------------

    async def lookup(self, operation: str, keys: Sequence[str]) -> dict[str, Record]:
        pipe = self.redis.pipeline(transaction=False)  # reads: no MULTI needed
        for key in keys:
            pipe.hmget(self._key(operation, key), FIELDS)
        rows: list[list[Any]] = await self._call(pipe.execute())
        return {
            key: self._record(operation, key, row)
            for key, row in zip(keys, rows, strict=True)
            if row[0] is not None
        }

    async def intent(
        self, operation: str, keys: Sequence[str], *, owner: str | None = None
    ) -> None:
        if not keys:
            return
        names = [self._key(operation, key) for key in keys]
        lost = await self._call(self._eval(INTENT, names, str(time.time()), owner or ""))
        if int(lost):
            err = JournalError(
                f"journal {where(self.url)} prefix {self.prefix!r}: {int(lost)} claim(s) of "
                f"worker {owner} were lost (its lease ran out and another worker took them, or "
                "they were released); nothing was recorded or sent for this batch: renew the "
                "lease more often"
            )
            err.path = self.prefix
            raise err

    async def started(self, operation: str, keys: Sequence[str], task_hash: str) -> None:
        if keys:
            names = [self._key(operation, key) for key in keys]
            await self._call(self._eval(STARTED, names, str(time.time()), task_hash))

    async def done(self, operation: str, results: Sequence[tuple[str, Any]]) -> None:
        if not results:
            return
        names = [self._key(operation, key) for key, _ in results]
        rows = [json.dumps(data) for _, data in results]
        await self._call(self._eval(DONE, names, str(time.time()), *rows))

    async def forget(self, operation: str, keys: Sequence[str]) -> None:
        if keys:
            await self._call(self.redis.delete(*(self._key(operation, key) for key in keys)))

    async def claim(
        self,
        operation: str,
        keys: Sequence[str],
        *,
        owner: str,
        lease: float,
        fresh_after: float,
        take_unknown: bool = False,
    ) -> dict[str, Claim]:
        unique = list(dict.fromkeys(keys))
        fresh = repr(min(max(float(fresh_after), -1e15), 1e15))  # exact; Lua reads no 'inf'
        out: dict[str, Claim] = {}
        for start in range(0, max(len(unique), 1), CHUNK):  # each key is decided atomically
            chunk = unique[start : start + CHUNK]
            reply: list[Any] = await self._call(
                self._eval(
                    CLAIM,
                    [self._owner_key(owner), *(self._key(operation, key) for key in chunk)],
                    owner,
                    max(0, int(lease * 1000)),
                    fresh,
                    "1" if take_unknown else "0",
                    f"{self.prefix}:@owner:",
                )
            )
            for n, key in enumerate(chunk):
                verdict, *fields = reply[6 * n : 6 * n + 6]
                record = self._record(operation, key, fields) if fields[0] else None
                out[key] = Claim(key, ClaimState(verdict), record)
        return out

    async def renew(self, owner: str, lease: float) -> None:
        name = self._owner_key(owner)
        if lease > 0:
            await self._call(self.redis.set(name, "1", px=max(1, int(lease * 1000))))
        else:
            await self._call(self.redis.delete(name))

    async def release(self, operation: str, keys: Sequence[str], *, owner: str) -> None:
        if keys:
            names = [self._key(operation, key) for key in keys]
            await self._call(self._eval(RELEASE, names, owner))

    async def owner_alive(self, owner: str) -> bool:
        return bool(await self._call(self.redis.exists(self._owner_key(owner))))

    async def close(self) -> None:
        if self._redis is not None:
            from .._redis import _close

            redis, self._redis = self._redis, None
            await _close(redis, self._loop)
