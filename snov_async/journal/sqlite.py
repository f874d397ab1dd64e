"""The embedded journal: one SQLite file, written from one worker thread.

WAL mode with ``synchronous=NORMAL``: a committed row survives the process being killed
(SIGKILL included), which is what the journal protects against. Several processes may share
one file: every write is one ``BEGIN IMMEDIATE`` transaction, and a process that finds the
file locked queues (``busy_timeout``) instead of failing.

A file that exists but is not a journal — empty, garbage, truncated, another program's
database — raises `JournalError` when first used; it is never silently replaced by a new
journal (that would pay for every recorded input again). So does every SQLite error.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import secrets
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from .. import _validate
from ..errors import ConfigurationError, JournalError
from .base import Claim, ClaimState, Record, State, decide

__all__ = ["SQLiteJournal"]

T = TypeVar("T")

HEADER = b"SQLite format 3\x00"
CHUNK = 500  # keys per IN (...) query
COLUMNS = ("operation", "key", "state", "task_hash", "data", "updated_at")
#: Owners whose lease ended this long ago are deleted (a missing owner is a dead one anyway).
OWNER_PURGE_AGE = 86_400.0

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS journal (
        operation TEXT NOT NULL,
        key TEXT NOT NULL,
        state TEXT NOT NULL,
        task_hash TEXT,
        data TEXT,
        updated_at REAL NOT NULL,
        owner TEXT,
        PRIMARY KEY (operation, key)
    )""",
    "CREATE INDEX IF NOT EXISTS journal_hash ON journal (task_hash)",
    """CREATE TABLE IF NOT EXISTS owners (
        owner TEXT PRIMARY KEY,
        expires_at REAL NOT NULL
    )""",
)

UPSERT = (
    "INSERT INTO journal (operation, key, state, task_hash, data, updated_at, owner) "
    "VALUES (?, ?, ?, NULL, NULL, ?, ?) "
    "ON CONFLICT (operation, key) DO UPDATE SET state = excluded.state, task_hash = NULL, "
    "data = NULL, updated_at = excluded.updated_at, owner = {owner}"
)

FIX = "move it away (or point journal= at the right file) and run again"


#: Every journal of this process, to tell whether one of them holds a file open.
_JOURNALS: weakref.WeakSet[SQLiteJournal] = weakref.WeakSet()
_JOURNALS_LOCK = threading.Lock()
#: Held while a journal of this process opens its file (checks it, connects, registers).
_OPENING = threading.Lock()


def _held_here(identity: tuple[int, int] | None) -> bool:
    """Whether a journal of this process has the file ``identity`` open. Opening and closing
    that file any other way (to read its header) would drop every lock this process holds on
    it: POSIX advisory locks belong to the process, and closing any descriptor of the file
    releases them all. Another process's SQLite then took itself for the last user, deleted
    the -wal and -shm files under this one, and the processes wrote apart."""
    if identity is None:
        return False
    with _JOURNALS_LOCK:
        journals = list(_JOURNALS)
    return any(j._db is not None and j._identity == identity for j in journals)


def _identity(path: Path) -> tuple[int, int] | None:
    st = os.stat(path)
    return (st.st_dev, st.st_ino) if st.st_ino else None


