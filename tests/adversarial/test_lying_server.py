"""A server that lies or misbehaves: answers that belong to another task, more or fewer
entries than sent, names echoed in another Unicode form, every start failing, credentials
revoked mid-run, out of credits in any shape, garbage Retry-After. What must hold: no row
ever gets another row's answer, no input is paid twice (also across a rerun on the journal),
nothing waits forever. A scripted fake on virtual time; the journal is real SQLite.
"""

from __future__ import annotations

import asyncio
import random
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from snov_async import (
    AuthenticationError,
    NotEnoughCreditsError,
    OutcomeUnknownError,
    ResponseFormatError,
    ServiceFailingError,
    SnovClient,
)
from snov_async._sansio import parse_retry_after
from tests.adversarial.support import (
    SERVER_500,
    UNAUTHORIZED,
    LoopSQLite,
    emails,
    in_client,
    scenario,
)
from tests.fakesnov import FakeSnov, Scripted, verdict
from tests.vtime import run_virtual

#: Entries a lying server made up carry this mark (honest ones never do).
LIE = {**verdict("x@y.z"), "is_gibberish": True}


def entry(email: str, *, lie: bool = False) -> dict[str, Any]:
    return {"email": email, "result": dict(LIE) if lie else verdict(email)}


def completed(entries: list[dict[str, Any]], task_hash: str) -> Scripted:
    return (200, {"status": "completed", "data": entries, "meta": {"task_hash": task_hash}}, {})


def honest(fake: FakeSnov, task_hash: str) -> list[str]:
    return list(fake.tasks[task_hash][0])


def no_lie_delivered(results: list[Any]) -> None:
    """No ok result carries a made-up entry, and each is its own email's verdict."""
    for r in results:
        if r.ok:
            assert r.result.is_gibberish is False, f"{r.email} got another row's answer"
            assert r.result.smtp_status.value == verdict(r.email)["smtp_status"]


def test_polls_answered_with_another_tasks_entries_give_errors_then_a_rerun_collects(
    tmp_path: Path,
) -> None:
    """Every poll of the first run answers with entries of other addresses (another task's,
    another account's): no row takes them; the rerun polls the recorded hashes (nothing is
    started again) and gets the true answers."""
    lying = True

    def on_poll(n: int, task_hash: str) -> Scripted | None:
        if not lying:
            return None
        others = [f"other{n}-{i}@elsewhere.com" for i in range(10)]
        return completed([entry(e, lie=True) for e in others], "another-task-hash")

    fake = FakeSnov(latency=1.0, on_poll=on_poll)

    async def run() -> tuple[list[Any], list[Any]]:
        nonlocal lying
        first, _ = await in_client(
            fake,
            lambda s: s.verification.verify(emails(40)),
            journal=LoopSQLite(tmp_path / "j.db"),
        )
        lying = False
        again, _ = await in_client(
            fake,
            lambda s: s.verification.verify(emails(40)),
            journal=LoopSQLite(tmp_path / "j.db"),
        )
        return first, again

    first, again = run_virtual(run)
    assert all(isinstance(r.error, ResponseFormatError) for r in first)
    assert all(r.error.raw for r in first)  # the unmatched entries, for inspection
    assert all(r.ok for r in again)
    no_lie_delivered(again)
    assert max(fake.charged.values()) == 1 and fake.start_attempts == 4


@pytest.mark.parametrize("seed", range(12))
def test_answers_mixing_own_and_foreign_entries_never_cross_rows(seed: int) -> None:
    """Each completed answer keeps some true entries, drops some, swaps some for foreign
    ones, repeats some with a made-up verdict, echoes the rest in another case or Unicode
    form, and is shuffled. Rows answered must be their own; the others get an error."""
    rng = random.Random(seed)

    def form(email: str) -> str:
        return rng.choice(
            [
                email,
                email.upper(),
                unicodedata.normalize("NFKD", email),
                "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in email),  # full width
            ]
        )

    fake = FakeSnov(latency=1.0, seed=seed)

    def on_poll(n: int, task_hash: str) -> Scripted | None:
        if task_hash not in fake.tasks:
            return None
        out: list[dict[str, Any]] = []
        for email in honest(fake, task_hash):
            roll = rng.random()
            if roll < 0.15:
                continue  # dropped
            if roll < 0.3:
                out.append(entry(f"stranger{rng.randrange(10**6)}@other.com", lie=True))
            elif roll < 0.4:
                out.append({"result": dict(LIE)})  # an entry that names nobody
            else:
                out.append({"email": form(email), "result": verdict(email)})
        rng.shuffle(out)
        return completed(out, task_hash)

    fake.on_poll = on_poll

    async def body(snov: SnovClient) -> list[Any]:
        return await snov.verification.verify(emails(50))

    results, _ = scenario(fake, body)
    assert len(results) == 50
    no_lie_delivered(results)
    assert sum(r.ok for r in results) > 10  # the lie did not simply fail everything
    assert all(r.ok or isinstance(r.error, ResponseFormatError) for r in results)


