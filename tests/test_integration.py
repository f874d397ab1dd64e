"""The client against the live sandbox: what a new user would try first."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pytest

from snov_async import AuthenticationError, SnovClient
from snov_async.sandbox import Sandbox, SandboxConfig


@contextlib.asynccontextmanager
async def pair(config: SandboxConfig, rpm: float) -> AsyncIterator[tuple[Sandbox, SnovClient]]:
    async with (
        Sandbox(config) as sb,
        SnovClient("id", "s", base_url=sb.base_url, requests_per_minute=rpm) as snov,
    ):
        yield sb, snov


async def test_150_concurrent_balances_one_token_no_429_under_a_short_window() -> None:
    # The server counts 100 requests per rolling second; the client asks for 5400/min.
    async with pair(SandboxConfig(rate_limit=100, rate_window=1.0), 5400) as (sb, snov):
        results = await asyncio.gather(*(snov.account.balance() for _ in range(150)))
    assert len(results) == 150
    assert sb.stats.token_requests == 1
    assert sb.stats.rate_limited == 0
    assert sb.stats.requests["GET /v1/get-balance"] == 150


async def test_a_token_expiring_mid_run_is_invisible() -> None:
    # The sandbox says ``expires_in: 0`` (0.3 s, truncated); the client clamps that to a minute
    # and so learns of each token's death from a 401, then refreshes and replays.
    async with pair(SandboxConfig(rate_limit=None, token_ttl=0.3), 3000) as (sb, snov):
        results = [await snov.account.balance() for _ in range(60)]
    assert len(results) == 60
    assert sb.stats.token_requests >= 3  # ~1.2 s of requests with a 0.3 s token
    assert snov.stats.auth_replays == sb.stats.token_requests - 1


async def test_revoked_tokens_are_replaced_without_the_caller_noticing() -> None:
    async with pair(SandboxConfig(rate_limit=None), 6000) as (sb, snov):
        await snov.account.balance()
        sb.state.tokens.clear()  # every token revoked
        await snov.account.balance()
    assert sb.stats.token_requests == 2
    assert snov.stats.auth_replays == 1


async def test_bad_credentials_raise_authentication_error_and_never_leak(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "very-secret-value-123"
    async with Sandbox(SandboxConfig(credentials=("id", "right"), rate_limit=None)) as sb:
        snov = SnovClient("id", secret, base_url=sb.base_url, requests_per_minute=6000)
        async with snov:
            with pytest.raises(AuthenticationError) as info:
                await snov.account.balance()
    assert secret not in str(info.value) and secret not in repr(snov)
    assert secret not in caplog.text
