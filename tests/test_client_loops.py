"""One client used from two event loops in turn (``asyncio.run`` twice, one test after another):
the session it made follows the running loop, as the pacer and the token lock do. Real
sockets (a sandbox per loop, on one port): mocked responses never reach the session's
loop-bound connector."""

from __future__ import annotations

import asyncio
from typing import Any

from snov_async import SnovClient
from snov_async.sandbox import Sandbox
from tests.adversarial.redis_server import free_port

ACCOUNT = ("acct-loops", "secret-loops")


def test_a_client_used_again_on_a_new_event_loop_makes_its_session_there() -> None:
    port = free_port()
    snov = SnovClient(*ACCOUNT, base_url=f"http://127.0.0.1:{port}", requests_per_minute=6000)

    async def balance() -> Any:
        async with Sandbox(accounts=[ACCOUNT], rate_limit=None, port=port):
            return await asyncio.wait_for(snov.account.balance(), 10)

    first = asyncio.run(balance())
    second = asyncio.run(balance())  # was RuntimeError('Event loop is closed')
    asyncio.run(snov.close())
    assert first.balance == second.balance
    assert snov.closed