def test_fewer_entries_than_sent_leave_the_rest_resumable_without_paying_again(
    tmp_path: Path,
) -> None:
    """The first run's answers omit half the addresses: those rows get an error, stay
    recorded as started, and the rerun polls their task instead of paying again."""
    short = True
    fake = FakeSnov(latency=1.0)

    def on_poll(n: int, task_hash: str) -> Scripted | None:
        if not short or task_hash not in fake.tasks:
            return None
        return completed([entry(e) for e in honest(fake, task_hash)[::2]], task_hash)

    fake.on_poll = on_poll

    async def run() -> tuple[list[Any], list[Any]]:
        nonlocal short
        first, _ = await in_client(
            fake, lambda s: s.verification.verify(emails(30)), journal=LoopSQLite(tmp_path / "j")
        )
        short = False
        again, _ = await in_client(
            fake, lambda s: s.verification.verify(emails(30)), journal=LoopSQLite(tmp_path / "j")
        )
        return first, again

    first, again = run_virtual(run)
    assert sum(r.ok for r in first) == 15
    assert all(isinstance(r.error, ResponseFormatError) for r in first if not r.ok)
    assert all(r.ok for r in again)
    no_lie_delivered([*first, *again])
    assert max(fake.charged.values()) == 1


def test_every_start_failing_with_500_then_a_rerun_never_resends_them(tmp_path: Path) -> None:
    """Starts that end with a 500 may have been charged: the breaker stops after three and
    one probe; the rerun (server healthy) reports those 40 unknown, sends only the 460."""
    fake = FakeSnov(latency=1.0, on_start=lambda n, e: SERVER_500)

    async def run() -> tuple[list[Any], list[Any]]:
        first, _ = await in_client(
            fake,
            lambda s: asyncio.wait_for(s.verification.verify(emails(500)), 3600),
            journal=LoopSQLite(tmp_path / "j.db"),
        )
        fake.on_start = None
        again, _ = await in_client(
            fake,
            lambda s: asyncio.wait_for(s.verification.verify(emails(500)), 3600),
            journal=LoopSQLite(tmp_path / "j.db"),
            requests_per_minute=6000,
        )
        return first, again

    first, again = run_virtual(run)
    maybe = {r.email for r in first if isinstance(r.error, OutcomeUnknownError)}
    assert len(maybe) == 40
    assert sum(isinstance(r.error, ServiceFailingError) for r in first) == 460
    assert {r.email for r in again if isinstance(r.error, OutcomeUnknownError)} == maybe
    assert sum(r.ok for r in again) == 460
    assert fake.start_attempts == 4 + 46 and max(fake.charged.values()) == 1


def test_credentials_revoked_while_tasks_run_then_a_rerun_collects_them(
    tmp_path: Path,
) -> None:
    """After the first tasks start, every poll answers 401 (revoked): the rows get the
    AuthenticationError with their task hash; the rerun collects them without a start."""
    revoked = False

    def on_poll(n: int, task_hash: str) -> Scripted | None:
        return UNAUTHORIZED if revoked else None

    def on_start(n: int, batch: list[str]) -> Scripted | None:
        nonlocal revoked
        revoked = revoked or n >= 2
        return None

    fake = FakeSnov(latency=3.0, on_poll=on_poll, on_start=on_start)

    async def run() -> tuple[list[Any], list[Any]]:
        nonlocal revoked
        first, _ = await in_client(
            fake,
            lambda s: asyncio.wait_for(s.verification.verify(emails(30)), 3600),
            journal=LoopSQLite(tmp_path / "j.db"),
        )
        fake.on_start = None
        revoked = False
        again, _ = await in_client(
            fake,
            lambda s: asyncio.wait_for(s.verification.verify(emails(30)), 3600),
            journal=LoopSQLite(tmp_path / "j.db"),
        )
        return first, again

    first, again = run_virtual(run)
    failed = [r for r in first if not r.ok]
    assert failed and all(isinstance(r.error, AuthenticationError) for r in failed)
    assert all(r.task_hash for r in failed)  # started: the hash goes with the error
    assert all(r.ok for r in again)
    assert max(fake.charged.values()) == 1 and fake.start_attempts == 3


