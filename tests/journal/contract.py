"""The claim contract every journal keeps (the table in snov_async.journal.base), written once
and run against SQLite (tests/journal) and Redis (tests/redis_backend).

``end_lease(journal, owner)`` kills a worker: its lease is over, as if it had died."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from snov_async import JournalError
from snov_async.journal import ClaimState, Journal, State

OP = "email-verification"
LONG = 3600.0
OLD = 0.0  # fresh_after: every DONE row counts as fresh
Kill = Callable[[Journal, str], Awaitable[None]]


async def end_lease(journal: Journal, owner: str) -> None:
    await journal.renew(owner, 0)


async def claim(journal: Journal, keys: list[str], owner: str, **kw: Any) -> dict[str, ClaimState]:
    kw.setdefault("lease", LONG)
    kw.setdefault("fresh_after", OLD)
    return {k: c.state for k, c in (await journal.claim(OP, keys, owner=owner, **kw)).items()}


async def check_fresh_inputs_are_owned_once(journal: Journal) -> None:
    got = await journal.claim(OP, ["a", "b", "a"], owner="A", lease=LONG, fresh_after=OLD)
    assert set(got) == {"a", "b"}
    for key in "ab":
        c = got[key]
        assert c.state is ClaimState.OWNED and c.key == key
        assert c.record is not None and c.record.state is State.CLAIMED
        assert c.record.owner == "A"
    rows = await journal.lookup(OP, ["a", "b"])
    assert {r.state for r in rows.values()} == {State.CLAIMED}
    assert {r.owner for r in rows.values()} == {"A"}
    assert await journal.owner_alive("A")
    # Another live worker is told to wait; the owner may claim again (idempotent).
    held = await journal.claim(OP, ["a"], owner="B", lease=LONG, fresh_after=OLD)
    assert held["a"].state is ClaimState.HELD
    assert held["a"].record is not None and held["a"].record.owner == "A"
    assert held["a"].record.state is State.CLAIMED
    assert await claim(journal, ["a"], "A") == {"a": ClaimState.OWNED}


async def check_an_intent_in_flight_is_held_then_unknown(journal: Journal, kill: Kill) -> None:
    assert await claim(journal, ["a", "b"], "A") == {"a": ClaimState.OWNED, "b": ClaimState.OWNED}
    await journal.intent(OP, ["a", "b"], owner="A")
    rows = await journal.lookup(OP, ["a"])
    assert rows["a"].state is State.INTENT and rows["a"].owner == "A"
    assert await claim(journal, ["a"], "A") == {"a": ClaimState.HELD}  # in flight here
    assert await claim(journal, ["a"], "B") == {"a": ClaimState.HELD}  # in flight there
    await kill(journal, "A")
    assert not await journal.owner_alive("A")
    got = await journal.claim(OP, ["a"], owner="B", lease=LONG, fresh_after=OLD)
    assert got["a"].state is ClaimState.UNKNOWN
    assert got["a"].record is not None and got["a"].record.state is State.INTENT
    assert (await journal.lookup(OP, ["a"]))["a"].owner == "A"  # nothing taken
    # resend_unknown: take it over.
    assert await claim(journal, ["a"], "B", take_unknown=True) == {"a": ClaimState.OWNED}
    assert (await journal.lookup(OP, ["a"]))["a"].owner == "B"


async def check_a_dead_workers_start_is_resumed(journal: Journal, kill: Kill) -> None:
    await claim(journal, ["a", "b"], "A")
    await journal.intent(OP, ["a", "b"])
    await journal.started(OP, ["a", "b"], "hash-1")
    row = (await journal.lookup(OP, ["a"]))["a"]
    assert row.state is State.STARTED and row.owner == "A" and row.task_hash == "hash-1"
    assert await claim(journal, ["a"], "B") == {"a": ClaimState.HELD}
    assert await claim(journal, ["a"], "A") == {"a": ClaimState.RESUME}  # its own
    await kill(journal, "A")
    got = await journal.claim(OP, ["a", "b"], owner="B", lease=LONG, fresh_after=OLD)
    assert {c.state for c in got.values()} == {ClaimState.RESUME}
    assert got["a"].record is not None and got["a"].record.task_hash == "hash-1"
    assert got["a"].record.owner == "B"
    assert (await journal.lookup(OP, ["b"]))["b"].owner == "B"
    assert await claim(journal, ["a"], "C") == {"a": ClaimState.HELD}  # B is alive
    await journal.done(OP, [("a", {"result": "valid"})])
    done = await journal.claim(OP, ["a"], owner="C", lease=LONG, fresh_after=OLD)
    assert done["a"].state is ClaimState.DONE
    assert done["a"].record is not None
    assert done["a"].record.data == {"result": "valid"} and done["a"].record.task_hash == "hash-1"


async def check_stale_answers_are_claimed_again(journal: Journal) -> None:
    await claim(journal, ["a"], "A")
    await journal.intent(OP, ["a"], owner="A")
    await journal.started(OP, ["a"], "h")
    await journal.done(OP, [("a", [1, 2])])
    updated = (await journal.lookup(OP, ["a"]))["a"].updated_at
    assert await claim(journal, ["a"], "B", fresh_after=updated) == {"a": ClaimState.DONE}
    got = await journal.claim(OP, ["a"], owner="B", lease=LONG, fresh_after=updated + 1)
    assert got["a"].state is ClaimState.OWNED
    row = (await journal.lookup(OP, ["a"]))["a"]
    assert row.state is State.CLAIMED and row.owner == "B" and row.data is None
    assert row.task_hash is None


async def check_release_frees_only_the_owners_unsent_rows(journal: Journal) -> None:
    await claim(journal, ["a", "b", "c", "d"], "A")
    await journal.intent(OP, ["b"], owner="A")
    await journal.intent(OP, ["c"], owner="A")
    await journal.started(OP, ["c"], "h")
    await claim(journal, ["x"], "B")
    await journal.release(OP, ["a", "b", "c", "x"], owner="A")
    left = await journal.lookup(OP, ["a", "b", "c", "d", "x"])
    assert set(left) == {"c", "d", "x"}  # started, not released, someone else's
    assert await claim(journal, ["a", "b"], "B") == {"a": ClaimState.OWNED, "b": ClaimState.OWNED}


async def check_a_lost_claim_writes_no_intent(journal: Journal, kill: Kill) -> None:
    await claim(journal, ["a", "b"], "A")
    await kill(journal, "A")
    assert await claim(journal, ["b"], "B") == {"b": ClaimState.OWNED}  # taken over
    with pytest.raises(JournalError, match="lost"):
        await journal.intent(OP, ["a", "b"], owner="A")
    rows = await journal.lookup(OP, ["a", "b"])
    assert rows["a"].state is State.CLAIMED and rows["a"].owner == "A"  # untouched
    assert rows["b"].state is State.CLAIMED and rows["b"].owner == "B"
    with pytest.raises(JournalError, match="lost"):
        await journal.intent(OP, ["never-claimed"], owner="A")
    assert await journal.lookup(OP, ["never-claimed"]) == {}


async def check_journals_without_claims_work_as_before(journal: Journal) -> None:
    await journal.intent(OP, ["a", "b"])
    rows = await journal.lookup(OP, ["a"])
    assert rows["a"].state is State.INTENT and rows["a"].owner is None
    # An intent without an owner is an unknown outcome for any claimer.
    assert await claim(journal, ["a"], "A") == {"a": ClaimState.UNKNOWN}
    await journal.started(OP, ["b"], "h")
    assert await claim(journal, ["b"], "A") == {"b": ClaimState.RESUME}
    await journal.forget(OP, ["a"])
    assert await claim(journal, ["a"], "A") == {"a": ClaimState.OWNED}
    # An intent over a claim keeps its owner; over anything else it has none.
    await journal.intent(OP, ["a", "b"])
    rows = await journal.lookup(OP, ["a", "b"])
    assert rows["a"].owner == "A" and rows["b"].owner is None


async def check_operation_names_never_collide(journal: Journal) -> None:
    pairs = [("a:b", "c"), ("a", "b:c"), ("x/y@z", "k"), ("x", "y@z:k"), ("op%3A", "k")]
    for n, (op, key) in enumerate(pairs):
        got = await journal.claim(op, [key], owner=f"W{n}", lease=LONG, fresh_after=OLD)
        assert got[key].state is ClaimState.OWNED, (op, key)
    for n, (op, key) in enumerate(pairs):
        assert (await journal.lookup(op, [key]))[key].owner == f"W{n}"
    await journal.done("a:b", [("c", 1)])
    assert (await journal.lookup("a", ["b:c"]))["b:c"].state is State.CLAIMED


async def check_an_answer_for_an_input_never_started_is_not_kept(journal: Journal) -> None:
    # A collect of a known hash with inputs the caller named records answers for them: one
    # this journal never saw started (no row) must not become a cached answer (DONE) that a
    # later call would take without sending it.
    await journal.intent(OP, ["seen"])
    await journal.started(OP, ["seen"], "h")
    await journal.done(OP, [("seen", {"v": 1}), ("never", {"v": 2})])
    rows = await journal.lookup(OP, ["seen", "never"])
    assert rows["seen"].state is State.DONE and rows["seen"].data == {"v": 1}
    assert "never" not in rows
    assert await claim(journal, ["never"], "A") == {"never": ClaimState.OWNED}


CHECKS = [
    check_fresh_inputs_are_owned_once,
    check_stale_answers_are_claimed_again,
    check_release_frees_only_the_owners_unsent_rows,
    check_journals_without_claims_work_as_before,
    check_operation_names_never_collide,
    check_an_answer_for_an_input_never_started_is_not_kept,
]
CHECKS_WITH_DEATH = [
    check_an_intent_in_flight_is_held_then_unknown,
    check_a_dead_workers_start_is_resumed,
    check_a_lost_claim_writes_no_intent,
]

# A worker process for the concurrency tests: claims the keys in the order given, in batches,
# walks each owned batch through intent -> started -> done, and prints what it owned as JSON.
WORKER = """
import asyncio, json, os, sys, time
from snov_async.journal import ClaimState, open_journal

async def main(spec, owner, go, keys_json):
    keys = json.loads(keys_json)
    journal = open_journal(spec)
    while not os.path.exists(go):
        time.sleep(0.005)
    owned, counts = [], {}
    for start in range(0, len(keys), 10):
        batch = keys[start:start + 10]
        claims = await journal.claim("op", batch, owner=owner, lease=600, fresh_after=0)
        for c in claims.values():
            counts[c.state.value] = counts.get(c.state.value, 0) + 1
        mine = [k for k, c in claims.items() if c.state is ClaimState.OWNED]
        if mine:
            await journal.intent("op", mine, owner=owner)
            await journal.started("op", mine, f"{owner}-{start}")
            await journal.done("op", [(k, {"by": owner}) for k in mine])
            owned += mine
    await journal.close()
    print(json.dumps({"owned": owned, "counts": counts}))

asyncio.run(main(*sys.argv[1:5]))
"""
