"""CLI arguments an unlucky user types: a rate that is not a positive number, an encoding that
is not a text encoding, a UTF-16 file without its byte-order mark. Each is a usage or input
problem: exit 2, one line, nothing sent -- not a traceback (exit 1) nor "the API failed"
(exit 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from snov_async.cli import main


@pytest.fixture(autouse=True)
def unreachable_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials and an address where nothing listens: anything sent fails with exit 5."""
    monkeypatch.setenv("SNOV_CLIENT_ID", "cid-attack-000")
    monkeypatch.setenv("SNOV_CLIENT_SECRET", "secret-attack-0000000000")
    monkeypatch.setenv("SNOV_BASE_URL", "http://127.0.0.1:9")


def emails(tmp_path: Path) -> Path:
    src = tmp_path / "in.csv"
    src.write_text("email\njo@acme.com\n", encoding="utf-8")
    return src


@pytest.mark.parametrize("rpm", ["nan", "inf", "-inf", "-1", "0", "1e400"])
@pytest.mark.parametrize("dry_run", [True, False])
def test_a_rate_that_is_not_a_positive_number_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rpm: str, dry_run: bool
) -> None:
    """``--rpm nan`` exited 5 ("the API failed: requests_per_minute must be...") and its dry
    run promised "about nan s"; ``--rpm -1`` "about -245 s"; ``--rpm 0`` became 60."""
    args = ["verify", str(emails(tmp_path)), "-o", str(tmp_path / "out.csv"), f"--rpm={rpm}"]
    with pytest.raises(SystemExit) as info:
        main([*args, "--dry-run"] if dry_run else args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--rpm" in err and "Traceback" not in err
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("encoding", ["rot13", "base64", "zlib", "hex"])
def test_an_encoding_that_is_not_a_text_encoding_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], encoding: str
) -> None:
    """``--encoding rot13`` (a codec, not a text encoding) was a LookupError traceback."""
    code = main(["verify", str(emails(tmp_path)), "--dry-run", "--encoding", encoding])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "--encoding" in err and "Traceback" not in err


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_utf_16_file_without_its_mark_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], encoding: str
) -> None:
    """``--encoding utf-16`` on UTF-16 data without a byte-order mark was a UnicodeError
    traceback (exit 1)."""
    src = tmp_path / "in.csv"
    src.write_bytes("email\njo@acme.com\n".encode(encoding + "-le"))  # no mark
    code = main(["verify", str(src), "--dry-run", "--encoding", encoding])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and "encoding" in err


@pytest.mark.parametrize("seconds", ["nan", "-1", "0", "inf"])
def test_a_progress_interval_that_is_not_a_positive_number_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seconds: str
) -> None:
    args = ["verify", str(emails(tmp_path)), "-o", str(tmp_path / "out.csv")]
    with pytest.raises(SystemExit) as info:
        main([*args, f"--progress-interval={seconds}"])
    assert info.value.code == 2
    assert "--progress-interval" in capsys.readouterr().err
