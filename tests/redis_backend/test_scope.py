"""Accounts (and the sandbox vs the real API) sharing one Redis never share a rate budget, a
token or journal records."""

from __future__ import annotations

import redis.asyncio as aioredis

from snov_async import SnovClient
from snov_async._scope import account_scope
from snov_async.sandbox import Sandbox, SandboxConfig


def test_the_scope_is_a_short_stable_id_of_api_and_account() -> None:
    a = account_scope("https://api.snov.io", "client-a")
    assert a == account_scope("https://api.snov.io/", "client-a")  # trailing slash
    assert len(a) == 20 and int(a, 16) >= 0
    assert a != account_scope("https://api.snov.io", "client-b")
    assert a != account_scope("http://127.0.0.1:8080", "client-a")  # sandbox vs real
    # The two parts cannot be shifted into each other.
    assert account_scope("https://x.io/a", "b") != account_scope("https://x.io/", "ab")
    assert account_scope("https://x.io", "a\nb") != account_scope("https://x.io\na", "b")


async def test_two_accounts_on_one_redis_share_nothing(redis_url: str) -> None:
    emails = [f"user{i}@acme{i % 3}.com" for i in range(12)]
    async with Sandbox(SandboxConfig(rate_limit=None, task_latency=0.0)) as sb:
        base_url = sb.base_url
        clients = [
            SnovClient(
                cid,
                "s",
                base_url=sb.base_url,
                pacer=redis_url,
                journal=redis_url,
                requests_per_minute=60_000,
                initial_task_latency=0.001,
            )
            for cid in ("account-a", "account-b")
        ]
        for snov in clients:
            async with snov:
                results = await snov.verification.verify(emails)
                assert all(r.ok for r in results)
                assert snov.runner.cached == 0  # never answered from the other's journal
        assert sb.stats.token_requests == 2  # one token per account, not one shared
        assert set(sb.stats.starts_per_input.values()) == {2}  # each account paid its own
    raw = aioredis.Redis.from_url(redis_url, decode_responses=True)
    keys = await raw.keys("*")
    await raw.aclose()
    scopes = [account_scope(base_url, cid) for cid in ("account-a", "account-b")]
    assert [c.scope for c in clients] == scopes
    for scope in scopes:
        mine = [k for k in keys if k.startswith(f"snov_async:{scope}:")]
        assert f"snov_async:{scope}:pacer:tat" in mine
        assert f"snov_async:{scope}:token" in mine
        assert len([k for k in mine if k.startswith(f"snov_async:{scope}:journal:")]) == 12
    assert all(k.split(":")[1] in scopes for k in keys)  # nothing unscoped


async def test_the_sandbox_and_the_real_api_do_not_share_a_pacer_key() -> None:
    real = SnovClient("id", "s", pacer="redis://127.0.0.1:1/0")
    local = SnovClient("id", "s", base_url="http://127.0.0.1:8080", pacer="redis://127.0.0.1:1/0")
    assert real.scope != local.scope
    assert real.scope in repr(real.pacer) and local.scope in repr(local.pacer)
    await real.close()
    await local.close()
