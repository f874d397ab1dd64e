"""`WebhookReceiver`: takes Snov.io's deliveries, answers at once, hands out typed events.

Snov.io signs nothing, so the receiver's URL carries an unguessable token in its path
(compared in constant time); anything else gets a 404. Bodies are capped; payloads are logged
at debug level only. The HTTP answer (200) never waits on user code: events go to a queue
(`events`) and to callbacks run as their own tasks. Snov.io retries a delivery up to 7 times:
redeliveries are recognised and dropped.

Three ways to serve it:

* standalone — ``async with WebhookReceiver(public_url=...) as receiver:`` runs its own
  aiohttp server on ``host:port``;
* inside an aiohttp app — ``app.add_subapp("/snov", receiver.aiohttp_app())``;
* inside an ASGI app (FastAPI, Starlette) — ``app.mount("/snov", receiver.asgi_app())``.

``receiver.url`` is the URL to give Snov.io (as a subscription's ``endpoint_url`` or a start's
``webhook_url``).
"""

from __future__ import annotations

import asyncio
import collections
import hmac
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Any

from aiohttp import web

from .events import TaskResult, WebhookEvent, parse_event

__all__ = ["WebhookReceiver"]

logger = logging.getLogger("snov_async.webhooks")

Callback = Callable[[WebhookEvent], Awaitable[None] | None]
MAX_BODY = 1024 * 1024
REMEMBERED = 10_000


class WebhookReceiver:
    """Receives Snov.io webhook deliveries (see the module docstring).

    Args:
        public_url: the address Snov.io reaches this receiver at (its root, without the
            token path). Default: ``http://{host}:{port}`` of the standalone server.
        host: where the standalone server listens (loopback by default).
        port: the standalone server's port; 0 picks a free one.
        token: the secret path segment; a random 32-byte token by default.
        max_body: deliveries larger than this (bytes) are refused with 413.
    """

    def __init__(
        self,
        public_url: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        self.public_url = public_url.rstrip("/") if public_url else None
        self.host = host
        self.port = port
        self._token = token or secrets.token_urlsafe(32)
        self.max_body = max_body
        self._queue: asyncio.Queue[WebhookEvent] | None = None
        self._callbacks: list[tuple[type[WebhookEvent], Callback]] = []
        self._seen: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._waiters: dict[str, asyncio.Future[TaskResult]] = {}
        self._early: collections.OrderedDict[str, TaskResult] = collections.OrderedDict()
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        #: Deliveries accepted, redeliveries dropped, requests refused.
        self.received = 0
        self.duplicates = 0
        self.refused = 0

    def __repr__(self) -> str:
        state = "serving" if self._runner else "idle"
        return f"<WebhookReceiver {state} received={self.received}>"

    # Addresses ---------------------------------------------------------------------------

    @property
    def path(self) -> str:
        """The secret path deliveries must use."""
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

    def accept(self, body: bytes) -> WebhookEvent | None:
        """Turn a delivery's body into an event, unless it is a redelivery. Never awaits."""
        event = parse_event(body, received_at=time.time())
        if event.delivery_key in self._seen:
            self.duplicates += 1
            return None
        self._seen[event.delivery_key] = None
        if len(self._seen) > REMEMBERED:
            self._seen.popitem(last=False)
        self.received += 1
        logger.debug("webhook delivery %s: %r", type(event).__name__, event.payload)
        if self._queue is None:
            self._queue = asyncio.Queue()
        self._queue.put_nowait(event)
        if isinstance(event, TaskResult):
            waiter = self._waiters.pop(event.task_hash, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(event)
            else:
                self._early[event.task_hash] = event
                if len(self._early) > REMEMBERED:
                    self._early.popitem(last=False)
        for kind, callback in self._callbacks:
            if isinstance(event, kind):
                self._run_callback(callback, event)
        return event

    def _run_callback(self, callback: Callback, event: WebhookEvent) -> None:
        async def run() -> None:
            try:
                result = callback(event)
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                logger.exception("webhook callback failed")

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, request: web.Request) -> web.Response:
        return await self._answer(request, request.path)

    async def _answer(self, request: web.Request, path: str) -> web.Response:
        """Authorise ``path`` (the part after any mount prefix), then take the body."""
        if request.method != "POST" or not self._authorised(path):
            self.refused += 1
            return web.Response(status=404)
        return await self._body_answer(request)

    # Consuming ---------------------------------------------------------------------------

    def on(self, callback: Callback, kind: type[WebhookEvent] = WebhookEvent) -> Callback:
        """Call ``callback`` (sync or async) for every event of type ``kind``.

        Callbacks run as their own tasks, after the delivery was answered.
        """
        self._callbacks.append((kind, callback))
        return callback

    async def events(self) -> AsyncIterator[WebhookEvent]:
        """Every event, in arrival order, for as long as you keep iterating."""
        if self._queue is None:
            self._queue = asyncio.Queue()
        while True:
            yield await self._queue.get()

    async def task_result(self, task_hash: str, timeout: float | None = None) -> TaskResult:
        """Wait for the pushed result of ``task_hash`` (already arrived ones return at once).

        Raises ``TimeoutError`` after ``timeout`` seconds.
        """
        early = self._early.pop(task_hash, None)
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
        return self._early.pop(task_hash, None)

    # Serving -----------------------------------------------------------------------------

    def aiohttp_app(self) -> web.Application:
        """An aiohttp application to mount (``app.add_subapp(prefix, ...)``); set
        ``public_url`` to the public address of that prefix."""
        app = web.Application(client_max_size=self.max_body)

        async def handler(request: web.Request) -> web.Response:
            # Inside a sub-app the path carries the prefix; authorise on its tail.
            return await self._answer(request, "/" + request.match_info.get("tail", ""))

        app.router.add_route("*", "/{tail:.*}", handler)
        return app

    async def _body_answer(self, request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > self.max_body:
            self.refused += 1
            return web.Response(status=413)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            self.refused += 1
            return web.Response(status=413)
        self.accept(body)
        return web.Response(status=200, text="ok")

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
            if scope["type"] != "http":
                return
            path = scope.get("path", "")
            root = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root) :]
            status = 404
            if scope.get("method") == "POST" and self._authorised(path):
                body = bytearray()
                status = 200
                while True:
                    message = await receive()
                    body += message.get("body", b"")
                    if len(body) > self.max_body:
                        status = 413
                        break
                    if not message.get("more_body"):
                        break
                if status == 200:
                    self.accept(bytes(body))
            if status != 200:
                self.refused += 1
            await send({"type": "http.response.start", "status": status, "headers": []})
            await send({"type": "http.response.body", "body": b"ok" if status == 200 else b""})

        return app

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
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

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
