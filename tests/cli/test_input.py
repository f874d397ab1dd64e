"""Item 4: input as people have it — piped, semicolon-separated, UTF-16, Latin-1, JSON Lines
whose objects differ — read right, or refused with exit 2 before anything is sent."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from snov_async.cli import main
from tests.cli.conftest import read_csv, run_cli, run_cli_bytes


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SNOV_CLIENT_ID", raising=False)
    monkeypatch.delenv("SNOV_CLIENT_SECRET", raising=False)


def test_a_semicolon_csv_on_stdin_is_sniffed_like_a_file(tmp_path: Path) -> None:
    data = "Contact;Primary E-mail Address;Country\nJo;JO@Example.org;FR\nAl;not-an-email;DE\n"
    result = run_cli_bytes(
        ["verify", "-", "-o", "out.csv", "--rpm", "6000"], cwd=tmp_path, stdin=data.encode()
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "out.csv").read_text(encoding="utf-8")
    assert text.startswith("Contact;Primary E-mail Address;Country;status;")
    rows = read_csv(tmp_path / "out.csv", delimiter=";")
    assert [(r["Contact"], r["status"]) for r in rows] == [("Jo", "found"), ("Al", "invalid")]


def test_json_lines_on_stdin_to_stdout(tmp_path: Path) -> None:
    lines = [{"mail": "jane@acme.com", "id": 1}, {"mail": "li@example.org", "id": 2}]
    data = "".join(json.dumps(x) + "\n" for x in lines).encode()
    result = run_cli_bytes(["verify", "-", "--rpm", "6000", "-q"], cwd=tmp_path, stdin=data)
    assert result.returncode == 0, result.stderr
    out = [json.loads(x) for x in result.stdout.decode().splitlines()]
    assert [(r["id"], r["status"], r["source"]) for r in out] == [
        (1, "found", "sandbox"),
        (2, "found", "sandbox"),
    ]
    assert result.stderr == b""  # --quiet: not even the sandbox notice


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig", "utf-32"])
def test_a_byte_order_mark_decides_the_encoding(tmp_path: Path, encoding: str) -> None:
    text = "First Name,Last Name,Domain\nLena,Müller,wayne.com\nJosé,Núñez,acme.com\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    src = tmp_path / "people.csv"
    src.write_bytes(data)
    out = tmp_path / "out.csv"
    assert main(["find-emails", str(src), "-o", str(out), "--rpm", "6000", "-q"]) == 0
    rows = read_csv(out)
    assert list(rows[0])[:3] == ["First Name", "Last Name", "Domain"]
    assert [r["Last Name"] for r in rows] == ["Müller", "Núñez"]
    assert out.read_bytes().startswith(b"First Name,")  # output is plain UTF-8


def test_latin_1_without_encoding_stops_before_anything_is_sent(tmp_path: Path) -> None:
    # The odd byte is far down the file: the whole input is checked before any request.
    lines = ["first_name,last_name,domain"] + [f"Al{i},Smith,firm{i}.com" for i in range(300)]
    lines.append("Lena,Müller,wayne.com")
    (tmp_path / "people.csv").write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    (tmp_path / "out.csv").write_text("old\n")
    result = run_cli(["find-emails", "people.csv", "-o", "out.csv"], cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()  # one line, and no sandbox notice: nothing ran
    assert "not UTF-8" in line and "0xfc" in line and "on line 302" in line
    assert "--encoding cp1252" in line
    assert (tmp_path / "out.csv").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "people.csv"]


def test_latin_1_on_stdin_gets_the_same_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Stdin:
        buffer = io.BytesIO("first_name,last_name,domain\nLena,Müller,w.com\n".encode("cp1252"))

    monkeypatch.setattr("sys.stdin", Stdin)
    assert main(["find-emails", "-", "-o", str(tmp_path / "out.csv")]) == 2
    assert "standard input is not UTF-8 text (byte 0xfc on line 2)" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_encoding_reads_latin_1_and_keeps_the_umlaut(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "people.csv"
    src.write_bytes("first_name;last_name;domain\nLena;Müller;wayne.com\n".encode("cp1252"))
    out = tmp_path / "out.csv"
    args = ["find-emails", str(src), "-o", str(out), "--encoding", "cp1252", "--rpm", "6000"]
    assert main(args) == 0
    (row,) = read_csv(out, delimiter=";")
    assert row["last_name"] == "Müller" and row["status"] in ("found", "not_found")
    assert main(["find-emails", str(src), "--encoding", "klingon"]) == 2
    assert "unknown encoding 'klingon'" in capsys.readouterr().err


def test_json_lines_with_different_keys_are_each_mapped_on_their_own(tmp_path: Path) -> None:
    lines = [
        {"email": "jane@acme.com", "id": 1},
        {"E-mail": "li@example.org", "team": "sales"},
        {"Email Address": "bob@globex.com", "id": 3, "note": "third"},
        {"name": "no email here"},
        {"email": "nope", "id": 5},
    ]
    src = tmp_path / "people.jsonl"
    src.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["verify", str(src), "-o", str(out), "--rpm", "6000", "-q"]) == 0
    with out.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        header = reader.fieldnames
    # The header is every key, in the order first seen; no value is lost.
    assert header is not None
    assert header[:6] == ["email", "id", "E-mail", "team", "Email Address", "note"]
    assert [r["status"] for r in rows] == ["found", "found", "found", "invalid", "invalid"]
    assert rows[1]["E-mail"] == "li@example.org" and rows[1]["team"] == "sales"
    assert rows[2]["Email Address"] == "bob@globex.com" and rows[2]["note"] == "third"
    assert rows[3]["error"].startswith("InputError: no email in this object (keys: name)")
    assert rows[4]["error"].startswith("ValidationError")


def test_json_lines_out_keep_each_objects_own_keys(tmp_path: Path) -> None:
    src = tmp_path / "people.jsonl"
    src.write_text('{"email": "jane@acme.com", "n": 1}\n{"mail": "li@example.org"}\n')
    out = tmp_path / "out.jsonl"
    assert main(["verify", str(src), "-o", str(out), "--rpm", "6000", "-q"]) == 0
    first, second = (json.loads(x) for x in out.read_text().splitlines())
    assert first["n"] == 1 and "mail" not in first
    assert second["mail"] == "li@example.org" and "n" not in second


def test_no_usable_column_anywhere_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "people.jsonl"
    src.write_text('{"name": "a"}\n{"title": "b"}\n')
    assert main(["verify", str(src)]) == 2
    assert "no email column found" in capsys.readouterr().err


def test_dash_is_documented_for_both_ends(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["enrich", "--help"])
    text = capsys.readouterr().out
    assert "'-' reads standard input" in text and "'-', the default: standard output" in text


def test_spooled_stdin_is_the_same_as_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = "email\r\njane@acme.com\r\n\r\nli@example.org\r\n".encode("utf-16")
    (tmp_path / "in.csv").write_bytes(data)

    class Stdin:
        buffer = io.BytesIO(data)

    monkeypatch.setattr("sys.stdin", Stdin)
    assert main(["verify", "-", "-o", str(tmp_path / "a.csv"), "--rpm", "6000", "-q"]) == 0
    assert main(["verify", str(tmp_path / "in.csv"), "-o", str(tmp_path / "b.csv"), "-q"]) == 0
    assert read_csv(tmp_path / "a.csv") == read_csv(tmp_path / "b.csv")
    assert len(read_csv(tmp_path / "a.csv")) == 2
