"""Redis failing under the backends: a restart is ridden out, an outage is a BackendError in
bounded time — never a hang, never a raw redis exception. Each test runs its own
redis-server on a free port, so killing it disturbs nothing else."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from snov_async import BackendError, SnovClient
from snov_async._redis import CALL_DEADLINE, RedisPacer, RedisTokenCache
from snov_async._secrets import Secret
from snov_async.journal.redis import RedisJournal
from snov_async.sandbox import Sandbox, SandboxConfig

# Time for one failing call: the deadline, plus slack for a loaded test machine.
BOUND = CALL_DEADLINE + 2.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnRedis:
    """A redis-server this test may kill and restart on the same port."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("no redis-server installed")
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # wait until it listens
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.005)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def closed_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there


async def timed(call: object) -> tuple[BaseException, float]:
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    with pytest.raises(BackendError) as info:
        await call  # type: ignore[misc]
    return info.value, loop.time() - t0


async def test_redis_down_at_start_is_a_backend_error_within_seconds(closed_url: str) -> None:
    pacer = RedisPacer(closed_url, 6000)
    journal = RedisJournal(closed_url)
    tokens = RedisTokenCache(closed_url, "id", secret=Secret("the-client-secret"))
    calls = {
        "redis pacer": pacer.acquire(),
        "redis journal": journal.claim("op", ["a"], owner="W", lease=5, fresh_after=0),
        "redis token cache": tokens.get(),
    }
    for backend, call in calls.items():
        err, elapsed = await timed(call)
        assert isinstance(err, BackendError) and err.backend == backend
        assert backend in str(err) and closed_url.removesuffix("/0") in str(err)
        assert "ConnectionError" in str(err)
        assert elapsed < BOUND, (backend, elapsed)
    for closable in (pacer.aclose(), journal.close(), tokens.aclose()):
        await closable  # closing after an outage does not fail


async def test_the_wire_spacing_with_redis_down_is_a_backend_error(closed_url: str) -> None:
    pacer = RedisPacer(closed_url, 6000)
    err, elapsed = await timed(pacer.before_wire())
    assert isinstance(err, BackendError) and err.backend == "redis pacer"
    assert elapsed < BOUND
    await pacer.aclose()


async def test_a_password_in_the_url_never_reaches_the_error(closed_url: str) -> None:
    url = closed_url.replace("redis://", "redis://user:hunter2-secret@")
    err, _ = await timed(RedisPacer(url, 6000).acquire())
    assert "hunter2" not in str(err) and "hunter2" not in repr(err)
    assert "hunter2" not in repr(RedisJournal(url))


async def test_a_quick_restart_is_ridden_out(own_redis: OwnRedis) -> None:
    pacer = RedisPacer(own_redis.url, 60_000, key="t:pacer")
    journal = RedisJournal(own_redis.url, prefix="t:journal")
    done, slowest = 0, 0.0
    loop = asyncio.get_running_loop()
    midway = asyncio.Event()

    async def work(n: int) -> None:
        nonlocal done, slowest
        for i in range(n):
            t0 = loop.time()
            await pacer.acquire()
            got = await journal.claim("op", [f"k{i}"], owner="W", lease=60, fresh_after=0)
            assert got[f"k{i}"].state.value == "owned"
            slowest = max(slowest, loop.time() - t0)
            done += 1
            if done == 80:
                midway.set()

    await work(20)
    own_redis.kill()  # the server dies between two calls ...
    own_redis.start()  # ... and is back a moment later (its data gone: no persistence)
    await work(20)
    assert done == 40
    assert slowest < BOUND
    worker = asyncio.create_task(work(200))  # and dies again in the middle of calls
    await midway.wait()
    own_redis.kill()
    await asyncio.sleep(0.1)  # down for a tenth of a second
    own_redis.start()
    await asyncio.wait_for(worker, 60)
    assert done == 240
    await pacer.aclose()
    await journal.close()


async def test_an_outage_fails_fast_and_the_same_objects_recover(own_redis: OwnRedis) -> None:
    pacer = RedisPacer(own_redis.url, 60_000, key="t:pacer")
    journal = RedisJournal(own_redis.url, prefix="t:journal")
    await pacer.acquire()
    await journal.intent("op", ["a"])
    own_redis.kill()
    for call in (pacer.acquire(), journal.lookup("op", ["a"]), journal.renew("W", 5)):
        err, elapsed = await timed(call)
        assert elapsed < BOUND
        assert err.__cause__ is not None
    own_redis.start()
    await pacer.acquire()
    assert await journal.lookup("op", ["a"]) == {}  # a fresh server: the row is gone
    await pacer.aclose()
    await journal.close()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(SandboxConfig(rate_limit=None)) as sb:
        yield sb


async def test_a_client_with_redis_down_fails_its_call_in_bounded_time(
    sandbox: Sandbox, closed_url: str
) -> None:
    async with SnovClient("id", "s", base_url=sandbox.base_url, pacer=closed_url) as snov:
        err, elapsed = await timed(snov.account.balance())
    assert elapsed < 2 * BOUND  # the token cache, then nothing more
    assert err.backend in ("redis token cache", "redis pacer")
    assert sandbox.stats.requests["GET /v1/get-balance"] == 0  # nothing sent unpaced
