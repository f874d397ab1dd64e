"""The conventions users know from openai-python and httpx: configuration from the
environment (SNOV_BASE_URL, SNOV_LOG, proxy variables), per-call options and ``with_options``,
and errors that keep the answer they came from."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from snov_async import (
    ConfigurationError,
    NotFoundError,
    ResponseFormatError,
    RetryPolicy,
    SnovClient,
    TransportError,
    ValidationError,
    _logs,
    _sansio,
)
from snov_async.sandbox import Sandbox, SandboxConfig
from tests.helpers import CLIENT_ID, CLIENT_SECRET, token_payload

FAST = 60_000.0
QUICK_RETRY = RetryPolicy(backoff_base=0.01, backoff_max=0.01)
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("SNOV_BASE_URL", "SNOV_LOG", "SNOV_CLIENT_ID", "SNOV_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    yield
    # Undo what SNOV_LOG did to the package logger.
    logger = logging.getLogger("snov_async")
    if _logs._handler is not None:
        logger.removeHandler(_logs._handler)
        _logs._handler = None
    logger.setLevel(logging.NOTSET)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(SandboxConfig(rate_limit=None, task_latency=0.01)) as sb:
        yield sb


# SNOV_BASE_URL ----------------------------------------------------------------------------


def test_the_constructor_reads_snov_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    assert SnovClient("id", "secret").base_url == "https://api.snov.io"
    monkeypatch.setenv("SNOV_BASE_URL", "http://127.0.0.1:9/")
    assert SnovClient("id", "secret").base_url == "http://127.0.0.1:9"
    # An explicit argument wins over the environment.
    assert SnovClient("id", "secret", base_url="https://other.test").base_url == (
        "https://other.test"
    )
    monkeypatch.setenv("SNOV_BASE_URL", "ftp://nope")
    with pytest.raises(ConfigurationError, match="base_url"):
        SnovClient("id", "secret")


async def test_a_client_made_from_the_environment_alone_reaches_the_sandbox(
    monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox
) -> None:
    monkeypatch.setenv("SNOV_CLIENT_ID", "id")
    monkeypatch.setenv("SNOV_CLIENT_SECRET", "secret")
    monkeypatch.setenv("SNOV_BASE_URL", sandbox.base_url)
    async with SnovClient(requests_per_minute=FAST) as snov:
        assert (await snov.account.balance()).balance > 0
    assert sandbox.stats.total_requests == 2  # token + balance, on the sandbox


# SNOV_LOG ---------------------------------------------------------------------------------


async def test_snov_log_debug_logs_each_request_to_stderr_without_secrets(
    monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SNOV_LOG", "debug")
    async with SnovClient(
        CLIENT_ID, CLIENT_SECRET, base_url=sandbox.base_url, requests_per_minute=FAST
    ) as snov:
        await snov.account.balance()
    err = capsys.readouterr().err
    assert "snov_async DEBUG" in err
    assert "GET /v1/get-balance -> 200" in err
    assert "POST /v1/oauth/access_token -> 200" in err
    assert CLIENT_SECRET not in err
    # A second client does not add a second handler (one line per request, not two).
    async with SnovClient(
        CLIENT_ID, CLIENT_SECRET, base_url=sandbox.base_url, requests_per_minute=FAST
    ) as snov:
        await snov.account.balance()
    assert capsys.readouterr().err.count("GET /v1/get-balance -> 200") == 1


async def test_snov_log_info_hides_debug_lines_and_no_snov_log_stays_silent(
    monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    async with SnovClient(
        CLIENT_ID, CLIENT_SECRET, base_url=sandbox.base_url, requests_per_minute=FAST
    ) as snov:
        await snov.account.balance()
    assert capsys.readouterr().err == ""
    assert _logs._handler is None
    monkeypatch.setenv("SNOV_LOG", "info")
    async with SnovClient(
        CLIENT_ID, CLIENT_SECRET, base_url=sandbox.base_url, requests_per_minute=FAST
    ) as snov:
        await snov.account.balance()
    assert logging.getLogger("snov_async").level == logging.INFO
    assert "get-balance" not in capsys.readouterr().err


# Proxy environment variables ----------------------------------------------------------------


class FakeProxy:
    """A forward HTTP proxy on loopback that answers every request itself and records it."""

    def __init__(self) -> None:
        self.request_lines: list[str] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = (await reader.readline()).decode()
                if not line:
                    return
                self.request_lines.append(line.strip())
                length = 0
                while (header := (await reader.readline()).decode()) not in ("\r\n", ""):
                    name, _, value = header.partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
                if "/oauth/access_token" in line:
                    body = json.dumps(token_payload()).encode()
                else:
                    body = b'{"success": true, "data": {"balance": "7.00", "teamwork": false,'
                    body += b' "unique_recipients_used": 0, "limit_resets_in": 1,'
                    body += b' "expires_in": 2}}'
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        finally:
            writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def test_the_session_honours_http_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = FakeProxy()
    monkeypatch.setenv("HTTP_PROXY", await proxy.start())
    try:
        # snov.invalid cannot resolve: the answer can only come through the proxy.
        async with SnovClient(
            "id", "secret", base_url="http://snov.invalid", requests_per_minute=FAST
        ) as snov:
            balance = await snov.account.balance()
    finally:
        await proxy.stop()
    assert str(balance.balance) == "7.00"
    assert proxy.request_lines == [
        "POST http://snov.invalid/v1/oauth/access_token HTTP/1.1",
        "GET http://snov.invalid/v1/get-balance HTTP/1.1",
    ]


async def test_no_proxy_is_honoured_too(monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox) -> None:
    proxy = FakeProxy()
    monkeypatch.setenv("HTTP_PROXY", await proxy.start())
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    try:
        async with SnovClient(
            "id", "secret", base_url=sandbox.base_url, requests_per_minute=FAST
        ) as snov:
            await snov.account.balance()
    finally:
        await proxy.stop()
    assert proxy.request_lines == []
    assert sandbox.stats.total_requests == 2


# Per-call options and with_options ----------------------------------------------------------


class Stalling:
    """A server whose /v1/get-balance never answers (until the test ends)."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.balance_requests = 0

    async def token(self, request: web.Request) -> web.Response:
        return web.json_response(token_payload())

    async def balance(self, request: web.Request) -> web.Response:
        self.balance_requests += 1
        await self.release.wait()
        return web.json_response({})


