"""The webhook receiver: typed events, security, dedupe, the three ways to serve it, push mode."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from snov_async import SnovClient
from snov_async.sandbox import Sandbox, SandboxConfig
from snov_async.webhooks import (
    EmailVerificationEvent,
    GenericEvent,
    TaskResult,
    WebhookEvent,
    WebhookReceiver,
    parse_event,
)

RESULT = {
    "status": "completed",
    "data": [{"email": "a@b.io", "result": {"smtp_status": "valid"}}],
    "meta": {"emails": ["a@b.io"], "task_hash": "abc123"},
}


def test_events_are_typed_and_parsing_never_raises() -> None:
    task = parse_event(json.dumps(RESULT).encode())
    assert (
        isinstance(task, TaskResult) and task.task_hash == "abc123" and task.status == "completed"
    )
    verified = parse_event(b'{"event_object": "email_verification", "event_action": "verified"}')
    assert isinstance(verified, EmailVerificationEvent) and verified.event_action == "verified"
    dotted = parse_event(b'{"event": "campaign_email.opened", "email": "x@y.io"}')
    assert dotted.event_object == "campaign_email" and dotted.event_action == "opened"
    for body in (b"", b"not json", b"[1, 2]", b'{"event_object": "brand_new_object"}'):
        assert isinstance(parse_event(body), GenericEvent)
    assert parse_event(b'{"a": 1}').delivery_key == parse_event(b'{"a": 1}').delivery_key


async def test_standalone_receiver_answers_fast_refuses_strangers_and_drops_redeliveries() -> None:
    release = asyncio.Event()
    seen: list[WebhookEvent] = []

    async def slow_callback(event: WebhookEvent) -> None:
        await release.wait()  # user code that takes its time
        seen.append(event)

    async with WebhookReceiver(max_body=1000) as receiver, aiohttp.ClientSession() as http:
        receiver.on(slow_callback)
        events = receiver.events()  # events arriving from now on
        body = json.dumps(RESULT)
        async with http.post(receiver.url, data=body) as resp:
            assert resp.status == 200  # answered while the callback is still waiting
        async with http.post(receiver.url, data=body) as resp:
            assert resp.status == 200  # a redelivery is acknowledged...
        assert receiver.received == 1 and receiver.duplicates == 1  # ...but not delivered twice
        wrong = receiver.url[:-3] + "xyz"
        for method, url, data in (
            ("POST", wrong, body),
            ("GET", receiver.url, None),
            ("POST", receiver.url.rsplit("/", 1)[0], body),
        ):
            async with http.request(method, url, data=data) as resp:
                assert resp.status == 404
        async with http.post(receiver.url, data="x" * 2000) as resp:
            assert resp.status == 413
        assert receiver.refused == 4
        release.set()
        await receiver.drain()
        assert len(seen) == 1
        first = await anext(events)
        assert isinstance(first, TaskResult)


async def test_mounted_in_an_aiohttp_app() -> None:
    receiver = WebhookReceiver(public_url="http://127.0.0.1/hooks")
    app = web.Application()
    app.add_subapp("/hooks", receiver.aiohttp_app())
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/hooks{receiver.path}"
            async with http.post(
                url, json={"event_object": "company", "event_action": "x"}
            ) as resp:
                assert resp.status == 200
            async with http.post(f"http://127.0.0.1:{port}/hooks/snov-webhooks/guess") as resp:
                assert resp.status == 404
        assert receiver.received == 1 and receiver.url.startswith(
            "http://127.0.0.1/hooks/snov-webhooks/"
        )
    finally:
        await runner.cleanup()


async def test_asgi_app_without_any_framework() -> None:
    receiver = WebhookReceiver(public_url="https://api.example.com/snov")
    app = receiver.asgi_app()

    async def call(path: str, body: bytes, method: str = "POST") -> int:
        sent: list[dict[str, Any]] = []
        chunks = [{"type": "http.request", "body": body[:5], "more_body": True},
                  {"type": "http.request", "body": body[5:], "more_body": False}]  # fmt: skip

        async def receive() -> dict[str, Any]:
            return chunks.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": method, "path": "/snov" + path, "root_path": "/snov"}
        await app(scope, receive, send)
        return int(sent[0]["status"])

    assert await call(receiver.path, json.dumps(RESULT).encode()) == 200
    assert await call("/snov-webhooks/nope", b"{}") == 404
    assert await call(receiver.path, b"{}", method="GET") == 404
    assert receiver.received == 1


async def test_push_mode_costs_one_request_per_batch() -> None:
    config = SandboxConfig(rate_limit=None, task_latency=0.01, webhook_time_scale=1e-6)
    async with Sandbox(config) as sb, WebhookReceiver() as receiver, SnovClient(
        "id", "s", base_url=sb.base_url, requests_per_minute=60_000, webhook=receiver,
        initial_task_latency=5.0,  # the runner would wait long before polling
    ) as snov:  # fmt: skip
        emails = [f"user{i}@acme{i % 7}.com" for i in range(100)]
        results = await snov.verification.verify(emails)
        domains = await snov.email_finder.company_domains([f"Firm {i}" for i in range(20)])
    assert [r.email for r in results] == emails and all(r.ok for r in results)
    assert all(d.ok for d in domains)
    assert snov.runner.pushed == 12
    assert sb.stats.requests["GET /v2/email-verification/result"] == 0
    assert sb.stats.total_requests == 12 + 1  # starts and the token, nothing else
    assert sb.stats.webhook_delivered == 12


async def test_a_push_that_never_comes_falls_back_to_polling() -> None:
    config = SandboxConfig(rate_limit=None, task_latency=0.01)
    # The receiver's public URL is wrong: Snov's pushes never reach it.
    receiver = WebhookReceiver(public_url="http://127.0.0.1:9")
    async with Sandbox(config) as sb, receiver, SnovClient(
        "id", "s", base_url=sb.base_url, requests_per_minute=60_000, webhook=receiver,
        push_timeout=0.2, initial_task_latency=0.01,
    ) as snov:  # fmt: skip
        results = await snov.verification.verify([f"u{i}@x.io" for i in range(30)])
    assert all(r.ok for r in results)
    assert snov.runner.pushed == 0
    assert sb.stats.requests["GET /v2/email-verification/result"] == 3


def test_a_pushed_result_without_a_status_counts_as_completed() -> None:
    bare = parse_event(b'{"data": [{"email": "a@b.io"}], "meta": {"task_hash": "h9"}}')
    assert isinstance(bare, TaskResult) and bare.status == "completed" and bare.task_hash == "h9"
    nested = parse_event(b'{"data": {"task_hash": "h8"}, "status": "completed"}')
    assert isinstance(nested, TaskResult) and nested.task_hash == "h8"


async def test_subscriptions_receive_the_sandboxes_events() -> None:
    config = SandboxConfig(rate_limit=None, task_latency=0.0, webhook_time_scale=1e-6)
    async with Sandbox(config) as sb, WebhookReceiver() as receiver, SnovClient(
        "id", "s", base_url=sb.base_url, requests_per_minute=60_000, initial_task_latency=0.001
    ) as snov:  # fmt: skip
        stream = receiver.events()
        hook = await snov.webhooks.create("email_verification", "verified", receiver.url)
        await snov.webhooks.create("company", "found_domains_by_names", receiver.url)
        await snov.verification.verify([f"u{i}@x.io" for i in range(20)])
        await snov.webhooks.set_status(hook.id, "deactivated")
        await snov.verification.verify(["late@x.io"])  # no longer subscribed
        for _ in range(100):
            if receiver.received >= 2:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        events = [await anext(stream) for _ in range(receiver.received)]
    assert [type(e) for e in events] == [EmailVerificationEvent, EmailVerificationEvent]
    assert all(e.event_action == "verified" and e.payload["data"] for e in events)


async def test_a_callback_that_changes_an_event_does_not_change_push_mode_results() -> None:
    """Every consumer got the same ``payload`` object. A user's callback registered before
    the client (so it runs first) that tidies the payload in place — here it pops ``data`` to
    store it elsewhere — emptied the results the runner then read from the very same dict."""
    config = SandboxConfig(rate_limit=None, task_latency=0.01, webhook_time_scale=1e-6)
    async with Sandbox(config) as sb, WebhookReceiver() as receiver:
        stored: list[Any] = []

        async def store(event: WebhookEvent) -> None:
            stored.append(event.payload.pop("data", None))

        receiver.on(store, TaskResult)
        async with SnovClient(
            "id", "s", base_url=sb.base_url, requests_per_minute=60_000, webhook=receiver,
            initial_task_latency=5.0,
        ) as snov:  # fmt: skip
            emails = [f"user{i}@acme{i % 7}.com" for i in range(30)]
            results = await snov.verification.verify(emails)
        await receiver.drain()
    assert snov.runner.pushed == 3 and len(stored) == 3 and all(stored)
    assert [r.email for r in results] == emails
    assert all(r.ok and r.smtp_status for r in results), [r.error for r in results][:3]


def test_the_token_stays_redacted_from_sdk_errors_after_many_token_refreshes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The SDK redacts the last 64 secrets it made; every access token refresh is one. After
    64 of them (under three days of hourly tokens) a server error echoing the ``webhook_url``
    of a push-mode start showed the receiver's token."""
    from snov_async import _secrets

    # A registry of our own (restored afterwards), so that other tests' secrets stay known.
    monkeypatch.setattr(_secrets, "_known", {})
    monkeypatch.setattr(_secrets, "_pattern", None)
    monkeypatch.setattr(_secrets, "_bytes_pattern", None)
    receiver = WebhookReceiver()
    token = receiver.path.rsplit("/", 1)[1]
    for n in range(_secrets.MAX_REMEMBERED):
        _secrets.Secret(f"access-token-{n:040d}")  # hourly refreshes of a long-running service
    webhook_url = receiver.url  # what the runner sends with a start
    echoed = _secrets.redact(f"400: webhook_url {webhook_url} is not reachable")
    assert token not in echoed and "/snov-webhooks/***" in echoed
