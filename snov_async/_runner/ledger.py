"""Everything the runner tells the journal, in one place.

`Ledger` is the no-op default (no journal configured): every input is started, nothing is
recorded. `JournalLedger` records paid work in a `Journal` and shares it safely between
workers: each bulk call (a job) **claims** its inputs under its own owner id with a lease that
a heartbeat renews; an input another live job holds is not started but waited for; an intent
is written before a start is sent, the task hash when it answers, each result when the task
answers. Operation names carry the account's scope, so two accounts (or the sandbox and the
real API) sharing one journal never see each other's records.

The scheduler and the job talk only to a ledger, never to a journal.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
import logging
import math
import secrets
import time
from collections.abc import Coroutine, Hashable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .._constants import DEFAULT_CLAIM_LEASE
from ..errors import OutcomeUnknownError, SnovError
from ..journal.base import ClaimState, Journal, encode_key
from .loops import here, running_here

if TYPE_CHECKING:
    from .job import Job

__all__ = ["Admission", "JournalLedger", "Ledger", "ResumeLedger", "Verdict"]

logger = logging.getLogger("snov_async")


class Verdict(enum.Enum):
    """What to do with an input, given what the journal knows of it."""

    START = "start"  # nothing known (or a stale answer): start it
    ANSWER = "answer"  # answered by an earlier run: reuse ``data``
    RESUME = "resume"  # started by an earlier run (or a dead worker): poll ``task_hash``
    UNKNOWN = "unknown"  # an earlier start may or may not have gone through: report it
    HELD = "held"  # another live worker (or call) is on it: wait for its answer


@attrs.frozen
class Admission:
    verdict: Verdict
    data: Any = None
    task_hash: str | None = None
    error: OutcomeUnknownError | None = None


_START = Admission(Verdict.START)


def _unknown() -> OutcomeUnknownError:
    return OutcomeUnknownError(
        "an earlier start of this input was sent but its answer was never recorded (the "
        "worker died or was cut off): it may have been started (and charged); not sent "
        "again (resend_unknown=True would)",
        method="POST",
    )


class Ledger:
    """The ledger of a runner without a journal: nothing is recorded or reused."""

    journal: Journal | None = None
    #: Whether admitting inputs costs a round trip (so a job admits them ten at a time).
    batched = False

    def __init__(self) -> None:
        #: Inputs answered from the journal's cache.
        self.cached = 0

    def __repr__(self) -> str:
        return f"<{type(self).__name__} cached={self.cached}>"

    def open(self, job: Job[Any, Any]) -> None:
        """A job begins: give it its owner id (the journal's unit of claims and leases)."""

    def end(self, job: Job[Any, Any]) -> None:
        """A job is over (answered, abandoned or failed): its lease ends."""

    async def admit(
        self, owner: str | None, operation: str, keys: Sequence[Hashable]
    ) -> dict[Hashable, Admission]:
        """What to do with these inputs of ``operation`` (new ones, or held ones again)."""
        return dict.fromkeys(keys, _START)

    async def intent(self, owner: str | None, operation: str, keys: Sequence[Hashable]) -> None:
        """Before a start is sent (durable before anything leaves)."""

    async def started(self, operation: str, keys: Sequence[Hashable], task_hash: str) -> None:
        """The start answered with ``task_hash``."""

    def release(self, owner: str | None, operation: str, keys: Sequence[Hashable]) -> None:
        """These claimed inputs will not be started by this job after all (it was halted):
        free them for other workers (in the background)."""

    async def forget(self, operation: str, keys: Sequence[Hashable]) -> None:
        """Nothing was started for these inputs after all (refused, not charged)."""

    def answered(self, operation: str, results: Sequence[tuple[Hashable, Any]]) -> None:
        """A task answered these inputs (written in the background)."""

    def unanswered(self, operation: str, keys: Sequence[Hashable]) -> None:
        """A task ended without answering (out of credits: not charged); forget them."""

    def left_out(self, operation: str, keys: Sequence[Hashable]) -> bool:
        """A task, polled again by a rerun, says nothing (that is surely theirs) about these
        inputs, or no longer exists: whether they were charged is unknown, so the next run
        reports them (or, with ``resend_unknown``, sends them again) instead of polling the
        same task for the same silence. Returns whether that was recorded."""
        return False

    async def flush(self) -> None:
        """Wait for the writes under way."""

    async def close(self) -> None:
        """Flush and release the journal."""


class JournalLedger(Ledger):
    """A ledger that keeps paid work in ``journal`` and shares it between workers.

    Args:
        journal: where the records live.
        scope: the account's scope (`_scope.account_scope`), prefixed to operation names.
        cache_ttl: answers younger than this (seconds) are reused; 0: never.
        resend_unknown: start again inputs whose earlier start has an unknown outcome.
        lease: seconds a job's claims outlive its last heartbeat (renewed every third of it).
    """

    batched = True

    def __init__(
        self,
        journal: Journal,
        *,
        scope: str = "",
        cache_ttl: float,
        resend_unknown: bool,
        lease: float = DEFAULT_CLAIM_LEASE,
    ) -> None:
        super().__init__()
        self.journal = journal
        self.scope = scope
        self.cache_ttl = cache_ttl
        self.resend_unknown = resend_unknown
        self.lease = lease
        #: This worker's id; each job's owner id is ``worker/n``.
        self.worker = secrets.token_hex(6)
        self._jobs = itertools.count(1)
        self._owners: set[str] = set()
        #: When each job opened (wall clock): answers recorded since are never stale for it.
        self._opened: dict[str, float] = {}
        self._heartbeat: asyncio.Task[None] | None = None
        self._writes: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return (
            f"<JournalLedger {self.journal!r} worker={self.worker} jobs={len(self._owners)}"
            f" cached={self.cached}>"
        )

    def _op(self, operation: str) -> str:
        return f"{self.scope}/{operation}" if self.scope else operation

    # Owners and leases -----------------------------------------------------------------

    def open(self, job: Job[Any, Any]) -> None:
        job.owner = f"{self.worker}/{next(self._jobs)}"
        self._owners.add(job.owner)
        self._opened[job.owner] = time.time()
        if not running_here(self._heartbeat):  # none, ended, or left on a loop that ended
            self._heartbeat = asyncio.get_running_loop().create_task(self._beat())

    def end(self, job: Job[Any, Any]) -> None:
        owner = job.owner
        if owner is None or owner not in self._owners:
            return
        self._owners.discard(owner)
        self._opened.pop(owner, None)
        assert self.journal is not None
        # Its unsent claims are free at once for others; its started tasks resumable.
        self._write(self.journal.renew(owner, 0))

    async def _beat(self) -> None:
        assert self.journal is not None
        while self._owners:
            await asyncio.sleep(self.lease / 3)
            for owner in list(self._owners):
                try:
                    await self.journal.renew(owner, self.lease)
                except Exception:  # a later beat may get through; claims hold until the lease
                    logger.warning("could not renew the journal lease of %s", owner, exc_info=True)

    # Admission -------------------------------------------------------------------------

    async def admit(
        self, owner: str | None, operation: str, keys: Sequence[Hashable]
    ) -> dict[Hashable, Admission]:
        assert self.journal is not None
        jkeys = {encode_key(k): k for k in keys}
        fresh_after = math.inf if self.cache_ttl <= 0 else time.time() - self.cache_ttl
        # An answer another call recorded while this one ran (it waited for it) is fresh
        # whatever the cache_ttl: taking it is sharing work, not reusing an old answer.
        fresh_after = min(fresh_after, self._opened.get(owner or "", math.inf))
        claims = await self.journal.claim(
            self._op(operation),
            list(jkeys),
            owner=owner or self.worker,
            lease=self.lease,
            fresh_after=fresh_after,
            take_unknown=self.resend_unknown,
        )
        out: dict[Hashable, Admission] = {}
        for jkey, key in jkeys.items():
            claim = claims[jkey]
            record = claim.record
            if claim.state is ClaimState.OWNED:
                out[key] = _START
            elif claim.state is ClaimState.DONE:
                assert record is not None
                self.cached += 1
                out[key] = Admission(Verdict.ANSWER, data=record.data, task_hash=record.task_hash)
            elif claim.state is ClaimState.RESUME:
                assert record is not None and record.task_hash
                out[key] = Admission(Verdict.RESUME, task_hash=record.task_hash)
            elif claim.state is ClaimState.UNKNOWN:
                out[key] = Admission(Verdict.UNKNOWN, error=_unknown())
            else:
                out[key] = Admission(Verdict.HELD)
        return out

    # Records ---------------------------------------------------------------------------

    async def intent(self, owner: str | None, operation: str, keys: Sequence[Hashable]) -> None:
        assert self.journal is not None
        # With the owner: all or nothing, and only if this job still holds every claim.
        await self.journal.intent(self._op(operation), [encode_key(k) for k in keys], owner=owner)

    async def started(self, operation: str, keys: Sequence[Hashable], task_hash: str) -> None:
        # A paid task's hash: recorded even if the caller is cancelled meanwhile (closing
        # waits for the write), so that a rerun polls it instead of answering "unknown".
        await asyncio.shield(self._write(self._record(operation, keys, task_hash)))

    async def _record(self, operation: str, keys: Sequence[Hashable], task_hash: str) -> None:
        assert self.journal is not None
        try:
            await self.journal.started(
                self._op(operation), [encode_key(k) for k in keys], task_hash
            )
        except Exception:  # the task runs anyway; only a rerun would not know its hash
            logger.exception("the journal could not record task %s", task_hash)

    async def forget(self, operation: str, keys: Sequence[Hashable]) -> None:
        assert self.journal is not None
        await self.journal.forget(self._op(operation), [encode_key(k) for k in keys])

    def answered(self, operation: str, results: Sequence[tuple[Hashable, Any]]) -> None:
        assert self.journal is not None
        rows = [(encode_key(k), data) for k, data in results]
        if rows:
            self._write(self.journal.done(self._op(operation), rows))

    def unanswered(self, operation: str, keys: Sequence[Hashable]) -> None:
        assert self.journal is not None
        self._write(self.journal.forget(self._op(operation), [encode_key(k) for k in keys]))

    def left_out(self, operation: str, keys: Sequence[Hashable]) -> bool:
        assert self.journal is not None
        if not keys:
            return False
        # An intent of no owner: an unknown outcome to the next claim.
        self._write(self.journal.intent(self._op(operation), [encode_key(k) for k in keys]))
        return True

    def release(self, owner: str | None, operation: str, keys: Sequence[Hashable]) -> None:
        assert self.journal is not None
        if owner is not None:
            self._write(
                self.journal.release(
                    self._op(operation), [encode_key(k) for k in keys], owner=owner
                )
            )

    def _write(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._writes.add(task)
        task.add_done_callback(self._write_done)
        return task

    def _write_done(self, task: asyncio.Task[None]) -> None:
        self._writes.discard(task)
        if task.cancelled() or (exc := task.exception()) is None:
            return
        if isinstance(exc, SnovError):  # a known condition (JournalError): its message says it
            logger.error("journal write failed: %s", exc)
        else:
            logger.error("journal write failed", exc_info=exc)

    async def flush(self) -> None:
        """Wait for every journal write started so far (and any they start).

        The finished writes are dropped here, not only by their done callback: on Python
        3.12+ ``gather`` of finished tasks completes without yielding to the loop, so waiting
        for the callback to empty the set would spin forever.
        """
        # Writes left on an event loop that ended can never finish: forget them.
        self._writes = {task for task in self._writes if here(task)}
        while self._writes:
            pending = list(self._writes)
            await asyncio.gather(*pending, return_exceptions=True)
            self._writes.difference_update(pending)

    async def close(self) -> None:
        assert self.journal is not None
        for owner in list(self._owners):
            self._owners.discard(owner)
            self._write(self.journal.renew(owner, 0))
        if self._heartbeat is not None and here(self._heartbeat):
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._heartbeat
        await self.flush()
        await self.journal.close()


class ResumeLedger(Ledger):
    """For `TaskRunner.collect`: every input resumes one known task; writes go to ``base``."""

    def __init__(self, base: Ledger, task_hash: str) -> None:
        super().__init__()
        self.base = base
        self.journal = base.journal
        self.task_hash = task_hash

    async def admit(
        self, owner: str | None, operation: str, keys: Sequence[Hashable]
    ) -> dict[Hashable, Admission]:
        return dict.fromkeys(keys, Admission(Verdict.RESUME, task_hash=self.task_hash))

    async def started(self, operation: str, keys: Sequence[Hashable], task_hash: str) -> None:
        await self.base.started(operation, keys, task_hash)

    def answered(self, operation: str, results: Sequence[tuple[Hashable, Any]]) -> None:
        self.base.answered(operation, results)

    def unanswered(self, operation: str, keys: Sequence[Hashable]) -> None:
        self.base.unanswered(operation, keys)

    def left_out(self, operation: str, keys: Sequence[Hashable]) -> bool:
        """Nothing: the inputs were named by the caller, not recorded when the task was
        started (an input never sent must not become an unknown outcome)."""
        return False

    async def flush(self) -> None:
        await self.base.flush()
