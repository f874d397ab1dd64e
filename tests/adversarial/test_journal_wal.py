"""The SQLite journal's write-ahead log deleted while a worker uses it (someone "cleaning up"
``*.db-wal`` files), then the worker killed -9. Real SQLite, real processes.

The -wal file holds everything committed since the last checkpoint. Deleted under an open
connection it lives on unlinked, and SQLite keeps writing there; a crash then loses every
record in it. Before the fix a worker went on paying into it, and after a kill -9 a rerun
paid again for 70 of the 70 inputs the worker had paid for. Now the next journal use saves
what the log held into the journal file and refuses to record more (`JournalError`): no
new start goes out unrecorded.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import textwrap
from pathlib import Path

from snov_async import JournalError
from snov_async.journal import SQLiteJournal, State

CHILD = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from snov_async import JournalError
    from snov_async.journal import SQLiteJournal

    async def main(path):
        journal = SQLiteJournal(path)
        first = [f"a{i}@x.com" for i in range(10)]
        await journal.intent("op", first)
        await journal.started("op", first, "HASH1")
        print("written", flush=True)
        sys.stdin.readline()  # the test deletes the -wal file now
        try:
            await journal.intent("op", [f"b{i}@x.com" for i in range(10)])
            print("recorded", flush=True)
        except JournalError as exc:
            print("refused", str(exc), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # a crash: no close, no checkpoint

    asyncio.run(main(sys.argv[1]))
    """
)


def delete_wal(path: Path) -> int:
    """Delete the journal's write-ahead log; its size before."""
    wal = Path(f"{path}-wal")
    size = wal.stat().st_size
    wal.unlink()
    return size


async def test_a_deleted_wal_then_a_crash_loses_no_record(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        str(path),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        assert await asyncio.wait_for(child.stdout.readline(), 30) == b"written\n"
        assert delete_wal(path) > 0  # the rows were in the log, not yet in the file
        child.stdin.write(b"go\n")
        await child.stdin.drain()
        answer = (await asyncio.wait_for(child.stdout.readline(), 30)).decode()
        await asyncio.wait_for(child.wait(), 30)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    assert child.returncode == -signal.SIGKILL
    assert answer.startswith("refused") and "-wal" in answer, answer
    journal = SQLiteJournal(path)
    rows = await journal.lookup("op", [f"a{i}@x.com" for i in range(10)])
    assert len(rows) == 10  # was 0: the crash took the deleted log with it
    assert {(r.state, r.task_hash) for r in rows.values()} == {(State.STARTED, "HASH1")}
    assert await journal.lookup("op", [f"b{i}@x.com" for i in range(10)]) == {}
    await journal.close()


async def test_a_deleted_wal_is_refused_on_every_later_use(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    journal = SQLiteJournal(path)
    await journal.intent("op", ["a"])
    delete_wal(path)
    for _ in range(2):
        try:
            await journal.intent("op", ["b"])
        except JournalError as exc:
            assert exc.path == str(path) and "write-ahead log" in str(exc)
        else:
            raise AssertionError("recorded into a deleted write-ahead log")
    await journal.close()
    again = SQLiteJournal(path)  # a new run: a new log, the saved rows, nothing of "b"
    assert set(await again.lookup("op", ["a", "b"])) == {"a"}
    await again.intent("op", ["c"])
    await again.close()


READER = textwrap.dedent(
    """
    import sqlite3, sys
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    print(",".join(sorted(r[0] for r in db.execute("SELECT key FROM journal"))))
    db.close()  # the last connection anywhere would checkpoint and delete the -wal
    """
)


async def read_keys(path: Path) -> str:
    reader = await asyncio.create_subprocess_exec(
        sys.executable, "-c", READER, str(path), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(reader.communicate(), 30)
    assert reader.returncode == 0
    return out.decode().strip()


async def test_two_journals_of_one_process_keep_their_locks_on_a_shared_file(
    tmp_path: Path,
) -> None:
    """Two journals in one process on one file (two accounts per worker, as in
    tests/integrity). Opening the second read the file's header with a plain open/close,
    which dropped every SQLite lock the process held on it (POSIX locks belong to the
    process): another process closing its connection then took itself for the last user
    and deleted the -wal and -shm under the first journal, which went on writing into the
    deleted log, unseen by every other process (4 of 4 runs of the four-process test had a
    worker doing so)."""
    path = tmp_path / "j.db"
    first, second = SQLiteJournal(path), SQLiteJournal(path)
    await first.intent("op", ["a"])
    assert await second.lookup("op", ["a"])  # the second opens the same file
    assert await read_keys(path) == "a"  # another process opens and closes it
    await first.intent("op", ["b"])  # was: refused, the -wal deleted under it
    assert await read_keys(path) == "a,b"  # other processes see what it records
    await first.close()
    await second.close()