CREDITS_SHAPES: dict[str, Scripted] = {
    "400 (live)": (400, {"success": False, "errors": ["not_enough_credits"]}, {}),
    "402": (402, {"success": False, "errors": ["not_enough_credits"]}, {}),
    "402 message": (402, {"success": False, "message": "Not enough credits"}, {}),
    "200 errors": (200, {"success": False, "errors": ["not_enough_credits"]}, {}),
    "200 message": (200, {"success": False, "message": "not_enough_credits"}, {}),
}


@pytest.mark.parametrize("shape", list(CREDITS_SHAPES))
def test_out_of_credits_in_any_shape_is_a_refusal_not_an_unknown_outcome(shape: str) -> None:
    fake = FakeSnov(latency=1.0, balance=0.0)
    fake.on_start = lambda n, e: CREDITS_SHAPES[shape] if n >= 1 else None

    async def body(snov: SnovClient) -> list[Any]:
        return await snov.verification.verify(emails(50))

    results, snov = scenario(fake, body)
    assert sum(r.ok for r in results) == 10
    assert all(isinstance(r.error, NotEnoughCreditsError) for r in results if not r.ok)
    assert fake.start_attempts == 2 and fake.balance_checks == 1
    assert not snov.runner.unfinished


GARBAGE_HINTS = ["-5", "nan", "inf", "1e400", "9" * 400, "+3", "soon", "0", "1e-9", "  12  "]


@pytest.mark.parametrize("hint", GARBAGE_HINTS)
def test_a_garbage_retry_after_neither_storms_nor_stops_the_client(hint: str) -> None:
    """The first three polls answer 429 with a malformed or tiny Retry-After. (``inf`` and
    ``1e400`` used to be read as an infinite wait: every later call of the client, of any
    kind, was refused for the rest of its life.)"""
    fake = FakeSnov(latency=2.0)
    fake.on_poll = lambda n, h: (
        (429, {"errors": ["slow"]}, {"Retry-After": hint}) if n < 3 else None
    )

    async def body(snov: SnovClient) -> tuple[list[Any], Any]:
        results = await asyncio.wait_for(snov.verification.verify(emails(30)), 3600)
        return results, await snov.account.balance()

    (results, _), _ = scenario(fake, body)
    assert all(r.ok for r in results)
    assert fake.polls <= 3 + 3 * 3  # the three 429s and at most a few polls per task


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("7", 7.0), (" 12 ", 12.0), ("1.5", 1.5), ("0", 0.0), ("-5", None), ("nan", None),
     ("inf", None), ("Infinity", None), ("1e400", None), ("9" * 400, None), ("+3", None),
     ("0x10", None), ("1_000", None), ("\u0663", None), ("", None)],
)  # fmt: skip
def test_retry_after_is_digits_or_a_date_and_always_finite(raw: str, seconds: float | None) -> None:
    assert parse_retry_after({"Retry-After": raw}, 0.0) == seconds
    ms = parse_retry_after({"retry-after-ms": raw}, 0.0)
    assert ms == (None if seconds is None else seconds / 1000)


@pytest.mark.parametrize("named", ["", "   ", "{TASK}", " {TASK_UPPER} "])
def test_an_answer_naming_no_task_or_this_one_in_another_spelling_is_taken(named: str) -> None:
    """The foreign-answer check refuses only an answer that names another task: an empty
    ``meta.task_hash`` says nothing, and case or spaces do not make another task."""
    fake = FakeSnov(latency=1.0)

    def on_poll(n: int, task_hash: str) -> Scripted | None:
        if (
            task_hash not in fake.tasks
            or asyncio.get_running_loop().time() < fake.tasks[task_hash][1]
        ):
            return None
        said = named.replace("{TASK}", task_hash).replace("{TASK_UPPER}", task_hash.upper())
        return completed([entry(e) for e in honest(fake, task_hash)], said)

    fake.on_poll = on_poll
    results, _ = scenario(fake, lambda s: s.verification.verify(emails(20)))
    assert all(r.ok for r in results), [r.error for r in results if not r.ok][:1]
    no_lie_delivered(results)
