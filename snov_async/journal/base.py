"""What the task runner needs from a journal, and the records it keeps.

A journal remembers paid work so that none of it is lost or paid twice:

* before a batch start is sent, an **intent** row per input;
* when the start answers, the **task hash** on those rows (``started``);
* when the task answers, each input's **result** (``done``).

After a crash the same bulk call finds its inputs in the journal: done ones are answered from
it (within the cache TTL), started ones are polled again by hash, and intents without a hash —
the process died while the start was on the wire — are reported as unknown outcomes instead of
being sent again.

Claims: many workers on one journal
-----------------------------------
Workers sharing a journal (processes on one SQLite file, machines on one Redis) first
**claim** their inputs. Each worker has an ``owner`` id and a **lease**: it is *alive* while
its lease has not expired; ``claim`` and ``renew`` extend it, ``renew(owner, 0)`` ends it. A
claim decides each input atomically (one SQLite ``BEGIN IMMEDIATE`` transaction, one Redis
script), so of N workers claiming one input exactly one gets it::

    row found                                claim answers   and writes
    ---------------------------------------  -------------   ----------------------------
    none                                     OWNED           CLAIMED by the claimer
    DONE, updated_at >= fresh_after          DONE            -  (record: data, task_hash)
    DONE, updated_at <  fresh_after (stale)  OWNED           CLAIMED by the claimer
    CLAIMED by the claimer or a dead owner   OWNED           CLAIMED by the claimer
    STARTED (hash) by claimer / dead owner   RESUME          owner := claimer (poll the hash)
    INTENT by a dead owner (or no owner)     UNKNOWN         -  (take_unknown: OWNED, CLAIMED)
    INTENT by the claimer itself             HELD            -  (in flight in this worker)
    any state but DONE by another live owner HELD            -  (record: state, owner)

The life of an input in one worker::

    claim -> OWNED (CLAIMED) --intent--> INTENT --started--> STARTED --done--> DONE
                 |                          |
                 +--------- release --------+--> (no row: nothing was sent)

``intent`` turns the claimer's CLAIMED rows into INTENT (owner kept); ``started`` keeps the
owner; ``done`` may be written by anyone; ``forget`` deletes whatever is there; ``release``
deletes only the owner's CLAIMED and INTENT rows. A worker that dies leaves INTENT rows (the
start may have reached the server: unknown outcome, reported, not resent) and STARTED rows
(resumed by the next claimer, who polls the recorded hash).

A journal used without claims (``intent`` straight away, as a single worker does) behaves as
before: its rows have no owner, so they count as owned by a dead worker.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Hashable, Sequence
from typing import Any, Protocol, runtime_checkable

import attrs

__all__ = ["Claim", "ClaimState", "Journal", "Record", "State", "encode_key"]


class State(enum.Enum):
    """The state of a journal row."""

    CLAIMED = "claimed"
    INTENT = "intent"
    STARTED = "started"
    DONE = "done"


class ClaimState(enum.Enum):
    """What `Journal.claim` decided for one input (see the table in this module's doc)."""

    #: The claimer owns the input now: it may send its start.
    OWNED = "owned"
    #: A fresh answer is recorded (``record.data``): nothing to send.
    DONE = "done"
    #: Started by a dead worker (or by the claimer): poll ``record.task_hash`` again.
    RESUME = "resume"
    #: Another live worker (or the claimer itself) has it in hand: wait for its answer.
    HELD = "held"
    #: A dead worker sent (or was sending) its start and recorded no answer: outcome unknown.
    UNKNOWN = "unknown"


@attrs.frozen
class Record:
    """What the journal knows of one input of one operation."""

    operation: str
    key: str
    state: State
    task_hash: str | None = None
    data: Any = None
    updated_at: float = 0.0
    #: The worker whose claim or start this row is (``None``: none, or written without claims).
    owner: str | None = None


@attrs.frozen
class Claim:
    """The outcome of claiming one input, with the row as the claim left it."""

    key: str
    state: ClaimState
    record: Record | None


def encode_key(key: Hashable) -> str:
    """A stable text form of a runner key (a string, or a tuple of strings)."""
    if isinstance(key, str):
        return key
    if isinstance(key, tuple):
        return json.dumps(list(key), ensure_ascii=False, separators=(",", ":"))
    return json.dumps(key, ensure_ascii=False, separators=(",", ":"), default=str)


@runtime_checkable
class Journal(Protocol):
    """A durable record of paid task work (SQLite file, or Redis for many workers)."""

    async def lookup(self, operation: str, keys: Sequence[str]) -> dict[str, Record]:
        """The records of these keys that exist."""

    async def intent(
        self, operation: str, keys: Sequence[str], *, owner: str | None = None
    ) -> None:
        """Before a start is sent: these inputs are about to be started.

        CLAIMED rows become INTENT and keep their owner; other rows are overwritten as INTENT
        without an owner. With ``owner``, every row must still be that owner's CLAIMED (or
        INTENT) row — otherwise nothing is written and `JournalError` says the claim was
        lost (its lease expired and another worker took it).
        """

    async def started(self, operation: str, keys: Sequence[str], task_hash: str) -> None:
        """The start answered with ``task_hash``."""

    async def done(self, operation: str, results: Sequence[tuple[str, Any]]) -> None:
        """Tasks answered these inputs with these (JSON-able) data."""

    async def forget(self, operation: str, keys: Sequence[str]) -> None:
        """Nothing was started for these inputs after all (the start was refused)."""

    async def claim(
        self,
        operation: str,
        keys: Sequence[str],
        *,
        owner: str,
        lease: float,
        fresh_after: float,
        take_unknown: bool = False,
    ) -> dict[str, Claim]:
        """Claim these inputs for ``owner`` atomically (see the module doc), and renew
        ``owner``'s lease for ``lease`` seconds. DONE rows older than ``fresh_after`` (a
        ``time.time()`` value) are stale and claimed again; ``take_unknown`` claims the
        unknown outcomes too (resending them risks a double charge)."""

    async def renew(self, owner: str, lease: float) -> None:
        """Heartbeat: ``owner`` is alive for ``lease`` more seconds (0 ends its lease)."""

    async def release(self, operation: str, keys: Sequence[str], *, owner: str) -> None:
        """Drop ``owner``'s CLAIMED and INTENT rows of these inputs: nothing was sent."""

    async def owner_alive(self, owner: str) -> bool:
        """Whether ``owner``'s lease is running."""

    async def close(self) -> None:
        """Release the journal's resources."""


def decide(
    row: Record | None,
    *,
    owner: str,
    fresh_after: float,
    take_unknown: bool,
    alive: Any,
) -> ClaimState:
    """The claim table of the module doc, for one row (``alive(o)``: is o's lease running).

    Shared by the SQLite journal and the tests' model; the Redis script mirrors it.
    """
    if row is None:
        return ClaimState.OWNED
    if row.state is State.DONE:
        return ClaimState.OWNED if row.updated_at < fresh_after else ClaimState.DONE
    mine = row.owner == owner
    live_other = not mine and row.owner is not None and bool(alive(row.owner))
    if row.state is State.CLAIMED:
        return ClaimState.HELD if live_other else ClaimState.OWNED
    if row.state is State.STARTED and row.task_hash:
        return ClaimState.HELD if live_other else ClaimState.RESUME
    # INTENT (or a STARTED row without a hash): the start may be on the wire.
    if mine or live_other:
        return ClaimState.HELD
    return ClaimState.OWNED if take_unknown else ClaimState.UNKNOWN
