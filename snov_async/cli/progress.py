"""The live progress display: done/total, rate, ETA and credits, on stderr.

Drawn with ``rich`` when it is installed (``pip install 'snov-async[cli]'``) and stderr is a
terminal; otherwise nothing is drawn and the command prints its one-line summary at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._client import SnovClient
    from .jobs import Tally

__all__ = ["Progress"]


class Progress:
    """Refreshes a progress bar from a `Tally` while a job runs."""

    def __init__(self, tally: Tally, client: SnovClient, *, enabled: bool = True) -> None:
        self.tally = tally
        self.client = client
        self.enabled = enabled and sys.stderr.isatty()
        self._task: asyncio.Task[None] | None = None
        self._bar: Any = None
        self._started = time.monotonic()

    def line(self) -> str:
        """The status as one line of text (what the bar shows)."""
        t = self.tally
        elapsed = max(1e-6, time.monotonic() - self._started)
        rate = t.written / elapsed
        total = f"{t.read}" + ("" if t.exhausted else "+")
        eta = (t.read - t.written) / rate if rate > 0 and t.exhausted else None
        eta_text = f"{eta:.0f}s" if eta is not None else "?"
        return (
            f"{t.written}/{total} rows, {rate:.1f} rows/s, ETA {eta_text}, "
            f"{t.credits} credits, {t.errors} errors, {self.client.stats.requests} requests"
        )

    async def __aenter__(self) -> Progress:
        if not self.enabled:
            return self
        try:
            from rich.console import Console
            from rich.progress import BarColumn, TextColumn
            from rich.progress import Progress as RichProgress
        except ImportError:
            self.enabled = False
            return self
        self._bar = RichProgress(
            TextColumn("[bold]snov-async"),
            BarColumn(),
            TextColumn("{task.description}"),
            console=Console(file=sys.stderr),
            transient=True,
        )
        self._bar.start()
        task_id = self._bar.add_task(self.line(), total=None)

        async def refresh() -> None:
            while True:
                t = self.tally
                self._bar.update(
                    task_id,
                    description=self.line(),
                    completed=t.written,
                    total=t.read if t.exhausted else None,
                )
                await asyncio.sleep(0.2)

        self._task = asyncio.get_running_loop().create_task(refresh())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._bar is not None:
            self._bar.stop()
