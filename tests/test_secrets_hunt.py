"""The secrets hunt: a hostile server echoes the client secret and every token it issued in
every field it can, tokens change mid-run, connections drop; then everything the SDK produced —
DEBUG logs of every logger, reprs, error strings and pickles, tracebacks captured with their
locals, the SQLite journal's files and the shared Redis — is searched for the secret and the
tokens. Nothing may be found."""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import secrets
import traceback
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp import web

from snov_async import RetryPolicy, SnovClient
from snov_async._redis import RedisTokenCache
from snov_async._secrets import Secret
from snov_async.errors import SnovError
from tests.redis_backend.conftest import redis_server  # noqa: F401  (a real redis-server)

SECRET = "cs-" + secrets.token_hex(20)
CLIENT_ID = "cid-" + secrets.token_hex(6)


class Hostile:
    """A server that echoes every secret it sees, in every field, in every envelope."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.mode = "ok"
        self.reject_credentials = False
        self.expires_in: Any = "NaN"
        self.tasks = 0

    def echo_text(self, request: web.Request, form: Any) -> str:
        auth = request.headers.get("Authorization", "")
        sent = dict(form) if form else {}
        return (
            f"you sent {auth} and {sent} ({SECRET}; {urllib.parse.quote(SECRET)};"
            f" {' '.join(self.tokens)})"
        )

    def echo_headers(self, text: str) -> dict[str, str]:
        return {
            "X-Echo": SECRET,
            "X-Tokens": ",".join(self.tokens),
            "WWW-Authenticate": f'Bearer realm="{text[:200]}"',
            "Retry-After": "0",
        }

    def echo_body(self, text: str) -> dict[str, Any]:
        return {
            "success": False,
            "errors": [text, {"field": SECRET, "message": text}],
            "message": text,
            "error": SECRET,
            "error_description": text,
            "title": text,
            "detail": text,
            "data": {"echo": text},
        }

    async def handle(self, request: web.Request) -> web.StreamResponse:
        form = await request.post() if request.method == "POST" else None
        text = self.echo_text(request, form)
        headers = self.echo_headers(text)
        if request.path == "/v1/oauth/access_token":
            if self.reject_credentials:
                return web.json_response(self.echo_body(text), status=401, headers=headers)
            token = f"tok{len(self.tokens)}-" + secrets.token_hex(16)
            self.tokens.append(token)
            return web.json_response(
                {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in},
                headers=headers,
            )
        auth = request.headers.get("Authorization", "")
        if request.path == "/v1/get-balance" and self.tokens and auth.endswith(self.tokens[0]):
            # The first token is "revoked": a 401 echoing it, then the SDK fetches another.
            return web.json_response(self.echo_body(text), status=401, headers=headers)
        mode = self.mode
        if request.path.startswith("/v2/email-verification"):
            return self.verification(request, mode, text, headers)
        if mode == "ok":
            return web.json_response({"success": True, "data": {"balance": "1.00"}})
        return await self.failure(request, mode, text, headers)

    def verification(
        self, request: web.Request, mode: str, text: str, headers: dict[str, str]
    ) -> web.Response:
        if request.path.endswith("/start"):
            if mode == "start-500":
                return web.json_response(self.echo_body(text), status=500, headers=headers)
            self.tasks += 1
            return web.json_response({"data": {"task_hash": f"h{self.tasks}"}})
        emails = ["a@x.io", "b@x.io", "c@x.io"]
        return web.json_response(
            {
                "status": "completed",
                "data": [{"email": e, "result": {"smtp_status": "valid"}} for e in emails],
            }
        )

    async def failure(
        self, request: web.Request, mode: str, text: str, headers: dict[str, str]
    ) -> web.StreamResponse:
        body = json.dumps(self.echo_body(text)).encode()
        if mode.startswith("status-"):
            return web.Response(
                body=body,
                status=int(mode[7:]),
                headers=headers,
                content_type="application/json",
            )
        if mode == "gateway":
            gateway = {"errors": {"code": 403, "title": text, "source": SECRET}}
            return web.json_response(gateway, status=200, headers=headers)
        if mode == "html":
            page = f"<html><body><h1>{text}</h1></body></html>"
            return web.Response(text=page, status=502, headers=headers, content_type="text/html")
        if mode == "truncated":
            return web.Response(
                body=body[: len(body) // 2], headers=headers, content_type="application/json"
            )
        if mode == "huge":
            return web.Response(body=body * 2000, headers=headers, content_type="application/json")
        if mode == "drop":
            resp = web.StreamResponse(headers=headers)
            resp.content_length = len(body) * 2
            await resp.prepare(request)
            await resp.write(body)
            assert request.transport is not None
            request.transport.close()
            return resp
        raise AssertionError(mode)


@pytest.fixture
async def hostile() -> AsyncIterator[tuple[Hostile, str]]:
    server = Hostile()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
def all_logs() -> Iterator[list[str]]:
    """Every record of every logger, at DEBUG, formatted with its traceback."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))
            lines.append(repr(vars(record)))

    handler = Keep(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    saved = (
        root.level,
        {
            name: lg.level
            for name, lg in logging.root.manager.loggerDict.items()
            if isinstance(lg, logging.Logger)
        },
    )
    root.setLevel(logging.DEBUG)
    for name in saved[1]:
        logging.getLogger(name).setLevel(logging.NOTSET)
    root.addHandler(handler)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)


