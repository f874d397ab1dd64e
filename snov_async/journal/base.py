"""What the task runner needs from a journal, and the records it keeps.

A journal remembers paid work so that none of it is lost or paid twice:

* before a batch start is sent, an **intent** row per input;
* when the start answers, the **task hash** on those rows (``started``);
* when the task answers, each input's **result** (``done``).

After a crash the same bulk call finds its inputs in the journal: done ones are answered from
it (within the cache TTL), started ones are polled again by hash, and intents without a hash —
the process died while the start was on the wire — are reported as unknown outcomes instead of
being sent again.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Hashable, Sequence
from typing import Any, Protocol, runtime_checkable

import attrs

__all__ = ["Journal", "Record", "State", "encode_key"]


class State(enum.Enum):
    INTENT = "intent"
    STARTED = "started"
    DONE = "done"


@attrs.frozen
class Record:
    """What the journal knows of one input of one operation."""

    operation: str
    key: str
    state: State
    task_hash: str | None = None
    data: Any = None
    updated_at: float = 0.0


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

    async def intent(self, operation: str, keys: Sequence[str]) -> None:
        """Before a start is sent: these inputs are about to be started."""

    async def started(self, operation: str, keys: Sequence[str], task_hash: str) -> None:
        """The start answered with ``task_hash``."""

    async def done(self, operation: str, results: Sequence[tuple[str, Any]]) -> None:
        """Tasks answered these inputs with these (JSON-able) data."""

    async def forget(self, operation: str, keys: Sequence[str]) -> None:
        """Nothing was started for these inputs after all (the start was refused)."""

    async def close(self) -> None:
        """Release the journal's resources."""
