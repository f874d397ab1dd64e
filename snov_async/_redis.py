"""Redis backends for many processes and machines sharing one Snov.io account.

* `RedisPacer` — the same even spacing as `EvenPacer` (GCRA), computed atomically in a Lua
  script on the Redis server's clock, so every worker of an account together stays under its
  rate in any window; a 429 anywhere cools every worker down.
* `RedisTokenCache` — one access token for all workers: fetched by one of them under a lock,
  shared until shortly before it expires, dropped for everyone after a 401. It is stored
  encrypted (Fernet) under a key derived from the client secret: reading Redis without the
  secret yields nothing usable.

Every key is named with the account's scope (`snov_async._scope.account_scope`): accounts,
and the sandbox and the real API, never share a rate budget or a token on one Redis.

Connections are bounded: a connect gives up after `CONNECT_TIMEOUT`, a reply after
`SOCKET_TIMEOUT`; connection errors and timeouts are retried with exponential back-off
(`RETRIES` times, `RETRY_BASE` doubling up to `RETRY_CAP`), so a Redis restart of a fraction
of a second is ridden out, and every call gives up within `CALL_DEADLINE` seconds. Whatever
fails becomes a `BackendError`.

Needs the ``redis`` and ``cryptography`` packages (``pip install 'snov-async[redis]'``).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import math
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from ._constants import DEFAULT_BASE_URL, DEFAULT_PACING_MARGIN, DEFAULT_REQUESTS_PER_MINUTE
from ._scope import account_scope
from ._secrets import Secret
from .errors import BackendError, ConfigurationError

if TYPE_CHECKING:
    import redis.asyncio as aioredis
    from cryptography.fernet import Fernet

__all__ = ["RedisPacer", "RedisTokenCache", "connect", "guarded"]

logger = logging.getLogger("snov_async")

T = TypeVar("T")

#: Seconds to open a connection, and to wait for one reply.
CONNECT_TIMEOUT = 1.0
SOCKET_TIMEOUT = 2.0
#: Connection errors and timeouts are retried this many times, after RETRY_BASE * 2**n
#: seconds (at most RETRY_CAP): 0.1, 0.2, 0.4, 0.5, 0.5 s. Measured: a 1.5 s outage is ridden
#: out; Redis down gives a BackendError after about 2 s.
RETRIES = 5
RETRY_BASE = 0.05
RETRY_CAP = 0.5
#: No call to Redis takes longer than this, whatever the retries do.
CALL_DEADLINE = 5.0


# KEYS: tat, blocked. ARGV: interval (us), tau (us). Returns the wait in microseconds for the
# slot reserved for this caller (0: go now).
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tau = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if tat < now then tat = now end
local slot = tat - tau
if slot < now then slot = now end
if slot < blocked then slot = blocked end
local new_tat = tat + interval
if new_tat < slot + interval then new_tat = slot + interval end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', 3600000)
return string.format('%.0f', slot - now)
"""

# KEYS: tat, blocked. ARGV: seconds (us), tau (us).
COOL_DOWN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_ = now + tonumber(ARGV[1])
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if until_ > blocked then
  redis.call('SET', KEYS[2], string.format('%.0f', until_), 'PX', 3600000)
