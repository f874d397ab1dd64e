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
    AuthenticationError,
    ClientStateError,
    NotEnoughCreditsError,
    OutcomeUnknownError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    ServiceFailingError,
    SnovError,
    TaskTimeoutError,
    TransportError,
)
from ..webhooks.events import TaskResult, WebhookEvent
from .gate import StartBreaker
from .job import Job
from .policy import PollPolicy, in_flight_target
from .spec import TaskRef
from .task import RemoteTask, TaskBoard

if TYPE_CHECKING:
    from .._http import HTTPCore
    from ..webhooks.receiver import WebhookReceiver

__all__ = ["Scheduler"]

logger = logging.getLogger("snov_async")

I = TypeVar("I")  # noqa: E741 - a prepared input
R = TypeVar("R")  # a result per input

_TRANSIENT = (ServerError, TransportError, RateLimitError, ResponseFormatError)
#: Decisions the scheduler takes in a row before it lets the rest of the loop run.
YIELD_EVERY = 32
#: Starts in a row refused for authentication (after a fresh token) that stop all starts.
AUTH_FAILURES_TO_STOP = 2
BALANCE_PATH = "/v1/get-balance"


class Scheduler:
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
        if self._wake is None:
            self._wake = asyncio.Event()
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.get_running_loop().create_task(self._schedule())
        self.poke()

    def abandon(self, job: Job[Any, Any]) -> None:
        """The caller stopped listening (finished, broke out, or was cancelled)."""
        job.stop()
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

    def _pick(self, now: float) -> tuple[tuple[str, Any] | None, float | None]:
        """The most useful request to send now, or when to look again."""
        capacity = len(self.tasks) + self._starting < self.in_flight_cap(now)
        ready = self._next_ready_job()
        waiting = ready is not None
        self.blocked = waiting and not capacity
        wake: float | None = None
        # While a token is fetched, or a call replays after a 401, the credentials are being
        # put to the test: start no paid work on them until that is settled.
        unsettled = bool(self._http.replaying) or self._http.tokens.fetching
        if not self._proven and self._starting:
            pass  # the first start is on the wire: its answer pokes the scheduler
        elif capacity and waiting and unsettled:
            wake = now + max(self._interval(), 0.01)
        elif capacity and ready is not None:
            if self.breaker.allows(now):
                self._ready_jobs.rotate(-1)  # the next start goes to the next job
                return ("start", ready), None
            wake = self.breaker.resumes_at()
        best, due = self.tasks.due(now, blocked=self.blocked)
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

    # Starting ----------------------------------------------------------------------------

    async def _start(self, job: Job[I, R], keys: list[Hashable], slot: Slot) -> None:
        try:
            await self._start_batch(job, keys, slot)
        except Exception as exc:  # a bug must not leave inputs unanswered
            logger.exception("starting a batch failed")
            left = [k for k in keys if k in job.pending]
            self._fail(job, left, SnovError(f"internal error while starting: {exc!r}"), None)
        finally:
            self._starting -= 1

    async def _start_batch(self, job: Job[I, R], keys: list[Hashable], slot: Slot) -> None:
        items = [job.item(k) for k in keys]
        loop = asyncio.get_running_loop()
        push = self.webhook is not None and job.spec.supports_webhook
        webhook_url = self.webhook.url if push and self.webhook is not None else None
        op = job.spec.name
        ledger = job.ledger
        try:
            await ledger.intent(job.owner, op, keys)  # durable before anything is sent
        except Exception as exc:
            err = exc if isinstance(exc, SnovError) else None
            self._fail(job, keys, err or SnovError(f"the journal failed: {exc!r}"), None)
            return
        probe = self.breaker.sending()
        try:
            payload = await self._send(job.spec.start_call(items, webhook_url), slot)
            task_hash = job.spec.task_hash(payload)
        except asyncio.CancelledError:
            # Closing cut this start off on the wire: it may have been started (and charged).
            self.unfinished.append(TaskRef(op, None, tuple(items)))
            raise
        except SnovError as err:
            await self._refused(job, keys, err, probe, loop.time())
            return
        self.breaker.answered()
        self._proven = True
        self._auth_failures = 0
        await ledger.started(op, keys, task_hash)
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
            self.unfinished.append(TaskRef(op, task_hash, tuple(items)))
            return
        if push and self.webhook is not None:
            task.push_until = now + self.push_timeout
        self.tasks.add(task)
        if push and self.webhook is not None:
            early = self.webhook.pushed(task_hash)  # it may have arrived before the answer
            if early is not None:
                self._take_push(task, early)

    async def _refused(
        self, job: Job[Any, Any], keys: list[Hashable], err: SnovError, probe: bool, now: float
    ) -> None:
        """A start did not give a task: what that means for the batch and the others."""
        unknown = isinstance(err, (OutcomeUnknownError, ResponseFormatError))
        if unknown:
            # It may have been started: the intent rows stay, so a rerun will not resend.
            if self.breaker.unknown(now, probe):
                self.halt_all(
                    ServiceFailingError(
                        f"not started: {self.breaker.failures} starts in a row ended with an "
                        f"unknown outcome, and a probe after {self.breaker.cool_down:g}s too "
                        f"(last: {err.message})",
                        method=err.method,
                        path=err.path,
                    )
                )
        else:
            self.breaker.answered()
            await job.ledger.forget(job.spec.name, keys)  # refused: nothing was started
        self._fail(job, keys, err, None)
        if isinstance(err, NotEnoughCreditsError):
            self._out_of_credits(job, err)
        elif isinstance(err, AuthenticationError):
            # The HTTP core already fetched a new token and replayed once. Twice in a row
            # (never a stray revocation) the credentials are taken as refused.
            self._proven = False
            self._auth_failures += 1
            if self._auth_failures >= AUTH_FAILURES_TO_STOP:
                self.halt_all(err)
        elif isinstance(err, RateLimitError) and self._long_hold(err):
            self.halt_all(err)

    def _check_cool_down(self, now: float) -> None:
        """The server asked for a pause longer than any retry waits (Retry-After beyond
        ``retry.max_retry_after``): nothing is started meanwhile, and tasks whose deadline
        comes before the pause ends are answered with the `RateLimitError` now."""
        cooling_for = getattr(self._http.pacer, "cooling_for", None)
        remaining = float(cooling_for()) if callable(cooling_for) else 0.0
        if remaining <= self._http.retry.max_retry_after:
            return
        err = RateLimitError(
            f"the server asked to wait {remaining:.0f}s (Retry-After), longer than "
            f"retry.max_retry_after={self._http.retry.max_retry_after:g}s",
            status=429,
        )
        err.retry_after = remaining
        self.halt_all(err)
        for task in self.tasks:
            if not task.polling and task.deadline < now + remaining:
                self._give_up(task, err)

    def _long_hold(self, err: RateLimitError) -> bool:
        return err.retry_after is not None and err.retry_after > self._http.retry.max_retry_after

    def _out_of_credits(self, job: Job[Any, Any], err: NotEnoughCreditsError) -> None:
        """Pause the job and check the balance once; go on only if it shows credits."""
        if job.halted is not None or job.paused:
            return
        if job.credits_rechecked:
            job.halt(err)
            self.poke()
            return
        job.paused = True
        self._spawn(self._recheck_credits(job, err))

    async def _recheck_credits(self, job: Job[Any, Any], err: NotEnoughCreditsError) -> None:
        balance = 0.0
        try:
            payload = await self._http.send(Call("GET", BALANCE_PATH))
            balance = float(payload.get("balance", 0)) if isinstance(payload, dict) else 0.0
        except (SnovError, TypeError, ValueError) as exc:
            logger.debug("balance check after not_enough_credits failed: %s", exc)
        finally:
            job.paused = False
            job.credits_rechecked = True
            if job.ready:
                self.ready(job)
        if math.isfinite(balance) and balance > 0:
            logger.info("the balance shows %g credits: going on with %s", balance, job.spec.name)
        else:
            job.halt(err)
        self.poke()

    # Polling -----------------------------------------------------------------------------

    async def _poll(self, task: RemoteTask, slot: Slot) -> None:
        try:
            await self._poll_task(task, slot)
        except Exception as exc:  # never leave a task's inputs unanswered
            logger.exception("polling task %s failed", task.task_hash)
            task.polling = False
            if task in self.tasks:
                err = SnovError(f"internal error while polling: {exc!r}")
                self._finish(task, None, err)
        else:
            self.tasks.file(task)  # still in flight: back on the board at its next due

    async def _poll_task(self, task: RemoteTask, slot: Slot) -> None:
        spec = task.job.spec
        loop = asyncio.get_running_loop()
        due_age = self.policy.due_age(task, loop.time(), blocked=self.blocked)
        task.polls += 1
        try:
            payload = await self._send(spec.result_call(task.task_hash), slot)
            status = spec.status(payload)
        except _TRANSIENT as err:
            # Already retried by the HTTP core; keep the task and look again later.
            task.last_error = err
            now = loop.time()
            hint = err.retry_after if isinstance(err, RateLimitError) else None
            if hint is not None and now + hint > task.deadline:
                self._give_up(task, err)
            elif now >= task.deadline:
                self._time_out(task, now)
            elif hint is not None:
                task.next_poll = now + hint  # the pacer cools down for as long too
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
            if task.discover:
                self._adopt(task, payload)
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
            self._finish(task, None, out_of_credits)
            self._out_of_credits(task.job, out_of_credits)
        else:
            self.policy.in_progress(
                task, age, blocked=self.blocked, peers=self.tasks.count(task.operation)
            )
            if now >= task.deadline:
                self._time_out(task, now)

    def _adopt(self, task: RemoteTask, payload: Any) -> None:
        """A collected task answered: its inputs are the ones its answer names."""
        task.discover = False
        job = task.job
        try:
            named = job.spec.echoed(payload)
        except SnovError as err:
            job.feed_error, named = err, []
        for raw in named:
            adopted = job.adopt(raw)
            if adopted is not None:
                task.keys.append(adopted[0])
                task.items.append(adopted[1])
        job.expecting -= 1
        job.output_ready.set()

    def _on_push(self, event: WebhookEvent) -> None:
        """A task result arrived on the webhook receiver."""
        if not isinstance(event, TaskResult) or self.webhook is None:
            return
        task = self.tasks.get(event.task_hash)
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
        if task in self.tasks:
            task.push_until = None
            self.tasks.file(task)
        self.poke()

    # Outcomes ----------------------------------------------------------------------------

    def _finish(
        self, task: RemoteTask, per_item: list[Any] | None, error: SnovError | None
    ) -> None:
        self.tasks.remove(task)
        job = task.job
        op = job.spec.name
        if task.discover:  # collected without inputs, and it failed: tell the caller
            task.discover = False
            job.expecting -= 1
            job.feed_error = error or ResponseFormatError("the task answered nothing")
            job.output_ready.set()
        if per_item is not None:
            job.ledger.answered(
                op,
                [
                    (k, d)
                    for k, d in zip(task.keys, per_item, strict=True)
                    if d is not None and not isinstance(d, SnovError)
                ],
            )
        elif isinstance(error, NotEnoughCreditsError):
            # Not answered, not charged: a later run may start these again.
            job.ledger.unanswered(op, task.keys)
        for n, key in enumerate(task.keys):
            data = per_item[n] if per_item is not None else None
            err = error
            if isinstance(data, SnovError):  # the answer had nothing that is surely its own
                err, data = data, None
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

    def _give_up(self, task: RemoteTask, err: SnovError) -> None:
        """Answer a started task's inputs with ``err``; list it to be collected later."""
        self.unfinished.append(TaskRef(task.operation, task.task_hash, tuple(task.items)))
        self._finish(task, None, err)

    def _fail(
        self, job: Job[Any, Any], keys: list[Hashable], error: SnovError, task_hash: str | None
    ) -> None:
        for key in keys:
            job.answer(key, None, error, task_hash)
        self.poke()

    def _fail_all(self, error: SnovError) -> None:
        """Answer everything waiting on this scheduler with ``error``."""
        self.halt_all(error)
        for task in self.tasks:
            if not task.polling:
                self._give_up(task, error)

    # Ending ------------------------------------------------------------------------------

    async def close(self, grace: float) -> None:
        """Stop: abandon every job, give starts on the wire ``grace`` seconds to answer (their
        hashes go to ``unfinished``), cut off the rest (listed as unknown outcomes)."""
        for job in list(self.jobs):
            # Its caller may still be waiting for results: wake it with the reason.
            if job.feed_error is None:
                job.feed_error = ClientStateError(
                    "the client was closed while this call was running; its started tasks "
                    "are in runner.unfinished"
                )
            job.output_ready.set()
            self.abandon(job)
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
        if self._loop_task is not None:
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
