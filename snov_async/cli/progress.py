"""Progress on standard error while a job runs: rows done, counts, rate and an ETA.

* On a terminal with ``rich`` installed (``pip install 'snov-async[cli]'``): a live bar.
* Otherwise (no rich, or standard error is a file or a pipe): one plain line every few
  seconds (``--progress-interval``, default 5).
* ``--quiet``: nothing.

The ETA is a number from the first second: the input was counted before the run, so the
requests the job needs at least are known (a start and a result per batch of 10 rows and per
stage); they leave one per pacing interval, so what is left takes (requests left) x interval,
plus, until the first task is answered, what is left of one task's latency (the runner's
learned latency, or its first guess).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._client import SnovClient
    from .jobs import Command, Tally

__all__ = ["Progress", "format_eta"]

DEFAULT_EVERY = 5.0
#: Inputs per batch (the API's limit).
BATCH = 10


def format_eta(seconds: float) -> str:
    """``42s``, ``7m05s``, ``2h03m``."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


class Progress:
    """Shows a `Tally` while a job runs, as a rich bar or as plain lines."""

    def __init__(
        self,
        tally: Tally,
        client: SnovClient,
        command: Command,
        *,
        quiet: bool = False,
        every: float = DEFAULT_EVERY,
    ) -> None:
        self.tally = tally
        self.client = client
        self.command = command
        self.every = every
        self.mode = "off" if quiet else ("rich" if _rich_usable() else "plain")
        self._task: asyncio.Task[None] | None = None
        self._bar: Any = None
        self._started = time.monotonic()
        self._requests_at_start = client.stats.requests

    # The numbers ---------------------------------------------------------------------------

    def _interval(self) -> float:
        return float(getattr(self.client.pacer, "interval", 0.0) or 0.0)

    def _latency(self) -> float:
        """The task latency the runner expects for this job's (first) operation."""
        c = self.client
        spec = {
            "verify": getattr(c.verification, "spec", None),
            "domains": getattr(c.email_finder, "domain_spec", None),
            "profiles": getattr(c.enrichment, "li_spec", None),
        }.get(self.command.name, getattr(c.email_finder, "find_spec", None))
        runner = c.runner
        try:
            return float(runner.estimator(spec).expected())  # type: ignore[arg-type]
        except Exception:  # a runner without estimators: its first guess
            return float(getattr(runner, "initial_latency", 0.0))

    def sent(self) -> int:
        """Requests this job has sent so far."""
        return self.client.stats.requests - self._requests_at_start

    def requests_left(self) -> float:
        """Requests still to send: the job's minimum (a start and a result per batch of 10
        rows and per stage, plus the token and the balance check) less what was sent — and
        never less than one result per batch of the rows still unanswered."""
        t = self.tally
        batches = math.ceil(t.total / BATCH)
        needed = 2 + 2 * batches * self.command.stages
        remaining = max(0, t.total - t.answered)
        floor = math.ceil(remaining / BATCH) * self.command.stages
        return float(max(needed - self.sent(), floor))

    def eta(self) -> float:
        """Seconds left: the requests left at the pacing rate, plus — until the first answer
        — what is left of one task's latency (learned, or the runner's first guess)."""
        t = self.tally
        if t.total - t.answered <= 0:
            return 0.0
        tail = 0.0
        if t.first_answer is None:
            tail = max(0.0, self._latency() - (time.monotonic() - self._started))
        return self.requests_left() * self._interval() + tail

    def line(self) -> str:
        """The status as one line of text (what the bar and the plain lines show)."""
        t = self.tally
        elapsed = max(1e-6, time.monotonic() - self._started)
        pct = f" ({100 * t.answered // t.total}%)" if t.total else ""
        return (
            f"{t.answered}/{t.total} rows{pct}: {t.found} found, {t.not_found} not found, "
            f"{t.invalid} invalid, {t.failed} failed; {t.answered / elapsed:.1f} rows/s, "
            f"{self.sent()} requests, ETA {format_eta(self.eta())}"
        )

    # Display -------------------------------------------------------------------------------

    async def __aenter__(self) -> Progress:
        if self.mode == "rich":
            self._start_rich()
        elif self.mode == "plain":
            self._task = asyncio.get_running_loop().create_task(self._plain())
        return self

    async def _plain(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            print(f"snov-async: {self.line()}", file=sys.stderr, flush=True)

    def _start_rich(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, TextColumn
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("[bold]snov-async"),
            BarColumn(),
            TextColumn("{task.description}"),
            console=Console(file=sys.stderr),
            transient=True,
            refresh_per_second=5,
        )
        self._bar.start()
        task_id = self._bar.add_task(self.line(), total=self.tally.total or None)

        async def refresh() -> None:
            while True:
                self._bar.update(task_id, description=self.line(), completed=self.tally.answered)
                await asyncio.sleep(0.2)

        self._task = asyncio.get_running_loop().create_task(refresh())

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


def _rich_usable() -> bool:
    if not sys.stderr.isatty():
        return False
    try:
        import rich.progress  # noqa: F401
    except ImportError:
        return False
    return True
