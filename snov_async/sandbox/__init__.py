"""A faithful local Snov.io, for building and testing without credentials or credits.

In process::

    from snov_async import SnovClient
    from snov_async.sandbox import Sandbox, SandboxConfig

    async with Sandbox(SandboxConfig(task_latency=0.2)) as sb:
        async with SnovClient("any-id", "any-secret", base_url=sb.base_url) as snov:
            print(await snov.account.balance())
        print(sb.stats.total_requests)

As a server: ``python -m snov_async.sandbox --port 8080`` (prints its base URL).

What it does: token issuing and expiry, a rolling-window rate limit answering 429, a credit
balance debited by the reference's cost rules, tasks that stay ``in_progress`` for a configured
latency, webhook delivery of task results, seeded fault injection, and counters for tests
(`SandboxStats`, also at ``GET /__sandbox__/stats``).
"""

from __future__ import annotations

import socket
from types import TracebackType

from aiohttp import web

from .app import make_app
from .common import STATE
from .faults import Fault, Faults
from .state import SandboxConfig, SandboxState, SandboxStats

__all__ = [
    "Fault",
    "Faults",
    "Sandbox",
    "SandboxConfig",
    "SandboxState",
    "SandboxStats",
    "make_app",
]


class Sandbox:
    """Runs the sandbox on a loopback port for the life of an ``async with`` block.

    Args:
        config: the sandbox's behaviour (default: realistic settings).
        host: the address to bind (loopback by default).
        port: the port; 0 picks a free one.
    """

    def __init__(
        self, config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config or SandboxConfig()
        self.host = host
        self.port = port
        self.app = make_app(self.config)
        self._runner: web.AppRunner | None = None

    @property
    def state(self) -> SandboxState:
        return self.app[STATE]

    @property
    def stats(self) -> SandboxStats:
        """What the sandbox saw so far."""
        return self.state.stats

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, to pass to ``SnovClient(base_url=...)``."""
        if self._runner is None:
            raise RuntimeError("the sandbox is not running; use `async with Sandbox() as sb`")
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def __repr__(self) -> str:
        where = f"http://{self.host}:{self.port}" if self._runner else "stopped"
        return f"<Sandbox {where}>"
