"""A faithful local Snov.io, for building and testing without credentials or credits.

In process::

    from snov_async import SnovClient
    from snov_async.sandbox import Sandbox, SandboxConfig

    async with Sandbox(SandboxConfig(task_latency=0.2)) as sb:
        async with SnovClient("any-id", "any-secret", base_url=sb.base_url) as snov:
            print(await snov.account.balance())
        print(sb.stats.total_requests)

Many accounts, each with its own tokens, rate window, credits, tasks and stores::

    async with Sandbox(accounts=[("a-id", "a-secret"), ("b-id", "b-secret")]) as sb:
        ...
        sb.stats_for("a-id").total_requests   # one account's counters
        sb.account("b-id").balance            # one account's state
        sb.stats.total_requests               # every account together

Without ``accounts`` any credentials open an account of their own (keyed by client id).

Answers follow the live API's known shapes (``shapes="reference"`` for the reference's
examples); every rule of the reference it enforces is in `rules.RULES` (with its reference
line), served at ``GET /__sandbox__/rules``. The sandbox imports nothing of the SDK: its
tables are its own extraction of the reference (`tables`).

As a server: ``python -m snov_async.sandbox --port 8080 [--accounts ID:SECRET,ID:SECRET]``
(prints its base URL).

What it does: token issuing and expiry, a rolling-window rate limit answering 429, a credit
balance debited by the reference's cost rules, tasks that stay ``in_progress`` for a configured
latency, webhook delivery of task results, seeded fault injection, and counters for tests
(`SandboxStats`, also at ``GET /__sandbox__/stats``).
"""

from __future__ import annotations

import socket
from types import TracebackType
from typing import Any

import attrs
from aiohttp import web

from .app import make_app
from .common import STATE
from .faults import Fault, Faults
from .state import Account, SandboxConfig, SandboxState, SandboxStats

__all__ = [
    "Account",
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
        **settings: `SandboxConfig` fields that override ``config``'s, e.g.
            ``Sandbox(accounts=[("id", "secret")], start_latency=(0.1, 0.5), rate_limit=None)``.
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        **settings: Any,
    ) -> None:
        config = config or SandboxConfig()
        self.config = attrs.evolve(config, **settings) if settings else config
        self.host = host
        self.port = port
        self.app = make_app(self.config)
        self._runner: web.AppRunner | None = None

    @property
    def state(self) -> SandboxState:
        return self.app[STATE]

    @property
    def stats(self) -> SandboxStats:
        """What the sandbox saw so far, every account together."""
        return self.state.stats

    def account(self, client_id: str) -> Account:
        """One account (its balance, tasks, stores); `KeyError` when it does not exist."""
        return self.state.accounts[client_id]

    def stats_for(self, client_id: str) -> SandboxStats:
        """What one account's requests did; `KeyError` when the account does not exist."""
        return self.state.accounts[client_id].stats

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
