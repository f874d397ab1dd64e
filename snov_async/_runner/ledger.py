"""Everything the runner tells the journal, in one place.

`Ledger` is the no-op default (no journal configured): every input is started, nothing is
recorded. `JournalLedger` records paid work in a `Journal` (intent before a start is sent, the
task hash when it answers, each result) and answers inputs an earlier run already paid for.
The scheduler and the job talk only to a ledger, never to a journal.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Coroutine, Hashable, Sequence
from typing import Any

import attrs

from ..errors import OutcomeUnknownError
from ..journal.base import Journal, State, encode_key

__all__ = ["Admission", "JournalLedger", "Ledger", "ResumeLedger", "Verdict"]

logger = logging.getLogger("snov_async")


class Verdict(enum.Enum):
    """What to do with an input, given what the journal knows of it."""

    START = "start"  # nothing known (or a stale answer): start it
    ANSWER = "answer"  # answered by an earlier run: reuse ``data``
    RESUME = "resume"  # started by an earlier run: poll ``task_hash``
    UNKNOWN = "unknown"  # an earlier start may or may not have gone through: report it


@attrs.frozen
class Admission:
    verdict: Verdict
    data: Any = None
    task_hash: str | None = None
    error: OutcomeUnknownError | None = None


_START = Admission(Verdict.START)


class Ledger:
    """The ledger of a runner without a journal: nothing is recorded or reused."""

    journal: Journal | None = None

    def __init__(self) -> None:
        #: Inputs answered from the journal's cache.
        self.cached = 0

    def __repr__(self) -> str:
        return f"<{type(self).__name__} cached={self.cached}>"

    async def admit(self, operation: str, key: Hashable) -> Admission:
        """What to do with a new input of ``operation``."""
        return _START

    async def intent(self, operation: str, keys: Sequence[Hashable]) -> None:
        """Before a start is sent (durable before anything leaves)."""

    async def started(self, operation: str, keys: Sequence[Hashable], task_hash: str) -> None:
        """The start answered with ``task_hash``."""

    async def forget(self, operation: str, keys: Sequence[Hashable]) -> None:
        """Nothing was started for these inputs after all (refused, not charged)."""

    def answered(self, operation: str, results: Sequence[tuple[Hashable, Any]]) -> None:
        """A task answered these inputs (written in the background)."""

    def unanswered(self, operation: str, keys: Sequence[Hashable]) -> None:
        """A task ended without answering (out of credits: not charged); forget them."""

    async def flush(self) -> None:
        """Wait for the writes under way."""

    async def close(self) -> None:
        """Flush and release the journal."""


class JournalLedger(Ledger):
    """A ledger that keeps paid work in ``journal``.

    Args:
        journal: where the records live.
        cache_ttl: answers younger than this (seconds) are reused; 0: never.
        resend_unknown: start again inputs whose earlier start has an unknown outcome.
    """

    def __init__(self, journal: Journal, *, cache_ttl: float, resend_unknown: bool) -> None:
        super().__init__()
        self.journal = journal
        self.cache_ttl = cache_ttl
        self.resend_unknown = resend_unknown
        self._writes: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"<JournalLedger {self.journal!r} cached={self.cached}>"

    async def admit(self, operation: str, key: Hashable) -> Admission:
        assert self.journal is not None
        jkey = encode_key(key)
        record = (await self.journal.lookup(operation, [jkey])).get(jkey)
        if record is None:
            return _START
        if record.state is State.DONE:
            if time.time() - record.updated_at > self.cache_ttl:
                return _START
            self.cached += 1
            return Admission(Verdict.ANSWER, data=record.data, task_hash=record.task_hash)
        if record.state is State.STARTED and record.task_hash:
            # Started by an earlier run: poll its hash again instead of paying twice.
            return Admission(Verdict.RESUME, task_hash=record.task_hash)
        if self.resend_unknown:
            return _START
        err = OutcomeUnknownError(
            "an earlier run sent this input's start but did not record the answer: it may "
            "have been started (and charged); not sent again (resend_unknown=True would)",
            method="POST",
        )
        return Admission(Verdict.UNKNOWN, error=err)

    async def intent(self, operation: str, keys: Sequence[Hashable]) -> None:
        assert self.journal is not None
        await self.journal.intent(operation, [encode_key(k) for k in keys])

    async def started(self, operation: str, keys: Sequence[Hashable], task_hash: str) -> None:
        assert self.journal is not None
        try:
            await self.journal.started(operation, [encode_key(k) for k in keys], task_hash)
        except Exception:  # the task runs anyway; only a rerun would not know its hash
            logger.exception("the journal could not record task %s", task_hash)

    async def forget(self, operation: str, keys: Sequence[Hashable]) -> None:
        assert self.journal is not None
        await self.journal.forget(operation, [encode_key(k) for k in keys])

    def answered(self, operation: str, results: Sequence[tuple[Hashable, Any]]) -> None:
        assert self.journal is not None
        rows = [(encode_key(k), data) for k, data in results]
        if rows:
            self._write(self.journal.done(operation, rows))

    def unanswered(self, operation: str, keys: Sequence[Hashable]) -> None:
        assert self.journal is not None
        self._write(self.journal.forget(operation, [encode_key(k) for k in keys]))

    def _write(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._writes.add(task)
        task.add_done_callback(self._write_done)

    def _write_done(self, task: asyncio.Task[None]) -> None:
        self._writes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("journal write failed", exc_info=task.exception())

    async def flush(self) -> None:
        while self._writes:
            await asyncio.gather(*list(self._writes), return_exceptions=True)

    async def close(self) -> None:
        await self.flush()
        assert self.journal is not None
        await self.journal.close()


class ResumeLedger(Ledger):
    """For `TaskRunner.collect`: every input resumes one known task; writes go to ``base``."""

    def __init__(self, base: Ledger, task_hash: str) -> None:
        super().__init__()
        self.base = base
        self.journal = base.journal
        self.task_hash = task_hash

    async def admit(self, operation: str, key: Hashable) -> Admission:
        return Admission(Verdict.RESUME, task_hash=self.task_hash)

    async def intent(self, operation: str, keys: Sequence[Hashable]) -> None:
        await self.base.intent(operation, keys)

    async def started(self, operation: str, keys: Sequence[Hashable], task_hash: str) -> None:
        await self.base.started(operation, keys, task_hash)

    async def forget(self, operation: str, keys: Sequence[Hashable]) -> None:
        await self.base.forget(operation, keys)

    def answered(self, operation: str, results: Sequence[tuple[Hashable, Any]]) -> None:
        self.base.answered(operation, results)

    def unanswered(self, operation: str, keys: Sequence[Hashable]) -> None:
        self.base.unanswered(operation, keys)

    async def flush(self) -> None:
        await self.base.flush()
