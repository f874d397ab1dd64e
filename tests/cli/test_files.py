"""Item 1: the command line never destroys a file the user had.

Every test runs the real ``snov-async`` in a subprocess on real files; runs that need
credentials talk to a sandbox server started for the module."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from snov_async.cli import main
from tests.cli.conftest import (
    CLI,
    SandboxServer,
    clean_env,
    emails_csv,
    read_csv,
    run_cli,
)

OLD = b"email,status\nkept@example.com,found\n"


def no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr


def test_output_naming_the_input_through_a_link_is_refused(tmp_path: Path) -> None:
    src = emails_csv(tmp_path / "leads.csv", 5)
    before = src.read_bytes()
    (tmp_path / "soft.csv").symlink_to(src)
    result = run_cli(["verify", "leads.csv", "-o", "soft.csv"], cwd=tmp_path)
    assert result.returncode == 2
    no_traceback(result.stderr)
    assert "-o soft.csv is the input file (through a link)" in result.stderr
    assert src.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leads.csv", "soft.csv"]


@pytest.mark.parametrize("how", ["same path", "hard link", "relative path", "stdin named"])
def test_every_other_way_of_naming_the_input_is_refused_too(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    how: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    src = emails_csv(tmp_path / "leads.csv", 5)
    before = src.read_bytes()
    (tmp_path / "sub").mkdir()
    out = {
        "same path": "leads.csv",
        "hard link": "hard.csv",
        "relative path": "sub/../leads.csv",
        "stdin named": str(tmp_path / "leads.csv"),
    }[how]
    if how == "hard link":
        os.link(src, tmp_path / "hard.csv")
    args = ["verify", str(src) if how == "stdin named" else "leads.csv", "-o", out]
    assert main(args) == 2
    assert "is the input file" in capsys.readouterr().err
    assert src.read_bytes() == before
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob("*.partial"))


def test_a_missing_output_directory_is_one_line_and_exit_2(tmp_path: Path) -> None:
    emails_csv(tmp_path / "leads.csv", 3)
    result = run_cli(["verify", "leads.csv", "-o", "nowhere/out.csv"], cwd=tmp_path)
    assert result.returncode == 2
    no_traceback(result.stderr)
    assert "no such directory" in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_a_successful_run_replaces_the_output_in_one_piece(tmp_path: Path) -> None:
    emails_csv(tmp_path / "leads.csv", 12)
    out = tmp_path / "out.csv"
    out.write_bytes(OLD)
    out.chmod(0o640)
    result = run_cli(["verify", "leads.csv", "-o", "out.csv", "--rpm", "6000"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = read_csv(out)
    assert len(rows) == 12 and all(r["status"] == "found" for r in rows)
    assert out.stat().st_mode & 0o777 == 0o640  # the old file's mode is kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leads.csv", "out.csv"]  # no leftovers


def test_a_symlinked_output_keeps_the_link_and_replaces_its_target(tmp_path: Path) -> None:
    emails_csv(tmp_path / "leads.csv", 3)
    (tmp_path / "results").mkdir()
    target = tmp_path / "results" / "real.csv"
    target.write_bytes(OLD)
    (tmp_path / "link.csv").symlink_to(target)
    result = run_cli(["verify", "leads.csv", "-o", "link.csv", "--rpm", "6000"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "link.csv").is_symlink()
    assert len(read_csv(target)) == 3


def test_bad_credentials_leave_the_previous_output_intact(tmp_path: Path) -> None:
    server = SandboxServer("--rate", "0", "--credentials", "good:pair")
    try:
        emails_csv(tmp_path / "leads.csv", 14)
        out = tmp_path / "out.csv"
        out.write_bytes(OLD)
        env = server.env("wrong", "secret-that-must-not-leak")
        result = run_cli(["verify", "leads.csv", "-o", "out.csv"], cwd=tmp_path, env=env)
    finally:
        server.stop()
    assert result.returncode == 4
    no_traceback(result.stderr)
    assert "authentication failed" in result.stderr and "was left as it was" in result.stderr
    assert "secret-that-must-not-leak" not in result.stderr + result.stdout
    assert out.read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leads.csv", "out.csv"]


def test_credits_running_out_keep_the_output_and_the_paid_rows_in_partial(
    tmp_path: Path,
) -> None:
    # 25 credits, 40 addresses in 4 batches of 10 charged on completion: two batches are
    # answered (and paid), then the account runs dry.
    server = SandboxServer("--rate", "0", "--latency", "0.05", "--credits", "25")
    try:
        emails_csv(tmp_path / "leads.csv", 40)
        out = tmp_path / "out.csv"
        out.write_bytes(OLD)
        result = run_cli(
            ["verify", "leads.csv", "-o", "out.csv", "--rpm", "6000"],
            cwd=tmp_path,
            env=server.env(),
        )
    finally:
        server.stop()
    assert result.returncode == 3, result.stderr
    no_traceback(result.stderr)
    assert out.read_bytes() == OLD
    partial = tmp_path / "out.csv.partial"
    assert f"are in {partial}" in result.stderr
    rows = read_csv(partial)
    assert len(rows) == 40
    statuses = [r["status"] for r in rows]
    assert statuses.count("found") == 20 and statuses.count("error") == 20
    assert all(
        r["error"].startswith("NotEnoughCreditsError") for r in rows if r["status"] == "error"
    )
    assert all(r["smtp_status"] for r in rows if r["status"] == "found")


def _start(tmp_path: Path, rows: int, *extra: str) -> subprocess.Popen[str]:
    emails_csv(tmp_path / "leads.csv", rows)
    (tmp_path / "out.csv").write_bytes(OLD)
    return subprocess.Popen(
        [*CLI, "verify", "leads.csv", "-o", "out.csv", "--progress-interval", "0.2", *extra],
        cwd=tmp_path,
        env=clean_env(),
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _wait_for_answers(proc: subprocess.Popen[str], at_least: int) -> list[str]:
    """Read progress lines until ``at_least`` rows are answered."""
    assert proc.stderr is not None
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        assert line, f"the command ended early: {seen}"
        seen.append(line)
        if "rows" in line and line.split(":")[1].strip().split("/")[0].isdigit():
            done = int(line.split(":")[1].strip().split("/")[0])
            if done >= at_least:
                return seen
    raise AssertionError(f"no progress: {seen}")


@pytest.mark.parametrize(
    ("signum", "code", "word"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
def test_a_run_stopped_by_a_signal_keeps_the_output_and_the_answered_rows(
    tmp_path: Path, signum: int, code: int, word: str
) -> None:
    proc = _start(tmp_path, 400)
    _wait_for_answers(proc, 20)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert word in err and "Traceback" not in err
    assert (tmp_path / "out.csv").read_bytes() == OLD
    rows = read_csv(tmp_path / "out.csv.partial")
    statuses = [r["status"] for r in rows]
    assert statuses.count("found") >= 20
    assert "skipped" in statuses  # rows read but not answered yet say so
    assert set(statuses) <= {"found", "skipped"}
    assert [r["email"] for r in rows] == [f"user{i}@firm{i}.com" for i in range(len(rows))]
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_a_killed_run_leaves_the_previous_output_alone(tmp_path: Path) -> None:
    proc = _start(tmp_path, 400)
    _wait_for_answers(proc, 10)
    proc.kill()
    proc.communicate(timeout=30)
    assert (tmp_path / "out.csv").read_bytes() == OLD  # only a hidden .tmp file is left
    assert not (tmp_path / "out.csv.partial").exists()


def test_an_output_directory_that_vanishes_mid_run_is_one_line(tmp_path: Path) -> None:
    emails_csv(tmp_path / "leads.csv", 150)
    (tmp_path / "results").mkdir()
    proc = subprocess.Popen(
        [*CLI, "verify", "leads.csv", "-o", "results/out.csv", "--progress-interval", "0.2"],
        cwd=tmp_path,
        env=clean_env(),
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    _wait_for_answers(proc, 10)
    shutil.rmtree(tmp_path / "results")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    last = err.strip().splitlines()[-1]
    assert "could not put the output in place" in last and "Traceback" not in err
    assert not (tmp_path / "results").exists()
