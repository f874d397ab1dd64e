"""The scheduler: one per client, it decides what every pacer slot is spent on.

It takes a pacer slot first and only then picks a request to send with it — the start of a
ready batch (while under ``max_in_flight`` and while the `StartBreaker` allows) or the poll of
the oldest task that is due (see `PollPolicy`) — so a slot is never spent on a stale decision.
Starts and polls run as their own asyncio tasks; what their answers mean for the inputs is
decided here too.

What stops starts, and for whom:

* **out of credits** — the job that met it pauses, checks the balance once (a free call), and
  goes on only if the balance shows credits; otherwise its remaining inputs get the
  `NotEnoughCreditsError` unsent. Other and later jobs are not affected;
* **authentication** that a token refresh did not fix, on two starts in a row — every current
  job stops starting (the rest get the `AuthenticationError`, unsent);
* **unknown outcomes** — see `StartBreaker`; a failed probe stops every current job with
  `ServiceFailingError`;
* **a Retry-After longer than the client's maximum** — the pacer cools down for the hinted
  time; current jobs start nothing more (their inputs get the `RateLimitError`, unsent), and
  tasks are polled after the hint if their deadline allows it, else answered with it;
* **an error in the scheduler or a backend** (a Redis pacer that is down) — every current job
  and task is answered with that error instead of waiting forever.

Nothing started is dropped silently: a task whose caller went away is listed in
``unfinished``; closing waits ``grace`` seconds for starts on the wire, and lists those it cuts
off as unknown outcomes.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import math
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from .._call import Call, Slot
from ..errors import (
    ClientStateError,
    SnovError,
)
from ..webhooks.events import TaskResult
from .gate import StartBreaker
from .job import Job
from .loops import here, running_here
from .policy import PollPolicy, in_flight_target
from .polling import Polling
from .slicing import TimeSlice
from .spec import TaskRef
from .starting import Starting
from .task import RemoteTask, TaskBoard

if TYPE_CHECKING:
    from .._http import HTTPCore
    from ..webhooks.receiver import WebhookReceiver

__all__ = ["Scheduler"]

logger = logging.getLogger("snov_async")

I = TypeVar("I")  # noqa: E741 - a prepared input
R = TypeVar("R")  # a result per input

#: Decisions the scheduler takes in a row before it lets the rest of the loop run.
YIELD_EVERY = 32
#: Requests of the runner on the wire at once, at most. At the account's pace this never
#: binds (60/min with answers under 30 s); unpaced, it keeps the answers that arrive together,
#: and so the work of one loop iteration, bounded (the application's loop lag stays low).
MAX_REQUESTS_ON_THE_WIRE = 32


class Scheduler(Starting, Polling):
    """Starts and polls the tasks of every job of one client (see the module docstring)."""

    def __init__(
        self,
        http: HTTPCore,
        policy: PollPolicy,
        *,
        max_in_flight: int | None,
        memory_cap: int,
        task_timeout: float,
        breaker: StartBreaker,
        webhook: WebhookReceiver | None,
        push_timeout: float,
    ) -> None:
        self._http = http
        self.policy = policy
        self.breaker = breaker
        #: A fixed bound on tasks in flight; ``None``: follow Little's law up to ``memory_cap``.
        self.max_in_flight = max_in_flight
        self.memory_cap = memory_cap
        self.task_timeout = task_timeout
        self.webhook = webhook
        self.push_timeout = push_timeout
        self.jobs: list[Job[Any, Any]] = []
        self.tasks = TaskBoard(policy)
        #: Tasks started for calls that went away, and starts cut off with an unknown outcome.
        self.unfinished: list[TaskRef] = []
        #: Tasks resumed from a hash (journal or `collect`), and results that came by push.
        self.resumed = 0
        self.pushed = 0
        self._starting = 0
        self._requests: set[asyncio.Task[None]] = set()
        self._starts: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        #: Jobs with a batch ready to start, in turn.
        self._ready_jobs: collections.deque[Job[Any, Any]] = collections.deque()
        #: Whether batches wait for slots (polls then go late, to waste none).
        self.blocked = False
        #: Whether a start got an answer with the current credentials: until one has, at most
        #: one start is on the wire (a wave of starts on revoked credentials helps nobody).
        self._proven = False
        self._auth_failures = 0
        #: Input reading of every job shares one time slice per loop iteration.
        self.slice = TimeSlice()
        #: Set by `close`: a call still waiting for its turn to begin must not begin.
        self.closed = False
        if webhook is not None:
            webhook.on(self._on_push, TaskResult)

    def __repr__(self) -> str:
        return (
            f"<Scheduler jobs={len(self.jobs)} tasks={len(self.tasks)}"
            f" starting={self._starting} {self.breaker!r}>"
        )

    @property
    def idle(self) -> bool:
        """No request under way and no task being polled."""
        return not self._requests and not self.tasks

    # JobHost -----------------------------------------------------------------------------

    def poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def ready(self, job: Job[Any, Any]) -> None:
        if not job.queued and not job.abandoned:
            job.queued = True
            self._ready_jobs.append(job)
        self.poke()

    @property
    def requests_sent(self) -> int:
        return self._http.stats.requests

    def resume(self, job: Job[Any, Any], key: Hashable, item: Any, task_hash: str) -> None:
        """Poll a task started earlier (its hash came from the journal or the caller)."""
        task, slot = self.tasks.resume_slot(job, task_hash)
        if task is not None:
            task.keys.append(key)
            task.items.append(item)
            return
        self._track(job, task_hash, slot, [key], [item])

    def discover(self, job: Job[Any, Any], task_hash: str) -> None:
        """Poll a task started earlier whose inputs are read from its completed answer."""
        job.expecting += 1
        _, slot = self.tasks.resume_slot(job, task_hash)
        self._track(job, task_hash, slot, [], []).discover = True

    def _track(
        self, job: Job[Any, Any], task_hash: str, slot: str, keys: list[Hashable], items: list[Any]
    ) -> RemoteTask:
        now = asyncio.get_running_loop().time()
        self.resumed += 1
        task = RemoteTask(
            job=job,
            task_hash=task_hash,
            keys=keys,
            items=items,
            started=now,
            deadline=now + self.task_timeout,
            next_poll=now,
            resumed=True,
            slot=slot,
        )
        self.tasks.add(task)
        self.poke()
        return task

    # Jobs --------------------------------------------------------------------------------

    def add(self, job: Job[Any, Any]) -> None:
        self.jobs.append(job)
        if not running_here(self._loop_task):
            # A new scheduling task; on a new event loop (the client reused after an
            # ``asyncio.run`` ended) a new wake-up event too: the old one is bound to the
            # old loop.
            if self._wake is None or self._loop_task is None or not here(self._loop_task):
                self._wake = asyncio.Event()
            self._loop_task = asyncio.get_running_loop().create_task(self._schedule())
        self.poke()

    def abandon(self, job: Job[Any, Any]) -> None:
        """The caller stopped listening (finished, broke out, or was cancelled)."""
        job.stop()
        if not job.starting:  # else when its last start answered (`Starting._start`)
            job.ledger.end(job)
        if job in self.jobs:
            self.jobs.remove(job)
        for task in list(job.live_tasks):
            self.tasks.remove(task)
            self.unfinished.append(TaskRef(job.spec.name, task.task_hash, tuple(task.items)))
        self.poke()

    def halt_all(self, error: SnovError) -> None:
        """Every current job starts nothing more; their unstarted inputs get ``error``."""
        for job in self.jobs:
            job.halt(error)
            if job.ready:
                self._refuse(job)
        self.poke()

    # Scheduling --------------------------------------------------------------------------

    def _interval(self) -> float:
        return float(getattr(self._http.pacer, "interval", 0.0))

    def _refuse(self, job: Job[Any, Any]) -> None:
        """A halted job's ready batches are answered with its error, unsent."""
        assert job.halted is not None
        while (batch := job.take_batch()) is not None:
            job.ledger.release(job.owner, job.spec.name, batch)
            self._fail(job, batch, job.halted, None)

    def _next_ready_job(self) -> Job[Any, Any] | None:
        """The job whose turn it is to start a batch (round robin, paused jobs skipped);
        halted jobs' batches are refused on the way."""
        queue = self._ready_jobs
        for _ in range(len(queue)):
            job = queue[0]
            if job.halted is not None and job.ready:
                self._refuse(job)
            if not job.ready or job.abandoned:
                queue.popleft()
                job.queued = False
            elif job.paused:
                queue.rotate(-1)
            else:
                return job
        return None

    def in_flight_cap(self, now: float) -> int:
        """How many tasks may be in flight now: the fixed bound if one was set, else what
        the rate keeps busy for the slowest operation's latency (Little's law), at most
        ``memory_cap``."""
        if self.max_in_flight is not None:
            return self.max_in_flight
        latency = max((est.late() for est in self.policy.estimators()), default=0.0)
        if self.tasks and not all(est.confident for est in self.policy.estimators()):
            latency = max(latency, now - self.tasks.busy_since)  # nothing known: at least
        interval = self._interval()
        rate = 1.0 / interval if interval > 0 else math.inf
        return min(self.memory_cap, in_flight_target(rate, latency))

    def _probe_first(self, task: RemoteTask) -> bool:
        """Whether ``task``'s poll goes before any start. Until its operation has a first
        completion, the in-flight cap cannot bound starts (nothing says how long tasks
        take); once more tasks are in flight than the first latency guess justifies, the
        probe is polled before another start: a caller who stops at the first result has
        not paid for every batch (3,000 inputs at 60/min used to start all 300 first)."""
        estimator = self.policy.estimator(task.operation)
        if estimator.confident:
            return False
        interval = self._interval()
        rate = 1.0 / interval if interval > 0 else math.inf
        guessed = in_flight_target(rate, estimator.late())
        return self.tasks.count(task.operation) >= guessed

    def _pick(self, now: float) -> tuple[tuple[str, Any] | None, float | None]:
        """The most useful request to send now, or when to look again."""
        if len(self._requests) >= MAX_REQUESTS_ON_THE_WIRE:
            return None, None  # the next answer pokes the scheduler
        capacity = len(self.tasks) + self._starting < self.in_flight_cap(now)
        ready = self._next_ready_job()
        waiting = ready is not None
        self.blocked = waiting and not capacity
        wake: float | None = None
        # While a token is fetched, or a call replays after a 401, the credentials are being
        # put to the test: start no paid work on them until that is settled.
        unsettled = bool(self._http.replaying) or self._http.tokens.fetching
        best, due = self.tasks.due(now, blocked=self.blocked)
        if best is not None and self._probe_first(best):
            return ("poll", best), None
        if not self._proven and self._starting:
            pass  # the first start is on the wire: its answer pokes the scheduler
        elif capacity and waiting and unsettled:
            wake = now + max(self._interval(), 0.01)
        elif capacity and ready is not None:
            if self.breaker.allows(now):
                self._ready_jobs.rotate(-1)  # the next start goes to the next job
                return ("start", ready), None
            wake = self.breaker.resumes_at()
        if best is not None:
            return ("poll", best), None
        if wake is None or (due is not None and due < wake):
            wake = due
        return None, wake

    async def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._wake is not None
        steps = 0
        try:
            while self.jobs or self._requests:
                steps += 1
                if steps % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # an unpaced client must not starve the loop
                try:
                    await self._step(loop)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # a backend (Redis pacer) or a bug: nobody waits forever
                    logger.exception("the task scheduler failed")
                    self._fail_all(
                        exc
                        if isinstance(exc, SnovError)
                        else SnovError(f"internal error in the task scheduler: {exc!r}")
                    )
                    await asyncio.sleep(0)
        finally:
            self._loop_task = None

    async def _step(self, loop: asyncio.AbstractEventLoop) -> None:
        assert self._wake is not None
        self._check_cool_down(loop.time())
        action, wake = self._pick(loop.time())
        if action is None:
            self._wake.clear()
            timeout = None if wake is None else max(0.0, wake - loop.time())
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            return
        # Take the slot first, then decide with fresh state what to spend it on.
        await self._http.pacer.acquire()
        slot = Slot()
        action, _ = self._pick(loop.time())
        if action is None:
            return
        kind, target = action
        if kind == "start":
            batch = target.take_batch()
            if batch is not None:
                self._starting += 1  # counted from now: the next decision must see it
                target.starting += 1
                self._spawn(self._start(target, batch, slot), start=True)
        else:
            self._first_poll_due(target)
            self.tasks.take(target)
            self._spawn(self._poll(target, slot))

    def _first_poll_due(self, task: RemoteTask) -> None:
        """Remember the age a first poll at the learned latency was due at (what the
        estimator learns from it; late or busy-mode polls teach nothing)."""
        task.first_due = None
        if task.polls or task.next_poll is not None or task.push_until is not None:
            return
        if self.blocked or not self.policy.estimator(task.operation).confident:
            return
        task.first_due = self.policy.first_due(task) - task.started

    def _spawn(self, coro: Any, *, start: bool = False) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._requests.add(task)
        if start:
            self._starts.add(task)
        task.add_done_callback(self._request_done)

    def _request_done(self, task: asyncio.Task[None]) -> None:
        self._requests.discard(task)
        self._starts.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("task runner request failed", exc_info=task.exception())
        self.poke()

    async def _send(self, call: Call, slot: Slot) -> Any:
        return await self._http.send(call, slot=slot)

    # Ending ------------------------------------------------------------------------------

    async def close(self, grace: float) -> None:
        """Stop: abandon every job, give starts on the wire ``grace`` seconds to answer (their
        hashes go to ``unfinished``), cut off the rest (listed as unknown outcomes)."""
        self.closed = True
        for job in list(self.jobs):
            # Its caller may still be waiting for results: wake it with the reason.
            if job.feed_error is None:
                job.feed_error = ClientStateError(
                    "the client was closed while this call was running; its started tasks "
                    "are in runner.unfinished"
                )
            job.output_ready.set()
            self.abandon(job)
        # Requests left on an event loop that ended can be neither awaited nor cancelled.
        self._requests = {task for task in self._requests if here(task)}
        self._starts &= self._requests
        for task in self._requests - self._starts:
            task.cancel()
        starts = set(self._starts)
        if starts:
            _, late = await asyncio.wait(starts, timeout=max(0.0, grace))
            for task in late:
                task.cancel()
        for task in list(self._requests):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._loop_task is not None and here(self._loop_task):
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._loop_task
        if self.unfinished:
            unknown = sum(1 for ref in self.unfinished if ref.task_hash is None)
            logger.warning(
                "closing with %d started tasks not collected and %d starts of unknown outcome:"
                " see runner.unfinished (runner.collect() fetches the started ones)",
                len(self.unfinished) - unknown,
                unknown,
            )
