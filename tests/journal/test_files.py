"""A file where a journal is expected that is not one: a typed JournalError saying what and
where — never a silent fresh start (which would pay for every recorded input again), never a
raw sqlite3 exception."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from snov_async import JournalError, SnovError
from snov_async.journal import SQLiteJournal, State


async def first_use(path: Path) -> JournalError:
    journal = SQLiteJournal(path)
    with pytest.raises(JournalError) as info:
        await journal.lookup("op", ["a"])
    with pytest.raises(JournalError):  # and again: it never falls back to a fresh journal
        await journal.intent("op", ["a"])
    await journal.close()
    err = info.value
    assert isinstance(err, SnovError) and err.path == str(path)
    assert str(path) in str(err)
    assert not isinstance(err.__cause__, JournalError)
    return err


async def make_journal(path: Path, rows: int) -> None:
    journal = SQLiteJournal(path)
    keys = [f"user{i}@example.com" for i in range(rows)]
    await journal.intent("op", keys)
    await journal.done("op", [(k, {"result": "valid", "pad": "x" * 200}) for k in keys])
    await journal.close()


async def test_an_empty_file_is_not_a_new_journal(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    path.write_bytes(b"")
    err = await first_use(path)
    assert "empty (0 bytes)" in str(err) and "backup" in str(err)
    assert path.read_bytes() == b""  # left as it was


async def test_random_bytes_are_not_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    garbage = bytes(range(256)) * 64
    path.write_bytes(garbage)
    err = await first_use(path)
    assert "not a SQLite database" in str(err)
    assert path.read_bytes() == garbage


async def test_a_text_file_is_not_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    path.write_text("email\nuser@example.com\n")
    assert "not a SQLite database" in str(await first_use(path))


@pytest.mark.parametrize("keep", [0.5, 0.9, 100 / 4096])
async def test_a_truncated_journal_is_damaged(tmp_path: Path, keep: float) -> None:
    path = tmp_path / "runs.db"
    await make_journal(path, 400)
    data = path.read_bytes()
    assert len(data) > 20 * 4096
    path.write_bytes(data[: int(len(data) * keep)])
    err = await first_use(path)
    assert "damaged or truncated" in str(err)


async def test_a_database_of_another_program_is_not_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE contacts (name TEXT, email TEXT)")
    db.commit()
    db.close()
    err = await first_use(path)
    assert "another program" in str(err) and "contacts" in str(err)


async def test_a_journal_table_of_another_shape_is_not_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE journal (id INTEGER PRIMARY KEY, entry TEXT)")
    db.commit()
    db.close()
    assert "no column operation" in str(await first_use(path))


async def test_a_directory_is_not_a_journal(tmp_path: Path) -> None:
    assert "directory" in str(await first_use(tmp_path))


async def test_a_row_it_cannot_read_is_a_journal_error(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    await make_journal(path, 1)
    db = sqlite3.connect(path)
    db.execute("UPDATE journal SET state = 'exploded'")
    db.commit()
    db.close()
    journal = SQLiteJournal(path)
    with pytest.raises(JournalError, match="cannot read"):
        await journal.lookup("op", ["user0@example.com"])
    await journal.close()


async def test_a_journal_from_before_claims_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE journal (operation TEXT NOT NULL, key TEXT NOT NULL, state TEXT NOT NULL, "
        "task_hash TEXT, data TEXT, updated_at REAL NOT NULL, PRIMARY KEY (operation, key))"
    )
    db.execute("INSERT INTO journal VALUES ('op', 'a', 'done', 'h', '{\"x\": 1}', 5.0)")
    db.execute("INSERT INTO journal VALUES ('op', 'b', 'started', 'h2', NULL, 6.0)")
    db.commit()
    db.close()
    journal = SQLiteJournal(path)
    rows = await journal.lookup("op", ["a", "b"])
    assert rows["a"].state is State.DONE and rows["a"].data == {"x": 1}
    assert rows["b"].owner is None and rows["b"].task_hash == "h2"
    got = await journal.claim("op", ["a", "b"], owner="W", lease=10, fresh_after=0)
    assert [got[k].state.value for k in "ab"] == ["done", "resume"]
    await journal.close()


async def test_a_missing_file_is_created_with_its_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "runs.db"
    journal = SQLiteJournal(path)
    assert await journal.lookup("op", ["x"]) == {}
    await journal.intent("op", ["x"])
    await journal.close()
    assert path.stat().st_size > 0
    assert sorted(p.name for p in path.parent.iterdir() if p.name.endswith(".new")) == []
    again = SQLiteJournal(path)
    assert (await again.lookup("op", ["x"]))["x"].state is State.INTENT
    await again.close()


async def test_journals_opened_at_once_on_a_new_path_all_work(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    journals = [SQLiteJournal(path) for _ in range(6)]
    await asyncio.gather(*(j.intent("op", [f"k{n}"]) for n, j in enumerate(journals)))
    rows = await journals[0].lookup("op", [f"k{n}" for n in range(6)])
    assert len(rows) == 6
    await asyncio.gather(*(j.close() for j in journals))


async def test_a_lock_held_too_long_is_a_journal_error(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    await make_journal(path, 1)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process in the middle of a long write
    journal = SQLiteJournal(path, busy_timeout=0.05)
    try:
        with pytest.raises(JournalError, match="locked") as info:
            await journal.intent("op", ["b"])
        assert isinstance(info.value.__cause__, sqlite3.OperationalError)
        assert await journal.lookup("op", ["user0@example.com"])  # reading still works
    finally:
        other.execute("ROLLBACK")
        other.close()
    await journal.intent("op", ["b"])  # and writing once the lock is gone
    await journal.close()


async def test_an_unwritable_place_is_a_journal_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    journal = SQLiteJournal(blocker / "runs.db")  # a folder that is a file
    with pytest.raises(JournalError):
        await journal.lookup("op", ["a"])
    await journal.close()
    assert blocker.read_text() == "x"  # untouched