def texts_of(error: BaseException) -> list[str]:
    """Everything an application or an error reporter may turn an error into."""
    captured = traceback.TracebackException(
        type(error), error, error.__traceback__, capture_locals=True
    )
    out = [
        str(error),
        repr(error),
        repr(vars(error)),
        "".join(captured.format()),
        "".join(traceback.format_exception(type(error), error, error.__traceback__)),
        pickle.dumps(error).decode("latin-1"),
    ]
    return out


async def failure(call: Any) -> SnovError:
    """The error ``call()`` raises (caught here, so that the traceback starts in this frame
    and not in the test's, whose locals hold everything found so far)."""
    try:
        await call()
    except SnovError as err:
        return err
    raise AssertionError("no error")


def journal_files(folder: Path) -> list[str]:
    """The journal and its WAL/SHM files, as text."""
    return [path.read_bytes().decode("latin-1") for path in folder.iterdir()]


def find(haystack: list[str], needles: list[str]) -> list[tuple[str, str]]:
    return [
        (needle[:12], text[max(0, text.find(needle) - 80) : text.find(needle) + 80])
        for text in haystack
        for needle in needles
        if needle in text
    ]


MODES = [
    "status-400",
    "status-401",
    "status-403",
    "status-404",
    "status-422",
    "status-429",
    "status-500",
    "status-503",
    "gateway",
    "html",
    "truncated",
    "huge",
    "drop",
]


