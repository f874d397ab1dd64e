"""A journaled task the server no longer knows (the built-in sandbox after a crash; a real
task past its retention) must not fail its rows on every rerun."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from snov_async import SnovClient
from snov_async.errors import NotFoundError, OutcomeUnknownError, TaskTimeoutError
from snov_async.journal import SQLiteJournal
from snov_async.sandbox import Sandbox, SandboxConfig

EMAILS = [f"user{i}@firm{i}.com" for i in range(20)]


def client(sb: Sandbox, journal: Path, **kw: Any) -> SnovClient:
    return SnovClient(
        "cli",
        "secret",
        base_url=sb.base_url,
        requests_per_minute=60_000,
        initial_task_latency=0.05,
        journal=SQLiteJournal(str(journal)),
        scope="one-identity",  # as the CLI's built-in sandbox: a new port every run
        **kw,
    )


async def test_inputs_of_a_journaled_task_the_server_lost_become_unknown_outcomes(
    tmp_path: Path,
) -> None:
    # Measured before: every rerun failed all 20 inputs with the same 404, for ever (on the
    # CLI: kill -9, then --resume, 270 of 300 rows NotFoundError on each rerun). Whether the
    # lost task was charged is unknown, so they are not started again on their own: the
    # rerun that meets the 404 says so, later reruns report an unknown outcome, and
    # resend_unknown=True starts them again (one start per batch, each input once).
    journal = tmp_path / "j.db"
    # Run 1: the tasks start and never finish before the run gives up (a crash stand-in).
    async with (
        Sandbox(SandboxConfig(rate_limit=None, task_latency=3600.0)) as sb,
        client(sb, journal, task_timeout=0.3) as snov,
    ):
        first = await snov.verification.verify(EMAILS)
    assert all(isinstance(r.error, TaskTimeoutError) for r in first)
    # Run 2: a new server that never saw those tasks (the built-in sandbox's state died with
    # its process): the 404 is said, with what to do.
    async with (
        Sandbox(SandboxConfig(rate_limit=None, task_latency=0.01)) as sb,
        client(sb, journal) as snov,
    ):
        second = await snov.verification.verify(EMAILS)
    assert all(isinstance(r.error, NotFoundError) for r in second)
    assert all("resend_unknown" in str(r.error) for r in second)
    # Run 3: not asked again for the lost task, and not started again unasked.
    async with (
        Sandbox(SandboxConfig(rate_limit=None, task_latency=0.01)) as sb,
        client(sb, journal) as snov,
    ):
        third = await snov.verification.verify(EMAILS)
        assert sb.stats.requests.get("GET /v2/email-verification/result", 0) == 0
        assert sb.stats.requests.get("POST /v2/email-verification/start", 0) == 0
    assert all(isinstance(r.error, OutcomeUnknownError) for r in third)
    # Run 4: the user accepts paying again.
    async with (
        Sandbox(SandboxConfig(rate_limit=None, task_latency=0.01)) as sb,
        client(sb, journal, resend_unknown=True) as snov,
    ):
        fourth = await snov.verification.verify(EMAILS)
        starts = sb.stats.requests.get("POST /v2/email-verification/start", 0)
        polls = sb.stats.requests.get("GET /v2/email-verification/result", 0)
    assert all(r.ok for r in fourth)
    assert polls >= 2  # (the counter run 3 read is the one that counts result polls)
    assert starts == 2  # 20 inputs, 10 to a start


async def test_collecting_a_hash_the_server_does_not_know_says_its_404_as_it_came() -> None:
    # A break attempt on the lost-task handling: a task the caller names (a typo, or one
    # kept no longer) is not a journaled start. Its inputs were told they had been
    # "recorded as of unknown outcome" and that resend_unknown would start them again;
    # neither was true without a journal.
    async with (
        Sandbox(SandboxConfig(rate_limit=None)) as sb,
        SnovClient("a", "b", base_url=sb.base_url, requests_per_minute=60_000) as snov,
    ):
        rows = await snov.verification.collect("0123456789abcdef0123456789abcdef", ["a@b.com"])
    assert isinstance(rows[0].error, NotFoundError)
    assert "resend_unknown" not in str(rows[0].error)
    assert "unknown outcome" not in str(rows[0].error)
