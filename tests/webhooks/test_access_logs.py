"""The receiver's secret path never reaches an access log: aiohttp's (through
`RedactingAccessLogger`, or the filter) and uvicorn's (through the filter), each checked on a
real server with the server's own formatter; and without them, the token is there (the tests
can fail)."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.web_log import AccessLogger

from snov_async.webhooks import (
    RedactingAccessLogger,
    WebhookPathFilter,
    WebhookReceiver,
    hide_webhook_paths,
)


class Keep(logging.Handler):
    def __init__(self, formatter: logging.Formatter | None = None) -> None:
        super().__init__(logging.DEBUG)
        if formatter is not None:
            self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record) + " " + repr(vars(record)))


@pytest.fixture
def no_filters() -> Iterator[None]:
    """Access loggers without filters for the test (an example imported earlier may have
    put some there), as they were found afterwards."""
    names = ("aiohttp.access", "uvicorn.access", "uvicorn.asgi")
    saved = {name: list(logging.getLogger(name).filters) for name in names}
    for name in names:
        logging.getLogger(name).filters[:] = []
    yield
    for name, filters in saved.items():
        logging.getLogger(name).filters[:] = filters


async def serve_aiohttp(receiver: WebhookReceiver, **runner_kw: object) -> list[str]:
    """Mount the receiver in an aiohttp app, deliver once, return the access log lines."""
    log = logging.getLogger("aiohttp.access")
    keep = Keep()
    log.addHandler(keep)
    log.setLevel(logging.INFO)
    app = web.Application()
    app.add_subapp("/snov", receiver.aiohttp_app())
    runner = web.AppRunner(app, **runner_kw)  # type: ignore[arg-type]
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/snov{receiver.path}?x=1"
            async with http.post(url, json={"event_object": "prospect"}) as resp:
                assert resp.status == 200
    finally:
        await runner.cleanup()
        log.removeHandler(keep)
    assert receiver.received == 1
    return keep.lines


async def test_aiohttp_redacting_access_logger(no_filters: None) -> None:
    receiver = WebhookReceiver(public_url="http://127.0.0.1/snov")
    token = receiver.path.rsplit("/", 1)[1]
    lines = await serve_aiohttp(receiver, access_log_class=RedactingAccessLogger)
    assert lines and all(token not in line for line in lines)
    assert "POST /snov/snov-webhooks/***?x=1 HTTP/1.1" in lines[0]


async def test_aiohttp_default_access_log_shows_the_token_and_the_filter_hides_it(
    no_filters: None,
) -> None:
    receiver = WebhookReceiver(public_url="http://127.0.0.1/snov")
    token = receiver.path.rsplit("/", 1)[1]
    plain = await serve_aiohttp(receiver, access_log_class=AccessLogger)
    assert any(token in line for line in plain)  # what the issue found
    hide_webhook_paths()
    receiver2 = WebhookReceiver(public_url="http://127.0.0.1/snov")
    token2 = receiver2.path.rsplit("/", 1)[1]
    filtered = await serve_aiohttp(receiver2, access_log_class=AccessLogger)
    assert filtered and all(token2 not in line for line in filtered)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def serve_uvicorn(receiver: WebhookReceiver) -> list[str]:
    """Serve the receiver's ASGI app with a real uvicorn, deliver once, return the access
    lines as uvicorn's own AccessFormatter writes them."""
    uvicorn = pytest.importorskip("uvicorn")
    from uvicorn.logging import AccessFormatter

    port = free_port()
    config = uvicorn.Config(
        receiver.asgi_app(), host="127.0.0.1", port=port, lifespan="off", log_level="info"
    )
    server = uvicorn.Server(config)
    log = logging.getLogger("uvicorn.access")
    keep = Keep(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s'))
    log.addHandler(keep)
    serving = asyncio.ensure_future(server.serve())
    try:
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.01)
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}{receiver.path}"
            async with http.post(url, json={"event_object": "prospect"}) as resp:
                assert resp.status == 200
    finally:
        server.should_exit = True
        await serving
        log.removeHandler(keep)
    assert receiver.received == 1
    return keep.lines


async def test_uvicorn_access_log_with_the_filter(no_filters: None) -> None:
    receiver = WebhookReceiver(public_url="http://127.0.0.1")
    token = receiver.path.rsplit("/", 1)[1]
    logging.getLogger("uvicorn.access").filters[:] = []
    plain = await serve_uvicorn(receiver)
    assert any(token in line for line in plain)  # what the issue found
    flt = hide_webhook_paths("uvicorn.access")
    assert isinstance(flt, WebhookPathFilter)
    receiver2 = WebhookReceiver(public_url="http://127.0.0.1")
    token2 = receiver2.path.rsplit("/", 1)[1]
    lines = await serve_uvicorn(receiver2)
    assert lines and all(token2 not in line for line in lines)
    assert '"POST /snov-webhooks/*** HTTP/1.1" 200' in lines[0]


# Break attempts: the token in a form other than the one the receiver hands out -------------