end
local floor = until_ + tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < floor then redis.call('SET', KEYS[1], string.format('%.0f', floor), 'PX', 3600000) end
return 1
"""

# KEYS: token. ARGV: token value. Delete only if it is still that token.
DROP_IF_SAME = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def connect(url: str) -> aioredis.Redis:
    """A Redis client for ``url`` (``redis://host:port/db``), with bounded timeouts and
    retries (see the module doc)."""
    try:
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import ExponentialBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigurationError(
            "the Redis backend needs the redis package: pip install 'snov-async[redis]'"
        ) from exc
    return aioredis.Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=SOCKET_TIMEOUT,
        retry=Retry(ExponentialBackoff(cap=RETRY_CAP, base=RETRY_BASE), RETRIES),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )


def for_running_loop(
    client: aioredis.Redis | None, loop: asyncio.AbstractEventLoop | None, url: str
) -> tuple[aioredis.Redis, asyncio.AbstractEventLoop | None]:
    """``client`` if it was made on the running event loop, else a new one (with that loop): a
    Redis client's connections belong to the loop that opened them, and a `SnovClient` used
    again on a new loop (``asyncio.run`` twice) would otherwise fail with 'Event loop is
    closed'. The old client is dropped: its loop, usually closed, cannot close it."""
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if client is None or (running is not None and running is not loop):
        return connect(url), running
    return client, loop


def where(url: str) -> str:
    """``url`` without its credentials, for messages."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}{parts.path}"
    except ValueError:
        return "redis://?"


async def guarded(backend: str, url: str, call: Awaitable[T]) -> T:
    """Await one Redis call; any failure (or ``CALL_DEADLINE`` passing) is a `BackendError`."""
    from redis.exceptions import RedisError

    try:
        return await asyncio.wait_for(call, CALL_DEADLINE)
    except asyncio.TimeoutError as exc:
        raise backend_error(backend, url, f"no answer within {CALL_DEADLINE:g} s") from exc
    except (RedisError, OSError) as exc:
        raise backend_error(backend, url, f"{type(exc).__name__}: {exc}") from exc


def backend_error(backend: str, url: str, problem: str) -> BackendError:
    err = BackendError(f"{backend}: Redis at {where(url)} failed ({problem})")
    err.backend = backend
    return err


class RedisPacer:
    """`EvenPacer`'s spacing, shared through Redis by every worker of one account.

    Args:
        url: the Redis server (``redis://127.0.0.1:6379/0``).
        requests_per_minute: the account's rate.
        key: the name under which workers of one account meet (one per account and API;
            `SnovClient` uses ``snov_async:{account_scope}:pacer``).
        burst: requests allowed back to back after an idle period.
        margin: extra spacing against network jitter, as a fraction of the interval.
    """

    def __init__(
        self,
        url: str,
        requests_per_minute: float = DEFAULT_REQUESTS_PER_MINUTE,
        *,
        key: str = "snov_async:pacer",
        burst: int = 1,
        margin: float = DEFAULT_PACING_MARGIN,
    ) -> None:
        if not (requests_per_minute > 0 and math.isfinite(requests_per_minute)):
            raise ConfigurationError("requests_per_minute must be a positive number")
        if burst < 1:
            raise ConfigurationError("burst must be >= 1")
        self.url = url
        self.rpm = float(requests_per_minute)
        self.interval = 60.0 / self.rpm * (1.0 + margin)
        self._interval_us = int(self.interval * 1e6)
        self._tau_us = int((burst - 1) * self.interval * 1e6)
        self._keys = [f"{key}:tat", f"{key}:blocked"]
        #: What left (see `before_wire`): its own bucket, the same cool-down.
        self._wire_keys = [f"{key}:wire", f"{key}:blocked"]
        self._redis: aioredis.Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._script: Any = None

    def __repr__(self) -> str:
        return f"<RedisPacer {self.rpm:g}/min interval={self.interval:.4f}s key={self._keys[0]}>"

    @property
    def redis(self) -> aioredis.Redis:
        self._redis, self._loop = for_running_loop(self._redis, self._loop, self.url)
        return self._redis

    async def acquire(self) -> None:
        """Reserve this worker's next slot on the server's clock, then wait for it."""
        await self._wait_for(self._keys)

    async def before_wire(self) -> None:
        """Wait, if need be, so that this request leaves at least one interval after the last
        one any worker put on the wire; the HTTP core calls it for every attempt, after
        `acquire`, as the request goes on the wire.

        `acquire` spaces the slots; this spaces what leaves, as `EvenPacer.before_wire` does
        in one process: a request held up between its slot and the wire (a busy loop, a long
        garbage collection, a token being fetched) would otherwise leave right before another
        worker's next one, and the server's window would hold one more than its share. It is
        a second reservation on the server's clock (under ``{key}:wire``), so it costs one
        more round trip to Redis per request; a cool-down holds it back like `acquire`.
        """
        await self._wait_for(self._wire_keys)

    async def _wait_for(self, keys: list[str]) -> None:
        """Reserve the next time on the bucket under ``keys`` (tat, blocked), then wait for
        it, and for any cool-down that began meanwhile."""
        while True:
            wait_us = int(
                await self._call(self._reserve(keys=keys, args=[self._interval_us, self._tau_us]))
            )
            if wait_us <= 0:
                return
            await asyncio.sleep(wait_us / 1e6)
            blocked = await self._call(self.redis.get(self._keys[1]))
            if blocked is None:
                return
            # A cool-down began while we waited: check it is over before sending.
            now_s, now_us = await self._call(self.redis.time())
            if int(blocked) <= now_s * 1_000_000 + now_us:
                return

    def cool_down(self, seconds: float) -> None:
        """Hold every worker back for ``seconds`` (after a 429)."""
        if seconds <= 0:
            return

        async def send() -> None:
            await self._call(
                self.redis.eval(COOL_DOWN, 2, *self._keys, int(seconds * 1e6), self._tau_us)
            )

        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(send())
        task.add_done_callback(_log_failure)

    def _reserve(self, keys: list[str], args: list[Any]) -> Awaitable[Any]:
        # EVALSHA, loading the script again if the server forgot it (a restart).
        if self._script is None or self._script.registered_client is not self.redis:
            self._script = self.redis.register_script(RESERVE)
        result: Awaitable[Any] = self._script(keys=keys, args=args)
        return result

    async def _call(self, call: Awaitable[T]) -> T:
        return await guarded("redis pacer", self.url, call)

    async def aclose(self) -> None:
        if self._redis is not None:
            redis, self._redis = self._redis, None
            await _close(redis, self._loop)


def token_cipher(secret: Secret, client_id: str) -> Fernet:
    """The cipher of the shared token: Fernet (AES-128-CBC and HMAC-SHA256) with a key derived
    by HKDF-SHA256 from the client secret, bound to the client id. Every worker holding the
    same credentials derives the same key; nobody without the secret can."""
    try:
        from cryptography.fernet import Fernet
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigurationError(
            "the shared Redis token needs the cryptography package: pip install 'snov-async[redis]'"
        ) from exc
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"snov_async shared token",
        info=b"snov_async:token:v1:" + client_id.encode(),
    )
    return Fernet(base64.urlsafe_b64encode(hkdf.derive(secret.get().encode())))


class RedisTokenCache:
    """One access token shared by every worker of one client id, encrypted at rest.

    The token is stored as a Fernet token under a key derived from the client secret (see
    `token_cipher`); a value that does not decrypt — written with another secret, or in
    plain text by an older version — counts as no token, and is replaced by the next fetch.
    """

    def __init__(
        self,
        url: str,
        client_id: str,
        *,
        secret: Secret,
        base_url: str = DEFAULT_BASE_URL,
        key: str | None = None,
    ) -> None:
        self.url = url
        if key is None:
            key = f"snov_async:{account_scope(base_url, client_id)}:token"
        self._key = key
        self._lock_key = f"{key}:lock"
        self._cipher = token_cipher(secret, client_id)
        self._redis: aioredis.Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"<RedisTokenCache key={self._key}>"

    @property
    def redis(self) -> aioredis.Redis:
        self._redis, self._loop = for_running_loop(self._redis, self._loop, self.url)
        return self._redis

    def _open(self, stored: str) -> Secret | None:
        from cryptography.fernet import InvalidToken

        try:
            return Secret(self._cipher.decrypt(stored.encode()).decode())
        except (InvalidToken, UnicodeDecodeError):
            return None

    async def get(self) -> tuple[Secret, float] | None:
        """The shared token and its remaining life in seconds, if there is one."""
        pipe = self.redis.pipeline()
        pipe.get(self._key)
        pipe.pttl(self._key)
        stored, ttl = await self._call(pipe.execute())
        if stored is None or ttl is None or ttl <= 0:
            return None
        token = self._open(str(stored))
        return None if token is None else (token, ttl / 1000.0)

    async def lock(self, seconds: float = 30.0) -> str | None:
        """Try to become the worker that fetches the token; returns the lock's id."""
        ident = secrets.token_hex(8)
        ok = await self._call(
            self.redis.set(self._lock_key, ident, nx=True, px=int(seconds * 1000))
        )
        return ident if ok else None

    async def unlock(self, ident: str) -> None:
        await self._call(self.redis.eval(DROP_IF_SAME, 1, self._lock_key, ident))

    async def put(self, token: Secret, lifetime: float) -> None:
        sealed = self._cipher.encrypt(token.get().encode()).decode()
        await self._call(self.redis.set(self._key, sealed, px=max(1, int(lifetime * 1000))))

    async def drop(self, token: Secret) -> None:
        """Delete the shared token if it is still ``token`` (compared after decryption; the
        delete itself is conditional on the stored ciphertext, so a newer token survives)."""
        stored = await self._call(self.redis.get(self._key))
        if stored is not None and self._open(str(stored)) == token:
            await self._call(self.redis.eval(DROP_IF_SAME, 1, self._key, stored))

    async def _call(self, call: Awaitable[T]) -> T:
        return await guarded("redis token cache", self.url, call)

    async def aclose(self) -> None:
        if self._redis is not None:
            redis, self._redis = self._redis, None
            await _close(redis, self._loop)


def shared_tokens(
    cache: RedisTokenCache, fetch: Any, margin: float
) -> tuple[Any, Callable[[Secret], None]]:
    """A token fetcher that shares one token between all workers through ``cache``, and the
    hook that drops a token everywhere after a 401."""
    rejected: set[Secret] = set()

    def on_invalidate(token: Secret) -> None:
        rejected.add(token)  # never hand it out again, even before Redis has dropped it

        async def drop() -> None:
            await cache.drop(token)

        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(drop())
        task.add_done_callback(_log_failure)

    async def fetch_shared(context: Any = None) -> tuple[Secret, float | None]:
        while True:
            found = await cache.get()
            if found is not None and found[1] > margin and found[0] not in rejected:
                return found
            if found is not None and found[0] in rejected:
                await cache.drop(found[0])
            ident = await cache.lock()
            if ident is not None:
                try:
                    token, expires_in = await fetch(context)
                    lifetime = 3600.0 if expires_in is None else float(expires_in)
                    await cache.put(token, lifetime)
                    return token, lifetime
                finally:
                    await cache.unlock(ident)
            await asyncio.sleep(0.05)  # another worker is fetching it

    return fetch_shared, on_invalidate


def _log_failure(task: asyncio.Task[Any]) -> None:
    """Done callback of a fire-and-forget Redis write: log what went wrong."""
    if not task.cancelled() and task.exception() is not None:
        logger.warning("a Redis write failed: %s", task.exception())


async def _close(redis: aioredis.Redis, loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Close a client; a connection that is already broken is no reason to fail a close. A
    client of another event loop (``loop``, where it was made) is only dropped: its
    connections cannot be closed from here."""
    from redis.exceptions import RedisError

    if loop is not None and loop is not asyncio.get_running_loop():
        return
    try:
        await asyncio.wait_for(redis.aclose(), CALL_DEADLINE)
    except (RedisError, OSError, asyncio.TimeoutError):
        logger.debug("closing a Redis client failed", exc_info=True)