@pytest.fixture
async def stalling() -> AsyncIterator[tuple[Stalling, str]]:
    app = web.Application()
    stall = Stalling()
    app.router.add_post("/v1/oauth/access_token", stall.token)
    app.router.add_get("/v1/get-balance", stall.balance)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield stall, f"http://127.0.0.1:{port}"
    finally:
        stall.release.set()
        await runner.cleanup()


async def test_a_per_call_timeout_applies_to_that_call_only(
    stalling: tuple[Stalling, str],
) -> None:
    stall, url = stalling
    async with SnovClient(
        "id", "secret", base_url=url, timeout=30, requests_per_minute=FAST, retry=QUICK_RETRY
    ) as snov:
        one_try = snov.with_options(max_retries=0)
        with pytest.raises(TransportError, match="timed out"):
            await one_try.account.balance(timeout=0.2)
        assert stall.balance_requests == 1


async def test_with_options_timeout_and_retries(stalling: tuple[Stalling, str]) -> None:
    stall, url = stalling
    async with SnovClient(
        "id", "secret", base_url=url, timeout=30, requests_per_minute=FAST, retry=QUICK_RETRY
    ) as snov:
        quick = snov.with_options(timeout=0.2, max_retries=1)
        with pytest.raises(TransportError, match="timed out"):
            await quick.account.balance()
        assert stall.balance_requests == 2  # the first attempt and one retry
        # The copy shares the token, the pacer and the counters with the original.
        assert quick.pacer is snov.pacer and quick.runner is snov.runner
        assert quick.stats is snov.stats and snov.stats.token_requests == 1
        await quick.close()  # closes nothing
        assert not snov.closed and not quick.closed
    assert quick.closed


