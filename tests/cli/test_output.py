"""Item 3: every output row says what it is (``status``) and where it came from (``source``);
sandbox runs never answer real ones (a journal of their own)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from snov_async import SnovClient
from snov_async.cli import (
    DEFAULT_JOURNAL,
    SANDBOX_JOURNAL,
    _source_label,
    default_journal,
    main,
)
from tests.cli.conftest import SandboxServer, read_csv, run_cli


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SNOV_CLIENT_ID", "SNOV_CLIENT_SECRET", "SNOV_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_status_and_source_columns_on_the_built_in_sandbox(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    lines = [
        {"email": "jane@acme.com", "status": "lead", "source": "fair"},
        {"email": "nope"},
        {"email": ""},
        "{broken",
    ]
    src.write_text(
        "\n".join(json.dumps(x) if isinstance(x, dict) else x for x in lines) + "\n",
        encoding="utf-8",
    )
    assert main(["verify", str(src), "-o", str(tmp_path / "out.jsonl"), "--rpm", "6000"]) == 0
    rows = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    # The input's own status and source columns are kept; ours get a prefix.
    assert rows[0]["status"] == "lead" and rows[0]["source"] == "fair"
    assert [r["snov_status"] for r in rows] == ["found", "invalid", "invalid", "invalid"]
    assert {r["snov_source"] for r in rows} == {"sandbox"}
    assert rows[1]["error"].startswith("ValidationError")
    assert rows[3]["error"] == "InputError: not valid JSON"


def test_a_sandbox_server_is_named_as_a_sandbox_in_the_file(tmp_path: Path) -> None:
    server = SandboxServer("--rate", "0", "--latency", "0.02")
    try:
        src = tmp_path / "leads.csv"
        src.write_text("email\njane@acme.com\n", encoding="utf-8")
        result = run_cli(
            ["verify", "leads.csv", "-o", "out.csv", "--rpm", "6000"],
            cwd=tmp_path,
            env=server.env(),
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    (row,) = read_csv(tmp_path / "out.csv")
    assert row["status"] == "found" and row["source"] == "sandbox"
    assert "sandbox credits spent" in result.stderr


@pytest.fixture
async def plain_api() -> AsyncIterator[str]:
    """A server that is not a sandbox: every path is a 404."""
    app = web.Application()
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_another_api_is_named_by_its_host(
    plain_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SNOV_CLIENT_ID", "id")
    monkeypatch.setenv("SNOV_CLIENT_SECRET", "secret")
    async with SnovClient(base_url=plain_api, requests_per_minute=60000) as client:
        assert await _source_label(client) == plain_api.removeprefix("http://")
    async with SnovClient() as client:
        assert await _source_label(client) == "snov.io"  # nothing is sent for the real API
        assert client.stats.requests == 0


def test_each_endpoint_has_its_own_default_journal(monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_journal() == SANDBOX_JOURNAL
    monkeypatch.setenv("SNOV_CLIENT_ID", "id")
    monkeypatch.setenv("SNOV_CLIENT_SECRET", "secret")
    assert default_journal() == DEFAULT_JOURNAL
    monkeypatch.setenv("SNOV_BASE_URL", "http://127.0.0.1:8765/")
    assert default_journal() == ".snov-async-journal-127.0.0.1_8765.db"
    assert len({SANDBOX_JOURNAL, DEFAULT_JOURNAL, default_journal()}) == 3


def test_resume_on_the_sandbox_never_touches_the_real_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "leads.csv").write_text("email\njane@acme.com\nli@example.org\n")
    args = ["verify", "leads.csv", "--resume", "--rpm", "6000", "-o"]
    assert main([*args, "one.csv"]) == 0
    assert main([*args, "two.csv"]) == 0
    assert "2 answered from the journal" in capsys.readouterr().err
    assert (tmp_path / SANDBOX_JOURNAL).exists()
    assert not (tmp_path / DEFAULT_JOURNAL).exists()
