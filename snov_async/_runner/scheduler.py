"""The scheduler: one per client, it decides what every pacer slot is spent on.

It takes a pacer slot first and only then picks a request to send with it — the start of a
ready batch (while under ``max_in_flight``) or the poll of the oldest task that is due (see
`PollPolicy`) — so a slot is never spent on a stale decision. Starts and polls run as their
own asyncio tasks; what their answers mean for the inputs is decided here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterable, AsyncIterator, Hashable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from .._call import Call, Slot
from .._constants import (
    DEFAULT_CACHE_TTL,
    DEFAULT_INITIAL_TASK_LATENCY,
    DEFAULT_MAX_TASKS_IN_FLIGHT,
    DEFAULT_PUSH_TIMEOUT,
    DEFAULT_TASK_TIMEOUT,
)
from ..errors import (
    NotEnoughCreditsError,
    OutcomeUnknownError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    SnovError,
    TaskTimeoutError,
    TransportError,
)
from ..journal.base import Journal
from ..webhooks.events import TaskResult, WebhookEvent
from .job import OUTPUT_BACKLOG, Job
from .ledger import JournalLedger, Ledger
from .policy import LatencyEstimator, PollPolicy
from .spec import BatchSpec, ProgressCallback, TaskRef
from .task import RemoteTask, TaskBoard

if TYPE_CHECKING:
    from .._http import HTTPCore
    from ..webhooks.receiver import WebhookReceiver

__all__ = ["TaskRunner"]

logger = logging.getLogger("snov_async")

I = TypeVar("I")  # noqa: E741 - a prepared input
R = TypeVar("R")  # a result per input

_TRANSIENT = (ServerError, TransportError, RateLimitError, ResponseFormatError)


class TaskRunner:
    """Runs the task operations of one client (see the package docstring).

    Args:
        http: the client's HTTP core (its pacer is the runner's rate budget).
        max_in_flight: tasks started and not yet collected, at most.
        task_timeout: seconds after its start at which a task is given up.
        initial_latency: the first guess of a task's latency, in seconds, before any is seen.
        webhook: a `WebhookReceiver`; batch starts then carry its URL as ``webhook_url`` and
            their results are taken from the push instead of polled.
        push_timeout: seconds to wait for a push before falling back to polling.
        journal: where paid work is recorded (intent, task hash, result) so that a rerun
            resumes instead of paying again.
        cache_ttl: answers in the journal younger than this (seconds) are reused; 0 turns the
            cache off.
        resend_unknown: send again inputs whose earlier start has an unknown outcome (they may
            be charged twice); by default they are answered with `OutcomeUnknownError`.
    """

    def __init__(
        self,
        http: HTTPCore,
        *,
        max_in_flight: int = DEFAULT_MAX_TASKS_IN_FLIGHT,
        task_timeout: float = DEFAULT_TASK_TIMEOUT,
        initial_latency: float = DEFAULT_INITIAL_TASK_LATENCY,
        webhook: WebhookReceiver | None = None,
        push_timeout: float = DEFAULT_PUSH_TIMEOUT,
        journal: Journal | None = None,
        cache_ttl: float = DEFAULT_CACHE_TTL,
        resend_unknown: bool = False,
    ) -> None:
        self._http = http
        self.ledger: Ledger = (
            Ledger()
            if journal is None
            else JournalLedger(journal, cache_ttl=cache_ttl, resend_unknown=resend_unknown)
        )
        #: Tasks resumed from the journal.
        self.resumed = 0
        self.webhook = webhook
        self.push_timeout = push_timeout
        #: Results that arrived by push rather than by polling.
        self.pushed = 0
        if webhook is not None:
            webhook.on(self._on_push, TaskResult)
        self.max_in_flight = max_in_flight
        self.task_timeout = task_timeout
        self.policy = PollPolicy(initial_latency, self._interval)
        self._jobs: list[Job[Any, Any]] = []
        self._tasks = TaskBoard(self.policy)
        self._starting = 0
        self._requests: set[asyncio.Task[None]] = set()
        self._scheduler: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._credits_error: NotEnoughCreditsError | None = None
        self._turn = 0
        #: Tasks started for calls that were cancelled, with their inputs, to resume later.
        self.unfinished: list[TaskRef] = []

    def __repr__(self) -> str:
        return (
            f"<TaskRunner jobs={len(self._jobs)} tasks={len(self._tasks)}"
            f" starting={self._starting}>"
        )

    @property
    def journal(self) -> Journal | None:
        return self.ledger.journal

    @property
    def cached(self) -> int:
        """Inputs answered from the journal's cache."""
        return self.ledger.cached

    @property
    def initial_latency(self) -> float:
        return self.policy.initial_latency

    def estimator(self, spec: BatchSpec[Any, Any]) -> LatencyEstimator:
        return self.policy.estimator(spec.name)

    # JobHost -----------------------------------------------------------------------------

    def poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    @property
    def requests_sent(self) -> int:
        return self._http.stats.requests

    def resume(self, job: Job[Any, Any], key: Hashable, item: Any, task_hash: str) -> None:
        """Poll a task an earlier run started (its hash came from the journal)."""
        task, slot = self._tasks.resume_slot(job, task_hash)
        if task is not None:
            task.keys.append(key)
            task.items.append(item)
            return
        now = asyncio.get_running_loop().time()
        self.resumed += 1
        self._tasks.add(
            RemoteTask(
                job=job,
                task_hash=task_hash,
                keys=[key],
                items=[item],
                started=now,
                deadline=now + self.task_timeout,
                next_poll=now,
                resumed=True,
                slot=slot,
            )
        )
        self.poke()

    # Public ------------------------------------------------------------------------------

    async def run(
        self,
        spec: BatchSpec[I, R],
        inputs: Iterable[Any] | AsyncIterable[Any],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[R]:
        """All results, in input order (one per input)."""
        indexed: dict[int, R] = {}
        async for result in self.iterate(spec, inputs, progress=progress):
            indexed[getattr(result, "index")] = result  # noqa: B009
        return [indexed[i] for i in range(len(indexed))]

    async def iterate(
        self,
        spec: BatchSpec[I, R],
        inputs: Iterable[Any] | AsyncIterable[Any],
        *,
        progress: ProgressCallback | None = None,
    ) -> AsyncIterator[R]:
        """Results as they complete (each carries its input's ``index``)."""
        if isinstance(inputs, (str, bytes)):
            raise TypeError("pass a list or iterable of inputs, not a single string")
        job: Job[I, R] = Job(self, self.ledger, spec, progress)
        self._jobs.append(job)
        job.feeder = asyncio.get_running_loop().create_task(job.feed(inputs))
        self._ensure_scheduler()
        try:
            while True:
                while job.output:
                    result = job.output.popleft()
                    if len(job.output) <= OUTPUT_BACKLOG:
                        job.room.set()
                    yield result
                if job.feed_error is not None:
                    raise job.feed_error
                if job.finished:
                    await self.flush()
                    return
                job.output_ready.clear()
                if job.output or job.finished or job.feed_error is not None:
                    continue
                await job.output_ready.wait()
        finally:
            self._abandon(job)

    async def flush(self) -> None:
        """Wait for the journal writes under way."""
        await self.ledger.flush()

    # Scheduling --------------------------------------------------------------------------

    def _ensure_scheduler(self) -> None:
        if self._wake is None:
            self._wake = asyncio.Event()
        if self._scheduler is None or self._scheduler.done():
            self._scheduler = asyncio.get_running_loop().create_task(self._schedule())
        self.poke()

    def _interval(self) -> float:
        return float(getattr(self._http.pacer, "interval", 0.0))

    def _pick(self, now: float) -> tuple[tuple[str, Any] | None, float | None]:
        """The most useful request to send now, or when to look again."""
        if self._credits_error is not None:
            self._refuse_ready_batches()
        capacity = len(self._tasks) + self._starting < self.max_in_flight
        waiting = any(job.ready for job in self._jobs)
        if capacity and self._credits_error is None and self._jobs:
            n = len(self._jobs)
            for offset in range(n):
                job = self._jobs[(self._turn + offset) % n]
                if job.ready:
                    self._turn = (self._turn + offset + 1) % n
                    return ("start", job), None
        best, wake = self._tasks.due(now, blocked=waiting and not capacity)
        if best is not None:
            return ("poll", best), None
        return None, wake

    async def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._wake is not None
        try:
            while self._jobs or self._requests:
                action, wake = self._pick(loop.time())
                if action is None:
                    self._wake.clear()
                    timeout = None if wake is None else max(0.0, wake - loop.time())
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), timeout)
                    continue
                # Take the slot first, then decide with fresh state what to spend it on.
                await self._http.pacer.acquire()
                slot = Slot()
                action, _ = self._pick(loop.time())
                if action is None:
                    continue
                kind, target = action
                if kind == "start":
                    batch = target.take_batch()
                    if batch is not None:
                        self._spawn(self._start(target, batch, slot))
                else:
                    target.polling = True
                    self._spawn(self._poll(target, slot))
        finally:
            self._scheduler = None

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._requests.add(task)
        task.add_done_callback(self._request_done)

    def _request_done(self, task: asyncio.Task[None]) -> None:
        self._requests.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("task runner request failed", exc_info=task.exception())
        self.poke()

    async def _send(self, call: Call, slot: Slot) -> Any:
        return await self._http.send(call, slot=slot)

    # Starting ----------------------------------------------------------------------------

    async def _start(self, job: Job[I, R], keys: list[Hashable], slot: Slot) -> None:
        try:
            await self._start_batch(job, keys, slot)
        except Exception as exc:  # a bug or a broken journal must not leave inputs unanswered
            logger.exception("starting a batch failed")
            left = [k for k in keys if k in job.pending]
            self._fail(job, left, SnovError(f"internal error while starting: {exc!r}"), None)

    async def _start_batch(self, job: Job[I, R], keys: list[Hashable], slot: Slot) -> None:
        items = [job.item(k) for k in keys]
        self._starting += 1
        loop = asyncio.get_running_loop()
        push = self.webhook is not None and job.spec.supports_webhook
        webhook_url = self.webhook.url if push and self.webhook is not None else None
        op = job.spec.name
        try:
            await self.ledger.intent(op, keys)  # durable before anything is sent
            payload = await self._send(job.spec.start_call(items, webhook_url), slot)
            task_hash = job.spec.task_hash(payload)
        except NotEnoughCreditsError as err:
            self._credits_error = err
            await self.ledger.forget(op, keys)
            self._fail(job, keys, err, None)
            return
        except OutcomeUnknownError as err:
            self._fail(job, keys, err, None)  # the intent rows stay: a rerun will not resend
            return
        except SnovError as err:
            if not isinstance(err, ResponseFormatError):
                await self.ledger.forget(op, keys)  # refused: nothing was started
            self._fail(job, keys, err, None)
            return
        finally:
            self._starting -= 1
        await self.ledger.started(op, keys, task_hash)
        now = loop.time()
        task = RemoteTask(
            job=job,
            task_hash=task_hash,
            keys=keys,
            items=items,
            started=now,
            deadline=now + self.task_timeout,
        )
        if job.abandoned:
            self.unfinished.append(TaskRef(job.spec.name, task_hash, tuple(items)))
            return
        self._tasks.add(task)
        if push and self.webhook is not None:
            task.push_until = now + self.push_timeout
            early = self.webhook.pushed(task_hash)  # it may have arrived before the answer
            if early is not None:
                self._take_push(task, early)

    # Polling -----------------------------------------------------------------------------

    async def _poll(self, task: RemoteTask, slot: Slot) -> None:
        try:
            await self._poll_task(task, slot)
        except Exception as exc:  # never leave a task's inputs unanswered
            logger.exception("polling task %s failed", task.task_hash)
            task.polling = False
            if task in self._tasks:
                err = SnovError(f"internal error while polling: {exc!r}")
                self._finish(task, None, err)

    async def _poll_task(self, task: RemoteTask, slot: Slot) -> None:
        spec = task.job.spec
        loop = asyncio.get_running_loop()
        due_age = self.policy.due_age(task, loop.time())
        task.polls += 1
        try:
            payload = await self._send(spec.result_call(task.task_hash), slot)
            status = spec.status(payload)
        except _TRANSIENT as err:
            # Already retried by the HTTP core; keep the task and look again later.
            task.last_error = err
            now = loop.time()
            if now >= task.deadline:
                self._time_out(task, now)
            else:
                self.policy.after_failure(task, now)
            return
        except SnovError as err:
            self._finish(task, None, err)
            return
        finally:
            task.polling = False
        now = loop.time()
        age = now - task.started
        task.last_poll_age = age
        task.push_until = None  # polled once: the push was late, poll from now on
        self._outcome(task, payload, status, age, due_age)

    def _outcome(
        self, task: RemoteTask, payload: Any, status: str, age: float, due_age: float
    ) -> None:
        """What a result answer (polled or pushed) means for ``task``."""
        spec = task.job.spec
        now = task.started + age
        if status == "completed":
            self.policy.completed(task, age, due_age)
            try:
                per_item = spec.split(payload, task.items)
            except SnovError as err:
                self._finish(task, None, err)
                return
            self._finish(task, per_item, None)
        elif status == "not_enough_credits":
            call = spec.result_call(task.task_hash)
            out_of_credits = NotEnoughCreditsError(
                "the account ran out of credits before this task could be answered",
                method=call.method,
                path=call.path,
            )
            self._credits_error = self._credits_error or out_of_credits
            self._finish(task, None, out_of_credits)
        else:
            self.policy.in_progress(task, age)
            if now >= task.deadline:
                self._time_out(task, now)

    def _on_push(self, event: WebhookEvent) -> None:
        """A task result arrived on the webhook receiver."""
        if not isinstance(event, TaskResult) or self.webhook is None:
            return
        task = self._tasks.get(event.task_hash)
        if task is None or task.polling:
            return  # not ours (yet): `_start` picks it up from the receiver
        self.webhook.pushed(event.task_hash)
        self._take_push(task, event)

    def _take_push(self, task: RemoteTask, event: TaskResult) -> None:
        age = asyncio.get_running_loop().time() - task.started
        self.pushed += 1
        status = event.status  # the receiver read it (a push without one means "completed")
        # A push says exactly when the task completed.
        self._outcome(task, event.payload, status, age, due_age=age)
        if task in self._tasks:
            task.push_until = None
        self.poke()

    # Outcomes ----------------------------------------------------------------------------

    def _finish(
        self, task: RemoteTask, per_item: list[Any] | None, error: SnovError | None
    ) -> None:
        self._tasks.remove(task)
        job = task.job
        op = job.spec.name
        if per_item is not None:
            self.ledger.answered(
                op, [(k, d) for k, d in zip(task.keys, per_item, strict=True) if d is not None]
            )
        elif isinstance(error, NotEnoughCreditsError):
            # Not answered, not charged: a later run may start these again.
            self.ledger.unanswered(op, task.keys)
        for n, key in enumerate(task.keys):
            data = per_item[n] if per_item is not None else None
            err = error
            if err is None and data is None:
                err = ResponseFormatError(
                    "the completed task says nothing about this input",
                    method="GET",
                    path=job.spec.result_call(task.task_hash).path,
                )
            job.answer(key, data, err, task.task_hash)
        self.poke()

    def _time_out(self, task: RemoteTask, now: float) -> None:
        age = now - task.started
        err = TaskTimeoutError(
            f"task {task.task_hash} was still in progress after {age:.1f}s"
            + (f" (last error: {task.last_error.message})" if task.last_error else "")
        )
        err.task_hash = task.task_hash
        self._finish(task, None, err)

    def _fail(
        self, job: Job[Any, Any], keys: list[Hashable], error: SnovError, task_hash: str | None
    ) -> None:
        for key in keys:
            job.answer(key, None, error, task_hash)
        self.poke()

    def _refuse_ready_batches(self) -> None:
        assert self._credits_error is not None
        for job in self._jobs:
            while (batch := job.take_batch()) is not None:
                self._fail(job, batch, self._credits_error, None)

    # Ending ------------------------------------------------------------------------------

    def _abandon(self, job: Job[Any, Any]) -> None:
        """The caller stopped listening (finished, broke out, or was cancelled)."""
        job.abandoned = True
        job.room.set()
        if job.feeder is not None and not job.feeder.done():
            job.feeder.cancel()
        if job in self._jobs:
            self._jobs.remove(job)
        for task in [t for t in self._tasks if t.job is job]:
            self._tasks.remove(task)
            self.unfinished.append(TaskRef(job.spec.name, task.task_hash, tuple(task.items)))
        self.poke()

    async def aclose(self) -> None:
        """Stop scheduling and cancel requests under way (the client is closing)."""
        for job in list(self._jobs):
            self._abandon(job)
        for task in list(self._requests):
            task.cancel()
        for task in list(self._requests):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._scheduler is not None:
            self._scheduler.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._scheduler
        await self.ledger.close()