async def test_with_options_recorded_on_the_wire(sandbox: Sandbox) -> None:
    seen: list[aiohttp.ClientTimeout] = []
    async with aiohttp.ClientSession() as session:
        original = session._request

        async def spy(*args: Any, **kwargs: Any) -> Any:
            seen.append(kwargs["timeout"])
            return await original(*args, **kwargs)

        session._request = spy  # type: ignore[method-assign]
        async with SnovClient(
            "id", "secret", base_url=sandbox.base_url, session=session, requests_per_minute=FAST
        ) as snov:
            await snov.account.balance()
            await snov.account.balance(timeout=4)
            await snov.with_options(timeout=7).account.balance()
            await snov.with_options(timeout=7).with_options(max_retries=0).account.balance()
            await snov.with_options(timeout=7).account.balance(timeout=2)
    totals = [t.total for t in seen]
    assert totals == [30.0, 30.0, 4.0, 7.0, 7.0, 2.0]  # the first is the token request


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": "5"}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
    ],
)
def test_bad_options_are_refused_before_any_request(options: dict[str, Any], field: str) -> None:
    snov = SnovClient("id", "secret")
    with pytest.raises(ConfigurationError) as info:
        snov.with_options(**options)
    assert info.value.field == field


async def test_a_bad_per_call_timeout_is_refused_before_any_request(sandbox: Sandbox) -> None:
    async with SnovClient(
        "id", "secret", base_url=sandbox.base_url, requests_per_minute=FAST
    ) as snov:
        with pytest.raises(ConfigurationError, match="timeout"):
            await snov.account.balance(timeout=-1)
    assert sandbox.stats.total_requests == 0


# Errors keep the answer --------------------------------------------------------------------


def test_errors_keep_the_body_headers_and_request_id() -> None:
    body = {"success": False, "errors": ["Prospect not found"], "access_token": "tok-secret"}
    with pytest.raises(NotFoundError) as info:
        _sansio.decode_response(
            200,
            {"X-Request-Id": "req-123", "Set-Cookie": "session=abc", "Content-Type": "json"},
            json.dumps(body).encode(),
            method="POST",
            path="/v1/get-prospect-by-id",
        )
    err = info.value
    assert err.request_id == "req-123"
    assert err.headers is not None and err.headers["Content-Type"] == "json"
    assert err.headers["Set-Cookie"] == "[redacted]"
    assert err.body == {
        "success": False,
        "errors": ["Prospect not found"],
        "access_token": "[redacted]",
    }
    assert "tok-secret" not in repr(err.__dict__) and "abc" not in repr(err.__dict__)


def test_an_html_error_page_is_kept_as_text_and_cut() -> None:
    page = b"<html>" + b"x" * 10_000 + b"</html>"
    with pytest.raises(ResponseFormatError) as info:
        _sansio.decode_response(200, {"Request-Id": "r-9"}, page, method="GET", path="/v1/x")
    body = info.value.body
    assert isinstance(body, str) and body.startswith("<html>xxx")
    assert len(body) == _sansio.MAX_ERROR_BODY
    assert info.value.request_id == "r-9"


async def test_an_error_from_the_wire_carries_its_answer(sandbox: Sandbox) -> None:
    async with SnovClient(
        "id", "secret", base_url=sandbox.base_url, requests_per_minute=FAST
    ) as snov:
        with pytest.raises(ValidationError) as info:
            await snov._http.request("POST", "/v1/get-domain-emails-count", form={})
    err = info.value
    assert err.status is not None and err.headers and err.body is not None
    assert err.request_id is None  # the sandbox sends none
