"""Secrets under attack, beyond the hunt: a call cancelled while its request is on the wire (the
client secret of a token request, the token of a call) must not sit in a traceback captured with
its locals; a server that echoes a secret into a field the SDK logs as drift, or echoes it
base64-encoded (a Basic auth header) or upper-cased, gets it redacted."""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import secrets
import traceback
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import web
from aioresponses import aioresponses

from snov_async import RetryPolicy, SnovClient, SnovError
from snov_async._secrets import MASK, Secret, redact
from tests.helpers import BALANCE_URL, TOKEN_URL

SECRET = "cs-" + secrets.token_hex(20)
CLIENT_ID = "cid-" + secrets.token_hex(6)


class Stalling:
    """A server whose token endpoint or API stalls (until the test ends) once told to."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.stall = ""  # "token" or "api"
        self.arrived = asyncio.Event()
        self.release = asyncio.Event()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/v1/oauth/access_token":
            await request.post()
            if self.stall == "token":
                self.arrived.set()
                await self.release.wait()
            token = "tok-" + secrets.token_hex(16)
            self.tokens.append(token)
            return web.json_response({"access_token": token, "expires_in": 3600})
        if self.stall == "api":
            self.arrived.set()
            await self.release.wait()
        return web.json_response({"success": True, "data": {"balance": "1.00"}})


@pytest.fixture
async def stalling() -> AsyncIterator[tuple[Stalling, str]]:
    server = Stalling()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield server, f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        server.release.set()
        await runner.cleanup()


async def cancelled_text(snov: SnovClient, server: Stalling) -> str:
    """Cancel a balance() call once its request reached the server; the traceback of the
    CancelledError, captured with every frame's locals (as error reporters do)."""
    server.arrived.clear()
    task = asyncio.ensure_future(snov.account.balance())
    await server.arrived.wait()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError as err:
        captured = traceback.TracebackException(
            type(err), err, err.__traceback__, capture_locals=True
        )
        return "".join(captured.format())
    raise AssertionError("not cancelled")


@pytest.mark.parametrize("stage", ["token", "api"])
async def test_a_call_cancelled_on_the_wire_leaves_no_secret_in_traceback_locals(
    stalling: tuple[Stalling, str], stage: str
) -> None:
    server, base_url = stalling
    async with SnovClient(
        CLIENT_ID,
        SECRET,
        base_url=base_url,
        requests_per_minute=60_000,
        retry=RetryPolicy(max_attempts=1),
    ) as snov:
        if stage == "api":
            await snov.account.balance()  # a token first: the stalled call carries it
        server.stall = stage
        text = await cancelled_text(snov, server)
    assert "data = " in text or "headers = " in text  # aiohttp's frames and locals are there
    for needle in [SECRET, *server.tokens]:
        assert needle not in text, text[max(0, text.find(needle) - 300) : text.find(needle) + 40]
    assert len(server.tokens) == (1 if stage == "api" else 0)


@pytest.fixture
def root_debug_logs() -> Iterator[list[str]]:
    """Every record that reaches the root logger at DEBUG, formatted."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Keep(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    saved = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)


def test_every_sdk_logger_redacts() -> None:
    """A filter on a logger does not see its children's records: each logger the SDK writes
    to needs its own."""
    from snov_async import _convert
    from snov_async._secrets import RedactingFilter

    assert any(isinstance(f, RedactingFilter) for f in _convert.drift_logger.filters)


async def test_a_token_echoed_into_a_model_field_is_redacted_from_the_drift_log(
    root_debug_logs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from snov_async import _convert

    monkeypatch.setattr(_convert, "_SEEN", set())  # each drift is logged once per process
    token = "tok-" + secrets.token_hex(16)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload={"access_token": token, "expires_in": 3600})
        # The balance is a decimal: the token does not fit, and the drift log says why.
        mocked.get(BALANCE_URL, payload={"success": True, "data": {"balance": token}})
        async with SnovClient(CLIENT_ID, SECRET, retry=RetryPolicy(max_attempts=1)) as snov:
            await snov.account.balance()
    drift = [line for line in root_debug_logs if line.startswith("snov_async.drift")]
    assert drift  # the record is there...
    assert not [line for line in root_debug_logs if token in line]  # ...without the token


def b64(text: str, alphabet: Any = base64.b64encode) -> str:
    return str(alphabet(text.encode()).decode())


@pytest.mark.parametrize(
    "echo",
    [
        pytest.param(lambda: "Basic " + b64(f"{CLIENT_ID}:{SECRET}"), id="basic-auth"),
        pytest.param(lambda: b64(SECRET), id="base64"),
        pytest.param(lambda: b64("x" + SECRET), id="base64-offset-1"),
        pytest.param(lambda: b64("xy" + SECRET + "z"), id="base64-offset-2"),
        pytest.param(lambda: b64(SECRET, base64.urlsafe_b64encode), id="base64-urlsafe"),
        pytest.param(lambda: SECRET.upper(), id="upper-case"),
    ],
)
async def test_a_transformed_echo_of_the_secret_is_redacted(echo: Any) -> None:
    echoed = echo()
    with aioresponses() as mocked:
        mocked.post(
            TOKEN_URL, status=401, payload={"message": f"bad credentials: {echoed}"}, repeat=True
        )
        async with SnovClient(CLIENT_ID, SECRET, retry=RetryPolicy(max_attempts=1)) as snov:
            with pytest.raises(SnovError) as info:
                await snov.account.balance()
    err = info.value
    texts = [str(err), repr(err), repr(vars(err))]
    if err.__cause__ is not None:
        texts += [str(err.__cause__), repr(vars(err.__cause__))]
    assert any(MASK in t for t in texts)
    assert not [t for t in texts if recoverable(t, SECRET)], texts


def recoverable(text: str, secret: str) -> bool:
    """Whether the middle of ``secret`` can be read back from ``text``: as it is, in another
    case, or base64-decoded (either alphabet, any alignment)."""
    middle = secret[6:-6]
    if middle.upper() in text.upper():
        return True
    for run in re.findall(r"[A-Za-z0-9+/_-]{8,}", text):
        run = run.replace("-", "+").replace("_", "/")
        for offset in range(4):
            chunk = run[offset:]
            chunk = chunk[: len(chunk) // 4 * 4]
            if middle.encode() in base64.b64decode(chunk):
                return True
    return False


def test_base64_forms_are_redacted_at_every_alignment_short_values_are_not() -> None:
    value = "v-" + secrets.token_hex(12)
    Secret(value)
    for prefix in ("", "a", "ab", "abc"):
        for suffix in ("", "!", "??"):
            encoded = b64(prefix + value + suffix)
            before, mask, after = redact(encoded).partition(MASK)
            # What is left are the few characters the prefix and suffix share with the value.
            assert mask and len(before) <= 5 and len(after) <= 8, (prefix, suffix, before, after)
    short = "shorty"  # below the whole-word length: only redacted where it stands alone
    Secret(short)
    assert redact(b64(short)) == b64(short)
