"""`RedisPacer.before_wire`: what leaves is spaced across workers, not only the slots.

A request held up between its slot and the wire (a busy loop, a long garbage collection)
would otherwise leave right before another worker's next one: two requests less than an
interval apart, one more than the server's window allows. Real Redis, real time: every bound
here is one that load can only make easier to meet (a later wake-up only widens a gap).
"""

from __future__ import annotations

import asyncio

from snov_async._redis import RedisPacer


async def test_a_worker_held_up_after_its_slot_does_not_leave_right_before_the_next(
    redis_url: str,
) -> None:
    # 600/min: slots 0.102 s apart. Worker A takes the first slot and is held up 60 ms;
    # worker B takes the next slot (about 0.102 s). Without the wire spacing B leaves about
    # 40 ms after A; with it, an interval after A.
    a = RedisPacer(redis_url, 600, key="test:wire:held")
    b = RedisPacer(redis_url, 600, key="test:wire:held")
    loop = asyncio.get_running_loop()
    left: dict[str, float] = {}

    async def worker(name: str, pacer: RedisPacer, held: float) -> None:
        await pacer.acquire()
        await asyncio.sleep(held)
        await pacer.before_wire()
        left[name] = loop.time()

    try:
        first = asyncio.ensure_future(worker("a", a, 0.06))
        await asyncio.sleep(0.01)  # A has its slot before B asks
        await asyncio.gather(first, worker("b", b, 0.0))
    finally:
        await a.aclose()
        await b.aclose()
    # (Whichever leaves first: on a loaded machine A may wake after B's slot.)
    assert abs(left["b"] - left["a"]) >= 0.9 * a.interval


async def test_a_cool_down_holds_back_a_request_waiting_for_the_wire(redis_url: str) -> None:
    pacer = RedisPacer(redis_url, 6000, key="test:wire:cool")
    other = RedisPacer(redis_url, 6000, key="test:wire:cool")
    loop = asyncio.get_running_loop()
    try:
        await pacer.acquire()
        pacer.cool_down(0.3)  # a 429 for one worker
        await asyncio.sleep(0.05)
        t0 = loop.time()
        await other.before_wire()  # the other's request, past its slot, about to leave
        assert loop.time() - t0 >= 0.2
    finally:
        await pacer.aclose()
        await other.aclose()
