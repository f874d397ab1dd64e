"""The sandbox's account gate: tokens, rate limit, credits, faults, inspection."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import aiohttp
import pytest

from snov_async.sandbox import Faults, Sandbox, SandboxConfig
from tests.sandbox.conftest import Raw


async def test_token_flow_and_401_gateway_envelope(raw: Raw) -> None:
    status, body = await raw.call("GET", "/v1/get-balance")
    assert status == 200 and body["success"] is True
    assert body["data"]["balance"] == "25000.00"
    status, body = await raw.call("GET", "/v1/get-balance", auth=False)
    assert status == 401
    assert body == {"errors": {"code": 401, "title": "Unauthorized", "source": ""}}
    # The v1 way: access_token as a query or form field, or a bare Authorization header.
    status, _ = await raw.call(
        "GET", "/v1/get-balance", auth=False, params={"access_token": raw.token}
    )
    assert status == 200
    status, _ = await raw.call(
        "GET", "/v1/get-balance", auth=False, headers={"authorization": raw.token}
    )
    assert status == 200


async def test_configured_credentials_are_enforced() -> None:
    config = SandboxConfig(credentials=("good-id", "good-secret"), rate_limit=None)
    async with Sandbox(config) as sb, aiohttp.ClientSession() as session:
        r = Raw(sb, session)
        status, body = await r.call(
            "POST",
            "/v1/oauth/access_token",
            data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
            auth=False,
        )
        assert status == 401 and body["error"] == "invalid_client"
        assert await r.login("good-id", "good-secret")


async def test_tokens_expire() -> None:
    config = SandboxConfig(token_ttl=0.05, rate_limit=None)
    async with Sandbox(config) as sb, aiohttp.ClientSession() as session:
        r = Raw(sb, session)
        await r.login()
        assert (await r.call("GET", "/v1/get-balance"))[0] == 200
        await asyncio.sleep(0.1)
        assert (await r.call("GET", "/v1/get-balance"))[0] == 401


async def test_rolling_window_rate_limit_answers_429_with_retry_after() -> None:
    config = SandboxConfig(rate_limit=5, rate_window=30)
    async with Sandbox(config) as sb, aiohttp.ClientSession() as session:
        r = Raw(sb, session)
        await r.login()  # 1 of 5
        statuses = [(await r.call("GET", "/v1/get-balance"))[0] for _ in range(6)]
        assert statuses == [200, 200, 200, 200, 429, 429]
        headers = {"Authorization": f"Bearer {r.token}"}
        async with session.get(sb.base_url + "/v1/get-balance", headers=headers) as resp:
            assert resp.status == 429
            assert 1 <= int(resp.headers["Retry-After"]) <= 30
        assert sb.stats.rate_limited == 3


@pytest.mark.parametrize(
    "sandbox_config", [SandboxConfig(rate_limit=None, credits=2, task_latency=0)]
)
async def test_credits_are_debited_and_run_out(raw: Raw) -> None:
    status, body = await raw.call(
        "POST", "/v2/email-verification/start", data={"emails[]": ["a@gmail.com", "b@snov.io"]}
    )
    assert status == 200
    h = body["data"]["task_hash"]
    status, body = await raw.call("GET", "/v2/email-verification/result", params={"task_hash": h})
    assert body["status"] == "completed"
    assert raw.sb.state.balance == Decimal(0)
    status, body = await raw.call(
        "POST", "/v2/email-verification/start", data={"emails[]": ["c@snov.io"]}
    )
    assert status == 400 and body == {
        "errors": [{"user_id": "Sorry, you ran out of credits, please order more credits"}]
    }  # live
    status, body = await raw.call("GET", "/v1/get-balance")
    assert body["data"]["balance"] == "0.00"


async def test_stats_route_counts_operations_and_starts(raw: Raw) -> None:
    for _ in range(2):
        await raw.call("POST", "/v2/company-domain-by-name/start", data={"names[]": ["Snov.io"]})
    status, stats = await raw.call("GET", "/__sandbox__/stats", auth=False)
    assert status == 200
    assert stats["requests"]["POST /v2/company-domain-by-name/start"] == 2
    assert stats["token_requests"] == 1
    assert stats["double_starts"] == [
        {"operation": "company-domain-by-name", "input": "snov.io", "count": 2}
    ]


def test_fault_injection_is_reproducible() -> None:
    faults = Faults.parse("429=0.1,500=0.1,html=0.1,truncated=0.1,reset=0.05", seed=7)
    first = [faults.decide(n) for n in range(500)]
    again = [
        Faults.parse("429=0.1,500=0.1,html=0.1,truncated=0.1,reset=0.05", seed=7).decide(n)
        for n in range(500)
    ]
    other = [
        Faults.parse("429=0.1,500=0.1,html=0.1,truncated=0.1,reset=0.05", seed=8).decide(n)
        for n in range(500)
    ]
    assert first == again
    assert first != other
    share = sum(f is not None for f in first) / len(first)
    assert 0.35 < share < 0.55
    with pytest.raises(ValueError, match="unknown fault"):
        Faults.parse("explode=0.1")


async def test_injected_faults_reach_the_wire() -> None:
    config = SandboxConfig(
        rate_limit=None, faults=Faults.from_mapping({"html": 0.5, "truncated": 0.5}, seed=1)
    )
    async with Sandbox(config) as sb, aiohttp.ClientSession() as session:
        r = Raw(sb, session)
        r.token = sb.state.issue_token(asyncio.get_running_loop().time())
        seen = set()
        for _ in range(20):
            status, body = await r.call("GET", "/v1/get-balance")
            if status == 502:
                assert "<html>" in body
                seen.add("html")
            else:
                assert status == 200 and isinstance(body, str)  # cut JSON
                seen.add("truncated")
        assert seen == {"html", "truncated"}
        assert sum(sb.stats.faults.values()) == 20
