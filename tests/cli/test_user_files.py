"""A new user's files, attacked: the output naming the journal, a full disk, a FIFO or a
device as output, and a previous run's ``.partial`` file.

Each test failed before its fix (the measured symptom is in its docstring)."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from snov_async.cli import _check_journal, main
from tests.cli.conftest import CLI, clean_env, emails_csv, read_csv
from tests.cli.test_files import _wait_for_answers

OLD = b"email,status\nkept@example.com,found\n"
FAST = ["--rpm", "6000", "--no-progress"]


def only(names: list[str], tmp_path: Path) -> None:
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)


@pytest.mark.parametrize("how", ["same path", "default journal", "hard link", "symlink"])
def test_output_naming_the_journal_is_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    how: str,
) -> None:
    """``-o j.db --resume --journal j.db`` used to exit 0 and rename the CSV over the journal
    (the record of paid tasks): the next ``--resume`` paid again. Same through the default
    journal's name and through links."""
    monkeypatch.chdir(tmp_path)
    for name in ("SNOV_CLIENT_ID", "SNOV_CLIENT_SECRET", "SNOV_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    emails_csv(tmp_path / "leads.csv", 3)
    journal = tmp_path / "j.db"
    asyncio.run(_check_journal(str(journal)))  # a new, empty journal
    args = ["verify", "leads.csv", "--resume", *FAST]
    before = journal.read_bytes()
    if how == "same path":
        args += ["--journal", "j.db", "-o", "j.db"]
    elif how == "default journal":
        journal = tmp_path / ".snov-async-sandbox-journal.db"
        asyncio.run(_check_journal(str(journal)))
        before = journal.read_bytes()
        args += ["-o", journal.name]
    elif how == "hard link":
        os.link(journal, tmp_path / "hard.csv")
        args += ["--journal", "j.db", "-o", "hard.csv"]
    else:
        (tmp_path / "soft.csv").symlink_to(journal)
        args += ["--journal", "soft.csv", "-o", "j.db"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "is the journal" in err and len(err.strip().splitlines()) == 1, err
    assert journal.read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp")) and not list(tmp_path.glob("*.partial"))


def _full_disk() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_FSIZE, (700, 700))


def test_a_full_disk_leaves_no_hidden_temporary_file(tmp_path: Path) -> None:
    """With writes failing (EFBIG: the file-size limit stands in for a full disk) the run
    exited 2 but left ``.out.csv.XXXX.tmp`` (the 600 bytes written) on the full disk."""
    emails_csv(tmp_path / "leads.csv", 40)
    (tmp_path / "out.csv").write_bytes(OLD)
    result = subprocess.run(
        [*CLI, "verify", "leads.csv", "-o", "out.csv", *FAST],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_full_disk,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "could not write the output" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "out.csv").read_bytes() == OLD
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_a_fifo_as_output_gets_the_rows_and_stays_a_fifo(tmp_path: Path) -> None:
    """``-o some.fifo`` (or ``-o >(gzip > x.gz)``) used to replace the FIFO with a regular
    file: the reader got nothing and waited forever."""
    emails_csv(tmp_path / "leads.csv", 5)
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = subprocess.run(
        [*CLI, "verify", "leads.csv", "-o", "out.fifo", *FAST],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    reader.join(timeout=10)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert got and got[0].decode().count("@") == 5, got
    only(["leads.csv", "out.fifo"], tmp_path)


def test_dev_stdout_as_output_writes_to_standard_output(tmp_path: Path) -> None:
    """``-o /dev/stdout`` (and ``/dev/fd/N``, what ``>(...)`` gives) exited 2 with "cannot
    write in /proc/NNN/fd: No such file or directory"."""
    emails_csv(tmp_path / "leads.csv", 4)
    result = subprocess.run(
        [*CLI, "verify", "leads.csv", "-o", "/dev/stdout", *FAST],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("@") == 4 and result.stdout.startswith("email,status")


def test_keep_partial_never_replaces_an_earlier_partial(tmp_path: Path) -> None:
    """A failed run's ``out.csv.partial`` holds rows already paid for. A second failed run
    replaced it with its own rows: the first run's paid rows were gone."""
    from snov_async.cli.output import Output

    (tmp_path / "in.csv").write_text("email\n")
    first = b"email,status\npaid@example.com,found\n"
    (tmp_path / "out.csv.partial").write_bytes(first)
    kept = []
    for n in range(2):
        output = Output(str(tmp_path / "out.csv"), str(tmp_path / "in.csv"))
        output.open().write(f"row {n}\n")
        kept.append(output.keep_partial(1))
    assert (tmp_path / "out.csv.partial").read_bytes() == first
    assert [p.name for p in kept if p] == ["out.csv.partial.2", "out.csv.partial.3"]
    assert (tmp_path / "out.csv.partial.3").read_text() == "row 1\n"
    assert not list(tmp_path.glob(".*.tmp"))


def test_formulas_from_the_api_are_defused_in_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anyone can name themselves ``=HYPERLINK("http://evil","Jane")`` on LinkedIn: the
    ``profiles`` CSV carried it as is, and a spreadsheet opening the file runs it. Text from
    the API now starts with ``'`` when it would start a formula; the user's own columns and
    JSON Lines output are left as they are."""
    from snov_async.sandbox import data

    real = data.li_profile

    def hostile(seed: int, url: str) -> Any:
        profile = real(seed, url)
        if isinstance(profile, dict):
            profile.update(
                name='=HYPERLINK("http://evil","Jane")', first_name="+1-555", last_name="@SUM(A1)"
            )
            profile["industry"] = "-2+3"
        return profile

    monkeypatch.setattr(data, "li_profile", hostile)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SNOV_CLIENT_ID", raising=False)
    urls = [f"https://www.linkedin.com/in/person-{i}/" for i in range(8)]
    (tmp_path / "in.csv").write_text(
        "linkedin,note\n" + "".join(f"{u},=own formula\n" for u in urls)
    )
    assert main(["profiles", "in.csv", "-o", "out.csv", *FAST]) == 0
    rows = [r for r in read_csv(tmp_path / "out.csv") if r["status"] == "found"]
    assert rows
    for row in rows:
        assert row["name"] == '\'=HYPERLINK("http://evil","Jane")'
        assert (row["first_name"], row["last_name"]) == ("'+1-555", "'@SUM(A1)")
        assert row["industry"] == "'-2+3"
        assert row["note"] == "=own formula"  # the user's own cell, untouched
    assert main(["profiles", "in.csv", "-o", "out.jsonl", *FAST]) == 0
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert any(x["name"] == '=HYPERLINK("http://evil","Jane")' for x in lines)


@pytest.mark.parametrize("second", [signal.SIGINT, signal.SIGTERM])
def test_a_second_ctrl_c_does_not_lose_the_answered_rows(tmp_path: Path, second: int) -> None:
    """An impatient user presses Ctrl-C twice. Measured before: the second one broke the
    clean-up: no ``out.csv.partial`` (20+ answered, paid rows lost), a hidden ``.tmp`` left
    behind or aiohttp's "Unclosed connector" dump, and exit -2 instead of 130."""
    emails_csv(tmp_path / "leads.csv", 400)
    (tmp_path / "out.csv").write_bytes(OLD)
    proc = subprocess.Popen(
        [*CLI, "verify", "leads.csv", "-o", "out.csv", "--progress-interval", "0.2"],
        cwd=tmp_path,
        env=clean_env(),
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for_answers(proc, 10)
    assert proc.stderr is not None
    proc.send_signal(signal.SIGINT)
    proc.send_signal(second)
    err = proc.stderr.read()
    proc.wait(timeout=30)
    # Both pending at once: the system may hand over the SIGTERM first (then 143).
    assert proc.returncode in ((130,) if second == signal.SIGINT else (130, 143)), err
    assert "Traceback" not in err and "Unclosed" not in err, err
    # Every line is the command's own: no "see runner.unfinished" meant for Python callers.
    assert all(line.startswith("snov-async: ") for line in err.splitlines()), err
    assert "were not collected" in err and "--resume" in err
    assert (tmp_path / "out.csv").read_bytes() == OLD
    statuses = [r["status"] for r in read_csv(tmp_path / "out.csv.partial")]
    assert statuses.count("found") >= 10
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("command", ["find-emails", "verify"])
def test_no_resource_warning_under_python_dev_mode(tmp_path: Path, command: str) -> None:
    """``python -X dev -m snov_async find-emails --sample`` printed "ResourceWarning: unclosed
    file <_io.TextIOWrapper name='.../leads.csv'>": the input's text layer was left to the
    garbage collector."""
    if command == "verify":
        emails_csv(tmp_path / "leads.csv", 12)
        args = ["verify", "leads.csv"]
    else:
        args = ["find-emails", "--sample"]
    result = subprocess.run(
        [sys.executable, "-X", "dev", "-m", "snov_async", *args, "-o", "out.csv", *FAST],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_a_line_too_long_is_refused_before_it_is_held_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    """A 200 MB CSV line took 436 MB of memory to refuse (a 1 GB one about 2 GB); in JSON
    Lines any length was read whole and copied to the output. Lines are now read at most
    `MAX_LINE` characters at a time: longer is exit 2, one line, nothing sent."""
    from snov_async.cli import rows

    monkeypatch.setattr(rows, "MAX_LINE", 1000)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SNOV_CLIENT_ID", raising=False)
    huge = "a" * 5000 + "@acme.com"
    if kind == "csv":
        (tmp_path / "in.csv").write_text(f"email\nok@acme.com\n{huge}\n")
    else:
        (tmp_path / "in.jsonl").write_text(f'{{"email": "ok@acme.com"}}\n{{"email": "{huge}"}}\n')
    assert main(["verify", f"in.{kind}", "-o", "out.csv", *FAST]) == 2
    err = capsys.readouterr().err
    assert "has a line longer than 1,000 characters" in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "out.csv").exists()
