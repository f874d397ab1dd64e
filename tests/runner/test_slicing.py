"""The runner shares the event loop: input reading in time slices, few requests on the wire."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aioresponses import aioresponses

from snov_async import ClientStateError, SnovClient
from snov_async._runner import slicing
from snov_async._runner.scheduler import MAX_REQUESTS_ON_THE_WIRE
from snov_async._runner.slicing import SLICE, TimeSlice
from tests.fakesnov import FakeSnov
from tests.helpers import CLIENT_ID, CLIENT_SECRET
from tests.vtime import run_virtual


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The time slices' clock, frozen: a test advances ``clock[0]`` by what reading an item
    costs."""
    now = [0.0]
    monkeypatch.setattr(slicing.time, "perf_counter", lambda: now[0])
    return now


async def test_readers_yield_once_the_iterations_slice_is_spent(clock: list[float]) -> None:
    budget = TimeSlice()
    turns: list[tuple[int, int]] = []  # (iteration, reader)
    iteration = [0]

    async def tick() -> None:  # counts loop iterations
        while True:
            await asyncio.sleep(0)
            iteration[0] += 1

    async def reader(n: int) -> None:
        for _ in range(3):
            turns.append((iteration[0], n))
            clock[0] += SLICE / 2  # each item costs half a slice
            await budget.checkpoint()

    ticker = asyncio.ensure_future(tick())
    await asyncio.gather(*(reader(n) for n in range(4)))
    ticker.cancel()
    per_iteration: dict[int, int] = {}
    for it, _ in turns:
        per_iteration[it] = per_iteration.get(it, 0) + 1
    # Once a slice is spent (the first item's cost, then two more half-slice items), every
    # other reader reads at most the one item it began with, then waits for the next
    # iteration: at most 3 + 3 items per iteration, not all 12 in the first.
    assert len(per_iteration) >= 2
    assert max(per_iteration.values()) <= 6
    assert len(turns) == 12  # and every item is read


