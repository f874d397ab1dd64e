"""The embedded journal: one SQLite file, written from one worker thread.

WAL mode with ``synchronous=NORMAL``: a committed row survives the process being killed
(SIGKILL included), which is what the journal protects against.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from .base import Record, State

__all__ = ["SQLiteJournal"]

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    operation TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    task_hash TEXT,
    data TEXT,
    updated_at REAL NOT NULL,
    PRIMARY KEY (operation, key)
);
CREATE INDEX IF NOT EXISTS journal_hash ON journal (task_hash);
"""


class SQLiteJournal:
    """A `Journal` in a SQLite file (made if missing)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="snov-journal")
        self._db: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        return f"<SQLiteJournal {self.path}>"

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(SCHEMA)
            self._db = db
        return self._db

    async def _run(self, fn: Any, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, fn, *args)

    # Journal -------------------------------------------------------------------------------

    async def lookup(self, operation: str, keys: Sequence[str]) -> dict[str, Record]:
        def read() -> dict[str, Record]:
            db = self._connect()
            out: dict[str, Record] = {}
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    "SELECT key, state, task_hash, data, updated_at FROM journal "
                    f"WHERE operation = ? AND key IN ({marks})",
                    [operation, *chunk],
                ).fetchall()
                for key, state, task_hash, data, updated in rows:
                    out[key] = Record(
                        operation,
                        key,
                        State(state),
                        task_hash,
                        json.loads(data) if data is not None else None,
                        updated,
                    )
            return out

        result: dict[str, Record] = await self._run(read)
        return result

    async def _write(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        def write() -> None:
            db = self._connect()
            with db:  # one transaction
                db.execute("BEGIN")
                db.executemany(sql, rows)

        await self._run(write)

    async def intent(self, operation: str, keys: Sequence[str]) -> None:
        now = time.time()
        await self._write(
            "INSERT INTO journal (operation, key, state, task_hash, data, updated_at) "
            "VALUES (?, ?, 'intent', NULL, NULL, ?) "
            "ON CONFLICT (operation, key) DO UPDATE SET state = 'intent', task_hash = NULL, "
            "data = NULL, updated_at = excluded.updated_at",
            [(operation, key, now) for key in keys],
        )

    async def started(self, operation: str, keys: Sequence[str], task_hash: str) -> None:
        now = time.time()
        await self._write(
            "UPDATE journal SET state = 'started', task_hash = ?, updated_at = ? "
            "WHERE operation = ? AND key = ?",
            [(task_hash, now, operation, key) for key in keys],
        )

    async def done(self, operation: str, results: Sequence[tuple[str, Any]]) -> None:
        now = time.time()
        await self._write(
            "UPDATE journal SET state = 'done', data = ?, updated_at = ? "
            "WHERE operation = ? AND key = ?",
            [(json.dumps(data), now, operation, key) for key, data in results],
        )

    async def forget(self, operation: str, keys: Sequence[str]) -> None:
        await self._write(
            "DELETE FROM journal WHERE operation = ? AND key = ?",
            [(operation, key) for key in keys],
        )

    async def close(self) -> None:
        def shut() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        await self._run(shut)
        self._pool.shutdown(wait=True)
