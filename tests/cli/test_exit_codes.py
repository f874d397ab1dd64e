"""Item 2: exit 0 only when every row has an answer; a documented code when rows failed.

(Credits running out — exit 3 — and bad credentials — exit 4 — are in test_files.py, with
what they leave on disk.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from snov_async.cli import EPILOG, main
from tests.cli.conftest import SandboxServer, emails_csv, read_csv, run_cli


def test_the_sample_run_answers_every_row_and_counts_each_kind(tmp_path: Path) -> None:
    result = run_cli(["enrich", "--sample", "-o", "out.csv", "--rpm", "6000"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = read_csv(tmp_path / "out.csv")
    statuses = [r["status"] for r in rows]
    assert len(rows) == 14 and set(statuses) == {"found", "not_found", "invalid"}
    counts = {s: statuses.count(s) for s in ("found", "not_found", "invalid")}
    summary = result.stderr.strip().splitlines()[-1]
    assert (
        f"14 rows: {counts['found']} found, {counts['not_found']} not found, "
        f"{counts['invalid']} invalid, 0 failed" in summary
    )
    assert "sandbox credits spent" in summary and "-> out.csv" in summary


def test_strict_counts_invalid_rows_as_failed(tmp_path: Path) -> None:
    src = tmp_path / "leads.csv"
    src.write_text("email\nok@acme.com\nnot-an-email\n", encoding="utf-8")
    result = run_cli(["verify", "leads.csv", "-o", "out.csv", "--strict"], cwd=tmp_path)
    assert result.returncode == 6, result.stderr
    assert not (tmp_path / "out.csv").exists()
    rows = read_csv(tmp_path / "out.csv.partial")
    assert [r["status"] for r in rows] == ["found", "invalid"]
    assert "1 of 2 rows failed" in result.stderr


@pytest.fixture(scope="module")
def flaky() -> SandboxServer:
    # A third of all answers are cut after processing: reads are retried, but a cut .../start
    # leaves its outcome unknown (it may have been charged), so its rows fail.
    server = SandboxServer("--rate", "0", "--latency", "0.02", "--faults", "truncated=0.3")
    yield server  # type: ignore[misc]
    server.stop()


def test_rows_failing_for_another_reason_exit_6_and_keep_the_output(
    tmp_path: Path, flaky: SandboxServer
) -> None:
    emails_csv(tmp_path / "leads.csv", 60)
    (tmp_path / "out.csv").write_text("old\n", encoding="utf-8")
    result = run_cli(
        ["verify", "leads.csv", "-o", "out.csv", "--rpm", "6000"],
        cwd=tmp_path,
        env=flaky.env("exit-6"),
    )
    assert result.returncode == 6, result.stderr
    assert (tmp_path / "out.csv").read_text() == "old\n"
    rows = read_csv(tmp_path / "out.csv.partial")
    failed = [r for r in rows if r["status"] == "error"]
    assert failed and all(r["error"].startswith("OutcomeUnknownError") for r in failed)
    assert f"{len(failed)} of 60 rows failed" in result.stderr
    assert f"OutcomeUnknownError: {len(failed)}" in result.stderr


def test_allow_errors_accepts_failed_rows(tmp_path: Path, flaky: SandboxServer) -> None:
    emails_csv(tmp_path / "leads.csv", 60)
    result = run_cli(
        ["verify", "leads.csv", "-o", "out.csv", "--rpm", "6000", "--allow-errors"],
        cwd=tmp_path,
        env=flaky.env("allow-errors"),
    )
    assert result.returncode == 0, result.stderr
    rows = read_csv(tmp_path / "out.csv")
    statuses = {r["status"] for r in rows}
    assert len(rows) == 60 and statuses == {"found", "error"}
    assert not (tmp_path / "out.csv.partial").exists()
    assert "failed (OutcomeUnknownError:" in result.stderr


def test_the_exit_codes_are_documented_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    text = capsys.readouterr().out
    for code in ("0 ", "2 ", "3 ", "4 ", "5 ", "6 ", "130", "143"):
        assert code in text
    assert "--allow-errors" in text and "--strict" in text
    assert EPILOG.splitlines()[0] in text


@pytest.mark.parametrize("content", [b"", b"not a database at all\n" * 40, b"SQLite format 3\x00"])
def test_a_journal_that_is_not_one_exits_2_with_one_line(tmp_path: Path, content: bytes) -> None:
    emails_csv(tmp_path / "leads.csv", 3)
    (tmp_path / "bad.db").write_bytes(content)
    result = run_cli(
        ["verify", "leads.csv", "-o", "out.csv", "--resume", "--journal", "bad.db"],
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("snov-async: the journal cannot be used"), lines
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.csv").exists()
    assert (tmp_path / "bad.db").read_bytes() == content  # the user's file is left alone