async def test_no_secret_and_no_token_anywhere(
    hostile: tuple[Hostile, str],
    redis_server: str,  # noqa: F811
    all_logs: list[str],
    tmp_path: Path,
) -> None:
    server, base_url = hostile
    redis = aioredis.Redis.from_url(redis_server)
    await redis.flushdb()
    journal = tmp_path / "journal.sqlite"
    found: list[str] = []  # every text produced, searched at the end
    errors: list[SnovError] = []
    retry = RetryPolicy(max_attempts=2, backoff_base=0.0)
    client = SnovClient(
        CLIENT_ID,
        SECRET,
        base_url=base_url,
        requests_per_minute=60_000,
        pacer=redis_server,
        retry=retry,
        journal=journal,
        initial_task_latency=0.01,
        max_response_size=64 * 1024,
    )
    async with client as snov:
        balance = await snov.account.balance()  # token 0 is revoked mid-run: 401, token 1
        assert balance is not None and len(server.tokens) == 2
        for mode in MODES:
            server.mode = mode
            errors.append(await failure(snov.account.balance))
        server.mode = "ok"
        results = await snov.verification.verify(["a@x.io", "b@x.io", "c@x.io"])
        assert all(r.ok for r in results)
        server.mode = "start-500"
        failed = await snov.verification.verify(["d@x.io", "e@x.io"])
        assert all(r.error is not None for r in failed)
        errors.extend(r.error for r in failed if r.error is not None)
        found += [repr(r) for r in (*results, *failed)]
        server.mode = "ok"
        # A token answer with an absurd lifetime, and new tokens after a rejected one.
        snov._http.tokens.invalidate(await snov._http.tokens.get())
        server.expires_in = -5
        await snov.account.balance()
        found += [
            repr(snov),
            repr(snov.runner),
            repr(snov.pacer),
            repr(snov.stats),
            repr(snov._http),
            repr(snov._http.tokens),
            repr(snov._redis_tokens),
            repr(snov.runner.journal),
        ]
    # Wrong credentials: the token endpoint echoes the secret in its 401.
    server.reject_credentials = True
    async with SnovClient(CLIENT_ID, SECRET, base_url=base_url, retry=retry) as snov:
        errors.append(await failure(snov.account.balance))
    # Nobody listening at all.
    async with SnovClient(CLIENT_ID, SECRET, base_url="http://127.0.0.1:9", retry=retry) as snov:
        errors.append(await failure(snov.account.balance))

    assert len(errors) >= len(MODES) + 4
    assert {type(e).__name__ for e in errors} >= {
        "AuthenticationError",
        "ValidationError",
        "ServerError",
        "ResponseFormatError",
        "TransportError",
        "OutcomeUnknownError",
        "RateLimitError",
        "NotFoundError",
    }
    for err in errors:
        found += texts_of(err)
    found += all_logs
    found += journal_files(tmp_path)
    for key in await redis.keys("*"):
        found.append(key.decode("latin-1"))
        if await redis.type(key) == b"string":
            found.append((await redis.get(key) or b"").decode("latin-1"))
    await redis.aclose()

    needles = [SECRET, urllib.parse.quote(SECRET), *server.tokens]
    assert len(server.tokens) >= 4
    assert any("***" in text for text in found)  # the echoes were there, and were redacted
    assert any("expires_in" in line for line in all_logs)  # the clamp warned
    leaks = find(found, needles)
    assert leaks == [], "\n".join(map(repr, leaks))


async def test_the_shared_token_in_redis_is_useless_without_the_secret(
    redis_server: str,  # noqa: F811
) -> None:
    redis = aioredis.Redis.from_url(redis_server)
    await redis.flushdb()
    token = "at-" + secrets.token_hex(20)
    mine = RedisTokenCache(redis_server, CLIENT_ID, secret=Secret(SECRET))
    await mine.put(Secret(token), 600)
    (key,) = await redis.keys("*")
    stored = await redis.get(key)
    assert token.encode() not in stored and len(stored) > len(token)
    got = await mine.get()
    assert got is not None and got[0].get() == token and 0 < got[1] <= 600
    # Another worker with the same credentials reads it; one with another secret cannot.
    same = RedisTokenCache(redis_server, CLIENT_ID, secret=Secret(SECRET))
    other = RedisTokenCache(redis_server, CLIENT_ID, secret=Secret(SECRET + "x"))
    assert (await same.get() or (None,))[0] == Secret(token)
    assert await other.get() is None
    # A stale plaintext value (an older version wrote it) counts as no token.
    await redis.set(key, token, px=60_000)
    assert await mine.get() is None
    # drop() removes only the token it was asked to drop.
    await mine.put(Secret(token), 600)
    await mine.drop(Secret("at-another-token-000"))
    assert await mine.get() is not None
    await mine.drop(Secret(token))
    assert await mine.get() is None
    for cache in (mine, same, other):
        await cache.aclose()
    await redis.aclose()


def test_locals_of_a_failed_token_fetch_hold_no_secret() -> None:
    """The issue's case, directly: connection refused, a traceback captured with locals."""

    async def main() -> BaseException:
        async with SnovClient(CLIENT_ID, SECRET, base_url="http://127.0.0.1:9") as snov:
            try:
                await snov.account.balance()
            except SnovError as err:
                return err
        raise AssertionError("no error")

    err = asyncio.run(main())
    captured = traceback.TracebackException(type(err), err, err.__traceback__, capture_locals=True)
    text = "".join(captured.format())
    assert "_fetch_token" in text and "form = " in text  # the frames are there...
    assert SECRET not in text  # ...without the secret
