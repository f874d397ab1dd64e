"""Shared pieces of the hostile-input suite: a client whose every request would be recorded
by aioresponses (nothing is registered, so nothing can succeed), and a way to call any
public method whatever it returns (a coroutine, an async iterator, or a raise)."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from aioresponses import aioresponses

from snov_async import SnovClient
from snov_async._retry import RetryPolicy


class Fresh:
    """A value made anew for each use (a generator can be consumed only once)."""

    def __init__(self, make: Callable[[], Any], label: str) -> None:
        self.make = make
        self.label = label

    def __repr__(self) -> str:
        return self.label


def realise(value: Any) -> Any:
    return value.make() if isinstance(value, Fresh) else value


@asynccontextmanager
async def recorded() -> AsyncIterator[tuple[SnovClient, aioresponses]]:
    """A client and the aioresponses mock that records every request it tries to make."""
    with aioresponses() as mocked:
        snov = SnovClient(
            "hostile-id",
            "hostile-secret",
            requests_per_minute=60_000,
            retry=RetryPolicy(max_attempts=1),
            initial_task_latency=0.01,
            task_timeout=1.0,  # a collect polling an unreachable server gives up soon
        )
        try:  # not entered: the session is made only if something is sent
            yield snov, mocked
        finally:
            await snov.close()


def sent(mocked: aioresponses) -> list[str]:
    """Every request tried, as ``METHOD URL``."""
    return [f"{method} {url}" for (method, url), reqs in mocked.requests.items() for _ in reqs]


async def invoke(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``method`` and drive what it returns far enough to send its first request."""
    result = method(*args, **kwargs)
    if inspect.isawaitable(result):
        return await result
    if isinstance(result, AsyncIterator):
        try:
            return await result.__anext__()
        except StopAsyncIteration:
            return None
        finally:
            closer = getattr(result, "aclose", None)
            if closer is not None:
                await closer()
    return result
