"""Durable records of paid work: resumable bulk runs and a result cache.

``SnovClient(..., journal="runs.db")`` keeps a SQLite journal; see `Journal` for what it
records and how a rerun uses it.
"""

from __future__ import annotations

from pathlib import Path

from .base import Claim, ClaimState, Journal, Record, State, encode_key
from .sqlite import SQLiteJournal

__all__ = [
    "Claim",
    "ClaimState",
    "Journal",
    "Record",
    "SQLiteJournal",
    "State",
    "encode_key",
    "open_journal",
]


def open_journal(spec: str | Path | Journal | None, *, scope: str | None = None) -> Journal | None:
    """A journal from a path (SQLite), a ``redis://`` URL, or an existing journal.

    ``scope`` (`snov_async._scope.account_scope`) names a Redis journal's keys
    (``snov_async:{scope}:journal``), so accounts sharing one Redis never meet there.
    """
    if spec is None or isinstance(spec, Journal):
        return spec
    text = str(spec)
    if text.startswith(("redis://", "rediss://")):
        from .redis import RedisJournal

        if scope is None:
            return RedisJournal(text)
        return RedisJournal(text, prefix=f"snov_async:{scope}:journal")
    return SQLiteJournal(text)