class SQLiteJournal:
    """A `Journal` in a SQLite file (made if missing).

    While it is in use the journal is three files: ``path`` and SQLite's ``path-wal`` and
    ``path-shm`` beside it. Copy, move, restore or delete them together, with no run using
    them: a backup restored beside a newer ``-wal`` gets that log replayed over it (its
    records vanish, a crashed run's come back), and a ``-wal`` deleted during a run is
    detected and refused (`JournalError`).

    Args:
        path: the file.
        busy_timeout: seconds a write waits for another process's transaction before
            failing with `JournalError`.
        clock: the wall clock (``time.time``) for ``updated_at`` and leases; tests inject one.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(path, (str, os.PathLike)) or not isinstance(os.fspath(path), str):
            raise ConfigurationError(
                f"path must be a file path, got {type(path).__name__}", field="path"
            )
        if not os.fspath(path).strip() or "\x00" in os.fspath(path):
            raise ConfigurationError("path must be a file path (not blank, no NUL)", field="path")
        _validate.number(busy_timeout, "busy_timeout", low=0, high=86_400)
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._clock = clock
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._db: sqlite3.Connection | None = None
        #: (device, inode) of the file the connection opened (None: no inodes here).
        self._identity: tuple[int, int] | None = None
        #: The same for its write-ahead log (``{path}-wal``), once there is one.
        self._wal_identity: tuple[int, int] | None = None

    def __repr__(self) -> str:
        return f"<SQLiteJournal {self.path}>"

    # Opening -------------------------------------------------------------------------------

    def _error(self, problem: str, fix: str = FIX) -> JournalError:
        err = JournalError(f"journal {self.path}: {problem}; {fix}")
        err.path = str(self.path)
        return err

    def _connect(self) -> sqlite3.Connection:
        if self._db is not None:
            self._check_same_file()
            return self._db
        with _OPENING:  # one at a time: a header read never races another journal's open
            return self._open()

    def _open(self) -> sqlite3.Connection:
        if not self.path.exists():
            self._create()
        self._check_file()
        db = sqlite3.connect(
            self.path, timeout=self.busy_timeout, check_same_thread=False, isolation_level=None
        )
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            problems = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
            if problems != ["ok"]:
                raise self._error(
                    f"the database is damaged or truncated ({problems[0]})",
                    "restore it from a backup, or move it away and run again (inputs "
                    "recorded only in it may then be paid again)",
                )
            self._ensure_schema(db)
        except BaseException:
            db.close()
            raise
        self._db = db
        self._identity = _identity(self.path)
        self._wal_identity = self._wal()
        with _JOURNALS_LOCK:
            _JOURNALS.add(self)
        return db

    def _wal(self) -> tuple[int, int] | None:
        try:
            return _identity(Path(f"{self.path}-wal"))
        except FileNotFoundError:
            return None

    def _check_same_file(self) -> None:
        """The open connection writes to the file it opened even after that file was deleted
        or replaced; what it records then is lost to every later run, which would pay for it
        again. So each use checks that the path still names the file that was opened."""
        if self._identity is None:
            return
        try:
            now: tuple[int, int] | None = _identity(self.path)
        except FileNotFoundError:
            now = None
        if now != self._identity:
            raise self._error(
                "the file was deleted or replaced while this run used it (what the run "
                "recorded since went to a file no later run will read)",
                "stop whatever moved or deleted it; the journal's records are in the file "
                "that was there when the run began",
            )
        # The write-ahead log holds what was committed since the last checkpoint. Deleted
        # under an open connection, it lives on unlinked until this process ends: a crash
        # then loses every record it held (a rerun paid again for 70 of 70 paid inputs).
        if self._wal_identity is None:
            self._wal_identity = self._wal()
        elif self._wal() != self._wal_identity:
            if self._db is not None:
                with contextlib.suppress(sqlite3.Error):  # best effort: still readable here
                    self._db.execute("PRAGMA wal_checkpoint(FULL)")
            raise self._error(
                "its write-ahead log (the -wal file beside it) was deleted or replaced while "
                "this run used it; what the run recorded until now was copied into the "
                "journal file, but nothing more can be recorded safely",
                "stop whatever deletes the journal's -wal and -shm files while a run uses "
                "it (they are part of the journal), and run again",
            )

    def _create(self) -> None:
        """Make a new journal under a temporary name and link it into place, so that another
        process never sees a half-made (empty) file where a journal should be."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(6)}.new")
        db = sqlite3.connect(tmp, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            for statement in SCHEMA:
                db.execute(statement)
        finally:
            db.close()
        try:
            os.link(tmp, self.path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        except OSError:  # no hard links here: fall back to taking the name if still free
            with contextlib.suppress(FileExistsError):
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
                with os.fdopen(fd, "wb") as out:
                    out.write(tmp.read_bytes())
        finally:
            tmp.unlink(missing_ok=True)

    def _check_file(self) -> None:
        if self.path.is_dir():
            raise self._error("it is a directory, not a journal file", "give a file path")
        size = self.path.stat().st_size
        if size == 0:
            raise self._error(
                "the file is empty (0 bytes), not a journal — perhaps truncated by a crash "
                "or a copy",
                "restore it from a backup, or delete it to start a new journal (inputs it "
                "recorded may then be paid again)",
            )
        if _held_here(_identity(self.path)):
            return  # a journal here has it open: it is one, and reading it would drop locks
        with self.path.open("rb") as f:
            head = f.read(len(HEADER))
        if head != HEADER:
            raise self._error(
                f"the file is not a SQLite database (it starts with {head[:8]!r})",
            )

    def _ensure_schema(self, db: sqlite3.Connection) -> None:
        if self._inspect(db):
            return  # a journal of this version: nothing to write, no lock to take
        with self._tx(db):  # made or upgraded by one process at a time
            if not self._inspect(db):
                if "owner" not in {row[1] for row in db.execute("PRAGMA table_info(journal)")}:
                    with contextlib.suppress(sqlite3.OperationalError):  # no table yet
                        db.execute("ALTER TABLE journal ADD COLUMN owner TEXT")
                for statement in SCHEMA:
                    db.execute(statement)

    def _inspect(self, db: sqlite3.Connection) -> bool:
        """Whether the schema is complete; raises if the file is not a journal at all."""
        objects = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        tables = {
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "journal" not in tables:
            foreign = sorted(tables - {"owners"})
            if foreign:
                raise self._error(
                    "the file is a SQLite database of another program (tables: "
                    + ", ".join(foreign[:5])
                    + ("…" if len(foreign) > 5 else "")
                    + "), not a journal"
                )
            return False
        columns = {row[1] for row in db.execute("PRAGMA table_info(journal)")}
        missing = [c for c in COLUMNS if c not in columns]
        if missing:
            raise self._error(
                "its journal table is not a snov_async journal (no column "
                + ", ".join(missing)
                + ")"
            )
        return "owner" in columns and {"owners", "journal_hash"} <= objects

    @contextlib.contextmanager
    def _tx(self, db: sqlite3.Connection) -> Iterator[None]:
        """One write transaction, taking the write lock at once (waits ``busy_timeout``)."""
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    async def _run(self, what: str, fn: Callable[[], T]) -> T:
        def guarded() -> T:
            try:
                return fn()
            except sqlite3.Error as exc:
                raise self._translate(what, exc) from exc
            except OSError as exc:
                raise self._error(
                    f"{what} failed ({exc})", "check the path and its rights"
                ) from exc
            except (ValueError, TypeError) as exc:  # a row this journal never wrote
                raise self._error(
                    f"{what} found a row it cannot read ({exc})",
                    "the file was changed by another program; move it away and run again",
                ) from exc

        loop = asyncio.get_running_loop()
        if self._pool is None:  # made on first use, and again after a close (reuse)
            self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="snov-journal")
        return await loop.run_in_executor(self._pool, guarded)

    def _translate(self, what: str, exc: sqlite3.Error) -> JournalError:
        text = str(exc)
        if "locked" in text or "busy" in text:
            return self._error(
                f"{what} waited {self.busy_timeout:g} s for another process holding the file "
                "locked",
                "let the other run finish, or raise busy_timeout",
            )
        if "not a database" in text or "malformed" in text or "corrupt" in text:
            return self._error(
                f"the database is damaged or truncated ({text})",
                "restore it from a backup, or move it away and run again (inputs recorded "
                "only in it may then be paid again)",
            )
        return self._error(f"{what} failed ({type(exc).__name__}: {text})", "see the cause")

    # Reading -------------------------------------------------------------------------------

    def _select(
        self, db: sqlite3.Connection, operation: str, keys: Sequence[str]
    ) -> dict[str, Record]:
        out: dict[str, Record] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), CHUNK):
            chunk = unique[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(
                "SELECT key, state, task_hash, data, updated_at, owner FROM journal "
                f"WHERE operation = ? AND key IN ({marks})",
                [operation, *chunk],
            ).fetchall()
            for key, state, task_hash, data, updated, owner in rows:
                out[key] = Record(
                    operation,
                    key,
                    State(state),
                    task_hash,
                    json.loads(data) if data is not None else None,
                    float(updated),
                    owner,
                )
        return out

    def _alive(self, db: sqlite3.Connection, owners: set[str], now: float) -> set[str]:
        found: set[str] = set()
        listed = sorted(owners)
        for start in range(0, len(listed), CHUNK):
            chunk = listed[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(
                owner
                for (owner,) in db.execute(
                    f"SELECT owner FROM owners WHERE expires_at > ? AND owner IN ({marks})",
                    [now, *chunk],
                )
            )
        return found

    # Journal -------------------------------------------------------------------------------

    async def lookup(self, operation: str, keys: Sequence[str]) -> dict[str, Record]:
        return await self._run("reading", lambda: self._select(self._connect(), operation, keys))

    async def _write(self, what: str, sql: str, rows: list[tuple[Any, ...]]) -> None:
        def write() -> None:
            db = self._connect()
            with self._tx(db):
                db.executemany(sql, rows)

        await self._run(what, write)

    async def intent(
        self, operation: str, keys: Sequence[str], *, owner: str | None = None
    ) -> None:
        def write() -> None:
            db = self._connect()
            now = self._clock()
            with self._tx(db):
                if owner is not None:
                    rows = self._select(db, operation, keys)
                    lost = [
                        k
                        for k in keys
                        if (r := rows.get(k)) is None
                        or r.owner != owner
                        or r.state not in (State.CLAIMED, State.INTENT)
                    ]
                    if lost:
                        raise self._lost(lost, owner)
                db.executemany(
                    UPSERT.format(
                        owner="CASE WHEN journal.state IN ('claimed', 'intent') "
                        "THEN journal.owner ELSE NULL END"
                    ),
                    [(operation, key, State.INTENT.value, now, None) for key in keys],
                )

        await self._run("recording an intent", write)

    def _lost(self, keys: Sequence[str], owner: str) -> JournalError:
        return self._error(
            f"{len(keys)} claim(s) of worker {owner} were lost (its lease ran out and another "
            f"worker took them, or they were released), e.g. {keys[0]!r}",
            "nothing was recorded or sent for this batch; renew the lease more often",
        )

    async def started(self, operation: str, keys: Sequence[str], task_hash: str) -> None:
        now = self._clock()
        await self._write(
            "recording a task hash",
            "UPDATE journal SET state = 'started', task_hash = ?, updated_at = ? "
            "WHERE operation = ? AND key = ?",
            [(task_hash, now, operation, key) for key in keys],
        )

    async def done(self, operation: str, results: Sequence[tuple[str, Any]]) -> None:
        now = self._clock()
        await self._write(
            "recording results",
            "UPDATE journal SET state = 'done', data = ?, updated_at = ? "
            "WHERE operation = ? AND key = ?",
            [(json.dumps(data), now, operation, key) for key, data in results],
        )

    async def forget(self, operation: str, keys: Sequence[str]) -> None:
        await self._write(
            "forgetting inputs",
            "DELETE FROM journal WHERE operation = ? AND key = ?",
            [(operation, key) for key in keys],
        )

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
        def claim() -> dict[str, Claim]:
            db = self._connect()
            now = self._clock()
            out: dict[str, Claim] = {}
            with self._tx(db):
                self._renew(db, owner, lease, now)
                rows = self._select(db, operation, keys)
                others = {r.owner for r in rows.values() if r.owner and r.owner != owner}
                alive = self._alive(db, others, now)
                claimed: list[tuple[Any, ...]] = []
                resumed: list[tuple[Any, ...]] = []
                for key in dict.fromkeys(keys):
                    row = rows.get(key)
                    verdict = decide(
                        row,
                        owner=owner,
                        fresh_after=fresh_after,
                        take_unknown=take_unknown,
                        alive=alive.__contains__,
                    )
                    record = row
                    if verdict is ClaimState.OWNED:
                        claimed.append((operation, key, State.CLAIMED.value, now, owner))
                        record = Record(operation, key, State.CLAIMED, None, None, now, owner)
                    elif verdict is ClaimState.RESUME and row is not None:
                        resumed.append((owner, operation, key))
                        record = Record(
                            operation, key, row.state, row.task_hash, row.data,
                            row.updated_at, owner,
                        )  # fmt: skip
                    out[key] = Claim(key, verdict, record)
                if claimed:
                    db.executemany(UPSERT.format(owner="excluded.owner"), claimed)
                if resumed:
                    db.executemany(
                        "UPDATE journal SET owner = ? WHERE operation = ? AND key = ?", resumed
                    )
            return out

        return await self._run("claiming inputs", claim)

    def _renew(self, db: sqlite3.Connection, owner: str, lease: float, now: float) -> None:
        if lease > 0:
            db.execute(
                "INSERT INTO owners (owner, expires_at) VALUES (?, ?) "
                "ON CONFLICT (owner) DO UPDATE SET expires_at = excluded.expires_at",
                (owner, now + lease),
            )
        else:
            db.execute("DELETE FROM owners WHERE owner = ?", (owner,))
        db.execute("DELETE FROM owners WHERE expires_at < ?", (now - OWNER_PURGE_AGE,))

    async def renew(self, owner: str, lease: float) -> None:
        def renew() -> None:
            db = self._connect()
            with self._tx(db):
                self._renew(db, owner, lease, self._clock())

        await self._run("renewing a lease", renew)

    async def release(self, operation: str, keys: Sequence[str], *, owner: str) -> None:
        await self._write(
            "releasing claims",
            "DELETE FROM journal WHERE operation = ? AND key = ? AND owner = ? "
            "AND state IN ('claimed', 'intent')",
            [(operation, key, owner) for key in keys],
        )

    async def owner_alive(self, owner: str) -> bool:
        def read() -> bool:
            return bool(self._alive(self._connect(), {owner}, self._clock()))

        return await self._run("reading a lease", read)

    async def close(self) -> None:
        def shut() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        if self._pool is None:
            return  # never used, or closed already: closing twice is harmless
        await self._run("closing", shut)
        pool, self._pool = self._pool, None
        if pool is not None:  # not closed meanwhile by a concurrent close()
            pool.shutdown(wait=True)
