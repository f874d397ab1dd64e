"""The sandbox's tasks: latency, determinism, costs, webhooks, the command line."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from snov_async.sandbox import Fault, Faults, Sandbox, SandboxConfig, data
from tests.sandbox.conftest import Raw


async def start(raw: Raw, path: str, **kw: Any) -> str:
    status, body = await raw.call("POST", path, **kw)
    assert status == 200, body
    return str(body["data"]["task_hash"])


@pytest.mark.parametrize("sandbox_config", [SandboxConfig(rate_limit=None, task_latency=0.15)])
async def test_results_stay_in_progress_for_the_latency(raw: Raw) -> None:
    h = await start(raw, "/v2/email-verification/start", data={"emails[]": ["a@snov.io"]})
    _, body = await raw.call("GET", "/v2/email-verification/result", params={"task_hash": h})
    assert body["status"] == "in_progress" and body["data"] == []
    await asyncio.sleep(0.2)
    _, body = await raw.call("GET", "/v2/email-verification/result", params={"task_hash": h})
    assert body["status"] == "completed" and body["data"][0]["email"] == "a@snov.io"


def test_latency_ranges_are_seeded_per_task() -> None:
    from snov_async.sandbox.state import SandboxState

    one = SandboxState(SandboxConfig(task_latency=(1.0, 3.0), seed=5))
    two = SandboxState(SandboxConfig(task_latency=(1.0, 3.0), seed=5))
    draws = [one.default.task_latency(n) for n in range(50)]
    assert draws == [two.default.task_latency(n) for n in range(50)]
    assert all(1.0 <= d <= 3.0 for d in draws) and len(set(draws)) > 40


def test_fake_data_is_a_function_of_seed_and_input() -> None:
    assert data.verify_email(1, "Jane@Acme.com") == data.verify_email(1, "jane@acme.com")
    assert data.li_profile(1, "https://www.linkedin.com/in/x/") == data.li_profile(
        1, "https://www.linkedin.com/in/x/"
    )
    verdicts = {data.verify_email(1, f"p{i}@acme.com")["smtp_status"] for i in range(200)}
    assert verdicts == {"valid", "not_valid", "unknown"}
    reasons = {
        data.verify_email(1, f"p{i}@acme.com").get("unknown_status_reason") for i in range(400)
    }
    assert {"catchall", "greylist", "connection_error", "banned", "hidden_by_owner"} <= reasons
    assert data.verify_email(1, "no-at-sign")["is_valid_format"] is False
    assert data.verify_email(1, "x@mailinator.com")["is_disposable"] is True
    assert data.verify_email(1, "x@gmail.com")["is_webmail"] is True
    found = [data.li_profile(1, f"https://www.linkedin.com/in/p{i}/") for i in range(100)]
    assert 0 < sum(1 for f in found if f == []) < 50  # some profiles are not found
    assert data.li_profile(1, "https://example.com/in/p") == []


async def test_nothing_found_costs_nothing(raw: Raw) -> None:
    state = raw.sb.state
    before = state.balance
    names = [f"Unfindable {i}" for i in range(10)]
    found = sum(1 for n in names if data.company_domain(0, n))
    h = await start(raw, "/v2/company-domain-by-name/start", data={"names[]": names})
    await raw.call("GET", "/v2/company-domain-by-name/result", params={"task_hash": h})
    assert before - state.balance == found
    webmail = [{"first_name": "A", "last_name": "B", "domain": "gmail.com"}]
    h = await start(raw, "/v2/emails-by-domain-by-name/start", json={"rows": webmail})
    before = state.balance
    _, body = await raw.call("GET", "/v2/emails-by-domain-by-name/result", params={"task_hash": h})
    assert body["data"][0]["result"] == [] and state.balance == before
    # Polling the same completed task again charges nothing more.
    await raw.call("GET", "/v2/emails-by-domain-by-name/result", params={"task_hash": h})
    assert state.balance == before
    assert state.stats.credits_spent == Decimal(25000) - state.balance


async def test_webhook_deliveries_retry_on_the_ladder_until_a_2xx() -> None:
    received: list[Any] = []
    answers = [500, 502, 200]

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response(status=answers[len(received) - 1])

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        config = SandboxConfig(rate_limit=None, task_latency=0.01, webhook_time_scale=1e-5)
        async with Sandbox(config) as sb, aiohttp.ClientSession() as session:
            raw = Raw(sb, session)
            await raw.login()
            h = await start(
                raw,
                "/v2/email-verification/start",
                data={"emails[]": ["a@snov.io"], "webhook_url": f"http://127.0.0.1:{port}/hook"},
            )
            for _ in range(100):
                if sb.stats.webhook_delivered:
                    break
                await asyncio.sleep(0.02)
            assert sb.stats.webhook_attempts == 3 and sb.stats.webhook_delivered == 1
            _, polled = await raw.call(
                "GET", "/v2/email-verification/result", params={"task_hash": h}
            )
        assert received[0] == received[-1] == polled  # the pushed body is the result body
    finally:
        await runner.cleanup()


async def test_token_revocation_and_resets_are_injected() -> None:
    config = SandboxConfig(
        rate_limit=None, faults=Faults({Fault.REVOKE_TOKEN: 0.5, Fault.RESET: 0.5}, seed=3)
    )
    async with Sandbox(config) as sb, aiohttp.ClientSession() as session:
        raw = Raw(sb, session)
        raw.token = sb.state.issue_token(asyncio.get_running_loop().time())
        outcomes = set()
        for _ in range(20):
            try:
                status, _ = await raw.call("GET", "/v1/get-balance")
                outcomes.add(status)
            except aiohttp.ClientError:
                outcomes.add("reset")
        assert outcomes == {401, "reset"}


def test_the_command_line_serves_and_prints_its_url() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "snov_async.sandbox", "--port", "0", "--rate", "5", "--window", "1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")

        async def probe() -> tuple[int, Any]:
            async with aiohttp.ClientSession() as s, s.get(url + "/__sandbox__/config") as r:
                return r.status, await r.json()

        status, body = asyncio.run(probe())
        assert status == 200 and body["rate_limit"] == 5 and body["rate_window"] == 1.0
    finally:
        proc.terminate()
        proc.wait(timeout=10)