async def test_a_checkpoint_within_the_slice_does_not_yield(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(slicing.time, "perf_counter", lambda: 1.0)
    budget = TimeSlice()
    other = asyncio.Event()

    async def set_other() -> None:
        other.set()

    task = asyncio.ensure_future(set_other())
    for _ in range(100):
        await budget.checkpoint()
    assert not other.is_set()  # never yielded: the other task has not run
    await task


def test_an_unpaced_client_keeps_few_requests_on_the_wire() -> None:
    fake = FakeSnov(start_delay=2.0, latency=1.0)  # slow starts pile up without a bound
    peak = [0]

    async def body() -> list[Any]:
        with aioresponses() as m:
            fake.install(m)
            async with SnovClient(CLIENT_ID, CLIENT_SECRET, requests_per_minute=1_000_000) as snov:
                send = snov._http.send
                live = [0]

                async def counted(*args: Any, **kw: Any) -> Any:
                    live[0] += 1
                    peak[0] = max(peak[0], live[0])
                    try:
                        return await send(*args, **kw)
                    finally:
                        live[0] -= 1

                snov._http.send = counted  # type: ignore[method-assign]
                return await snov.verification.verify(
                    [f"u{i}@acme{i % 7}.com" for i in range(1000)]
                )

    rows = run_virtual(body)
    assert len(rows) == 1000 and all(r.ok for r in rows)
    assert max(fake.charged.values()) == 1
    assert MAX_REQUESTS_ON_THE_WIRE == 32
    assert 1 < peak[0] <= 32


def test_a_slice_spent_on_a_loop_that_closed_is_renewed_on_the_next(clock: list[float]) -> None:
    budget = TimeSlice()

    async def spend() -> None:
        await budget.checkpoint()
        clock[0] += 2 * SLICE
        await budget.checkpoint()  # spent: yields, renewal queued on this loop

    first = asyncio.new_event_loop()
    first.run_until_complete(spend())
    first.close()  # (here the renewal ran; force the state a closed loop would leave)
    budget._spent = True

    async def read_without_yielding() -> bool:
        flag = asyncio.Event()
        asyncio.get_running_loop().call_soon(flag.set)
        await budget.checkpoint()
        return flag.is_set()  # True only if the checkpoint yielded

    second = asyncio.new_event_loop()
    try:
        assert second.run_until_complete(read_without_yielding()) is False
    finally:
        second.close()


async def _count_iterations(iteration: list[int]) -> None:
    while True:
        await asyncio.sleep(0)
        iteration[0] += 1


async def test_readers_in_line_resume_a_few_per_iteration_not_all(clock: list[float]) -> None:
    # Every item costs a whole slice: after the first item of an iteration, every reader
    # that reaches a checkpoint waits in line. With all 300 of them resumed each iteration
    # to find the slice spent again, each iteration cost 300 wake-ups doing nothing (16 ms
    # of a 500-call benchmark's iterations); resumed WAKE at a time, each wake-up reads.
    budget = TimeSlice()
    iteration = [0]
    resumed: dict[int, int] = {}  # iteration -> readers that went past a checkpoint
    read: dict[int, int] = {}  # reader -> items read

    async def reader(n: int) -> None:
        for _ in range(3):
            await budget.checkpoint()
            resumed[iteration[0]] = resumed.get(iteration[0], 0) + 1
            clock[0] += SLICE  # reading the item spends the slice
            read[n] = read.get(n, 0) + 1

    ticker = asyncio.ensure_future(_count_iterations(iteration))
    await asyncio.gather(*(reader(n) for n in range(300)))
    ticker.cancel()
    assert read == {n: 3 for n in range(300)}  # every item of every reader
    # (+1: the iteration counter is itself a callback; its place in the iteration shifts)
    assert max(resumed.values()) <= slicing.WAKE + 1
    # and nobody waited idle: about 900 / WAKE iterations, not one per item
    assert len(resumed) <= 900 // slicing.WAKE + 5


async def test_a_reader_that_left_the_line_does_not_stall_it(clock: list[float]) -> None:
    budget = TimeSlice()
    await budget.checkpoint()  # the slice begins
    clock[0] += 2 * SLICE  # and is spent
    queued = [asyncio.ensure_future(budget.checkpoint()) for _ in range(3 * slicing.WAKE)]
    await asyncio.sleep(0)
    assert budget.waiting == 3 * slicing.WAKE
    for waiter in queued[: 2 * slicing.WAKE]:
        waiter.cancel()  # cancelled readers leave the line
    done, pending = await asyncio.wait(queued[2 * slicing.WAKE :], timeout=1.0)
    assert not pending and all(w.exception() is None for w in done)
    assert budget.waiting == 0


async def test_readers_resumed_from_the_line_read_on_while_the_slice_lasts(
    clock: list[float],
) -> None:
    # Items costing a hundredth of a slice: a reader resumed from the line reads about 100
    # items before it waits again (not one item per wake-up).
    budget = TimeSlice()
    iteration = [0]
    per_iteration: dict[int, int] = {}

    async def reader() -> None:
        for _ in range(1000):
            await budget.checkpoint()
            per_iteration[iteration[0]] = per_iteration.get(iteration[0], 0) + 1
            clock[0] += SLICE / 100

    ticker = asyncio.ensure_future(_count_iterations(iteration))
    await asyncio.gather(reader(), reader())
    ticker.cancel()
    assert sum(per_iteration.values()) == 2000
    assert max(per_iteration.values()) <= 100 + 5  # a slice, plus one item each reader
    assert len(per_iteration) <= 25  # about 20 slices' worth, not 2,000 iterations


def test_calls_waiting_in_line_when_the_client_closes_begin_nothing() -> None:
    # 300 calls made at once wait in line to begin (see `TimeSlice`); the client closes
    # meanwhile. Each must fail as a call on a closed client does, start nothing, and leave
    # no scheduling loop behind (the calls resumed after the close had restarted it, and
    # returned rows of per-input ClientStateError: 197 of 300).
    fake = FakeSnov(latency=1.0)

    async def body() -> tuple[list[BaseException | None], Any]:
        with aioresponses() as m:
            fake.install(m)
            snov = SnovClient(CLIENT_ID, CLIENT_SECRET, requests_per_minute=1_000_000)
            await snov.open()
            calls = [
                asyncio.ensure_future(
                    snov.verification.verify([f"c{c}-{i}@acme.com" for i in range(20)])
                )
                for c in range(300)
            ]
            for _ in range(3):
                await asyncio.sleep(0)
            assert snov._runner.scheduler.slice.waiting > 0  # the case: some wait in line
            await snov.close()
            _, pending = await asyncio.wait(calls, timeout=100)
            assert not pending
            return [call.exception() for call in calls], snov._runner.scheduler._loop_task

    errors, loop_task = run_virtual(body)
    assert all(isinstance(e, ClientStateError) for e in errors)
    assert sum(fake.charged.values()) == 0
    assert loop_task is None or loop_task.done()
