"""`WebhookReceiver`: takes Snov.io's deliveries, answers at once, hands out typed events.

Snov.io signs nothing, so the receiver's URL carries an unguessable token in its path
(compared in constant time); anything else gets a 404. Keep that path out of access logs (see
`snov_async.webhooks.logs`). Payloads are logged at debug level only.

Whatever arrives, the answer is a 2xx or a 4xx, never a 500, and at most a `GenericEvent`:

* a body larger than ``max_body`` is refused (413) without being read further; one that has
  not arrived within ``body_timeout`` seconds (a slow or stalled sender) gets a 408; one cut
  short (the sender hung up, an ASGI ``http.disconnect``) is dropped without an event (and
  answered 400 all the same, for whatever sits between the receiver and the gone client);
* anything that is not an event Snov.io documents — not JSON, binary, nested too deep — is a
  `GenericEvent`;
* redeliveries (Snov.io retries a delivery for about 38 hours) are recognised by the body's
  digest for ``dedupe_window`` seconds (48 hours by default) and acknowledged without a second
  event; at most ``max_remembered`` digests are kept.

The answer never waits on user code. Events go

* to every `events()` stream being iterated — each stream holds at most ``max_queue`` events
  and counts what it had to drop; with no stream open, nothing is kept;
* to callbacks (`on`): coroutine functions run as tasks, plain functions in a small thread
  pool (``callback_threads``), so a slow one never blocks the loop. When more than
  ``max_pending_callbacks`` are still running or waiting, new deliveries are answered 503
  (not taken: Snov.io delivers them again later).

Three ways to serve it:

* standalone — ``async with WebhookReceiver(public_url=...) as receiver:`` runs its own
  aiohttp server on ``host:port`` (without an access log);
* inside an aiohttp app — ``app.add_subapp("/snov", receiver.aiohttp_app())``;
* inside an ASGI app (FastAPI, Starlette) — ``app.mount("/snov", receiver.asgi_app())``.

``receiver.url`` is the URL to give Snov.io (as a subscription's ``endpoint_url`` or a start's
``webhook_url``).
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import hmac
import inspect
import json
import logging
import re
import secrets
import time
import traceback
import weakref
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar

import attrs
from aiohttp import web

from .. import _validate
from .._secrets import remember
from ..errors import ConfigurationError, ValidationError
from .events import TaskResult, WebhookEvent, parse_event
from .logs import remember_token

__all__ = ["EventStream", "WebhookReceiver"]

logger = logging.getLogger("snov_async.webhooks")

Callback = Callable[[WebhookEvent], Awaitable[None] | None]
MAX_BODY = 1024 * 1024
#: Pushed task results kept for a task whose start has not answered yet.
REMEMBERED = 10_000
#: ... and the bytes of their bodies at most (oldest forgotten first): pushes nobody takes
#: (their task was polled to the end, or they belong to another process) must not pile up.
EARLY_BYTES = 16 * 1024 * 1024
#: Snov.io retries a delivery for about 38 hours: remember digests for 48.
DEDUPE_WINDOW = 48 * 3600.0
#: Digests remembered at most (a few dozen bytes each).
MAX_REMEMBERED = 200_000
BODY_TIMEOUT = 10.0
MAX_QUEUE = 1_000
CALLBACK_THREADS = 4
MAX_PENDING_CALLBACKS = 1_000
#: Seconds a coroutine callback may run before it is cancelled (one that never returns would
#: otherwise hold its place for good, and ``max_pending_callbacks`` of them refuse every
#: later delivery with 503).
CALLBACK_TIMEOUT = 300.0

_CLOSED: Any = object()
_T = TypeVar("_T")
#: A path token: one URL-safe path segment of at least 22 characters (128 bits at random).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22,512}")


def _size(value: Any, field: str, low: int = 1) -> int:
    return _validate.integer(value, field, low, error=ConfigurationError)


class _Dedupe:
    """Digests seen in the last ``window`` seconds, ``limit`` at most (oldest forgotten
    first). Keys are 64-bit prefixes of the SHA-256 digest: a few dozen bytes per delivery."""

    __slots__ = ("_seen", "forgotten", "limit", "window")

    def __init__(self, window: float, limit: int) -> None:
        self.window = window
        self.limit = limit
        self._seen: collections.OrderedDict[int, float] = collections.OrderedDict()
        #: Digests dropped before their window was over, to stay within ``limit``.
        self.forgotten = 0

    def __len__(self) -> int:
        return len(self._seen)

    def seen(self, digest: str, now: float) -> bool:
        """Whether ``digest`` was seen within the window; remembers it if not."""
        while self._seen:
            key, first = next(iter(self._seen.items()))
            if now - first < self.window:
                break
            del self._seen[key]
        key = int(digest[:16], 16)
        if key in self._seen:
            return True
        self._seen[key] = now
        while len(self._seen) > self.limit:
            self._seen.popitem(last=False)
            self.forgotten += 1
        return False


class EventStream:
    """The events of a receiver, from the moment the stream was made, for as long as it is
    open (``async for`` it; ``aclose()`` or leaving ``async with`` ends it; so does dropping
    the last reference to it). Holds at most ``maxsize`` events not taken yet; beyond that an
    event is dropped and counted in ``dropped``."""

    def __init__(self, receiver: WebhookReceiver, maxsize: int) -> None:
        self._queue: asyncio.Queue[WebhookEvent] = asyncio.Queue(maxsize)
        self._receiver = receiver
        self.closed = False
        #: Events this stream could not hold.
        self.dropped = 0
        receiver._streams.add(self)

    def __repr__(self) -> str:
        return f"<EventStream waiting={self._queue.qsize()} dropped={self.dropped}>"

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> WebhookEvent:
        if self.closed and self._queue.empty():
            raise StopAsyncIteration
        event = await self._queue.get()
        if event is _CLOSED:
            self._queue.put_nowait(_CLOSED)  # for the next reader of this stream
            raise StopAsyncIteration
        return event

    def _offer(self, event: WebhookEvent) -> bool:
        if self.closed:
            return False
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            return False
        return True

    async def aclose(self) -> None:
        """Stop receiving; whoever waits in ``async for`` is let go."""
        if self.closed:
            return
        self.closed = True
        self._receiver._streams.discard(self)
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(_CLOSED)

    async def __aenter__(self) -> EventStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class WebhookReceiver:
    """Receives Snov.io webhook deliveries (see the module docstring).

    Args:
        public_url: the address Snov.io reaches this receiver at (its root, without the
            token path; no query or fragment). Default: ``http://{host}:{port}`` of the
            standalone server.
        host: where the standalone server listens (loopback by default).
        port: the standalone server's port; 0 picks a free one.
        token: the secret path segment: at least 22 of ``A-Z a-z 0-9 _ -``; a random 32-byte
            token by default. Pass the same one to every process of a deployment (workers,
            restarts), or each has its own URL.
        max_body: deliveries larger than this (bytes) are refused with 413.
        body_timeout: seconds a delivery's body may take to arrive (408 after that).
        dedupe_window: seconds a delivery is remembered to recognise its redeliveries.
        max_remembered: deliveries remembered at most for that (oldest forgotten first).
        max_queue: events each `events()` stream holds before dropping new ones.
        callback_threads: threads running plain-function callbacks.
        max_pending_callbacks: callbacks running or waiting, at most; beyond it deliveries
            are answered 503 so that Snov.io delivers them again later.
        callback_timeout: seconds a coroutine callback (or the coroutine a plain callback
            returns) may run before it is cancelled and logged as an error; ``None`` for no
            limit. A plain function running in a thread cannot be stopped: it keeps its
            thread and its place until it returns.
    """

    def __init__(
        self,
        public_url: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        max_body: int = MAX_BODY,
        body_timeout: float = BODY_TIMEOUT,
        dedupe_window: float = DEDUPE_WINDOW,
        max_remembered: int = MAX_REMEMBERED,
        max_queue: int = MAX_QUEUE,
        callback_threads: int = CALLBACK_THREADS,
        max_pending_callbacks: int = MAX_PENDING_CALLBACKS,
        callback_timeout: float | None = CALLBACK_TIMEOUT,
    ) -> None:
        if public_url is not None:
            _validate.web_url(public_url, "public_url", error=ConfigurationError)
            if "?" in public_url or "#" in public_url:
                raise ConfigurationError(
                    "public_url takes no query or fragment: the token path is added after it",
                    field="public_url",
                )
        if not isinstance(host, str) or not host:
            raise ConfigurationError("host must be a host name or address", field="host")
        if token is not None and not (isinstance(token, str) and _TOKEN.fullmatch(token)):
            raise ConfigurationError(
                "token must be at least 22 characters of A-Z a-z 0-9 _ - "
                "(secrets.token_urlsafe(32) makes one)",
                field="token",
            )
        self.public_url = public_url.rstrip("/") if public_url else None
        self.host = host
        self.port = _validate.integer(port, "port", 0, 65535, error=ConfigurationError)
        self._token = token or secrets.token_urlsafe(32)
        remember(self._token)  # redacted from the SDK's errors and logs
        remember_token(self._token)  # and from the servers' logs, however it is spelled
        self.max_body = _size(max_body, "max_body")
        self.body_timeout = _validate.number(body_timeout, "body_timeout", above=0)
        self.max_queue = _size(max_queue, "max_queue")
        self.max_pending_callbacks = _size(max_pending_callbacks, "max_pending_callbacks")
        self.callback_timeout = (
            None
            if callback_timeout is None
            else _validate.number(callback_timeout, "callback_timeout", above=0)
        )
        self._dedupe = _Dedupe(
            _validate.number(dedupe_window, "dedupe_window", low=0),
            _size(max_remembered, "max_remembered"),
        )
        #: The clock of the dedupe window (monotonic seconds); tests replace it.
        self.clock: Callable[[], float] = time.monotonic
        self._streams: weakref.WeakSet[EventStream] = weakref.WeakSet()
        #: (kind, callback, in a thread, the SDK's own)
        self._callbacks: list[tuple[type[WebhookEvent], Callback, bool, bool]] = []
        self._threads = _size(callback_threads, "callback_threads")
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._pending = 0
        self._waiters: dict[str, asyncio.Future[TaskResult]] = {}
        self._early: collections.OrderedDict[str, TaskResult] = collections.OrderedDict()
        self._early_sizes: dict[str, int] = {}
        self._early_bytes = 0
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        #: Deliveries accepted, redeliveries dropped, requests refused (404, 408, 413, 503).
        self.received = 0
        self.duplicates = 0
        self.refused = 0
        #: Bodies that never arrived whole (the sender hung up or disconnected).
        self.aborted = 0
        #: Events dropped because a stream was full.
        self.dropped = 0

    def __repr__(self) -> str:
        state = "serving" if self._runner else "idle"
        return (
            f"<WebhookReceiver {state} received={self.received} duplicates={self.duplicates}"
            f" refused={self.refused} dropped={self.dropped}>"
        )

    # Addresses ---------------------------------------------------------------------------

    @property
    def path(self) -> str:
        """The secret path deliveries must use."""
        # Kept among the most recent secrets the SDK redacts (it keeps the last 64, and every
        # access token refresh adds one): whoever reads the path is about to send it.
        remember(self._token)
        return f"/snov-webhooks/{self._token}"

    @property
    def url(self) -> str:
        """The full URL to hand to Snov.io."""
        root = self.public_url or f"http://{self.host}:{self.port}"
        return root + self.path

    # Handling (shared by every server flavour) ------------------------------------------

    def _authorised(self, path: str) -> bool:
        expected = self.path.encode()
        return hmac.compare_digest(path.rstrip("/").encode(), expected)

    @property
    def remembered(self) -> int:
        """Deliveries remembered for recognising redeliveries."""
        return len(self._dedupe)

    def accept(self, body: bytes) -> WebhookEvent | None:
        """Turn a delivery's body into an event, unless it is a redelivery. Never awaits."""
        event = parse_event(body, received_at=time.time())
        if self._dedupe.seen(event.delivery_key, self.clock()):
            self.duplicates += 1
            return None
        self.received += 1
        logger.debug("webhook delivery %s: %r", type(event).__name__, event.payload)
        for stream in list(self._streams):
            if not stream._offer(event) and not stream.closed:
                self.dropped += 1
        ours: WebhookEvent = event
        if isinstance(event, TaskResult):
            # The SDK's own copy of a pushed result: user code may change the payload of the
            # event it was given (its callbacks can run first, or in a thread).
            result = ours = attrs.evolve(event, payload=json.loads(body))
            waiter = self._waiters.pop(result.task_hash, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(result)
            else:
                self._keep_early(result, len(body))
        for kind, callback, in_thread, own in self._callbacks:
            if isinstance(event, kind):
                self._run_callback(callback, ours if own else event, in_thread)
        return event

    def _keep_early(self, event: TaskResult, size: int) -> None:
        self._take_early(event.task_hash)
        self._early[event.task_hash] = event
        self._early_sizes[event.task_hash] = size
        self._early_bytes += size
        while len(self._early) > REMEMBERED or (
            self._early_bytes > EARLY_BYTES and len(self._early) > 1
        ):
            self._take_early(next(iter(self._early)))

    def _take_early(self, task_hash: str) -> TaskResult | None:
        self._early_bytes -= self._early_sizes.pop(task_hash, 0)
        return self._early.pop(task_hash, None)

    def _deliver(self, body: bytes) -> int:
        """The status for a delivery's complete body (taking it unless overloaded)."""
        if self._pending >= self.max_pending_callbacks:
            logger.warning("webhook callbacks are behind; answering 503 (Snov.io redelivers)")
            self.refused += 1
            return 503
        try:
            self.accept(body)
        except Exception:  # a bug here must not become a 500 and a redelivery storm
            logger.exception("webhook delivery could not be handled")
            self.refused += 1
            return 400
        return 200

    def _run_callback(self, callback: Callback, event: WebhookEvent, in_thread: bool) -> None:
        loop = asyncio.get_running_loop()
        self._pending += 1

        limit = self.callback_timeout

        def run_sync() -> None:
            result = callback(event)
            if inspect.isawaitable(result):  # a plain function that returned a coroutine
                future = asyncio.run_coroutine_threadsafe(_awaited(result), loop)
                try:
                    future.result(limit)
                except concurrent.futures.TimeoutError:
                    future.cancel()
                    raise _TimedOut from None

        async def run() -> None:
            try:
                if in_thread:
                    if self._executor is None:
                        self._executor = concurrent.futures.ThreadPoolExecutor(
                            self._threads, thread_name_prefix="snov-webhook-callback"
                        )
                    await loop.run_in_executor(self._executor, run_sync)
                else:
                    result = callback(event)
                    if inspect.isawaitable(result):
                        waited = asyncio.ensure_future(_awaited(result))
                        try:
                            done, _ = await asyncio.wait({waited}, timeout=limit)
                        finally:
                            if not waited.done():  # timed out, or the receiver stopped
                                waited.cancel()
                        if not done:
                            raise _TimedOut
                        waited.result()
            except _TimedOut:
                logger.error(
                    "webhook callback %s did not finish within callback_timeout (%gs): cancelled",
                    getattr(callback, "__qualname__", type(callback).__name__),
                    limit,
                )
            except Exception:
                logger.exception("webhook callback failed")
            finally:
                self._pending -= 1

        task = loop.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        return await self._answer(request, request.path)

    async def _answer(self, request: web.Request, path: str) -> web.StreamResponse:
        """Authorise ``path`` (the part after any mount prefix), then take the body."""
        if request.method != "POST" or not self._authorised(path):
            self.refused += 1
            # Exactly what the host app answers for a path it does not have (its middlewares
            # included): nothing tells a wrong token from a wrong address.
            raise web.HTTPNotFound()
        answer = await self._guarded(self._body_answer(request), None)
        return answer if answer is not None else _broken(request, web.Response(status=400))

    async def _guarded(self, work: Awaitable[_T], failed: _T) -> _T:
        """``await work``; an unexpected failure is logged and gives ``failed`` (never a 500).
        Its frames are cleared first: they hold the request (its path carries the token), and
        error reporters collect the locals of a logged traceback. (This frame holds none.)"""
        try:
            return await work
        except Exception as exc:
            traceback.clear_frames(exc.__traceback__)
            logger.error("webhook request could not be handled", exc_info=exc)
            self.refused += 1
            return failed

    # Consuming ---------------------------------------------------------------------------

    def on(
        self,
        callback: Callback,
        kind: type[WebhookEvent] = WebhookEvent,
        *,
        in_thread: bool | None = None,
    ) -> Callback:
        """Call ``callback`` for every event of type ``kind``, after the delivery was answered.

        A coroutine function runs as a task on the loop; a plain function runs in the
        receiver's thread pool, so that blocking work never delays other deliveries (the
        SDK's own listeners, which only touch the loop's state, run on the loop).
        ``in_thread`` overrides that choice for a plain function. A ``callback`` that is not
        callable or a ``kind`` that is not a `WebhookEvent` class is a ``ValidationError``.
        """
        if not callable(callback):
            raise ValidationError("callback must be callable", field="callback")
        if not (isinstance(kind, type) and issubclass(kind, WebhookEvent)):
            raise ValidationError(
                f"kind must be WebhookEvent or one of its subclasses, got {kind!r:.60}",
                field="kind",
            )
        own = str(getattr(callback, "__module__", "") or "").startswith("snov_async.")
        if in_thread is None:
            in_thread = not _is_async(callback) and not own
        self._callbacks.append((kind, callback, in_thread, own))
        return callback

    def events(self, max_queue: int | None = None) -> EventStream:
        """A stream of every event that arrives from now on, for as long as it is open::

            async with receiver.events() as stream:
                async for event in stream:
                    ...

        It holds at most ``max_queue`` (the receiver's ``max_queue`` by default) events not
        taken yet; further ones are dropped and counted (``stream.dropped``,
        ``receiver.dropped``). With no stream open, events are not kept at all.
        """
        size = self.max_queue if max_queue is None else _size(max_queue, "max_queue")
        return EventStream(self, size)

    async def task_result(self, task_hash: str, timeout: float | None = None) -> TaskResult:
        """Wait for the pushed result of ``task_hash`` (already arrived ones return at once).

        Raises ``TimeoutError`` after ``timeout`` seconds.
        """
        early = self._take_early(task_hash)
        if early is not None:
            return early
        waiter = self._waiters.get(task_hash)
        if waiter is None:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters[task_hash] = waiter
        try:
            return await asyncio.wait_for(asyncio.shield(waiter), timeout)
        finally:
            if waiter.done() or timeout is not None:
                self._waiters.pop(task_hash, None)

    def pushed(self, task_hash: str) -> TaskResult | None:
        """The pushed result of ``task_hash`` if it has arrived (taken out)."""
        return self._take_early(task_hash)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until every callback started so far has finished (at most ``timeout``)."""
        tasks = list(self._tasks)
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

    # Serving -----------------------------------------------------------------------------

    def aiohttp_app(self) -> web.Application:
        """An aiohttp application to mount (``app.add_subapp(prefix, ...)``); set
        ``public_url`` to the public address of that prefix."""
        app = web.Application(client_max_size=self.max_body)

        async def handler(request: web.Request) -> web.StreamResponse:
            # Inside a sub-app the path carries the prefix; authorise on its tail.
            return await self._answer(request, "/" + request.match_info.get("tail", ""))

        app.router.add_route("*", "/{tail:.*}", handler)
        return app

    async def _body_answer(self, request: web.Request) -> web.StreamResponse:
        if request.content_length is not None and request.content_length > self.max_body:
            self.refused += 1
            return web.Response(status=413)
        try:
            body = await asyncio.wait_for(self._read_aiohttp(request), self.body_timeout)
        except asyncio.TimeoutError:
            self.refused += 1
            return web.Response(status=408)
        except Exception:  # the sender hung up mid-body, or sent what aiohttp cannot decode
            self.aborted += 1
            return _broken(request, web.Response(status=400))
        if body is None:
            self.refused += 1
            return web.Response(status=413)
        status = self._deliver(body)
        return web.Response(status=status, text="ok" if status == 200 else "")

    async def _read_aiohttp(self, request: web.Request) -> bytes | None:
        """The body, or ``None`` as soon as it is larger than ``max_body`` (whatever the
        enclosing app's ``client_max_size``)."""
        body = bytearray()
        async for chunk in request.content.iter_chunked(1 << 16):
            body += chunk
            if len(body) > self.max_body:
                return None
        return bytes(body)

    def asgi_app(self) -> Callable[..., Awaitable[None]]:
        """A bare ASGI application to mount in FastAPI or Starlette
        (``app.mount(prefix, receiver.asgi_app())``); no framework is imported."""

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "lifespan":
                while True:
                    message = await receive()
                    if message["type"] == "lifespan.startup":
                        await send({"type": "lifespan.startup.complete"})
                    elif message["type"] == "lifespan.shutdown":
                        await send({"type": "lifespan.shutdown.complete"})
                        return
            if scope["type"] == "websocket":  # before an accept: the server answers 403
                self.refused += 1
                await send({"type": "websocket.close", "code": 1008})
                return
            if scope["type"] != "http":
                return
            status = await self._guarded(self._asgi_status(scope, receive), 400)
            if status is None:
                # The client is gone, but answer all the same: a host app's middleware
                # (Starlette's BaseHTTPMiddleware) raises when an app sends no response.
                status = 400
            try:
                await send({"type": "http.response.start", "status": status, "headers": []})
                await send({"type": "http.response.body", "body": b"ok" if status == 200 else b""})
            except OSError:  # how a server may say that the client is gone
                pass

        return app

    async def _asgi_status(self, scope: dict[str, Any], receive: Any) -> int | None:
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        if scope.get("method") != "POST" or not self._authorised(path):
            self.refused += 1
            return 404
        for name, value in scope.get("headers", ()):
            if name.lower() == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_body:
                    self.refused += 1
                    return 413
        try:
            body = await asyncio.wait_for(self._read_asgi(receive), self.body_timeout)
        except asyncio.TimeoutError:
            self.refused += 1
            return 408
        if body is _DISCONNECTED:
            self.aborted += 1
            return None
        if body is None:
            self.refused += 1
            return 413
        return self._deliver(body)

    async def _read_asgi(self, receive: Any) -> Any:
        """The body; ``None`` when larger than ``max_body``; ``_DISCONNECTED`` when the client
        went away before the last chunk."""
        body = bytearray()
        while True:
            message = await receive()
            if message.get("type") == "http.disconnect":
                return _DISCONNECTED
            body += message.get("body", b"")
            if len(body) > self.max_body:
                return None
            if not message.get("more_body"):
                return bytes(body)

    async def start(self) -> None:
        """Serve standalone on ``host:port``."""
        app = web.Application(client_max_size=self.max_body)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        if self.port == 0 and runner.addresses:
            self.port = int(runner.addresses[0][1])
        self._runner = runner

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for stream in list(self._streams):
            await stream.aclose()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def __aenter__(self) -> WebhookReceiver:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


_DISCONNECTED: Any = object()


def _broken(request: web.Request, response: web.Response) -> web.Response:
    """``response``, ending the connection, for a body that could not be read: aiohttp would
    otherwise read on after the answer, meet the same error (a ``Content-Encoding`` it cannot
    decode) and log it as an ``Unhandled exception``."""
    if request.content.exception() is not None:
        request.content.feed_eof()  # nothing more will be read from it
        response.force_close()
    return response


def _is_async(callback: Any) -> bool:
    return inspect.iscoroutinefunction(callback) or inspect.iscoroutinefunction(
        getattr(callback, "__call__", None)  # noqa: B004
    )


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


class _TimedOut(Exception):
    """A callback ran past ``callback_timeout`` (not a `TimeoutError` the callback raised)."""
