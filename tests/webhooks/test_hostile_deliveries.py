"""Hostile deliveries against both ways of mounting the receiver: the aiohttp sub-app (a real
server on a socket, spoken to byte by byte) and the bare ASGI app (driven message by message).

Each point of the receiver's contract is tried on both: bounded event streams, callbacks off
the loop and bounded, any body a 2xx/4xx and at most a GenericEvent, a time-based dedupe window
with bounded memory, a body cut short dropped, a body that never ends timed out.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from snov_async.webhooks import GenericEvent, TaskResult, WebhookEvent, WebhookReceiver

RESULT = {"status": "completed", "data": [{"email": "a@b.io"}], "meta": {"task_hash": "abc"}}
CHUNK = 1 << 16


class Harness:
    """Deliver bodies to one receiver through one kind of app."""

    kind = ""

    def __init__(self, receiver: WebhookReceiver) -> None:
        self.receiver = receiver

    async def deliver(
        self,
        body: bytes,
        *,
        hang_up: bool = False,
        stall: bool = False,
        endless: bool = False,
        declare: int | None = None,
    ) -> int | None:
        """Send ``body`` (or only its first half then hang up or stall, or an endless
        stream); the status answered, ``None`` when there was no answer."""
        raise NotImplementedError

    async def close(self) -> None:
        return None


class AiohttpHarness(Harness):
    kind = "aiohttp"

    async def start(self) -> None:
        app = web.Application()
        app.add_subapp("/hooks", self.receiver.aiohttp_app())
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]
        #: Bytes the last endless delivery managed to send.
        self.sent = 0

    async def close(self) -> None:
        await self.runner.cleanup()

    async def deliver(
        self,
        body: bytes,
        *,
        hang_up: bool = False,
        stall: bool = False,
        endless: bool = False,
        declare: int | None = None,
    ) -> int | None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            if endless:
                framing = b"Transfer-Encoding: chunked\r\n"
            else:
                framing = b"Content-Length: %d\r\n" % (len(body) if declare is None else declare)
            head = b"POST /hooks" + self.receiver.path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
            writer.write(head + framing + b"Connection: close\r\n\r\n")
            if endless:
                return await self._endless(reader, writer)
            if hang_up:
                writer.write(body[: len(body) // 2])
                await writer.drain()
                writer.close()
                return None
            writer.write(body[: len(body) // 2] if stall else body)
            await writer.drain()
            line = await reader.readline()
            return int(line.split()[1]) if line else None
        finally:
            writer.close()

    async def _endless(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Any:
        chunk = b"%x\r\n" % CHUNK + b"[" * CHUNK + b"\r\n"
        self.sent = 0
        answer = asyncio.ensure_future(reader.readline())
        try:
            while not answer.done() and self.sent < (1 << 30):
                writer.write(chunk)
                await writer.drain()
                self.sent += CHUNK
        except ConnectionError:
            pass
        line = await answer
        return int(line.split()[1]) if line else None


class AsgiHarness(Harness):
    kind = "asgi"

    def __init__(self, receiver: WebhookReceiver) -> None:
        super().__init__(receiver)
        self.app = receiver.asgi_app()
        #: Chunks the last endless delivery had pulled.
        self.pulled = 0

    async def deliver(
        self,
        body: bytes,
        *,
        hang_up: bool = False,
        stall: bool = False,
        endless: bool = False,
        declare: int | None = None,
    ) -> int | None:
        half = body[: len(body) // 2]
        script: list[dict[str, Any]]
        if hang_up:
            script = [
                {"type": "http.request", "body": half, "more_body": True},
                {"type": "http.disconnect"},
            ]
        elif stall:
            script = [{"type": "http.request", "body": half, "more_body": True}]
        else:
            script = [
                {"type": "http.request", "body": half, "more_body": True},
                {"type": "http.request", "body": body[len(half) :], "more_body": False},
            ]
        self.pulled = 0

        async def receive() -> dict[str, Any]:
            self.pulled += 1
            if endless:
                return {"type": "http.request", "body": b"[" * CHUNK, "more_body": True}
            if script:
                return script.pop(0)
            await asyncio.Event().wait()  # a sender that never sends the rest
            raise AssertionError

        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        headers = [] if declare is None else [(b"content-length", str(declare).encode())]
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/hooks" + self.receiver.path,
            "root_path": "/hooks",
            "headers": headers,
        }
        await self.app(scope, receive, send)
        return int(sent[0]["status"]) if sent else None


def make_receiver(**kw: Any) -> WebhookReceiver:
    kw.setdefault("public_url", "http://127.0.0.1/hooks")
    kw.setdefault("body_timeout", 0.3)
    return WebhookReceiver(**kw)


@pytest.fixture(params=["aiohttp", "asgi"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """Build a harness for a receiver made with the given settings."""
    made: list[Harness] = []

    async def build(**kw: Any) -> Harness:
        receiver = make_receiver(**kw)
        h: Harness
        if request.param == "aiohttp":
            h = AiohttpHarness(receiver)
            await h.start()  # type: ignore[attr-defined]
        else:
            h = AsgiHarness(receiver)
        made.append(h)
        return h

    yield build
    for h in made:
        await h.close()
        await h.receiver.stop()


def body_of(n: int) -> bytes:
    return json.dumps({"event_object": "prospect", "event_action": "x", "n": n}).encode()


# The events queue ---------------------------------------------------------------------------


async def test_with_nobody_listening_nothing_is_kept(harness: Any) -> None:
    h = await harness()
    for n in range(300):
        assert await h.deliver(body_of(n)) == 200
    assert h.receiver.received == 300 and h.receiver.dropped == 0
    assert not list(h.receiver._streams)  # no queue at all
    late = h.receiver.events()  # a stream sees what arrives after it was made, nothing older
    assert await h.deliver(body_of(1000)) == 200
    assert late._queue.qsize() == 1


async def test_a_stream_nobody_reads_is_bounded_and_counts_what_it_drops(harness: Any) -> None:
    h = await harness(max_queue=50)
    stream = h.receiver.events()
    for n in range(200):
        assert await h.deliver(body_of(n)) == 200
    assert stream._queue.qsize() == 50
    assert stream.dropped == h.receiver.dropped == 150
    first = await anext(stream)
    assert first.payload["n"] == 0  # the oldest are kept, the newest dropped
    await stream.aclose()
    assert await h.deliver(body_of(999)) == 200
    assert h.receiver.dropped == 150  # a closed stream neither holds nor counts
    with pytest.raises(StopAsyncIteration):
        await anext(stream)
    del stream, first
    forgotten = h.receiver.events(max_queue=1)
    del forgotten  # dropped without closing: gone with its last reference
    assert not list(h.receiver._streams)


async def test_a_waiting_reader_is_released_by_aclose(harness: Any) -> None:
    h = await harness()
    stream = h.receiver.events()
    reader = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)
    await stream.aclose()
    with pytest.raises(StopAsyncIteration):
        await reader


# Callbacks ---------------------------------------------------------------------------------


async def test_a_blocking_callback_runs_in_a_thread_and_never_holds_the_answer(
    harness: Any,
) -> None:
    h = await harness(max_pending_callbacks=3, callback_threads=2)
    gate = threading.Event()
    threads: set[str] = set()
    done: list[int] = []

    def blocking(event: WebhookEvent) -> None:
        threads.add(threading.current_thread().name)
        gate.wait(10)  # user code that blocks (a database, requests.post ...)
        done.append(event.payload["n"])

    h.receiver.on(blocking)
    statuses = [await h.deliver(body_of(n)) for n in range(3)]
    assert statuses == [200, 200, 200]  # answered while the callbacks block
    # The backlog is full: the next delivery is not taken (Snov.io delivers it again).
    assert await h.deliver(body_of(3)) == 503
    assert h.receiver.received == 3
    gate.set()
    await h.receiver.drain()
    assert sorted(done) == [0, 1, 2]
    assert threading.main_thread().name not in threads and len(threads) <= 2
    assert await h.deliver(body_of(3)) == 200  # the redelivery is taken now
    await h.receiver.drain()
    assert sorted(done) == [0, 1, 2, 3]


async def test_async_and_failing_callbacks(harness: Any, caplog: pytest.LogCaptureFixture) -> None:
    h = await harness()
    seen: list[str] = []

    async def later(event: WebhookEvent) -> None:
        seen.append("async")

    def broken(event: WebhookEvent) -> None:
        raise RuntimeError("user bug")

    def returns_a_coroutine(event: WebhookEvent) -> Any:
        return later(event)

    h.receiver.on(later)
    h.receiver.on(broken)
    h.receiver.on(returns_a_coroutine)
    assert await h.deliver(body_of(1)) == 200
    await h.receiver.drain()
    assert seen == ["async", "async"]
    assert "webhook callback failed" in caplog.text and "user bug" in caplog.text


# Any body ----------------------------------------------------------------------------------

NESTED = b"[" * 100_000 + b"]" * 100_000
BODIES = {
    "deeply-nested-json": NESTED,
    "nested-but-parseable": b'{"a":' * 200 + b"1" + b"}" * 200,
    "unbalanced-brackets": b"[" * 200_000,
    "binary": os.urandom(4096),
    "not-utf8": b'{"event_object": "\xff\xfe"}',
    "utf16-json": json.dumps({"event_object": "prospect"}).encode("utf-16"),
    "huge-integer": b'{"n": ' + b"9" * 100_000 + b"}",
    "nan": b'{"event_object": NaN}',
    "empty": b"",
    "whitespace": b" \r\n\t ",
    "json-string": b'"hello"',
    "json-null": b"null",
    "list": b"[1, 2, 3]",
}


@pytest.mark.parametrize("name", sorted(BODIES))
async def test_any_body_gets_a_2xx_or_4xx_and_at_most_a_generic_event(
    harness: Any, name: str
) -> None:
    h = await harness(max_body=512 * 1024)
    stream = h.receiver.events()
    assert await h.deliver(BODIES[name]) == 200  # taken (not a 500, nor a lost 400)
    event = await anext(stream)
    assert isinstance(event, GenericEvent) or name == "utf16-json"
    assert repr(event) and h.receiver.received == 1


async def test_a_body_over_the_cap_is_refused(harness: Any) -> None:
    h = await harness(max_body=1000)
    assert await h.deliver(b"x" * 1001) == 413
    assert await h.deliver(b"x" * 10, declare=10**9) == 413  # a declared gigabyte
    assert h.receiver.received == 0


async def test_an_endless_body_is_cut_off_at_the_cap(harness: Any) -> None:
    h = await harness(max_body=256 * 1024)
    assert await h.deliver(b"", endless=True) == 413
    if isinstance(h, AsgiHarness):
        assert h.pulled <= 256 * 1024 // CHUNK + 1
    else:
        assert h.sent < 64 << 20  # nowhere near the gigabyte it would have sent
    assert h.receiver.received == 0


async def test_a_body_cut_short_is_dropped(harness: Any) -> None:
    h = await harness()
    stream = h.receiver.events()
    # Nobody reads the answer (the ASGI app still sends one: see the middleware test below).
    assert await h.deliver(json.dumps(RESULT).encode(), hang_up=True) in (None, 400)
    for _ in range(50):  # the aiohttp side notices the hang-up on its own time
        if h.receiver.aborted:
            break
        await asyncio.sleep(0.01)
    assert h.receiver.aborted == 1 and h.receiver.received == 0
    assert stream._queue.qsize() == 0
    # The complete delivery afterwards is taken (the cut one was not remembered).
    assert await h.deliver(json.dumps(RESULT).encode()) == 200
    assert isinstance(await anext(stream), TaskResult)


async def test_a_body_that_never_ends_times_out(harness: Any) -> None:
    h = await harness(body_timeout=0.2)
    assert await h.deliver(json.dumps(RESULT).encode(), stall=True) == 408
    assert h.receiver.received == 0 and h.receiver.refused == 1


# Dedupe ------------------------------------------------------------------------------------


async def test_redeliveries_are_recognised_for_48_hours(harness: Any) -> None:
    h = await harness()
    now = [0.0]
    h.receiver.clock = lambda: now[0]
    body = json.dumps(RESULT).encode()
    assert await h.deliver(body) == 200
    for hours in (1, 8, 24, 38, 47.9):  # Snov.io's retry ladder ends near 38 h
        now[0] = hours * 3600
        assert await h.deliver(body) == 200
    assert h.receiver.received == 1 and h.receiver.duplicates == 5
    now[0] = 48.1 * 3600
    assert await h.deliver(body) == 200
    assert h.receiver.received == 2  # past the window: a new event


async def test_dedupe_memory_is_bounded(harness: Any) -> None:
    h = await harness(max_remembered=100)
    for n in range(1000):
        assert await h.deliver(body_of(n)) == 200
    assert h.receiver.remembered == 100 and h.receiver._dedupe.forgotten == 900
    assert await h.deliver(body_of(999)) == 200 and h.receiver.duplicates == 1
    assert await h.deliver(body_of(0)) == 200 and h.receiver.received == 1001  # forgotten


def test_expired_digests_leave_memory() -> None:
    receiver = make_receiver(dedupe_window=60)
    now = [0.0]
    receiver.clock = lambda: now[0]

    def deliver(n: int) -> None:
        receiver._dedupe.seen(f"{n:064x}", receiver.clock())

    for n in range(500):
        deliver(n)
    now[0] = 61.0
    deliver(10_000)
    assert receiver.remembered == 1


# Break attempts (a later adversarial pass) -------------------------------------------------


async def test_every_reader_of_a_stream_is_released_when_the_receiver_stops(harness: Any) -> None:
    """Two tasks reading one stream (a worker pool on one queue): stopping the receiver, or
    closing the stream, lets both go (the second one used to wait forever)."""
    h = await harness()
    stream = h.receiver.events()
    readers = [asyncio.ensure_future(anext(stream)) for _ in range(3)]
    await asyncio.sleep(0)
    await h.receiver.stop()
    for _ in range(10):  # a released reader finishes within a turn or two of the loop
        await asyncio.sleep(0)
    waiting = [task for task in readers if not task.done()]
    for task in waiting:
        task.cancel()
    assert not waiting
    assert all(isinstance(task.exception(), StopAsyncIteration) for task in readers)


async def test_pushed_results_nobody_waits_for_are_bounded_in_bytes(harness: Any) -> None:
    """Pushes that arrive after their task was polled to the end (or that belong to another
    process) are never taken: they must not pile up to 10,000 x max_body."""
    h = await harness()
    pad = "x" * (200 * 1024)
    hashes = [f"task{n}" for n in range(300)]  # 60 MB of results, nobody waiting
    for task_hash in hashes:
        body = {"status": "completed", "data": [pad], "meta": {"task_hash": task_hash}}
        assert await h.deliver(json.dumps(body).encode()) == 200
    kept = sum(len(json.dumps(event.payload)) for event in h.receiver._early.values())
    assert kept <= 32 << 20  # was all 60 MB (and up to 10,000 x 1 MiB)
    # The newest are the ones kept (a push may arrive just before its start is answered).
    assert h.receiver.pushed(hashes[-1]) is not None


@pytest.mark.parametrize(
    "settings",
    [
        {"max_queue": 0},  # asyncio.Queue(0) is unbounded
        {"max_queue": -1},
        {"max_queue": 1.5},
        {"max_body": 0},
        {"max_body": -1},
        {"body_timeout": float("nan")},
        {"body_timeout": float("inf")},
        {"body_timeout": 0},
        {"body_timeout": "10"},
        {"dedupe_window": float("nan")},  # every digest expires at once: no dedupe at all
        {"dedupe_window": -1.0},
        {"max_remembered": 0},
        {"max_remembered": True},
        {"callback_threads": 0},  # every plain callback would fail at its first event
        {"max_pending_callbacks": 0},  # every delivery would be answered 503
        {"port": -1},
        {"port": 70000},
        {"host": ""},
        {"public_url": "not a url"},
        {"public_url": "ftp://hooks.example.com"},
        # The token path would land in the query or the fragment: never delivered to us.
        {"public_url": "https://hooks.example.com/snov?x=1"},
        {"public_url": "https://hooks.example.com/snov#top"},
        {"token": "abc"},  # guessable
        {"token": "x" * 21},
        {"token": "a/b" + "x" * 40},  # not one path segment: the log filter would show a part
        {"token": "ab cd" + "x" * 40},
        {"token": "%41" + "x" * 40},
        {"token": 12345},
    ],
    ids=repr,
)
def test_settings_that_break_a_bound_are_refused_at_construction(settings: dict[str, Any]) -> None:
    from snov_async.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        WebhookReceiver(**settings)


def test_a_stream_size_that_breaks_the_bound_is_refused() -> None:
    from snov_async.errors import ConfigurationError

    receiver = WebhookReceiver()
    for size in (0, -1, 2.5):
        with pytest.raises(ConfigurationError):
            receiver.events(max_queue=size)  # type: ignore[arg-type]


def test_good_settings_are_kept() -> None:
    token = "A" * 11 + "b-_" * 11
    receiver = WebhookReceiver(
        "https://hooks.example.com/", token=token, dedupe_window=0, max_queue=1, port=65535
    )
    assert receiver.url == f"https://hooks.example.com/snov-webhooks/{token}"
    assert receiver.events().closed is False


async def raw_post(
    port: int, target: str, headers: dict[str, str], body: bytes
) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(
        f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n{head}"
        "Connection: close\r\n\r\n".encode()
    )
    writer.write(body)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


# (br and zstd without their decoder installed are refused by aiohttp's parser before any
# handler runs, with its own ERROR line: the host server's doing, not the receiver's.)
@pytest.mark.parametrize("encoding", ["deflate", "gzip", "x-unknown"])
async def test_a_body_aiohttp_cannot_decode_leaves_no_error_in_the_server_log(
    harness: Any, encoding: str, caplog: pytest.LogCaptureFixture
) -> None:
    """aiohttp decodes ``Content-Encoding`` itself; a body it cannot decode used to end in an
    ``Unhandled exception`` traceback on ``aiohttp.server`` (ERROR) once the 400 was sent
    (aiohttp reads on after the handler and met the error again). (A stranger's body that no
    handler reads, the host app's own 404s included, is aiohttp's to drain.)"""
    h = await harness()
    caplog.set_level(logging.DEBUG)
    garbage = b"\x00\x01not compressed at all" * 10
    headers = {"Content-Encoding": encoding}
    if isinstance(h, AiohttpHarness):
        statuses = []
        for _ in range(2):  # the connection it came on is closed: the next one is served
            status, _ = await raw_post(h.port, "/hooks" + h.receiver.path, headers, garbage)
            statuses.append(status)
        for _ in range(20):  # the server's own reading happens after the answer
            await asyncio.sleep(0)
    else:  # an ASGI server passes the body as it came: it is not JSON, so a GenericEvent
        statuses = [await h.deliver(garbage)]
    assert all(200 <= s < 500 for s in statuses), statuses
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    assert h.receiver.received <= 1


async def test_a_wrong_token_gets_the_same_answer_as_any_unknown_path(harness: Any) -> None:
    """No oracle: inside the host app, a wrong token (or a right token with the wrong method)
    is answered exactly like a path that does not exist at all."""
    h = await harness()
    if isinstance(h, AsgiHarness):
        # A bare ASGI app cannot know its host's 404: within the mount every refusal is one.
        app = h.receiver.asgi_app()
        answers = []
        for path, method in (
            (h.receiver.path[:-2] + "xx", "POST"),
            (h.receiver.path, "GET"),
            ("/nothing", "POST"),
        ):
            sent: list[dict[str, Any]] = []

            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": b"{}", "more_body": False}

            async def send(message: dict[str, Any], sent: list[Any] = sent) -> None:
                sent.append(message)

            await app(
                {"type": "http", "method": method, "path": path, "headers": []}, receive, send
            )
            answers.append(sent)
        assert answers[0] == answers[1] == answers[2]
        assert answers[0][0]["status"] == 404
        return
    token = h.receiver.path.rsplit("/", 1)[1]
    wrong = "B" * len(token) if token[0] != "B" else "C" * len(token)
    unknown = await raw_post(h.port, "/nothing-here", {}, b"{}")
    assert unknown[0] == 404
    assert await raw_post(h.port, f"/hooks/snov-webhooks/{wrong}", {}, b"{}") == unknown
    assert await raw_post(h.port, "/hooks/elsewhere", {}, b"{}") == unknown
    assert h.receiver.received == 0


async def test_a_client_gone_mid_body_leaves_no_error_behind_a_host_middleware() -> None:
    """FastAPI/Starlette apps often have an ``@app.middleware("http")`` (logging, timing). When
    the sender hung up mid-body the receiver sent nothing, and that middleware raised
    ``RuntimeError("No response returned.")``: an ``Exception in ASGI application`` traceback
    in uvicorn's log (and a 500) for every hang-up. Still no event, of course."""
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.base import BaseHTTPMiddleware
    from starlette.routing import Mount

    async def passing(request: Any, call_next: Any) -> Any:
        return await call_next(request)

    receiver = make_receiver()
    host = Starlette(
        routes=[Mount("/hooks", app=receiver.asgi_app())],
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=passing)],
    )
    stream = receiver.events()
    script = [
        {"type": "http.request", "body": b'{"event_object": "pros', "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict[str, Any]:
        return script.pop(0) if script else {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/hooks" + receiver.path,
        "raw_path": b"/hooks" + receiver.path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-length", b"100")],
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1234),
    }
    await host(scope, receive, send)  # raised RuntimeError("No response returned.")
    assert receiver.aborted == 1 and receiver.received == 0
    assert stream._queue.qsize() == 0
    assert sent and sent[0]["status"] < 500


async def test_a_server_that_raises_on_send_to_a_gone_client_is_fine() -> None:
    """ASGI lets a server raise an ``OSError`` when the app answers a client that is gone."""
    receiver = make_receiver()
    app = receiver.asgi_app()
    script = [
        {"type": "http.request", "body": b"{", "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict[str, Any]:
        return script.pop(0)

    async def send(message: dict[str, Any]) -> None:
        raise OSError("client disconnected")

    await app({"type": "http", "method": "POST", "path": receiver.path}, receive, send)
    assert receiver.aborted == 1 and receiver.received == 0


async def test_a_failure_logged_by_the_receiver_carries_no_token_in_its_frames(
    harness: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The receiver logs an unexpected failure with its traceback. Error reporters (Sentry and
    the like) collect that traceback with every frame's locals: the frames held the request's
    scope and path, token included."""
    import traceback

    h = await harness()
    token = h.receiver.path.rsplit("/", 1)[1]

    def bug(body: bytes) -> int:
        raise RuntimeError("a bug in the receiver")

    monkeypatch.setattr(h.receiver, "_deliver", bug)
    if isinstance(h, AsgiHarness):
        h.app = h.receiver.asgi_app()
    with caplog.at_level(logging.ERROR, logger="snov_async.webhooks"):
        assert await h.deliver(body_of(1)) == 400  # never a 500
    records = [r for r in caplog.records if r.exc_info]
    assert records
    for record in records:
        assert record.exc_info is not None
        shown = "".join(
            traceback.TracebackException(*record.exc_info, capture_locals=True).format()
        )
        assert "a bug in the receiver" in shown
        assert token not in shown


async def test_a_websocket_request_is_closed_not_left_hanging() -> None:
    """A WebSocket upgrade to the mount (no token needed) got no answer from the ASGI app;
    uvicorn with a WebSocket library installed (``uvicorn[standard]``) then logs ``ASGI
    callable returned without sending handshake.`` (ERROR) and answers 500. Now the app closes
    it, which the server turns into a 403."""
    receiver = make_receiver()
    app = receiver.asgi_app()
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "websocket", "path": receiver.path, "headers": []}, receive, send)
    assert [m["type"] for m in sent] == ["websocket.close"]
    assert receiver.received == 0


def test_a_callback_registration_that_could_never_work_is_refused() -> None:
    """``on(fn, "prospect")`` was taken; then every delivery raised in ``isinstance`` (a 400
    and an ERROR traceback), the digest was already remembered, and Snov.io's redelivery was
    dropped as a duplicate: the callbacks never ran. ``on(123)`` failed at every event."""
    from snov_async.errors import ValidationError

    receiver = make_receiver()
    with pytest.raises(ValidationError):
        receiver.on(lambda event: None, "prospect")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        receiver.on(lambda event: None, dict)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        receiver.on(123)  # type: ignore[arg-type]
    assert receiver._callbacks == []
    assert receiver._deliver(body_of(1)) == 200


# A callback that never returns ---------------------------------------------------------------


def test_a_hung_coroutine_callback_is_cancelled_and_frees_its_place(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Without a limit, callbacks that never return hold their places for good: once
    # max_pending_callbacks of them hang, every later delivery (push-mode results too) is 503.
    from tests.vtime import run_virtual

    async def scenario() -> tuple[list[int], list[str], int]:
        receiver = WebhookReceiver(max_pending_callbacks=2, callback_timeout=60)
        finished: list[str] = []
        never = asyncio.Event()

        async def hangs(event: WebhookEvent) -> None:
            await never.wait()

        async def hangs_too(event: WebhookEvent) -> None:
            await never.wait()

        async def quick(event: WebhookEvent) -> None:
            finished.append("quick")

        receiver.on(hangs)
        receiver.on(hangs_too)
        first = receiver._deliver(body_of(1))
        full = receiver._deliver(body_of(2))  # both places held
        await receiver.drain()  # 60 virtual seconds: both cancelled
        receiver.on(quick)
        later = receiver._deliver(body_of(3))
        await receiver.drain()
        pending = receiver._pending
        await receiver.stop()
        return [first, full, later], finished, pending

    statuses, finished, pending = run_virtual(scenario)
    assert statuses == [200, 503, 200]
    assert finished == ["quick"] and pending == 0
    assert caplog.text.count("did not finish within callback_timeout (60s): cancelled") == 4


async def test_a_plain_callback_returning_a_hanging_coroutine_is_cancelled_too(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # It runs in a thread that waits for the coroutine on the loop: real time, so a tiny limit.
    receiver = WebhookReceiver(callback_timeout=0.05)
    never = asyncio.Event()

    async def hangs() -> None:
        await never.wait()

    receiver.on(lambda event: hangs())
    assert receiver._deliver(body_of(1)) == 200
    await receiver.drain(timeout=30)
    assert receiver._pending == 0
    assert "did not finish within callback_timeout (0.05s): cancelled" in caplog.text
    await receiver.stop()


def test_a_callback_that_raises_timeout_error_is_a_failure_not_a_time_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tests.vtime import run_virtual

    async def scenario() -> None:
        receiver = WebhookReceiver(callback_timeout=60)

        async def raises(event: WebhookEvent) -> None:
            raise TimeoutError("the user's own")

        receiver.on(raises)
        assert receiver._deliver(body_of(1)) == 200
        await receiver.drain()
        await receiver.stop()

    run_virtual(scenario)
    assert "webhook callback failed" in caplog.text and "the user's own" in caplog.text
    assert "callback_timeout" not in caplog.text


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), "60", True])
def test_a_bad_callback_timeout_is_refused(value: Any) -> None:
    from snov_async.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="callback_timeout"):
        WebhookReceiver(callback_timeout=value)
