"""Random interleavings of claim / intent / started / done / release / forget / renew and
the clock running out leases, on the SQLite journal, against a plain-Python model of the
claim table (snov_async.journal.base). tests/redis_backend runs the same machine on Redis."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import attrs
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from snov_async import JournalError
from snov_async.journal import ClaimState, Journal, SQLiteJournal

KEYS = ["k1", "k2", "k3"]
OWNERS = ["A", "B"]
OP = "op"

keys_st = st.lists(st.sampled_from(KEYS), min_size=1, max_size=3, unique=True)
owner_st = st.sampled_from(OWNERS)


@attrs.define
class Row:
    state: str
    task_hash: str | None
    data: Any
    updated_at: float
    owner: str | None


class Clock:
    now = 5_000.0

    def __call__(self) -> float:
        return self.now


class ClaimMachine(RuleBasedStateMachine):
    #: Leases run on real time (Redis): they are long, end only by renew(0), and the model
    #: reads ``updated_at`` back instead of predicting it; writes to a missing row create it.
    REAL_TIME = False

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp())
        self.loop = asyncio.new_event_loop()
        self.clock = Clock()
        self.journal = self.open()
        self.rows: dict[str, Row] = {}
        self.leases: dict[str, float] = {}
        self.hashes = 0

    def open(self) -> Journal:
        return SQLiteJournal(self.dir / "j.db", clock=self.clock)

    def now(self) -> float:
        return time.time() if self.REAL_TIME else self.clock.now

    def lease(self, seconds: float) -> float:
        return seconds * 3600 if self.REAL_TIME and seconds > 0 else seconds

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        self.run(self.journal.close())
        self.loop.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # The model --------------------------------------------------------------------------

    def alive(self, owner: str | None) -> bool:
        return owner is not None and self.leases.get(owner, -1.0) > self.now()

    def verdict(self, row: Row | None, me: str, fresh_after: float, take: bool) -> ClaimState:
        if row is None:
            return ClaimState.OWNED
        if row.state == "done":
            return ClaimState.OWNED if row.updated_at < fresh_after else ClaimState.DONE
        other_alive = row.owner != me and self.alive(row.owner)
        if row.state == "claimed":
            return ClaimState.HELD if other_alive else ClaimState.OWNED
        if row.state == "started" and row.task_hash:
            return ClaimState.HELD if other_alive else ClaimState.RESUME
        if row.owner == me or other_alive:
            return ClaimState.HELD
        return ClaimState.OWNED if take else ClaimState.UNKNOWN

    # Rules ------------------------------------------------------------------------------

    @rule(
        me=owner_st,
        keys=keys_st,
        take=st.booleans(),
        lease=st.sampled_from([1.0, 2.0]),
        age=st.sampled_from([0.0, 3.0, 100.0]),
    )
    def claim(self, me: str, keys: list[str], take: bool, lease: float, age: float) -> None:
        now = self.now()
        lease = self.lease(lease)
        fresh_after = now - age
        got = self.run(
            self.journal.claim(
                OP, keys, owner=me, lease=lease, fresh_after=fresh_after, take_unknown=take
            )
        )
        self.leases[me] = now + lease
        assert set(got) == set(keys)
        for key in keys:
            row = self.rows.get(key)
            expected = self.verdict(row, me, fresh_after, take)
            assert got[key].state is expected, (key, row, got[key])
            if expected is ClaimState.OWNED:
                assert got[key].record is not None
                self.rows[key] = Row("claimed", None, None, got[key].record.updated_at, me)
            elif expected is ClaimState.RESUME:
                assert row is not None
                row.owner = me
            record = got[key].record
            model = self.rows[key]
            assert record is not None
            assert (record.state.value, record.owner, record.task_hash, record.data) == (
                model.state,
                model.owner,
                model.task_hash,
                model.data,
            )

    @rule(me=st.none() | owner_st, keys=keys_st)
    def intent(self, me: str | None, keys: list[str]) -> None:
        now = self.now()
        if me is not None:
            lost = [
                k
                for k in keys
                if (r := self.rows.get(k)) is None
                or r.owner != me
                or r.state not in ("claimed", "intent")
            ]
            if lost:
                try:
                    self.run(self.journal.intent(OP, keys, owner=me))
                except JournalError:
                    return
                raise AssertionError(f"intent over lost claims {lost} was accepted")
        self.run(self.journal.intent(OP, keys, owner=me))
        for key in keys:
            row = self.rows.get(key)
            keep = row is not None and row.state in ("claimed", "intent")
            self.rows[key] = Row("intent", None, None, now, row.owner if keep and row else None)

    @rule(keys=keys_st)
    def started(self, keys: list[str]) -> None:
        self.hashes += 1
        task_hash = f"h{self.hashes}"
        self.run(self.journal.started(OP, keys, task_hash))
        for key in keys:
            if (row := self.rows.get(key)) is not None:
                row.state, row.task_hash, row.updated_at = "started", task_hash, self.now()
            elif self.REAL_TIME:
                self.rows[key] = Row("started", task_hash, None, self.now(), None)

    @rule(keys=keys_st, value=st.integers(0, 9))
    def done(self, keys: list[str], value: int) -> None:
        self.run(self.journal.done(OP, [(k, {"v": value}) for k in keys]))
        for key in keys:
            # Only rows that exist (both backends): an answer for an input nobody recorded
            # (a caller's list to collect) must not become a cached answer.
            if (row := self.rows.get(key)) is not None:
                row.state, row.data, row.updated_at = "done", {"v": value}, self.now()

    @rule(me=owner_st, keys=keys_st)
    def release(self, me: str, keys: list[str]) -> None:
        self.run(self.journal.release(OP, keys, owner=me))
        for key in keys:
            row = self.rows.get(key)
            if row is not None and row.owner == me and row.state in ("claimed", "intent"):
                del self.rows[key]

    @rule(keys=keys_st)
    def forget(self, keys: list[str]) -> None:
        self.run(self.journal.forget(OP, keys))
        for key in keys:
            self.rows.pop(key, None)

    @rule(me=owner_st, lease=st.sampled_from([0.0, 1.0, 2.0]))
    def renew(self, me: str, lease: float) -> None:
        lease = self.lease(lease)
        self.run(self.journal.renew(me, lease))
        if lease > 0:
            self.leases[me] = self.now() + lease
        else:
            self.leases.pop(me, None)

    @rule(keys=keys_st, take=st.booleans())
    def take_over(self, keys: list[str], take: bool) -> None:
        """The owner of the first key dies; the other worker claims the keys."""
        row = self.rows.get(keys[0])
        dead = row.owner if row is not None and row.owner is not None else "A"
        self.renew(dead, 0.0)
        heir = next(o for o in OWNERS if o != dead)
        self.claim(heir, keys, take, 1.0, 3.0)

    @rule(dt=st.sampled_from([0.5, 3.0]))
    def tick(self, dt: float) -> None:
        self.clock.now += dt  # (Redis: leases are long; only renew(0) ends them)

    @invariant()
    def journal_matches_model(self) -> None:
        rows = self.run(self.journal.lookup(OP, KEYS))
        assert set(rows) == set(self.rows)
        for key, model in self.rows.items():
            r = rows[key]
            if self.REAL_TIME:  # written on the server's or the writer's clock: read it back
                model.updated_at = r.updated_at
            got = (r.state.value, r.task_hash, r.data, r.updated_at, r.owner)
            assert got == attrs.astuple(model), key
        for owner in OWNERS:
            assert self.run(self.journal.owner_alive(owner)) is self.alive(owner), owner


ClaimMachine.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestClaimModel = ClaimMachine.TestCase
