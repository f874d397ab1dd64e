"""The scheduler against a scripted fake server on virtual time: what was paid for, what every
input got, and that nothing started is ever dropped silently. No assertion is about time."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from typing import Any

import pytest
from aioresponses import aioresponses

from snov_async import (
    AuthenticationError,
    NotEnoughCreditsError,
    OutcomeUnknownError,
    RateLimitError,
    ServiceFailingError,
    SnovClient,
    SnovError,
)
from snov_async._runner import TaskRef
from tests.fakesnov import FakeSnov, Scripted
from tests.helpers import CLIENT_ID, CLIENT_SECRET
from tests.vtime import run_virtual

CREDITS: Scripted = (400, {"success": False, "errors": ["not_enough_credits"]}, {})
SERVER_500: Scripted = (500, {"errors": {"code": 500, "title": "Internal", "source": ""}}, {})
UNAUTHORIZED: Scripted = (401, {"errors": {"code": 401, "title": "Unauthorized", "source": ""}}, {})


def emails(n: int, prefix: str = "u") -> list[str]:
    return [f"{prefix}{i}@acme{i % 5}.com" for i in range(n)]


def client(**kw: Any) -> SnovClient:
    kw.setdefault("requests_per_minute", 600)
    return SnovClient(CLIENT_ID, CLIENT_SECRET, **kw)


def scenario(fake: FakeSnov, body: Callable[[SnovClient], Any], **kw: Any) -> Any:
    async def run() -> Any:
        with aioresponses() as m:
            fake.install(m)
            snov = client(**kw)
            try:
                async with snov:
                    out = await body(snov)
            finally:
                await snov.close()
            return out, snov

    return run_virtual(run)


# Closing and cancelling ---------------------------------------------------------------------


def test_closing_waits_for_starts_on_the_wire_and_keeps_their_hashes() -> None:
    fake = FakeSnov(start_delay=3.0, latency=30.0)

    async def body(snov: SnovClient) -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(snov.verification.verify(emails(50)), 2.0)

    _, snov = scenario(fake, body, close_grace=5.0)
    assert fake.accepted, "the scenario must have starts on the wire when it closes"
    refs = snov.runner.unfinished
    assert all(ref.task_hash is not None for ref in refs)
    assert {ref.task_hash for ref in refs} == set(fake.tasks)
    assert sorted(e for ref in refs for e in ref.inputs) == sorted(
        e for batch in fake.accepted for e in batch
    )


def test_starts_cut_off_by_the_grace_are_reported_as_unknown() -> None:
    fake = FakeSnov(start_delay=60.0, latency=1.0)

    async def body(snov: SnovClient) -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(snov.verification.verify(emails(30)), 1.0)

    _, snov = scenario(fake, body, close_grace=2.0)
    refs = snov.runner.unfinished
    assert fake.accepted and refs
    assert all(ref.task_hash is None for ref in refs)
    unknown = {e for ref in refs for e in ref.inputs}
    assert unknown == {e for batch in fake.accepted for e in batch}


@pytest.mark.parametrize("seed", range(100))
def test_cancel_and_close_at_a_random_moment_drop_nothing_silently(seed: int) -> None:
    rng = random.Random(seed)
    fake = FakeSnov(
        start_delay=rng.choice([0.0, 0.5, 3.0, 9.0]),
        latency=lambda r: r.uniform(0.5, 8.0),
        seed=seed,
    )
    cancel_at = rng.uniform(0.0, 20.0)
    received: list[Any] = []

    async def body(snov: SnovClient) -> None:
        async def consume() -> None:
            async for result in snov.verification.verify_iter(emails(80)):
                received.append(result)

        if rng.random() < 0.5:
            # The normal way to write it: the caller cancels, then the client closes.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(consume(), cancel_at)
        else:
            # Or the client closes while the call is still running.
            task = asyncio.ensure_future(consume())
            await asyncio.sleep(cancel_at)
            await snov.close()
            await asyncio.gather(task, return_exceptions=True)

    _, snov = scenario(fake, body, close_grace=rng.choice([0.0, 1.0, 5.0]))
    assert max(fake.charged.values(), default=0) <= 1  # nothing paid twice
    answered = {r.email for r in received if r.ok}
    listed = {e for ref in snov.runner.unfinished for e in ref.inputs}
    paid = {e for batch in fake.accepted for e in batch}
    assert paid <= answered | listed, f"paid but silent: {sorted(paid - answered - listed)}"
    hashes = {ref.task_hash for ref in snov.runner.unfinished if ref.task_hash}
    assert hashes <= set(fake.tasks)


def test_results_a_cancelled_call_had_gathered_stay_collectable() -> None:
    fake = FakeSnov(latency=lambda r: r.choice([1.0, 50.0]), seed=3)

    async def body(snov: SnovClient) -> list[Any]:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(snov.verification.verify(emails(60)), 20.0)
        refs = list(snov.runner.unfinished)
        polls_before, starts_before = fake.polls, fake.start_attempts
        collected = await snov.runner.collect()
        assert fake.start_attempts == starts_before  # collecting starts nothing
        assert fake.polls > polls_before
        assert not snov.runner.unfinished
        return [refs, collected]

    (refs, collected), _ = scenario(fake, body)
    assert {e for ref in refs for e in ref.inputs} == {e for b in fake.accepted for e in b}
    assert len(collected) == sum(len(ref.inputs) for ref in refs)
    assert all(r.ok and r.result is not None for r in collected)


def test_collect_a_known_hash_with_or_without_its_inputs() -> None:
    fake = FakeSnov(latency=5.0)

    async def body(snov: SnovClient) -> Any:
        start = await snov.verification.start_verify(emails(4))
        mine = await snov.verification.collect(start.task_hash, emails(4))
        theirs = await snov.verification.collect(start.task_hash)
        return mine, theirs

    (mine, theirs), _ = scenario(fake, body)
    assert [r.email for r in mine] == emails(4) and all(r.ok for r in mine)
    assert sorted(r.email for r in theirs) == sorted(emails(4)) and all(r.ok for r in theirs)
    assert fake.start_attempts == 1


# Breakers -----------------------------------------------------------------------------------


def test_unknown_outcomes_open_the_breaker_then_one_probe_then_not_started() -> None:
    fake = FakeSnov(on_start=lambda n, e: SERVER_500)

    async def body(snov: SnovClient) -> list[Any]:
        return await snov.verification.verify(emails(500))

    results, _ = scenario(fake, body)
    assert fake.start_attempts == 4  # three in a row, then one probe after the cool-down
    unknown = [r for r in results if isinstance(r.error, OutcomeUnknownError)]
    refused = [r for r in results if isinstance(r.error, ServiceFailingError)]
    assert len(unknown) == 40 and len(refused) == 460 and len(results) == 500


def test_a_probe_that_succeeds_lets_the_rest_start() -> None:
    fake = FakeSnov(on_start=lambda n, e: SERVER_500 if n < 3 else None)

    async def body(snov: SnovClient) -> list[Any]:
        return await snov.verification.verify(emails(200))

    results, _ = scenario(fake, body)
    assert sum(isinstance(r.error, OutcomeUnknownError) for r in results) == 30
    assert sum(r.ok for r in results) == 170
    assert fake.start_attempts == 20


def test_authentication_failures_stop_every_start_after_the_first() -> None:
    fake = FakeSnov(on_start=lambda n, e: UNAUTHORIZED)

    async def body(snov: SnovClient) -> list[Any]:
        return await snov.verification.verify(emails(500))

    results, _ = scenario(fake, body)
    assert all(isinstance(r.error, AuthenticationError) for r in results)
    # Two starts, each replayed once with a fresh token: then nothing more is started.
    assert fake.start_attempts == 4
    assert fake.tokens == 3


def test_a_retry_after_beyond_the_maximum_is_not_polled_into() -> None:
    hint = {"Retry-After": "3600"}
    fake = FakeSnov(latency=2.0, on_poll=lambda n, h: (429, {"errors": ["slow down"]}, hint))

    async def body(snov: SnovClient) -> list[Any]:
        return await snov.verification.verify(emails(40))

    results, _ = scenario(fake, body, task_timeout=600)
    assert fake.polls == 1  # one 429, then nobody sends into it again
    assert all(isinstance(r.error, RateLimitError) for r in results)
    assert all(r.error.retry_after == pytest.approx(3600, abs=5) for r in results)
    assert all(r.task_hash for r in results)  # started: collectable later


def test_a_retry_after_beyond_the_maximum_on_a_start_stops_starting() -> None:
    hint = {"Retry-After": "7200"}
    fake = FakeSnov(on_start=lambda n, e: (429, {"errors": ["slow down"]}, hint))

    async def body(snov: SnovClient) -> list[Any]:
        return await snov.verification.verify(emails(300))

    results, _ = scenario(fake, body)
    assert fake.start_attempts == 1
    assert all(isinstance(r.error, RateLimitError) for r in results)


# Credits ------------------------------------------------------------------------------------


def test_out_of_credits_stops_the_job_and_the_next_job_starts_again() -> None:
    fake = FakeSnov(balance=0.0, on_start=lambda n, e: CREDITS if n >= 2 else None)

    async def body(snov: SnovClient) -> tuple[list[Any], list[Any]]:
        first = await snov.verification.verify(emails(100))
        fake.on_start = None  # topped up
        fake.balance = 500.0
        second = await snov.verification.verify(emails(30, "v"))
        return first, second

    (first, second), _ = scenario(fake, body)
    assert sum(r.ok for r in first) == 20
    assert all(isinstance(r.error, NotEnoughCreditsError) for r in first if not r.ok)
    assert fake.balance_checks == 1
    assert all(r.ok for r in second)
    assert fake.start_attempts == 3 + 3  # 2 accepted + 1 refused, then the next job's 3


def test_a_balance_check_that_shows_credits_lets_the_same_job_go_on() -> None:
    fake = FakeSnov(balance=250.0, on_start=lambda n, e: CREDITS if n == 2 else None)

    async def body(snov: SnovClient) -> list[Any]:
        return await snov.verification.verify(emails(100))

    results, _ = scenario(fake, body, max_tasks_in_flight=1)
    assert fake.balance_checks == 1
    assert sum(isinstance(r.error, NotEnoughCreditsError) for r in results) == 10
    assert sum(r.ok for r in results) == 90


# Backends -----------------------------------------------------------------------------------


class FailingPacer:
    """A pacer whose backend dies after ``ok`` requests (a Redis server going away)."""

    interval = 0.1

    def __init__(self, ok: int) -> None:
        self.ok = ok

    async def acquire(self) -> None:
        if self.ok <= 0:
            raise SnovError("the pacer's backend is unreachable")
        self.ok -= 1
        await asyncio.sleep(self.interval)

    def cool_down(self, seconds: float) -> None:
        pass


def test_a_pacer_that_fails_answers_every_input_instead_of_hanging() -> None:
    fake = FakeSnov(latency=3.0)

    async def body(snov: SnovClient) -> list[Any]:
        return await asyncio.wait_for(snov.verification.verify(emails(100)), 3600)

    results, snov = scenario(fake, body, pacer=FailingPacer(ok=6))
    assert len(results) == 100
    failed = [r for r in results if not r.ok]
    assert failed and all("unreachable" in str(r.error) for r in failed)
    # Started tasks whose inputs got the error are listed to be collected later.
    started = {e for batch in fake.accepted for e in batch}
    listed = {e for ref in snov.runner.unfinished for e in ref.inputs}
    assert started <= listed | {r.email for r in results if r.ok}
    assert all(isinstance(ref, TaskRef) for ref in snov.runner.unfinished)


# Resumed tasks and the probe growth ---------------------------------------------------------


def wasted_polls_per_resumed_task(tasks: int, remaining: float) -> float:
    """``tasks`` tasks started by an earlier run, each done ``remaining`` seconds after this
    run collects them: the ``in_progress`` answers per task before each is seen done."""
    fake = FakeSnov()

    async def body(snov: SnovClient) -> None:
        now = asyncio.get_running_loop().time()
        for i in range(tasks):
            fake.tasks[f"r{i:05d}"] = (emails(2, prefix=f"t{i}x"), now + remaining)
        results = await asyncio.gather(
            *(
                snov.verification.collect(f"r{i:05d}", emails(2, prefix=f"t{i}x"))
                for i in range(tasks)
            )
        )
        assert all(r.ok for rs in results for r in rs)

    scenario(fake, body, task_timeout=3600)
    return (fake.polls - tasks) / tasks


def test_a_resumed_task_wastes_no_more_polls_for_having_company() -> None:
    """A rerun collects what the last run left running. A resumed task's age says nothing,
    so each probes on its own at geometrically growing ages; nobody waits for what it
    learns, so the reason a probe searches finely with many tasks waiting ("each overshoot
    delays them all") does not apply. Yet its growth is ``exp(8 / tasks on the board)``,
    floor 1.05: the more tasks were left running, the more polls each one wastes."""
    alone = wasted_polls_per_resumed_task(1, 300.0)
    together = wasted_polls_per_resumed_task(40, 300.0)
    assert together <= alone + 2, f"{together:.1f} wasted polls per task, {alone:.1f} alone"
