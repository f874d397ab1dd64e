"""One bulk call: reading its inputs, deduplicating them, batching them, and its output.

A `Job` knows nothing of HTTP or of the schedule: it asks its `Ledger` what to do with each new
input, tells its `JobHost` (the scheduler) when a batch is ready or a journaled task must be
resumed, and turns per-key answers into one typed result per input.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import AsyncIterable, Hashable, Iterable
from typing import Any, Generic, Protocol, TypeVar

import attrs

from .._constants import BATCH_LINGER, DEFAULT_DEDUPE_WINDOW, HELD_POLL_INTERVAL
from ..errors import SnovError, TaskTimeoutError, ValidationError
from ..models.tasks import Progress
from .ledger import Admission, Ledger, Verdict
from .slicing import TimeSlice
from .spec import BatchSpec, ProgressCallback

__all__ = ["OUTPUT_BACKLOG", "Job", "JobHost"]

logger = logging.getLogger("snov_async")

I = TypeVar("I")  # noqa: E741 - a prepared input
R = TypeVar("R")  # a result per input

#: Results a caller may leave untaken before the runner stops reading more input.
OUTPUT_BACKLOG = 1000


class JobHost(Protocol):
    """What a job needs from the scheduler that runs it."""

    #: The client's shared budget of input reading per loop iteration.
    slice: TimeSlice

    def poke(self) -> None:
        """Something changed (an input was answered, a task may be due): look again."""

    def ready(self, job: Job[Any, Any]) -> None:
        """``job`` has a batch ready to start."""

    def resume(self, job: Job[Any, Any], key: Hashable, item: Any, task_hash: str) -> None:
        """Poll ``task_hash``, started by an earlier run, for ``key``."""

    @property
    def requests_sent(self) -> int:
        """HTTP requests the client sent so far (for progress reports)."""

    @property
    def task_timeout(self) -> float:
        """How long a task may run; an input held by another worker waits as long."""


class Job(Generic[I, R]):
    """One bulk call: its inputs, its unanswered items and its output."""

    def __init__(
        self,
        host: JobHost,
        ledger: Ledger,
        spec: BatchSpec[I, R],
        progress: ProgressCallback | None,
        *,
        dedupe_window: int = DEFAULT_DEDUPE_WINDOW,
    ) -> None:
        self.host = host
        self.ledger = ledger
        self.spec = spec
        self.progress = progress
        #: Inputs read and not answered yet, by key: (prepared item, index, raw input) of the
        #: first one. A plain tuple, not an object with a list: the garbage collector stops
        #: tracking a tuple of strings and numbers, and 10,000 pending inputs were 15,000
        #: of the 43,000 objects its full collections walked (``benchmarks/loop_lag.py``).
        self.pending: dict[Hashable, tuple[I, int, Any]] = {}
        #: Later inputs of the call with a pending key (duplicates): (index, raw input).
        self.duplicates: dict[Hashable, list[tuple[int, Any]]] = {}
        # The result each recently answered key got (the latest `dedupe_window` keys): later
        # duplicates get a copy re-indexed, so only the typed (slotted) result is kept, not
        # the raw answer.
        self.dedupe_window = dedupe_window
        self.answered: collections.OrderedDict[Hashable, R] = collections.OrderedDict()
        self.open_batches: list[list[Hashable]] = []
        self.ready: collections.deque[list[Hashable]] = collections.deque()
        self.output: collections.deque[R] = collections.deque()
        self.output_ready = asyncio.Event()
        self.room = asyncio.Event()
        self.room.set()
        self.read = 0
        self.done = 0
        self.failed = 0
        self.exhausted = False
        self.abandoned = False
        self.feeder: asyncio.Task[None] | None = None
        self.feed_error: BaseException | None = None
        #: Set when the job must start nothing more: its unstarted inputs get this error.
        self.halted: SnovError | None = None
        #: Starts held back while the balance is checked after ``not_enough_credits``.
        self.paused = False
        self.credits_rechecked = False
        #: Tasks whose inputs are still to be read from their answer (`TaskRunner.collect`).
        self.expecting = 0
        #: This job's id in the journal's claims (set by the ledger).
        self.owner: str | None = None
        #: Inputs another live worker (or call) holds, with when each was found held (loop
        #: time): waited for (each up to ``task_timeout``), not started.
        self.held: dict[Hashable, float] = {}
        self.watcher: asyncio.Task[None] | None = None
        #: New inputs read but not yet admitted by the ledger.
        self._unadmitted: list[Hashable] = []
        #: Its tasks being polled (kept by the scheduler's task board).
        self.live_tasks: set[Any] = set()
        #: Whether it waits in the scheduler's queue of jobs with a batch ready.
        self.queued = False
        #: Its starts on the wire: its journal lease lasts until they answered, even when it
        #: was abandoned (a retry of the same inputs then waits for their hashes).
        self.starting = 0

    def __repr__(self) -> str:
        return (
            f"<Job {self.spec.name} read={self.read} done={self.done}"
            f" pending={len(self.pending)} ready={len(self.ready)}>"
        )

    @property
    def finished(self) -> bool:
        return self.exhausted and self.done == self.read and not self.pending and not self.expecting

    def stop(self) -> None:
        """Stop reading input and watching held inputs (the job was abandoned)."""
        self.abandoned = True
        self.room.set()
        for task in (self.feeder, self.watcher):
            if task is not None and not task.done():
                task.cancel()

    def halt(self, error: SnovError) -> None:
        """Start nothing more; every input not started yet gets ``error`` (the first wins)."""
        if self.halted is None:
            self.halted = error

    def item(self, key: Hashable) -> I:
        """The prepared input waiting under ``key``."""
        return self.pending[key][0]

    # Reading inputs --------------------------------------------------------------------

    async def feed(self, inputs: Iterable[Any] | AsyncIterable[Any]) -> None:
        try:
            if isinstance(inputs, AsyncIterable):
                await self._feed_async(inputs)
            else:
                for raw in inputs:
                    await self.host.slice.checkpoint()
                    await self._take(raw, batched=self.ledger.batched)
            await self._admit()
        except Exception as exc:  # the caller's iterator failed: surface it
            self.feed_error = exc
        finally:
            self._close_open_batches()
            self.exhausted = True
            if self.ready:
                self.host.ready(self)
            self.host.poke()
            self._report()
            self.output_ready.set()

    async def _feed_async(self, inputs: AsyncIterable[Any]) -> None:
        """Items may trickle in: each is admitted at once rather than after ten, and a batch
        left part-full for `BATCH_LINGER` seconds without a new item is started as it is
        (a slow source never leaves its inputs waiting)."""
        iterator = aiter(inputs)
        while True:
            if not self.open_batches:
                try:
                    raw = await anext(iterator)
                except StopAsyncIteration:
                    return
            else:
                upcoming = asyncio.ensure_future(anext(iterator))
                try:
                    done, _ = await asyncio.wait({upcoming}, timeout=BATCH_LINGER)
                    if not done:
                        self._close_open_batches()
                    raw = await upcoming
                except StopAsyncIteration:
                    return
                finally:
                    if not upcoming.done():
                        upcoming.cancel()
            await self._take(raw, batched=False)
            await self.host.slice.checkpoint()

    def _close_open_batches(self) -> None:
        """Part-full batches are ready as they are (no more input is coming soon)."""
        closed = False
        for batch in self.open_batches:
            if batch:
                self.ready.append(batch)
                closed = True
        self.open_batches.clear()
        if closed and not self.exhausted:
            self.host.ready(self)
            self.host.poke()

    async def _take(self, raw: Any, *, batched: bool) -> None:
        index = self.read
        self.read += 1
        try:
            item = self.spec.prepare(raw)
        except ValidationError as invalid:
            self._emit(index, raw, None, None, invalid, None)
            return
        key = self.spec.key(item)
        if key in self.answered:
            first = self.answered[key]
            self.answered.move_to_end(key)
            copy = attrs.evolve(first, index=index, input=raw)  # type: ignore[misc]
            self._push(copy, getattr(first, "error", None) is not None)
            return
        if key in self.pending:
            self.duplicates.setdefault(key, []).append((index, raw))
            return
        self.pending[key] = (item, index, raw)
        self._unadmitted.append(key)
        if not batched or len(self._unadmitted) >= self.spec.max_batch:
            await self._admit()

    async def _admit(self) -> None:
        """Ask the ledger about the inputs read since the last time (one round trip), act on
        its answers, then read on only as far as the consumer keeps up."""
        keys, self._unadmitted = self._unadmitted, []
        if keys:
            admissions = await self.ledger.admit(self.owner, self.spec.name, keys)
            for key in keys:
                admission = admissions[key]
                if admission.verdict is Verdict.HELD:
                    self.held.setdefault(key, asyncio.get_running_loop().time())
                    if self.watcher is None or self.watcher.done():
                        self.watcher = asyncio.get_running_loop().create_task(self._watch())
                else:
                    self._settle(key, admission)
        # Read ahead only so far: two batches ready to start, and a bounded backlog of
        # results the caller has not taken yet (a slow consumer slows the reading down).
        while (len(self.ready) >= 2 or len(self.output) > OUTPUT_BACKLOG) and not self.abandoned:
            self.room.clear()
            await self.room.wait()

    def _settle(self, key: Hashable, admission: Admission, *, gather: bool = False) -> None:
        """Act on what the ledger said of a pending input (``gather``: more are being
        settled together; `_release` then starts their batches)."""
        verdict = admission.verdict
        if verdict is Verdict.START:
            self._place(key, self.pending[key][0], gather=gather)
        elif verdict is Verdict.RESUME:
            assert admission.task_hash is not None
            self.host.resume(self, key, self.pending[key][0], admission.task_hash)
        else:
            self.answer(key, admission.data, admission.error, admission.task_hash)

    async def _watch(self) -> None:
        """Look again at held inputs until their worker answers, dies or takes too long."""
        loop = asyncio.get_running_loop()
        while self.held and not self.abandoned:
            await asyncio.sleep(HELD_POLL_INTERVAL)
            # Each input waits ``task_timeout`` from when it was found held (not from when
            # the watcher began: inputs are found held all along a long list).
            give_up_before = loop.time() - self.host.task_timeout
            expired = [key for key, since in self.held.items() if since <= give_up_before]
            if expired:
                err = TaskTimeoutError(
                    "another worker sharing the journal held this input longer than "
                    f"task_timeout ({self.host.task_timeout:g}s) without answering it"
                )
                for key in expired:
                    del self.held[key]
                    self.answer(key, None, err, None)
            keys = list(self.held)
            if not keys:
                break
            try:
                admissions = await self.ledger.admit(self.owner, self.spec.name, keys)
            except SnovError as journal_err:  # the journal is gone: answer rather than wait
                for key in keys:
                    self.held.pop(key, None)
                    self.answer(key, None, journal_err, None)
                return
            for key, admission in admissions.items():
                if admission.verdict is not Verdict.HELD and key in self.held:
                    del self.held[key]
                    self._settle(key, admission, gather=True)
            self._release()  # inputs freed together go ten to a start, not one each
            self.output_ready.set()

    def adopt(self, raw: Any) -> tuple[Hashable, I] | None:
        """Take an input named by a task's answer (collecting a task whose inputs were not
        known); ``None`` when it is invalid (answered at once) or a duplicate (it waits)."""
        index = self.read
        self.read += 1
        try:
            item = self.spec.prepare(raw)
        except ValidationError as invalid:
            self._emit(index, raw, None, None, invalid, None)
            return None
        key = self.spec.key(item)
        if key in self.pending:
            self.duplicates.setdefault(key, []).append((index, raw))
            return None
        self.pending[key] = (item, index, raw)
        return key, item

    def _place(self, key: Hashable, item: I, *, gather: bool = False) -> None:
        for batch in self.open_batches:
            if self.spec.fits(item, [self.pending[k][0] for k in batch]):
                batch.append(key)
                break
        else:
            batch = [key]
            self.open_batches.append(batch)
        if len(batch) >= self.spec.max_batch or (self.exhausted and not gather):
            # Full, or no more input will come to fill it (a held input placed late).
            self.open_batches.remove(batch)
            self.ready.append(batch)
            self.host.ready(self)

    def _release(self) -> None:
        """Once the input is read, no batch waits to be filled: start the open ones."""
        if not self.exhausted:
            return
        while self.open_batches:
            self.ready.append(self.open_batches.pop(0))
            self.host.ready(self)

    def take_batch(self) -> list[Hashable] | None:
        if not self.ready:
            return None
        batch = self.ready.popleft()
        self.room.set()
        return batch

    # Answering -------------------------------------------------------------------------

    def answer(
        self, key: Hashable, data: Any, error: SnovError | None, task_hash: str | None
    ) -> None:
        pending = self.pending.pop(key, None)
        if pending is None:
            return
        item, index, raw = pending
        self._remember(key, self._emit(index, raw, item, data, error, task_hash))
        for index, raw in self.duplicates.pop(key, ()):
            self._emit(index, raw, item, data, error, task_hash)

    def _remember(self, key: Hashable, result: R) -> None:
        """Keep ``key``'s result so that a later duplicate gets a re-indexed copy."""
        if attrs.has(type(result)) and self.dedupe_window > 0:
            self.answered[key] = result
            if len(self.answered) > self.dedupe_window:
                self.answered.popitem(last=False)

    def _emit(
        self,
        index: int,
        raw: Any,
        item: I | None,
        data: Any,
        error: SnovError | None,
        task_hash: str | None,
    ) -> R:
        try:
            result = self.spec.make(
                index=index, raw=raw, item=item, data=data, error=error, task_hash=task_hash
            )
        except SnovError as exc:  # a payload that does not fit the model
            error = exc
            result = self.spec.make(
                index=index, raw=raw, item=item, data=None, error=exc, task_hash=task_hash
            )
        self._push(result, error is not None)
        return result

    def _push(self, result: R, failed: bool) -> None:
        self.done += 1
        if failed:
            self.failed += 1
        self.output.append(result)
        self.output_ready.set()
        self._report()

    def _report(self) -> None:
        if self.progress is None:
            return
        snapshot = Progress(
            done=self.done,
            failed=self.failed,
            total=self.read,
            exhausted=self.exhausted,
            requests=self.host.requests_sent,
        )
        try:
            self.progress(snapshot)
        except Exception:  # a broken callback must not lose results
            logger.exception("progress callback failed")
