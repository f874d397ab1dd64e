"""Every example runs on the sandbox (smoke tests: they start, answer, and shut down)."""

from __future__ import annotations

import csv
import importlib.util
import json
import logging
import sys
from pathlib import Path
from types import ModuleType

import pytest
from aiohttp.test_utils import TestClient, TestServer

from snov_async.cli import SAMPLE
from snov_async.webhooks import WebhookPathFilter

EXAMPLES = Path(__file__).parents[2] / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def sandbox_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SNOV_CLIENT_ID", raising=False)
    monkeypatch.delenv("SNOV_CLIENT_SECRET", raising=False)


async def test_bulk_pipeline(tmp_path: Path) -> None:
    pipeline = load("bulk_pipeline")
    out = tmp_path / "deliverable.csv"
    counts = await pipeline.run(str(SAMPLE), str(out))
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert counts["rows"] == len(rows) == 14
    assert counts["found"] > 0 and counts["errors"] == 2
    # A row that failed still says whose it was (its name and domain were blank).
    failed = [r for r in rows if r["error"]]
    assert [(r["first_name"], r["domain"]) for r in failed] == [
        ("Tom", "hooli.com"),
        ("Priya", "not a domain"),
    ]


async def test_aiohttp_server(caplog: pytest.LogCaptureFixture) -> None:
    server = load("aiohttp_server")
    app = server.make_app()
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    test_server = TestServer(app)
    await test_server.start_server(**server.RUN_OPTIONS)  # as the example serves it
    async with TestClient(test_server) as client:
        resp = await client.get("/domain", params=[("company", "Snov.io"), ("company", " ")])
        assert resp.status == 200
        body = await resp.json()
        assert body[0]["company"] == "Snov.io" and body[1]["error"]
        receiver = app[server.RECEIVER]
        resp = await client.post("/snov" + receiver.path, json={"event_object": "company"})
        assert resp.status == 200 and receiver.received == 1
        resp = await client.post("/snov/snov-webhooks/guess", json={})
        assert resp.status == 404
    access = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    token = receiver.path.rsplit("/", 1)[1]
    assert any("/snov/snov-webhooks/***" in line for line in access)
    assert all(token not in line for line in access)


def test_fastapi_app() -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient as FastAPIClient

    example = load("fastapi_app")
    with FastAPIClient(example.app) as client:
        resp = client.post("/verify", json=["Jane@Acme.com", "nope"])
        assert resp.status_code == 200
        first, second = resp.json()
        assert first["email"] == "jane@acme.com" and first["smtp_status"]
        assert second["error"]
        path = example.receiver.path
        assert client.post("/snov" + path, json={"event_object": "prospect"}).status_code == 200
        assert client.post("/snov/snov-webhooks/guess", json={}).status_code == 404
        hooks = client.get("/webhooks").json()
        assert hooks["received"] == [{"type": "ProspectEvent", "object": "prospect"}]
        assert path.rsplit("/", 1)[1] not in json.dumps(hooks)
    uvicorn_access = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, WebhookPathFilter) for f in uvicorn_access.filters)


def test_fastapi_workers_share_one_webhook_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """``uvicorn --workers 4`` (or a restart) imports the app once per process: with a random
    token in each, Snov.io's deliveries reached the one worker whose URL it was given and were
    404 on the others (and a subscription died with every restart). The example takes its
    token from the environment; every worker then answers the same URL."""
    pytest.importorskip("fastapi")
    import secrets

    from fastapi.testclient import TestClient as FastAPIClient

    monkeypatch.setenv("SNOV_WEBHOOK_TOKEN", secrets.token_urlsafe(32))
    first, second = load("fastapi_app"), load("fastapi_app")  # two worker processes
    assert first.receiver is not second.receiver
    with FastAPIClient(second.app) as client:
        resp = client.post("/snov" + first.receiver.path, json={"event_object": "prospect"})
        assert resp.status_code == 200 and second.receiver.received == 1
