"""Fixtures for talking to a live in-process sandbox over raw HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from snov_async.sandbox import Sandbox, SandboxConfig


class Raw:
    """A bare aiohttp caller, the way the reference's snippets call the API."""

    def __init__(self, sb: Sandbox, session: aiohttp.ClientSession) -> None:
        self.sb = sb
        self.session = session
        self.token = ""

    async def login(self, client_id: str = "id", secret: str = "secret") -> str:
        status, body = await self.call(
            "POST",
            "/v1/oauth/access_token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            },
            auth=False,
        )
        assert status == 200, body
        self.token = body["access_token"]
        return self.token

    async def call(
        self, method: str, path: str, *, auth: bool = True, **kw: Any
    ) -> tuple[int, Any]:
        headers = kw.pop("headers", {})
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        async with self.session.request(
            method, self.sb.base_url + path, headers=headers, **kw
        ) as resp:
            text = await resp.text()
            try:
                import json

                return resp.status, json.loads(text) if text else None
            except ValueError:
                return resp.status, text


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(rate_limit=None, task_latency=0.0)


@pytest.fixture
async def raw(sandbox_config: SandboxConfig) -> AsyncIterator[Raw]:
    async with Sandbox(sandbox_config) as sb, aiohttp.ClientSession() as session:
        r = Raw(sb, session)
        await r.login()
        yield r


class ThreadedSandbox:
    """A sandbox serving from its own event loop in a thread, for module-wide fixtures and for
    synchronous clients (``requests``-based libraries)."""

    def __init__(self, **settings: Any) -> None:
        import asyncio
        import threading

        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.sb: Sandbox | None = None

    def __enter__(self) -> ThreadedSandbox:
        import asyncio

        self.thread.start()
        self.sb = Sandbox(**self.settings)
        asyncio.run_coroutine_threadsafe(self.sb.start(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        import asyncio

        assert self.sb is not None
        asyncio.run_coroutine_threadsafe(self.sb.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    @property
    def base_url(self) -> str:
        assert self.sb is not None
        return self.sb.base_url
