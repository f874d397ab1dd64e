"""Servers that misbehave: absurd token lifetimes, endless or oversized answers, dropped
kept-alive connections that aiohttp would quietly resend on."""

from __future__ import annotations

import asyncio
import gzip
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aioresponses import aioresponses

from snov_async import (
    ConfigurationError,
    EvenPacer,
    OutcomeUnknownError,
    ResponseFormatError,
    SnovClient,
    TransportError,
)
from snov_async._call import Slot
from tests.helpers import BALANCE_URL, CLIENT_ID, CLIENT_SECRET, TOKEN_URL, calls, sample
from tests.vtime import run_virtual

BALANCE = sample("account/get-balance.json")


# Token lifetimes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires_in", "most_token_requests", "warns"),
    [
        (0, 3, True),  # a refresh every 30 s (half the 60 s floor), not before every call
        (-3600, 3, True),
        (float("nan"), 1, True),  # unreadable: the documented hour
        ("NaN", 1, True),
        (1e12, 1, True),  # capped at a day
        (float("inf"), 1, True),
        (None, 1, False),
        (3600, 1, False),
    ],
)
def test_token_lifetimes_are_clamped_with_a_warning(
    expires_in: Any, most_token_requests: int, warns: bool, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> tuple[int, float]:
        with aioresponses() as m:
            body = {"access_token": "tok-long-enough", "token_type": "Bearer"}
            if expires_in is not None:
                body["expires_in"] = expires_in
            m.post(TOKEN_URL, payload=body, repeat=True)
            m.get(BALANCE_URL, payload=BALANCE, repeat=True)
            async with SnovClient(CLIENT_ID, CLIENT_SECRET, requests_per_minute=60) as snov:
                for _ in range(65):  # 65 calls over 65 virtual seconds
                    await snov.account.balance()
                left = snov._http.tokens._expires_at - asyncio.get_running_loop().time()
                return len(calls(m, "POST", TOKEN_URL)), left

    with caplog.at_level(logging.WARNING, logger="snov_async"):
        token_requests, left = run_virtual(scenario)
    assert 1 <= token_requests <= most_token_requests
    assert math.isfinite(left) and left <= 24 * 3600
    warned = [r for r in caplog.records if "expires_in" in r.getMessage()]
    assert bool(warned) is warns
    if warns:
        assert len(warned) == token_requests  # one warning per token answer


# Answers too large -------------------------------------------------------------------------

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        async def token(request: web.Request) -> web.Response:
            return web.json_response({"access_token": "tok-0123456789", "expires_in": 3600})

        app = web.Application()
        app.router.add_post("/v1/oauth/access_token", token)
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    yield start
    for runner in runners:
        await runner.cleanup()


#: 16 MiB of JSON-ish bytes in ~16 KiB: a decompression bomb.
BOMB = gzip.compress(b'{"data": "' + b"0" * (16 << 20), compresslevel=6)


class Endless:
    """A body that never ends (or declares a gigabyte): counts what it managed to send."""

    def __init__(self, declare: int | None = None, gzipped: bool = False) -> None:
        self.sent = 0
        self.declare = declare
        self.gzipped = gzipped
        self.finished = asyncio.Event()

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        chunk = b'{"data": [' + b"1," * 32_000
        if self.gzipped:
            resp.headers["Content-Encoding"] = "gzip"
            chunk = BOMB
        if self.declare is not None:
            resp.content_length = self.declare
        await resp.prepare(request)
        try:
            while self.sent < (1 << 30):  # a gigabyte, at most
                await resp.write(chunk)
                self.sent += len(chunk)
                if self.gzipped:
                    break
        except (ConnectionError, RuntimeError):
            pass
        finally:
            self.finished.set()
        return resp


@pytest.mark.parametrize(
    "body",
    [Endless(), Endless(declare=1 << 30), Endless(gzipped=True)],
    ids=["endless-stream", "declared-gigabyte", "gzip-bomb"],
)
async def test_an_oversized_answer_is_refused_without_reading_it_whole(
    serve: Callable[[Handler], Awaitable[str]], body: Endless
) -> None:
    body.sent, body.finished = 0, asyncio.Event()
    answered = 0

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal answered
        answered += 1
        return await body(request)

    url = await serve(handler)
    async with SnovClient(
        CLIENT_ID, CLIENT_SECRET, base_url=url, max_response_size=1 << 20, requests_per_minute=6000
    ) as snov:
        with pytest.raises(ResponseFormatError, match="max_response_size"):
            await snov.account.balance()
        await asyncio.wait_for(body.finished.wait(), 10)
    # The client hung up: the server got nowhere near its gigabyte, and was not asked again
    # (the next answer would be as large).
    assert body.sent < 64 << 20
    assert answered == 1


async def test_an_oversized_answer_to_a_paid_start_is_not_resent(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    starts = 0

    async def start(request: web.Request) -> web.Response:
        nonlocal starts
        starts += 1
        return web.json_response({"data": {"task_hash": "h" * 40, "pad": "x" * 200_000}})

    url = await serve(start)
    async with SnovClient(
        CLIENT_ID, CLIENT_SECRET, base_url=url, max_response_size=100_000, requests_per_minute=6000
    ) as snov:
        with pytest.raises(OutcomeUnknownError) as caught:
            await snov.verification.start_verify(["a@b.io"])
    assert isinstance(caught.value.cause, ResponseFormatError) and starts == 1


@pytest.mark.parametrize("size", [0, -1, 1.5, "32MiB", True, None])
def test_max_response_size_must_be_a_positive_integer(size: Any) -> None:
    with pytest.raises(ConfigurationError, match="max_response_size"):
        SnovClient(CLIENT_ID, CLIENT_SECRET, max_response_size=size)
    assert SnovClient(CLIENT_ID, CLIENT_SECRET)._http.max_response_size == 32 * 1024 * 1024


# aiohttp's own resend ----------------------------------------------------------------------


class CountingPacer(EvenPacer):
    def __init__(self) -> None:
        super().__init__(60_000)
        self.acquired = 0
        self.wired = 0

    async def acquire(self) -> None:
        self.acquired += 1
        await super().acquire()

    async def before_wire(self) -> None:
        self.wired += 1
        await super().before_wire()


@pytest.mark.parametrize("method", ["GET", "DELETE", "PUT"])
async def test_every_attempt_on_the_wire_passes_the_pacer(
    serve: Callable[[Handler], Awaitable[str]], method: str
) -> None:
    """The server drops the first request's connection without answering — what a kept-alive
    connection closed by the server looks like. aiohttp would resend a GET, PUT or DELETE by
    itself, outside the pacer; here a resent GET waits for the pacer and is counted, and a
    DELETE or PUT is not resent behind the retry policy's back."""
    seen: list[str] = []

    async def drop_first(request: web.Request) -> web.Response:
        seen.append(request.method)
        if len(seen) == 1:
            assert request.transport is not None
            request.transport.close()
        return web.json_response(BALANCE)

    url = await serve(drop_first)
    pacer = CountingPacer()
    async with SnovClient(CLIENT_ID, CLIENT_SECRET, base_url=url, pacer=pacer) as snov:
        if method == "GET":
            await snov.account.balance()
            assert seen == ["GET", "GET"]
            assert snov.stats.resent == 1
        else:
            with pytest.raises((OutcomeUnknownError, TransportError)):
                await snov._http.request(method, "/v2/webhooks/1")
            assert seen == [method]  # sent once: the retry policy said a DELETE is unsafe
            assert snov.stats.resent == 0
        # Every request that reached the server (and the token request) took a pacer slot.
        assert pacer.acquired == snov.stats.requests == len(seen) + 1
        # ... and each of them was spaced once more as it went on the wire.
        assert pacer.wired == pacer.acquired


# The wire spacing inside the request timeout -----------------------------------------------


async def test_a_post_that_timed_out_waiting_to_leave_is_not_an_unknown_outcome(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    """The task runner takes a pacer slot, then sends its start with it; when several starts
    are held up after their slots (waiting for a token being fetched), they reach the wire
    together and `before_wire` lets them out one interval apart. That wait is inside
    aiohttp's request timeout: a start that waited past it times out without a byte sent,
    and, being a POST, is reported as `OutcomeUnknownError` ("credits may have been spent")
    — the runner's unknown-outcome breaker counts it, the caller is told to check for a
    charge that cannot exist. Only a request that actually left may have an unknown outcome.
    """
    received: list[str] = []

    async def record(request: web.Request) -> web.Response:
        # Recorded before any await: a request that left is counted even if its sender
        # timed out and hung up before the answer (reading a form body first made that a
        # race under load).
        received.append(request.query.get("n", ""))
        return web.json_response({"success": True, "data": {"task_hash": "h"}})

    url = await serve(record)
    pacer = EvenPacer(3000)  # one request every 20.4 ms
    async with SnovClient(CLIENT_ID, CLIENT_SECRET, base_url=url, pacer=pacer) as snov:
        await snov.account.balance()  # the token is there: nothing else waits
        slots = []
        for _ in range(20):  # 20 slots taken, their requests held up (about 0.4 s)
            await pacer.acquire()
            slots.append(Slot())

        async def start(n: int, slot: Slot) -> BaseException | None:
            try:
                await snov._http.request(
                    "POST", "/v2/start", params={"n": str(n)}, slot=slot, timeout=0.15
                )
            except Exception as exc:
                return exc
            return None

        outcomes = await asyncio.gather(*(start(n, s) for n, s in enumerate(slots)))
    never_sent = [
        n
        for n, out in enumerate(outcomes)
        if isinstance(out, OutcomeUnknownError) and str(n) not in received
    ]
    assert never_sent == [], f"{len(never_sent)} starts never sent, reported as unknown"


async def test_a_paid_start_that_left_and_then_timed_out_is_unknown_and_sent_once(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    """The other side of the wire-spacing classification: a start that got past
    `before_wire` and onto the wire, then timed out waiting for its answer, may have been
    charged. It is `OutcomeUnknownError`, and nobody sends it again."""
    received: list[str] = []

    async def slow(request: web.Request) -> web.Response:
        received.append(request.method)
        await asyncio.sleep(2.0)  # longer than the call's timeout
        return web.json_response({"success": True, "data": {"task_hash": "h"}})

    url = await serve(slow)
    pacer = EvenPacer(3000)
    async with SnovClient(CLIENT_ID, CLIENT_SECRET, base_url=url, pacer=pacer) as snov:
        await snov.account.balance()  # the token first: only the start is in question
        received.clear()
        with pytest.raises(OutcomeUnknownError):
            await snov._http.request("POST", "/v2/start", form={"n": "1"}, timeout=0.3)
    assert received == ["POST"]


class NotAMethod(EvenPacer):
    before_wire = 5  # type: ignore[assignment]


def test_a_pacer_whose_before_wire_is_not_a_method_is_refused_up_front() -> None:
    with pytest.raises(ConfigurationError, match=r"pacer\.before_wire must be a method"):
        SnovClient(CLIENT_ID, CLIENT_SECRET, pacer=NotAMethod())


async def test_a_custom_pacer_with_a_plain_before_wire_is_used(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    """``before_wire`` may be a plain function in a custom pacer: called, not awaited."""
    calls_seen: list[str] = []

    class Plain(EvenPacer):
        def before_wire(self) -> None:  # type: ignore[override]
            calls_seen.append("wire")

    async def ok(request: web.Request) -> web.Response:
        return web.json_response(BALANCE)

    url = await serve(ok)
    async with SnovClient(CLIENT_ID, CLIENT_SECRET, base_url=url, pacer=Plain()) as snov:
        await snov.account.balance()
    assert calls_seen == ["wire", "wire"]  # the token request, then the call