def spellings(prefix: str, token: str) -> dict[str, str]:
    """Request targets that carry the real token, as a proxy, a client library or a typo might
    send it; some are taken as deliveries (the server decodes them), some are 404s."""
    encoded = "".join(f"%{ord(c):02X}" for c in token)
    half = "".join(f"%{ord(c):02x}" if i % 2 else c for i, c in enumerate(token))
    return {
        "dash-encoded": f"{prefix}/snov%2Dwebhooks/{token}",
        "slash-encoded": f"{prefix}/snov-webhooks%2F{token}",
        "double-slash": f"{prefix}/snov-webhooks//{token}",
        "upper-case": f"{prefix}/SNOV-WEBHOOKS/{token}",
        "backslash": f"{prefix}/snov-webhooks\\{token}",
        "all-encoded-after-encoded-dash": f"{prefix}/snov%2dwebhooks/{encoded}",
        "half-encoded-elsewhere": f"{prefix}/other/{half}",
        "in-a-query": f"{prefix}/elsewhere?next={token}",
    }


def test_the_filter_hides_the_token_however_it_is_spelled() -> None:
    from snov_async.webhooks.logs import redact_path

    receiver = WebhookReceiver()
    token = receiver.path.rsplit("/", 1)[1]
    lowered = "".join(f"%{ord(c):02x}" for c in token)
    for name, target in spellings("/snov", token).items():
        shown = redact_path(f'127.0.0.1 "POST {target} HTTP/1.1" 200')
        assert token not in shown and lowered.upper() not in shown.upper(), name
        record = logging.makeLogRecord({"msg": "%s %s", "args": (target.encode(), target)})
        WebhookPathFilter().filter(record)
        assert token not in record.getMessage(), name


async def raw_requests(port: int, targets: dict[str, str]) -> dict[str, int]:
    """Send each request target as it is (no client library normalising it)."""
    statuses: dict[str, int] = {}
    for n, (name, target) in enumerate(targets.items()):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        body = b'{"event_object": "prospect", "n": %d}' % n
        writer.write(
            f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        statuses[name] = int((await reader.readline()).split()[1])
        await reader.read()
        writer.close()
    return statuses


@pytest.mark.parametrize("how", ["access_log_class", "filter"])
async def test_aiohttp_access_log_hides_every_spelling(no_filters: None, how: str) -> None:
    receiver = WebhookReceiver(public_url="http://127.0.0.1/snov")
    token = receiver.path.rsplit("/", 1)[1]
    log = logging.getLogger("aiohttp.access")
    keep = Keep()
    log.addHandler(keep)
    log.setLevel(logging.INFO)
    if how == "filter":
        hide_webhook_paths()
    app = web.Application()
    app.add_subapp("/snov", receiver.aiohttp_app())
    cls = RedactingAccessLogger if how == "access_log_class" else AccessLogger
    runner = web.AppRunner(app, access_log_class=cls)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        statuses = await raw_requests(runner.addresses[0][1], spellings("/snov", token))
        for _ in range(100):  # the access line is written after the answer
            if len(keep.lines) >= len(statuses):
                break
            await asyncio.sleep(0.01)
    finally:
        await runner.cleanup()
        log.removeHandler(keep)
    assert statuses["dash-encoded"] == statuses["slash-encoded"] == 200  # taken as deliveries
    assert len(keep.lines) == len(statuses)
    leaked = [line[:120] for line in keep.lines if token in line]
    assert not leaked


async def test_uvicorn_logs_hide_every_spelling(no_filters: None) -> None:
    """uvicorn's access log, and its trace log of every ASGI scope (``--log-level trace``)."""
    uvicorn = pytest.importorskip("uvicorn")
    receiver = WebhookReceiver(public_url="http://127.0.0.1/snov")
    token = receiver.path.rsplit("/", 1)[1]
    hide_webhook_paths()
    port = free_port()

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        # mounted under /snov, as a Starlette Mount passes it on
        if scope["type"] == "http":
            scope = {**scope, "root_path": "/snov"}
        await receiver.asgi_app()(scope, receive, send)

    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="trace")
    server = uvicorn.Server(config)
    keep = Keep()  # after the Config: it replaces the handlers of uvicorn's loggers
    keep.setLevel(1)  # uvicorn's TRACE is 5
    for name in ("uvicorn.access", "uvicorn.asgi", "uvicorn.error"):
        logging.getLogger(name).addHandler(keep)
    serving = asyncio.ensure_future(server.serve())
    try:
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.01)
        targets = {"plain": f"/snov{receiver.path}", **spellings("/snov", token)}
        statuses = await raw_requests(port, targets)
    finally:
        server.should_exit = True
        await serving
        for name in ("uvicorn.access", "uvicorn.asgi", "uvicorn.error"):
            logging.getLogger(name).removeHandler(keep)
    assert statuses["plain"] == 200 and statuses["upper-case"] == 404
    assert any("Started scope=" in line for line in keep.lines)  # the trace log was on
    leaked = [line[:120] for line in keep.lines if token in line]
    assert not leaked
