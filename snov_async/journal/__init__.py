"""Durable records of paid work: resumable bulk runs and a result cache.

``SnovClient(..., journal="runs.db")`` keeps a SQLite journal; see `Journal` for what it
records and how a rerun uses it.
"""

from __future__ import annotations

from pathlib import Path

from .base import Journal, Record, State, encode_key
from .sqlite import SQLiteJournal

__all__ = ["Journal", "Record", "SQLiteJournal", "State", "encode_key", "open_journal"]


def open_journal(spec: str | Path | Journal | None) -> Journal | None:
    """A journal from a path (SQLite), a ``redis://`` URL, or an existing journal."""
    if spec is None or isinstance(spec, Journal):
        return spec
    text = str(spec)
    if text.startswith(("redis://", "rediss://")):
        from .redis import RedisJournal

        return RedisJournal(text)
    return SQLiteJournal(text)
