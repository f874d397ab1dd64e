"""Tasks and the event loop they belong to.

A client may outlive an event loop: one ``asyncio.run`` after another with the same client
(a worker that runs each job on a fresh loop). Background tasks the runner left on a loop
that ended can be neither awaited nor cancelled there; they are forgotten and started again
on the running loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["here", "running_here"]


def here(task: asyncio.Future[Any]) -> bool:
    """Whether ``task`` belongs to the running event loop."""
    return task.get_loop() is asyncio.get_running_loop()


def running_here(task: asyncio.Future[Any] | None) -> bool:
    """Whether ``task`` is not done and belongs to the running event loop (else a new one
    is needed)."""
    return task is not None and not task.done() and here(task)
