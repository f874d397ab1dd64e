"""Many accounts on one sandbox: each has its own tokens, rate window, credits, tasks, stores
and counters; nothing one account does is visible to another."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import aiohttp
import pytest

from snov_async.sandbox import Sandbox, SandboxConfig
from snov_async.sandbox.__main__ import build_parser, config_from_args
from tests.sandbox.conftest import Raw

A = ("acct-a", "secret-a")
B = ("acct-b", "secret-b")


@pytest.fixture
async def two() -> AsyncIterator[tuple[Sandbox, Raw, Raw]]:
    async with (
        Sandbox(accounts=[A, (*B, 3)], rate_limit=None, task_latency=0.0) as sb,
        aiohttp.ClientSession() as session,
    ):
        a, b = Raw(sb, session), Raw(sb, session)
        await a.login(*A)
        await b.login(*B)
        yield sb, a, b


async def _start_verification(raw: Raw, *emails: str) -> str:
    status, body = await raw.call(
        "POST", "/v2/email-verification/start", data={"emails[]": list(emails)}
    )
    assert status == 200, body
    return str(body["data"]["task_hash"])


async def test_only_the_listed_credentials_open_an_account() -> None:
    async with Sandbox(accounts=[A, B], rate_limit=None) as sb, aiohttp.ClientSession() as s:
        raw = Raw(sb, s)
        for cid, secret in (("acct-a", "secret-b"), ("stranger", "x"), ("acct-a", "")):
            status, body = await raw.call(
                "POST",
                "/v1/oauth/access_token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": cid,
                    "client_secret": secret,
                },
                auth=False,
            )
            assert status == 401 and body["error"] == "invalid_client"
        assert await raw.login(*A) and await raw.login(*B)
        assert sorted(sb.state.accounts) == ["acct-a", "acct-b"]


async def test_a_task_hash_is_found_only_by_its_own_account(two: tuple[Sandbox, Raw, Raw]) -> None:
    sb, a, b = two
    h = await _start_verification(a, "x@snov.io")
    status, body = await b.call("GET", "/v2/email-verification/result", params={"task_hash": h})
    assert status == 404 and body == {"errors": {"code": 404, "title": "Not Found", "source": ""}}
    status, body = await a.call("GET", "/v2/email-verification/result", params={"task_hash": h})
    assert status == 200 and body["status"] == "completed"
    # The same for path-style results (domain search family).
    status, body = await a.call("POST", "/v2/domain-search/start", data={"domain": "snov.io"})
    dh = body["meta"]["task_hash"]
    assert (await b.call("GET", f"/v2/domain-search/result/{dh}"))[0] == 404
    assert (await a.call("GET", f"/v2/domain-search/result/{dh}"))[0] == 200
    # Hashes are unique across accounts: B's own task never shadows A's.
    hb = await _start_verification(b, "y@snov.io")
    assert hb != h and set(sb.account("acct-a").tasks).isdisjoint(sb.account("acct-b").tasks)


async def test_credits_are_per_account(two: tuple[Sandbox, Raw, Raw]) -> None:
    sb, a, b = two
    assert sb.account("acct-a").balance == Decimal("25000.00")
    assert sb.account("acct-b").balance == Decimal(3)
    h = await _start_verification(b, "a@snov.io", "b@snov.io", "c@snov.io")
    await b.call("GET", "/v2/email-verification/result", params={"task_hash": h})
    assert sb.account("acct-b").balance == 0
    status, body = await b.call(
        "POST", "/v2/email-verification/start", data={"emails[]": ["d@x.io"]}
    )
    assert status == 400 and body == {
        "errors": [{"user_id": "Sorry, you ran out of credits, please order more credits"}]
    }  # live
    _, balance_b = await b.call("GET", "/v1/get-balance")
    _, balance_a = await a.call("GET", "/v1/get-balance")
    assert balance_b["data"]["balance"] == "0.00"
    assert balance_a["data"]["balance"] == "25000.00"
    await _start_verification(a, "d@x.io")  # A still has credits
    assert sb.stats_for("acct-b").credits_spent == 3
    assert sb.stats_for("acct-a").credits_spent == 0
    assert sb.stats.credits_spent == 3


async def test_stores_are_per_account(two: tuple[Sandbox, Raw, Raw]) -> None:
    _, a, b = two
    # Lists.
    _, made = await a.call("POST", "/v1/lists", data={"name": "A only"})
    list_id = made[0]["data"]["id"]
    _, lists_b = await b.call("GET", "/v1/get-user-lists")
    assert list_id not in {row["id"] for row in lists_b}
    status, body = await b.call("POST", "/v1/prospect-list", data={"listId": list_id})
    assert body["success"] is False
    status, body = await b.call(
        "POST", "/v1/add-prospect-to-list", data={"listId": list_id, "email": "p@snov.io"}
    )
    assert body["success"] is False
    # Webhooks.
    status, hook = await a.call(
        "POST",
        "/v2/webhooks",
        json={
            "event_object": "email_verification",
            "event_action": "verified",
            "endpoint_url": "https://example.com/hook",
        },
    )
    assert status == 200
    hook_id = hook["data"]["id"]
    _, hooks_b = await b.call("GET", "/v2/webhooks")
    assert hooks_b["data"] == [] and hooks_b["meta"]["webhooks_count"] == 0
    assert (await b.call("DELETE", f"/v2/webhooks/{hook_id}"))[0] == 404
    assert (await b.call("PUT", f"/v2/webhooks/{hook_id}", data={"status": "deactivated"}))[
        0
    ] == 404
    _, hooks_a = await a.call("GET", "/v2/webhooks")
    assert [row["data"]["status"] for row in hooks_a["data"]] == ["active"]
    # Campaigns.
    status, made = await a.call(
        "POST",
        "/v2/campaigns/create",
        json={
            "title": "A's",
            "priority": "medium",
            "recipients": {"list_id": list_id},
            "complete_campaign_after_last_step": True,
            "archive_in_months": 1,
            "sequence": {
                "entry": "l",
                "steps": [
                    {"_ref": "l", "type": "linkedin", "action": "visit", "next": "g"},
                    {"_ref": "g", "type": "goal", "goal_name": "done"},
                ],
            },
            "linkedin_accounts": [1],
        },
    )
    assert status == 200, made
    campaign_id = made["data"]["id"]
    assert (await b.call("GET", f"/v2/campaigns/{campaign_id}"))[0] == 404
    assert (await b.call("DELETE", f"/v2/campaigns/{campaign_id}"))[0] == 404
    assert (await a.call("GET", f"/v2/campaigns/{campaign_id}"))[0] == 200
    _, listed_b = await b.call("GET", "/v1/get-user-campaigns")
    assert campaign_id not in {row["id"] for row in listed_b}
    # Senders.
    _, senders_a = await a.call("GET", "/v2/sender-accounts/emails")
    sender = senders_a["data"][0]["id"]
    status, _ = await a.call(
        "PATCH", f"/v2/sender-accounts/emails/{sender}", json={"limitation": 7}
    )
    assert status == 200
    _, senders_b = await b.call("GET", "/v2/sender-accounts/emails")
    assert {s["id"]: s["limitation"] for s in senders_b["data"]}[sender] != 7


async def test_rate_windows_are_per_account() -> None:
    async with (
        Sandbox(accounts=[A, B], rate_limit=3, rate_window=60) as sb,
        aiohttp.ClientSession() as s,
    ):
        a, b = Raw(sb, s), Raw(sb, s)
        await a.login(*A)  # 1 of A's 3
        assert [(await a.call("GET", "/v1/get-balance"))[0] for _ in range(3)] == [200, 200, 429]
        await b.login(*B)  # B's window is untouched by A's
        assert [(await b.call("GET", "/v1/get-balance"))[0] for _ in range(3)] == [200, 200, 429]
        assert sb.stats_for("acct-a").rate_limited == 1
        assert sb.stats_for("acct-b").rate_limited == 1
        assert sb.stats.rate_limited == 2
        # A request without a valid token belongs to no account: 401, not 429.
        assert (await a.call("GET", "/v1/get-balance", auth=False))[0] == 401


async def test_interleaved_accounts_keep_exact_counters(two: tuple[Sandbox, Raw, Raw]) -> None:
    sb, a, b = two

    async def burst(raw: Raw, n: int) -> list[str]:
        hashes = []
        for i in range(n):
            hashes.append(await _start_verification(raw, f"p{i}@{raw.token[:5].lower()}x.io"))
        return hashes

    ha, hb = await asyncio.gather(burst(a, 12), burst(b, 7))
    # Each account sees exactly its own calls.
    assert sb.stats_for("acct-a").requests["POST /v2/email-verification/start"] == 12
    assert sb.stats_for("acct-b").requests["POST /v2/email-verification/start"] == 7
    assert sb.stats.requests["POST /v2/email-verification/start"] == 19
    assert sb.stats_for("acct-a").token_requests == sb.stats_for("acct-b").token_requests == 1
    # Polling each other's hashes concurrently: all 404; own hashes: all 200.
    cross = await asyncio.gather(
        *(b.call("GET", "/v2/email-verification/result", params={"task_hash": h}) for h in ha),
        *(a.call("GET", "/v2/email-verification/result", params={"task_hash": h}) for h in hb),
    )
    assert {status for status, _ in cross} == {404}
    own = await asyncio.gather(
        *(a.call("GET", "/v2/email-verification/result", params={"task_hash": h}) for h in ha)
    )
    assert {status for status, _ in own} == {200}


async def test_stats_route_serves_totals_and_each_account(two: tuple[Sandbox, Raw, Raw]) -> None:
    sb, a, b = two
    await a.call("GET", "/v1/get-balance")
    await a.call("GET", "/v1/get-balance")
    await b.call("GET", "/v1/get-balance")
    _, total = await a.call("GET", "/__sandbox__/stats", auth=False)
    assert total["requests"]["GET /v1/get-balance"] == 3
    assert total["accounts"]["acct-a"]["requests"]["GET /v1/get-balance"] == 2
    assert total["accounts"]["acct-b"]["requests"]["GET /v1/get-balance"] == 1
    assert total["accounts"]["acct-b"]["balance"] == "3.00"
    status, one = await a.call(
        "GET", "/__sandbox__/stats", auth=False, params={"client_id": "acct-b"}
    )
    assert status == 200 and one["client_id"] == "acct-b" and one["total_requests"] == 2
    status, _ = await a.call("GET", "/__sandbox__/stats", auth=False, params={"client_id": "zz"})
    assert status == 404
    with pytest.raises(KeyError):
        sb.stats_for("zz")


async def test_a_revoked_token_of_one_account_leaves_the_other_alone(
    two: tuple[Sandbox, Raw, Raw],
) -> None:
    sb, a, b = two
    for token in sb.account("acct-a").tokens():
        sb.state.revoke(token)
    assert (await a.call("GET", "/v1/get-balance"))[0] == 401
    assert (await b.call("GET", "/v1/get-balance"))[0] == 200


async def test_open_sign_up_gives_each_client_id_its_own_account() -> None:
    async with Sandbox(rate_limit=None, task_latency=0) as sb, aiohttp.ClientSession() as s:
        one, two_, again = Raw(sb, s), Raw(sb, s), Raw(sb, s)
        await one.login("first", "s1")
        await two_.login("second", "s2")
        h = await _start_verification(one, "a@snov.io")
        status, _ = await two_.call("GET", "/v2/email-verification/result", params={"task_hash": h})
        assert status == 404
        # The first secret seen binds the id: another secret is refused, the same one works.
        status, _ = await again.call(
            "POST",
            "/v1/oauth/access_token",
            data={"grant_type": "client_credentials", "client_id": "first", "client_secret": "no"},
            auth=False,
        )
        assert status == 401
        await again.login("first", "s1")
        status, _ = await again.call(
            "GET", "/v2/email-verification/result", params={"task_hash": h}
        )
        assert status == 200
        assert sorted(sb.state.accounts) == ["first", "second"]
        assert sb.state.default is sb.account("first")  # `sb.state.balance` is the first's


async def test_start_latency_holds_the_answer_after_the_task_exists() -> None:
    async with (
        Sandbox(rate_limit=None, task_latency=0, start_latency=0.3) as sb,
        aiohttp.ClientSession() as s,
    ):
        raw = Raw(sb, s)
        await raw.login("slow", "s")
        pending = asyncio.ensure_future(_start_verification(raw, "a@snov.io"))
        for _ in range(100):
            if sb.account("slow").tasks:
                break
            await asyncio.sleep(0.01)
        assert len(sb.account("slow").tasks) == 1 and not pending.done()
        assert sb.stats_for("slow").starts_per_input[("email-verification", "a@snov.io")] == 1
        h = await pending
        assert list(sb.account("slow").tasks) == [h]
        # A client that gives up while waiting leaves a started task behind.
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(_start_verification(raw, "b@snov.io"), 0.05)
        await asyncio.sleep(0.35)
        assert len(sb.account("slow").tasks) == 2
        assert sb.stats_for("slow").starts_per_input[("email-verification", "b@snov.io")] == 1


def test_start_latency_draws_are_seeded_and_within_bounds() -> None:
    from snov_async.sandbox.state import SandboxState

    one = SandboxState(SandboxConfig(start_latency=(0.1, 0.4), seed=3)).default
    two = SandboxState(SandboxConfig(start_latency=(0.1, 0.4), seed=3)).default
    draws = [one.start_latency(n) for n in range(40)]
    assert draws == [two.start_latency(n) for n in range(40)]
    assert all(0.1 <= d <= 0.4 for d in draws) and len(set(draws)) > 30
    assert SandboxState(SandboxConfig()).default.start_latency(1) == 0


def test_account_specs_are_checked() -> None:
    with pytest.raises(ValueError, match="twice"):
        SandboxConfig(accounts=[A, A])
    with pytest.raises(ValueError, match="non-empty"):
        SandboxConfig(accounts=[("id", "")])
    with pytest.raises(ValueError, match="ID:SECRET"):
        SandboxConfig(accounts="id-without-secret")
    with pytest.raises(ValueError, match="at least one"):
        SandboxConfig(accounts=[])
    config = SandboxConfig(accounts="a:s1,b:s:2")  # the secret may hold a colon
    assert config.accounts == (("a", "s1", None), ("b", "s:2", None))


def test_the_command_line_takes_accounts_and_start_latency() -> None:
    args = build_parser().parse_args(
        ["--accounts", "a:x,b:y", "--start-latency", "0.5:1.5", "--shapes", "reference"]
    )
    config = config_from_args(args)
    assert config.accounts == (("a", "x", None), ("b", "y", None))
    assert config.start_latency == (0.5, 1.5) and config.shapes == "reference"
    with pytest.raises(SystemExit):
        config_from_args(build_parser().parse_args(["--accounts", "a:x", "--credentials", "a:x"]))


async def test_task_events_reach_only_the_subscriptions_of_the_tasks_account() -> None:
    from aiohttp import web

    received: list[str] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(request.match_info["who"])
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook/{who}", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with (
            Sandbox(accounts=[A, B], rate_limit=None, task_latency=0.0) as sb,
            aiohttp.ClientSession() as s,
        ):
            a, b = Raw(sb, s), Raw(sb, s)
            await a.login(*A)
            await b.login(*B)
            for raw, who in ((a, "a"), (b, "b")):
                status, _ = await raw.call(
                    "POST",
                    "/v2/webhooks",
                    data={
                        "event_object": "email_verification",
                        "event_action": "verified",
                        "endpoint_url": f"http://127.0.0.1:{port}/hook/{who}",
                    },
                )
                assert status == 200
            h = await _start_verification(b, "x@snov.io")
            await b.call("GET", "/v2/email-verification/result", params={"task_hash": h})
            for _ in range(100):
                if sb.stats.webhook_delivered:
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)
            assert received == ["b"]
            assert sb.stats_for("acct-b").webhook_delivered == 1
            assert sb.stats_for("acct-a").webhook_attempts == 0
    finally:
        await runner.cleanup()
