"""Claims in the SQLite journal: the contract, leases on an injected clock, and N processes
claiming the same inputs."""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from snov_async.journal import ClaimState, Journal, SQLiteJournal, State

from . import contract


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def journal(tmp_path: Path) -> SQLiteJournal:
    j = SQLiteJournal(tmp_path / "j.db")
    yield j  # type: ignore[misc]
    await j.close()


@pytest.mark.parametrize("check", contract.CHECKS, ids=lambda c: c.__name__)
async def test_contract(journal: SQLiteJournal, check: Callable[[Journal], object]) -> None:
    await check(journal)  # type: ignore[misc]


@pytest.mark.parametrize("check", contract.CHECKS_WITH_DEATH, ids=lambda c: c.__name__)
async def test_contract_with_a_dead_worker(
    journal: SQLiteJournal, check: Callable[[Journal, contract.Kill], object]
) -> None:
    await check(journal, contract.end_lease)  # type: ignore[misc]


async def test_leases_run_out_on_the_clock(tmp_path: Path) -> None:
    clock = Clock()
    j = SQLiteJournal(tmp_path / "j.db", clock=clock)
    claim = j.claim
    await claim("op", ["i", "s", "c"], owner="A", lease=10, fresh_after=0)
    await j.intent("op", ["i", "s"], owner="A")
    await j.started("op", ["s"], "h")
    clock.now += 9
    got = await claim("op", ["i", "s", "c"], owner="B", lease=10, fresh_after=0)
    assert {c.state for c in got.values()} == {ClaimState.HELD}
    await j.renew("A", 10)  # the heartbeat keeps A's claims
    clock.now += 9
    assert await j.owner_alive("A")
    got = await claim("op", ["i", "s", "c"], owner="B", lease=10, fresh_after=0)
    assert {c.state for c in got.values()} == {ClaimState.HELD}
    clock.now += 1.5  # A missed its heartbeat: its lease is over
    assert not await j.owner_alive("A")
    got = await claim("op", ["i", "s", "c"], owner="B", lease=10, fresh_after=0)
    assert got["i"].state is ClaimState.UNKNOWN  # sent, or being sent: not resent
    assert got["s"].state is ClaimState.RESUME and got["s"].record is not None
    assert got["s"].record.task_hash == "h"
    assert got["c"].state is ClaimState.OWNED  # never sent: taken over
    rows = await j.lookup("op", ["i", "s", "c"])
    assert [rows[k].owner for k in "isc"] == ["A", "B", "B"]
    # A comes back to life and finds its claim gone.
    await j.renew("A", 10)
    assert (await claim("op", ["c"], owner="A", lease=10, fresh_after=0))["c"].state is (
        ClaimState.HELD
    )
    await j.close()


async def test_two_journals_on_one_file_see_each_others_claims(tmp_path: Path) -> None:
    a, b = SQLiteJournal(tmp_path / "j.db"), SQLiteJournal(tmp_path / "j.db")
    got_a, got_b = await asyncio.gather(
        a.claim("op", [str(i) for i in range(200)], owner="A", lease=60, fresh_after=0),
        b.claim("op", [str(i) for i in range(100, 300)], owner="B", lease=60, fresh_after=0),
    )
    owned = Counter(
        k for got in (got_a, got_b) for k, c in got.items() if c.state is ClaimState.OWNED
    )
    assert set(owned) == {str(i) for i in range(300)} and set(owned.values()) == {1}
    await a.close()
    await b.close()


async def run_workers(spec: str, n: int, keys: list[str], tmp_path: Path) -> list[dict]:  # type: ignore[type-arg]
    """N worker processes claiming overlapping shuffles of ``keys`` at the same moment."""
    go = tmp_path / "go"
    rng = random.Random(7)
    procs = []
    for w in range(n):
        mine = [k for k in keys if rng.random() < 0.85]  # heavy overlap
        rng.shuffle(mine)
        procs.append(
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                contract.WORKER,
                spec,
                f"W{w}",
                str(go),
                json.dumps(mine),
                stdout=asyncio.subprocess.PIPE,
            )
        )
    await asyncio.sleep(0)  # let them start; they wait for the go file
    go.write_text("go")
    outs = []
    for p in procs:
        out, _ = await asyncio.wait_for(p.communicate(), 120)
        assert p.returncode == 0
        outs.append(json.loads(out))
    return outs


def check_owned_once(outs: list[dict], keys: list[str], rows: dict) -> None:  # type: ignore[type-arg]
    owned = Counter(k for out in outs for k in out["owned"])
    claimed_somewhere = set().union(*(set(o["owned"]) for o in outs))
    assert max(owned.values()) == 1, owned.most_common(3)  # nobody started a key twice
    asked = set(keys)
    assert claimed_somewhere <= asked
    # Every key someone asked for was owned by exactly one worker and is done by that one.
    for key in claimed_somewhere:
        assert rows[key].state is State.DONE
        assert rows[key].data == {
            "by": next(f"W{i}" for i, o in enumerate(outs) if key in o["owned"])
        }
    # The overlap was real: workers met HELD or DONE inputs.
    met = Counter()
    for out in outs:
        met.update(out["counts"])
    assert met["held"] + met["done"] > len(keys) // 2


async def test_four_processes_claiming_the_same_inputs_own_each_once(tmp_path: Path) -> None:
    keys = [f"user{i}@acme.com" for i in range(500)]
    db = tmp_path / "runs.db"  # made by the workers themselves, all at once
    outs = await run_workers(str(db), 4, keys, tmp_path)
    journal = SQLiteJournal(db)
    rows = await journal.lookup("op", keys)
    await journal.close()
    check_owned_once(outs, keys, rows)
    assert sum(len(o["owned"]) for o in outs) == len(rows)
    assert os.listdir(tmp_path) and not [p for p in os.listdir(tmp_path) if p.endswith(".new")]
