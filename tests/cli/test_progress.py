"""Item 5: progress everywhere — a live bar with a numeric ETA on a terminal (checked through
a real pseudo-terminal with pexpect), plain lines without rich or off a terminal, nothing
with --quiet."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from snov_async.cli import main
from snov_async.cli.progress import format_eta
from tests.cli.conftest import CLI, clean_env, emails_csv, read_csv

ETA = re.compile(r"ETA (\d+h\d\dm|\d+m\d\ds|\d+s)")
PLAIN = re.compile(r"snov-async: (\d+)/(\d+) rows .*ETA (\d+h\d\dm|\d+m\d\ds|\d+s)")


def seconds(eta: str) -> int:
    m = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", eta)
    assert m is not None, eta
    h, mi, s = (int(x) if x else 0 for x in m.groups())
    return 3600 * h + 60 * mi + s


def test_format_eta() -> None:
    assert [format_eta(x) for x in (0, 4.4, 59.6, 61, 3599, 3600, 7380)] == [
        "0s",
        "4s",
        "1m00s",
        "1m01s",
        "59m59s",
        "1h00m",
        "2h03m",
    ]


def test_off_a_terminal_a_plain_line_comes_every_few_seconds_with_a_numeric_eta(
    tmp_path: Path,
) -> None:
    emails_csv(tmp_path / "leads.csv", 100)
    started = time.monotonic()
    proc = subprocess.Popen(
        [*CLI, "verify", "leads.csv", "-o", "out.csv", "--progress-interval", "0.5"],
        cwd=tmp_path,
        env=clean_env(),
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    lines = [(time.monotonic() - started, line) for line in proc.stderr]
    assert proc.wait(timeout=60) == 0
    total = time.monotonic() - started
    progress = [(t, PLAIN.search(line)) for t, line in lines if PLAIN.search(line)]
    assert len(progress) >= 3, lines
    first_at, first = progress[0]
    assert first is not None and int(first.group(2)) == 100  # the total is known at once
    # The first line already has a number for an ETA, before most rows are answered.
    assert int(first.group(1)) < 100
    assert seconds(first.group(3)) > 0
    assert first_at < total  # while the run goes on
    ends = [seconds(m.group(3)) for _, m in progress if m is not None]
    assert ends[-1] <= ends[0]
    assert len(read_csv(tmp_path / "out.csv")) == 100


def test_quiet_prints_nothing_and_plain_lines_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SNOV_CLIENT_ID", raising=False)
    monkeypatch.delenv("SNOV_CLIENT_SECRET", raising=False)
    src = emails_csv(tmp_path / "leads.csv", 60)
    out = tmp_path / "out.csv"
    args = ["verify", str(src), "-o", str(out), "--progress-interval", "0.05"]
    assert main([*args, "--rpm", "1200"]) == 0
    err = capsys.readouterr().err
    assert PLAIN.search(err) and "60 rows: 60 found" in err
    assert main([*args, "--rpm", "1200", "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert main([*args, "--rpm", "1200", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert not PLAIN.search(err) and "60 rows: 60 found" in err


def _spawn(tmp_path: Path, *command: str) -> pexpect.spawn:
    return pexpect.spawn(
        command[0],
        list(command[1:]),
        cwd=str(tmp_path),
        env=clean_env(TERM="xterm-256color"),
        dimensions=(30, 180),
        encoding="utf-8",
        timeout=30,
    )


def test_on_a_terminal_the_live_bar_shows_a_numeric_eta_early(tmp_path: Path) -> None:
    emails_csv(tmp_path / "leads.csv", 120)
    child = _spawn(tmp_path, *CLI, "verify", "leads.csv", "-o", "out.csv")
    # The bar is drawn with its ETA as a number within the first seconds ...
    child.expect(r"(\d+)/120 rows \(\d+%\).*?ETA (\d+m\d\ds|\d+s)", timeout=20)
    assert "snov-async" in child.before and "━" in child.before  # drawn by rich's bar
    done, eta = int(child.match.group(1)), child.match.group(2)
    child.expect(pexpect.EOF, timeout=60)
    child.close()
    assert child.exitstatus == 0
    # Early on: before half of the rows are answered, the ETA is already a number.
    assert done <= 60 and seconds(eta) > 0
    assert len(read_csv(tmp_path / "out.csv")) == 120


def test_on_a_terminal_without_rich_plain_lines_appear(tmp_path: Path) -> None:
    emails_csv(tmp_path / "leads.csv", 80)
    no_rich = (
        "import sys; sys.modules['rich'] = None; "
        "from snov_async.cli import main; raise SystemExit(main(sys.argv[1:]))"
    )
    child = _spawn(
        tmp_path,
        sys.executable,
        "-c",
        no_rich,
        "verify",
        "leads.csv",
        "-o",
        "out.csv",
        "--progress-interval",
        "0.5",
    )
    child.expect(PLAIN, timeout=20)
    assert int(child.match.group(2)) == 80 and seconds(child.match.group(3)) > 0
    child.expect(pexpect.EOF, timeout=60)
    child.close()
    assert child.exitstatus == 0
