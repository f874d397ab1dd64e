"""The TaskRunner on the live in-process sandbox (fast latencies, high rate).

Assertions are about behaviour and counts, never about time.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from snov_async import (
    NotEnoughCreditsError,
    OutcomeUnknownError,
    SnovClient,
    TaskTimeoutError,
    ValidationError,
)
from snov_async.models.tasks import Progress
from snov_async.sandbox import Fault, Faults, Sandbox, SandboxConfig

FAST = {"requests_per_minute": 60_000, "initial_task_latency": 0.005}


def emails(n: int, prefix: str = "user") -> list[str]:
    return [f"{prefix}{i}@acme{i % 7}.com" for i in range(n)]


async def open_pair(**sandbox: Any) -> tuple[Sandbox, SnovClient]:
    config = SandboxConfig(**{"rate_limit": None, "task_latency": 0.0, **sandbox})
    sb = Sandbox(config)
    await sb.start()
    return sb, SnovClient("id", "secret", base_url=sb.base_url, **FAST)


@pytest.fixture
async def pair(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Sandbox, SnovClient]]:
    overrides = getattr(request, "param", {})
    sb, snov = await open_pair(**overrides)
    try:
        async with snov:
            yield sb, snov
    finally:
        await sb.stop()


async def test_one_result_per_input_in_order_with_the_minimum_requests(
    pair: tuple[Sandbox, SnovClient],
) -> None:
    sb, snov = pair
    inputs = emails(95)
    results = await snov.verification.verify(inputs)
    assert [r.index for r in results] == list(range(95))
    assert [r.email for r in results] == inputs
    assert all(r.ok and r.result is not None for r in results)
    # 10 batches: 10 starts + 10 results + 1 token, and nothing else.
    assert snov.stats.requests == sb.stats.total_requests == 21
    assert sb.stats.requests["POST /v2/email-verification/start"] == 10
    assert sb.stats.requests["GET /v2/email-verification/result"] == 10
    assert max(len(inputs) for (_, inputs) in sb.stats.starts_per_input_set) == 10


async def test_answers_out_of_order_are_matched_by_email(
    pair: tuple[Sandbox, SnovClient],
) -> None:
    _, snov = pair
    inputs = emails(10, "x")
    results = await snov.verification.verify(inputs)
    low = await snov.verification.verify_result(results[0].task_hash or "")
    answered_order = [item.email for item in low.data]
    assert answered_order != inputs  # the sandbox shuffles, as the real API does
    by_email = {item.email: item.result for item in low.data}
    assert all(r.result == by_email[r.email] for r in results)


async def test_duplicates_are_sent_once_and_fanned_back(pair: tuple[Sandbox, SnovClient]) -> None:
    sb, snov = pair
    inputs = ["A@x.io", " a@x.io ", "b@x.io", "a@X.IO", "b@x.io"]
    results = await snov.verification.verify(inputs)
    assert [r.email for r in results] == ["a@x.io", "a@x.io", "b@x.io", "a@x.io", "b@x.io"]
    assert [r.input for r in results] == inputs
    assert results[0].result == results[1].result == results[3].result
    assert sb.stats.starts_per_input == {
        ("email-verification", "a@x.io"): 1,
        ("email-verification", "b@x.io"): 1,
    }


async def test_invalid_items_get_a_validation_error_and_are_never_sent(
    pair: tuple[Sandbox, SnovClient],
) -> None:
    sb, snov = pair
    found, domains, profiles = await asyncio.gather(
        snov.email_finder.find_emails(
            [("John", "Doe", "acme.com"), ("", "Doe", "acme.com"), ("Jane", "Roe", "not a domain")]
        ),
        snov.email_finder.company_domains(["Acme", "   ", 42]),
        snov.enrichment.linkedin_profiles(
            [
                "https://www.linkedin.com/in/jdoe/",
                "https://example.com/in/jdoe",
                "linkedin.com/company/x",
            ]
        ),
    )
    assert [isinstance(r.error, ValidationError) for r in found] == [False, True, True]
    assert found[1].error is not None and found[1].error.field == "first_name"
    assert found[2].error is not None and found[2].error.field == "domain"
    assert [isinstance(r.error, ValidationError) for r in domains] == [False, True, True]
    assert [isinstance(r.error, ValidationError) for r in profiles] == [False, True, True]
    sent = {key for (_, key) in sb.stats.starts_per_input}
    assert sent == {"john|doe|acme.com", "acme", "https://www.linkedin.com/in/jdoe/"}


async def test_four_bulk_methods_in_one_gather_never_exceed_the_rate() -> None:
    # The server allows 20 requests per rolling second; the client paces at 1000/min.
    config = SandboxConfig(rate_limit=20, rate_window=1.0, task_latency=(0.01, 0.05), seed=3)
    async with (
        Sandbox(config) as sb,
        SnovClient(
            "id",
            "secret",
            base_url=sb.base_url,
            requests_per_minute=1000,
            initial_task_latency=0.02,
        ) as snov,
    ):
        v, f, c, p = await asyncio.gather(
            snov.verification.verify(emails(30)),
            snov.email_finder.find_emails([(f"N{i}", "Doe", f"c{i}.com") for i in range(20)]),
            snov.email_finder.company_domains([f"Company {i}" for i in range(20)]),
            snov.enrichment.linkedin_profiles(
                [f"https://www.linkedin.com/in/p{i}/" for i in range(20)]
            ),
        )
    assert sb.stats.rate_limited == 0
    assert (len(v), len(f), len(c), len(p)) == (30, 20, 20, 20)
    assert all(r.error is None for r in [*v, *f, *c, *p])
    assert [r.first_name for r in f] == [f"N{i}" for i in range(20)]
    assert [r.name for r in c] == [f"Company {i}" for i in range(20)]
    assert [r.url for r in p] == [f"https://www.linkedin.com/in/p{i}/" for i in range(20)]
    assert sb.stats.double_starts() == {}
    # 9 starts, at least 9 polls, 1 token; premature polls are few.
    starts = sum(n for op, n in sb.stats.requests.items() if op.endswith("/start"))
    polls = sum(n for op, n in sb.stats.requests.items() if op.endswith("/result"))
    assert starts == 9
    assert 9 <= polls <= 9 * 4


@pytest.mark.parametrize("pair", [{"credits": 25}], indirect=True)
async def test_not_enough_credits_stops_new_starts_and_marks_the_rest(
    pair: tuple[Sandbox, SnovClient],
) -> None:
    sb, snov = pair
    snov.runner.max_in_flight = 2  # so that results come back while batches still wait
    results = await snov.verification.verify(emails(100))
    assert len(results) == 100
    ok = [r for r in results if r.ok]
    out = [r for r in results if isinstance(r.error, NotEnoughCreditsError)]
    assert len(ok) + len(out) == 100
    # 25 credits pay for two batches of 10; batches 3 and 4 (started as 1 and 2 were
    # collected) find 5 left and answer not_enough_credits.
    assert len(ok) == 20 and len(out) == 80
    # Once the account said so, nothing else was started (6 batches never were): the balance
    # check shows 5 credits, so one more start is tried, and refused. Batch 4 is that start,
    # unless it was already on the wire with batch 3 (a loaded machine): then it is batch 5.
    assert sb.stats.requests["POST /v2/email-verification/start"] in (4, 5)
    assert sb.stats.requests["GET /v1/get-balance"] >= 1
    assert sb.state.balance == 5


@pytest.mark.parametrize("pair", [{"faults": Faults(never_complete=1.0)}], indirect=True)
async def test_tasks_past_their_deadline_time_out_on_their_items_only(
    pair: tuple[Sandbox, SnovClient],
) -> None:
    sb, snov = pair
    snov.runner.task_timeout = 0.2
    results = await snov.verification.verify(emails(25))
    assert all(isinstance(r.error, TaskTimeoutError) for r in results)
    hashes = {r.task_hash for r in results}
    assert len(hashes) == 3 and None not in hashes
    assert all(isinstance(r.error, TaskTimeoutError) and r.error.task_hash for r in results)
    # Polls back off: far fewer than a tight loop would send.
    assert sb.stats.requests["GET /v2/email-verification/result"] < 3 * 20


async def test_a_failed_start_marks_only_its_batch_and_is_never_resent() -> None:
    faults = Faults({Fault.SERVER_500: 0.25, Fault.RESET: 0.1}, seed=11)
    config = SandboxConfig(rate_limit=None, task_latency=0.0, faults=faults)
    async with (
        Sandbox(config) as sb,
        SnovClient("id", "secret", base_url=sb.base_url, **FAST) as snov,
    ):
        results = await snov.verification.verify(emails(200))
    assert len(results) == 200
    failed = [r for r in results if r.error is not None]
    assert failed, "this seed fails at least one start"
    assert all(isinstance(r.error, OutcomeUnknownError) for r in failed)
    # Whole batches and nothing else: a failed item's batch-mates failed too.
    assert len(failed) % 10 == 0 and len(failed) < 200
    assert sb.stats.double_starts() == {}
    assert sum(r.ok for r in results) == 200 - len(failed)


async def test_cancellation_stops_cleanly_and_keeps_started_hashes() -> None:
    config = SandboxConfig(rate_limit=None, task_latency=30.0)
    async with Sandbox(config) as sb:
        async with SnovClient("id", "secret", base_url=sb.base_url, **FAST) as snov:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(snov.verification.verify(emails(40)), 0.5)
            await asyncio.sleep(0.05)
            refs = snov.runner.unfinished
            assert len(refs) == 4
            assert sorted(len(r.inputs) for r in refs) == [10, 10, 10, 10]
            assert {r.operation for r in refs} == {"email-verification"}
            assert snov.runner.idle
            # The hashes are real: the low-level call can pick them up later.
            status = await snov.verification.verify_result(refs[0].task_hash)
            assert status.status == "in_progress"
        assert sb.stats.double_starts() == {}


async def test_iter_yields_as_completed_and_reads_input_lazily(
    pair: tuple[Sandbox, SnovClient],
) -> None:
    _, snov = pair
    snov.runner.max_in_flight = 4
    pulled = 0

    def endless() -> Iterator[str]:
        nonlocal pulled
        for i in itertools.count():
            pulled += 1
            yield f"person{i}@example.org"

    seen = []
    stream = snov.verification.verify_iter(endless())
    async for result in stream:
        seen.append(result)
        if len(seen) == 50:
            break
    await stream.aclose()  # type: ignore[attr-defined]
    assert len(seen) == 50 and all(r.ok for r in seen)
    # No coroutine or batch per item up front: only a few batches were ever read ahead.
    assert pulled <= 50 + (4 + 3) * 10


async def test_async_iterables_and_progress_callbacks(pair: tuple[Sandbox, SnovClient]) -> None:
    _, snov = pair

    async def names() -> AsyncIterator[str]:
        for i in range(23):
            yield f"Firm {i}"
            await asyncio.sleep(0)

    updates: list[Progress] = []
    results = await snov.email_finder.company_domains(names(), progress=updates.append)
    assert len(results) == 23
    assert updates[-1].done == 23 and updates[-1].total == 23 and updates[-1].exhausted
    assert [u.done for u in updates] == sorted(u.done for u in updates)


async def test_an_input_iterator_that_fails_raises_to_the_caller(
    pair: tuple[Sandbox, SnovClient],
) -> None:
    _, snov = pair

    def broken() -> Iterator[str]:
        yield "a@b.io"
        raise RuntimeError("the CSV reader broke")

    with pytest.raises(RuntimeError, match="CSV reader"):
        await snov.verification.verify(broken())


async def test_a_single_string_is_refused(pair: tuple[Sandbox, SnovClient]) -> None:
    _, snov = pair
    with pytest.raises(ValidationError, match="not a single str") as info:
        await snov.verification.verify("a@b.io")  # type: ignore[arg-type]
    assert info.value.field == "emails"


async def test_same_name_rows_never_share_a_batch(pair: tuple[Sandbox, SnovClient]) -> None:
    sb, snov = pair
    rows = [("John", "Doe", f"firm{i}.com") for i in range(12)]
    results = await snov.email_finder.find_emails(rows)
    assert [r.domain for r in results] == [f"firm{i}.com" for i in range(12)]
    assert all(len(inputs) == 1 for (_, inputs) in sb.stats.starts_per_input_set)
    for r in results:
        assert all(e.email.endswith("@" + (r.domain or "")) for e in r.emails)


async def test_a_slow_consumer_slows_the_reading_down(pair: tuple[Sandbox, SnovClient]) -> None:
    sb, snov = pair
    pulled = 0

    def endless() -> Iterator[str]:
        nonlocal pulled
        for i in itertools.count():
            pulled += 1
            yield f"reader{i}@example.org"

    snov.runner.max_in_flight = 8  # a fixed bound, so that the reading bound below is known
    stream = snov.verification.verify_iter(endless())
    first = await anext(stream)
    assert first.ok
    # The consumer dawdles; the runner must not run ahead forever: it settles (nothing on the
    # wire, nothing to poll) with a bounded number of inputs read, however loaded the machine.
    await settled(snov)
    assert pulled <= 1000 + 1 + 3 * 10 + 10 * snov.runner.max_in_flight
    starts = sb.stats.requests["POST /v2/email-verification/start"]
    await settled(snov)
    assert sb.stats.requests["POST /v2/email-verification/start"] == starts  # it stopped
    await stream.aclose()  # type: ignore[attr-defined]


async def settled(snov: SnovClient, *, checks: int = 20, limit: float = 60.0) -> None:
    """Wait until the runner has been idle for ``checks`` consecutive looks."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    quiet = 0
    while quiet < checks:
        assert loop.time() < deadline, "the runner never settled"
        quiet = quiet + 1 if snov.runner.idle else 0
        await asyncio.sleep(0.01)
