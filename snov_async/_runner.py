"""The TaskRunner: every task-based operation goes through it.

Snov.io's task operations are two calls: a ``.../start`` that takes up to 10 items and answers
a ``task_hash``, and a ``.../result`` that answers ``in_progress`` until the task is done. The
runner turns any number of inputs into batches, starts them and polls them, and hands back one
typed result per input.

How it spends the rate budget:

* **One scheduler per client.** Every bulk call of every resource feeds the same scheduler; it
  takes a pacer slot first and only then decides what to send with it — a start, or the poll
  of the oldest task that is due — so a slot is never spent on a stale decision.
* **Polls at the expected completion.** Each operation has a `LatencyEstimator` that learns,
  online, how long its tasks take (a quantile of what it saw, not a mean); a task is polled no
  earlier than that, and tasks still in progress push the estimate up for everyone.
* **Bounded.** At most ``max_in_flight`` tasks are started and not yet collected; inputs are
  read lazily, so an iterator of any length runs in bounded memory.
* **Every input ends with a result or an error object.** Invalid inputs get a
  `ValidationError` without being sent; duplicates are sent once and fanned back; a failed
  batch marks only its items; ``not_enough_credits`` stops new starts; a start whose outcome is
  unknown is reported (`OutcomeUnknownError`), never resent; a task past its deadline gets
  `TaskTimeoutError` carrying its hash.
"""

from __future__ import annotations

import abc
import asyncio
import collections
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from ._constants import (
    DEFAULT_CACHE_TTL,
    DEFAULT_INITIAL_TASK_LATENCY,
    DEFAULT_MAX_TASKS_IN_FLIGHT,
    DEFAULT_PUSH_TIMEOUT,
    DEFAULT_TASK_TIMEOUT,
)
from ._retry import CallKind
from ._sansio import read_task_hash
from .errors import (
    NotEnoughCreditsError,
    OutcomeUnknownError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    SnovError,
    TaskTimeoutError,
    TransportError,
    ValidationError,
)
from .journal.base import Journal, State, encode_key
from .models.tasks import Progress
from .webhooks.events import TaskResult, WebhookEvent

if TYPE_CHECKING:
    from ._http import HTTPCore
    from .webhooks.receiver import WebhookReceiver

__all__ = [
    "BatchSpec",
    "Call",
    "LatencyEstimator",
    "Progress",
    "TaskRef",
    "TaskRunner",
]

logger = logging.getLogger("snov_async")

I = TypeVar("I")  # noqa: E741 - a prepared input
R = TypeVar("R")  # a result per input

ProgressCallback = Callable[[Progress], Any]

_TRANSIENT = (ServerError, TransportError, RateLimitError, ResponseFormatError)
#: Results a caller may leave untaken before the runner stops reading more input.
OUTPUT_BACKLOG = 1000


@attrs.frozen
class Call:
    """One HTTP call a spec wants made (the runner makes it, paced)."""

    method: str
    path: str
    params: dict[str, Any] | None = None
    form: dict[str, Any] | None = None
    json: Any = None
    kind: CallKind | None = None

    async def send(self, http: HTTPCore, *, slot_reserved: bool = False) -> Any:
        """Make this call through the client's one request path."""
        return await http.request(
            self.method,
            self.path,
            params=self.params,
            form=self.form,
            json=self.json,
            kind=self.kind,
            slot_reserved=slot_reserved,
        )


@attrs.frozen
class TaskRef:
    """A task that was started but whose result was not collected (e.g. after a cancel).

    Fetch it later with the operation's low-level ``..._result(task_hash)`` method.
    """

    operation: str
    task_hash: str
    inputs: tuple[Any, ...]


class BatchSpec(abc.ABC, Generic[I, R]):
    """How one task operation maps inputs to calls and answers to results. No I/O here."""

    #: Name used in logs and `TaskRef` (e.g. ``"email-verification"``).
    name: str = "task"
    #: Items per start call.
    max_batch: int = 10
    #: Whether the start call takes a ``webhook_url`` (push mode).
    supports_webhook: bool = False

    @abc.abstractmethod
    def prepare(self, raw: Any) -> I:
        """Normalise one input as the API would; raise `ValidationError` if it is unusable."""

    def key(self, item: I) -> Hashable:
        """Inputs with the same key are sent once and share the answer."""
        return item

    def fits(self, item: I, batch: list[I]) -> bool:
        """Whether ``item`` may join ``batch`` (for answers that could not be told apart)."""
        return True

    @abc.abstractmethod
    def start_call(self, items: list[I], webhook_url: str | None = None) -> Call:
        """The ``.../start`` call for a batch (with ``webhook_url`` in push mode)."""

    def task_hash(self, payload: Any) -> str:
        """Read the task hash from a start answer (``data.task_hash`` or ``meta.task_hash``)."""
        return read_task_hash(payload)

    @abc.abstractmethod
    def result_call(self, task_hash: str) -> Call:
        """The ``.../result`` call for a task."""

    def status(self, payload: Any) -> str:
        if isinstance(payload, dict) and isinstance(payload.get("status"), str):
            return str(payload["status"])
        raise ResponseFormatError("the result answer has no status")

    @abc.abstractmethod
    def split(self, payload: Any, items: list[I]) -> list[Any]:
        """The completed answer's data for each item, aligned with ``items`` (``None`` when
        the answer says nothing about an item)."""

    @abc.abstractmethod
    def make(
        self,
        *,
        index: int,
        raw: Any,
        item: I | None,
        data: Any,
        error: SnovError | None,
        task_hash: str | None,
    ) -> R:
        """Build the typed result of one input."""


class LatencyEstimator:
    """Learns how long an operation's tasks take, from what polls observed.

    Each observation adds a sample, an estimate of one task's latency:

    * still in progress at age ``a``: ``1.3 * a`` (it takes longer than that);
    * done at the first poll, which was due at age ``d``: ``0.9 * d`` (it was done by then,
      maybe well before: probe downwards; a poll sent late because the budget was busy says
      nothing more);
    * done at age ``h`` after having been seen in progress at age ``l``: three quarters of
      the way from ``l`` to ``h`` (the task finished somewhere in between; lean late).

    `expected` is a high quantile (0.9) of the recent samples, not their mean: most tasks are
    then done when first polled, and a few slow ones cost one more poll each. Until a task has
    completed the estimator is not `confident`: the runner then probes only the oldest task, on
    a geometric schedule, and holds the others back to at least the initial guess.
    """

    __slots__ = ("_samples", "completions", "initial", "quantile")

    def __init__(self, initial: float, *, quantile: float = 0.9, window: int = 64) -> None:
        self.initial = initial
        self.quantile = quantile
        self.completions = 0
        self._samples: collections.deque[float] = collections.deque(maxlen=window)

    def __repr__(self) -> str:
        return f"<LatencyEstimator expected={self.expected():.3f}s samples={len(self._samples)}>"

    @property
    def confident(self) -> bool:
        return self.completions >= 1

    def expected(self) -> float:
        if not self._samples:
            return self.initial
        ordered = sorted(self._samples)
        pos = min(len(ordered) - 1, max(0, math.ceil(self.quantile * len(ordered)) - 1))
        return ordered[pos]

    def in_progress(self, age: float) -> None:
        self._samples.append(max(age, 1e-3) * 1.3)

    def completed(self, age: float, *, due_age: float, last_in_progress: float | None) -> None:
        self.completions += 1
        seen = max(min(age, due_age), 1e-3)
        if last_in_progress is not None:
            lower = min(last_in_progress, seen)
            self._samples.append(lower + 0.75 * (seen - lower))
        else:
            self._samples.append(seen * 0.9)


@attrs.define(eq=False)
class _Pending(Generic[I]):
    item: I
    waiters: list[tuple[int, Any]]


@attrs.define(eq=False)
class _Task(Generic[I]):
    job: _Job[Any, Any]
    task_hash: str
    keys: list[Hashable]
    items: list[I]
    started: float
    deadline: float
    next_poll: float | None = None  # None: at the operation's expected completion
    last_in_progress: float | None = None
    last_poll_age: float = 0.0
    polling: bool = False
    polls: int = 0
    last_error: SnovError | None = None
    #: In push mode: no poll before this time (then the task falls back to polling).
    push_until: float | None = None
    #: Started by an earlier run (hash from the journal): poll at once, learn nothing from it.
    resumed: bool = False
    #: Its key in the runner's task table (the hash; unique per job for resumed tasks).
    slot: str = ""

    def __attrs_post_init__(self) -> None:
        if not self.slot:
            self.slot = self.task_hash


class _Job(Generic[I, R]):
    """One bulk call: its inputs, its unanswered items and its output."""

    def __init__(
        self, runner: TaskRunner, spec: BatchSpec[I, R], progress: ProgressCallback | None
    ) -> None:
        self.runner = runner
        self.spec = spec
        self.progress = progress
        self.pending: dict[Hashable, _Pending[I]] = {}
        # The result each answered key got: later duplicates get a copy re-indexed, so only
        # the typed (slotted) result is kept, not the raw answer.
        self.answered: dict[Hashable, R] = {}
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

    @property
    def finished(self) -> bool:
        return self.exhausted and self.done == self.read and not self.pending

    # Reading inputs --------------------------------------------------------------------

    async def feed(self, inputs: Iterable[Any] | AsyncIterable[Any]) -> None:
        try:
            if isinstance(inputs, AsyncIterable):
                async for raw in inputs:
                    await self._take(raw)
            else:
                for n, raw in enumerate(inputs):
                    await self._take(raw)
                    if n % 256 == 255:
                        await asyncio.sleep(0)
        except Exception as exc:  # the caller's iterator failed: surface it
            self.feed_error = exc
        finally:
            for batch in self.open_batches:
                if batch:
                    self.ready.append(batch)
            self.open_batches.clear()
            self.exhausted = True
            self.runner._poke()
            self._report()
            self.output_ready.set()

    async def _take(self, raw: Any) -> None:
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
            copy = attrs.evolve(first, index=index, input=raw)  # type: ignore[misc]
            self._push(copy, getattr(first, "error", None) is not None)
            return
        if key in self.pending:
            self.pending[key].waiters.append((index, raw))
            return
        if self.runner.journal is not None and await self._from_journal(key, item, index, raw):
            return
        self.pending[key] = _Pending(item, [(index, raw)])
        self._place(key, item)
        # Read ahead only so far: two batches ready to start, and a bounded backlog of
        # results the caller has not taken yet (a slow consumer slows the reading down).
        while (len(self.ready) >= 2 or len(self.output) > OUTPUT_BACKLOG) and not self.abandoned:
            self.room.clear()
            await self.room.wait()

    async def _from_journal(self, key: Hashable, item: I, index: int, raw: Any) -> bool:
        """Answer or resume an input the journal knows; ``False`` to start it as usual."""
        runner = self.runner
        assert runner.journal is not None
        jkey = encode_key(key)
        record = (await runner.journal.lookup(self.spec.name, [jkey])).get(jkey)
        if record is None:
            return False
        if record.state is State.DONE:
            fresh = time.time() - record.updated_at <= runner.cache_ttl
            if not fresh:
                return False
            runner.cached += 1
            self._remember(key, self._emit(index, raw, item, record.data, None, record.task_hash))
            return True
        if record.state is State.STARTED and record.task_hash:
            # Started by an earlier run: poll its hash again instead of paying twice.
            self.pending[key] = _Pending(item, [(index, raw)])
            runner._resume(self, key, item, record.task_hash)
            return True
        if runner.resend_unknown:
            return False
        err = OutcomeUnknownError(
            "an earlier run sent this input's start but did not record the answer: it may "
            "have been started (and charged); not sent again (resend_unknown=True would)",
            method="POST",
        )
        self._remember(key, self._emit(index, raw, item, None, err, None))
        return True

    def _place(self, key: Hashable, item: I) -> None:
        for batch in self.open_batches:
            if self.spec.fits(item, [self.pending[k].item for k in batch]):
                batch.append(key)
                break
        else:
            batch = [key]
            self.open_batches.append(batch)
        if len(batch) >= self.spec.max_batch:
            self.open_batches.remove(batch)
            self.ready.append(batch)
            self.runner._poke()

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
        for n, (index, raw) in enumerate(pending.waiters):
            result = self._emit(index, raw, pending.item, data, error, task_hash)
            if n == 0:
                self._remember(key, result)

    def _remember(self, key: Hashable, result: R) -> None:
        """Keep ``key``'s result so that a later duplicate gets a re-indexed copy."""
        if attrs.has(type(result)):
            self.answered[key] = result

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
            requests=self.runner._http.stats.requests,
        )
        try:
            self.progress(snapshot)
        except Exception:  # a broken callback must not lose results
            logger.exception("progress callback failed")


class TaskRunner:
    """Runs the task operations of one client (see the module docstring).

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
        self.journal = journal
        self.cache_ttl = cache_ttl
        self.resend_unknown = resend_unknown
        #: Inputs answered from the journal's cache, and tasks resumed from it.
        self.cached = 0
        self.resumed = 0
        self._writes: set[asyncio.Task[None]] = set()
        self.webhook = webhook
        self.push_timeout = push_timeout
        #: Results that arrived by push rather than by polling.
        self.pushed = 0
        if webhook is not None:
            webhook.on(self._on_push, TaskResult)
        self.max_in_flight = max_in_flight
        self.task_timeout = task_timeout
        self.initial_latency = initial_latency
        self._jobs: list[_Job[Any, Any]] = []
        self._tasks: dict[str, _Task[Any]] = {}
        self._starting = 0
        self._requests: set[asyncio.Task[None]] = set()
        self._scheduler: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._estimators: dict[str, LatencyEstimator] = {}
        self._credits_error: NotEnoughCreditsError | None = None
        self._turn = 0
        #: Tasks started for calls that were cancelled, with their inputs, to resume later.
        self.unfinished: list[TaskRef] = []

    def __repr__(self) -> str:
        return (
            f"<TaskRunner jobs={len(self._jobs)} tasks={len(self._tasks)}"
            f" starting={self._starting}>"
        )

    def estimator(self, spec: BatchSpec[Any, Any]) -> LatencyEstimator:
        est = self._estimators.get(spec.name)
        if est is None:
            est = self._estimators[spec.name] = LatencyEstimator(self.initial_latency)
        return est

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
        job: _Job[I, R] = _Job(self, spec, progress)
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

    # Scheduling --------------------------------------------------------------------------

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def _ensure_scheduler(self) -> None:
        if self._wake is None:
            self._wake = asyncio.Event()
        if self._scheduler is None or self._scheduler.done():
            self._scheduler = asyncio.get_running_loop().create_task(self._schedule())
        self._poke()

    def _due(self, task: _Task[Any], *, probe: bool = False, blocked: bool = False) -> float:
        """When ``task`` should be polled.

        Until one task of the operation has completed, only the oldest (``probe``) is polled,
        at ages doubling from half the initial guess — from two pacing intervals when batches
        are waiting for room (``blocked``) — and the others wait for the probe. Afterwards
        every task is due at its start plus the expected latency.
        """
        estimator = self.estimator(task.job.spec)
        if task.resumed and task.polls == 0 and task.next_poll is not None:
            return min(task.next_poll, task.deadline)
        if task.push_until is not None:
            # Push mode: wait for the webhook; poll only if it is late.
            return min(task.push_until, task.deadline)
        due = task.next_poll
        if due is None:
            due = task.started + estimator.expected()
        if not estimator.confident:
            if probe:
                first = 2 * self._interval() if blocked else 0.5 * self.initial_latency
                due = task.started + max(first, 2 * task.last_poll_age)
            else:
                # Wait for the probe: what it saw in progress is only a lower bound.
                floor = max(self.initial_latency, 2 * estimator.expected())
                due = max(due, task.started + floor)
        return min(due, task.deadline)

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
        wake: float | None = None
        best: _Task[Any] | None = None
        oldest: dict[str, _Task[Any]] = {}
        for task in self._tasks.values():
            name = task.job.spec.name
            if name not in oldest or task.started < oldest[name].started:
                oldest[name] = task
        for task in self._tasks.values():
            if task.polling:
                continue
            probe = oldest[task.job.spec.name] is task
            due = self._due(task, probe=probe, blocked=waiting and not capacity)
            if due <= now:
                if best is None or task.started < best.started:
                    best = task
            elif wake is None or due < wake:
                wake = due
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
                action, _ = self._pick(loop.time())
                if action is None:
                    continue
                kind, target = action
                if kind == "start":
                    batch = target.take_batch()
                    if batch is not None:
                        self._spawn(self._start(target, batch))
                else:
                    target.polling = True
                    self._spawn(self._poll(target))
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
        self._poke()

    async def _send(self, call: Call) -> Any:
        return await call.send(self._http, slot_reserved=True)

    async def _start(self, job: _Job[I, R], keys: list[Hashable]) -> None:
        try:
            await self._start_batch(job, keys)
        except Exception as exc:  # a bug or a broken journal must not leave inputs unanswered
            logger.exception("starting a batch failed")
            left = [k for k in keys if k in job.pending]
            self._fail(job, left, SnovError(f"internal error while starting: {exc!r}"), None)

    async def _start_batch(self, job: _Job[I, R], keys: list[Hashable]) -> None:
        items = [job.pending[k].item for k in keys]
        self._starting += 1
        loop = asyncio.get_running_loop()
        push = self.webhook is not None and job.spec.supports_webhook
        webhook_url = self.webhook.url if push and self.webhook is not None else None
        op = job.spec.name
        jkeys = [encode_key(k) for k in keys]
        try:
            if self.journal is not None:
                await self.journal.intent(op, jkeys)  # durable before anything is sent
            payload = await self._send(job.spec.start_call(items, webhook_url))
            task_hash = job.spec.task_hash(payload)
        except NotEnoughCreditsError as err:
            self._credits_error = err
            await self._forget(op, jkeys)
            self._fail(job, keys, err, None)
            return
        except OutcomeUnknownError as err:
            self._fail(job, keys, err, None)  # the intent rows stay: a rerun will not resend
            return
        except SnovError as err:
            if not isinstance(err, ResponseFormatError):
                await self._forget(op, jkeys)  # refused: nothing was started
            self._fail(job, keys, err, None)
            return
        finally:
            self._starting -= 1
        if self.journal is not None:
            try:
                await self.journal.started(op, jkeys, task_hash)
            except Exception:  # the task runs anyway; only a rerun would not know its hash
                logger.exception("the journal could not record task %s", task_hash)
        now = loop.time()
        task = _Task(
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
        self._tasks[task_hash] = task
        if push and self.webhook is not None:
            task.push_until = now + self.push_timeout
            early = self.webhook.pushed(task_hash)  # it may have arrived before the answer
            if early is not None:
                self._take_push(task, early)

    async def _poll(self, task: _Task[Any]) -> None:
        try:
            await self._poll_task(task)
        except Exception as exc:  # never leave a task's inputs unanswered
            logger.exception("polling task %s failed", task.task_hash)
            task.polling = False
            if task.slot in self._tasks:
                err = SnovError(f"internal error while polling: {exc!r}")
                self._finish(task, None, err)

    async def _poll_task(self, task: _Task[Any]) -> None:
        spec = task.job.spec
        loop = asyncio.get_running_loop()
        due_age = max(0.0, loop.time() - task.started)
        if task.next_poll is None:
            due_age = min(due_age, self.estimator(spec).expected())
        task.polls += 1
        try:
            payload = await self._send(spec.result_call(task.task_hash))
            status = spec.status(payload)
        except _TRANSIENT as err:
            # Already retried by the HTTP core; keep the task and look again later.
            task.last_error = err
            now = loop.time()
            if now >= task.deadline:
                self._time_out(task, now)
            else:
                task.next_poll = now + max(1.0, 0.5 * self.estimator(spec).expected())
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
        self, task: _Task[Any], payload: Any, status: str, age: float, due_age: float
    ) -> None:
        """What a result answer (polled or pushed) means for ``task``."""
        spec = task.job.spec
        # A resumed task's age says nothing of the operation's latency: learn nothing from it.
        estimator = LatencyEstimator(self.initial_latency) if task.resumed else self.estimator(spec)
        now = task.started + age
        if status == "completed":
            estimator.completed(age, due_age=due_age, last_in_progress=task.last_in_progress)
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
            estimator.in_progress(age)
            task.last_in_progress = age
            if now >= task.deadline:
                self._time_out(task, now)
                return
            if estimator.confident:
                gap = max(0.25 * estimator.expected(), self._interval())
                task.next_poll = task.started + max(estimator.expected(), age + gap)

    def _on_push(self, event: WebhookEvent) -> None:
        """A task result arrived on the webhook receiver."""
        if not isinstance(event, TaskResult) or self.webhook is None:
            return
        task = self._tasks.get(event.task_hash)
        if task is None or task.polling:
            return  # not ours (yet): `_start` picks it up from the receiver
        self.webhook.pushed(event.task_hash)
        self._take_push(task, event)

    def _take_push(self, task: _Task[Any], event: TaskResult) -> None:
        age = asyncio.get_running_loop().time() - task.started
        self.pushed += 1
        status = event.status  # the receiver read it (a push without one means "completed")
        # A push says exactly when the task completed.
        self._outcome(task, event.payload, status, age, due_age=age)
        if task.slot in self._tasks:
            task.push_until = None
        self._poke()

    # Outcomes ----------------------------------------------------------------------------

    def _finish(
        self, task: _Task[Any], per_item: list[Any] | None, error: SnovError | None
    ) -> None:
        self._tasks.pop(task.slot, None)
        job = task.job
        if self.journal is not None:
            op = job.spec.name
            if per_item is not None:
                results = [
                    (encode_key(k), d)
                    for k, d in zip(task.keys, per_item, strict=True)
                    if d is not None
                ]
                if results:
                    self._journal_write(self.journal.done(op, results))
            elif isinstance(error, NotEnoughCreditsError):
                # Not answered, not charged: a later run may start these again.
                self._journal_write(self.journal.forget(op, [encode_key(k) for k in task.keys]))
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
        self._poke()

    def _resume(self, job: _Job[Any, Any], key: Hashable, item: Any, task_hash: str) -> None:
        """Poll a task an earlier run started (its hash came from the journal)."""
        for slot in (task_hash, f"{task_hash}#{id(job)}"):
            task = self._tasks.get(slot)
            if task is not None and task.job is job:
                task.keys.append(key)
                task.items.append(item)
                return
        # Another call may be resuming the same hash: each job polls it under its own slot.
        slot = task_hash if task_hash not in self._tasks else f"{task_hash}#{id(job)}"
        now = asyncio.get_running_loop().time()
        self.resumed += 1
        self._tasks[slot] = _Task(
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
        self._poke()

    def _journal_write(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._writes.add(task)
        task.add_done_callback(self._write_done)

    def _write_done(self, task: asyncio.Task[None]) -> None:
        self._writes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("journal write failed", exc_info=task.exception())

    async def _forget(self, op: str, keys: list[str]) -> None:
        if self.journal is not None:
            await self.journal.forget(op, keys)

    async def flush(self) -> None:
        """Wait for the journal writes under way."""
        while self._writes:
            await asyncio.gather(*list(self._writes), return_exceptions=True)

    def _time_out(self, task: _Task[Any], now: float) -> None:
        age = now - task.started
        err = TaskTimeoutError(
            f"task {task.task_hash} was still in progress after {age:.1f}s"
            + (f" (last error: {task.last_error.message})" if task.last_error else "")
        )
        err.task_hash = task.task_hash
        self._finish(task, None, err)

    def _fail(
        self, job: _Job[Any, Any], keys: list[Hashable], error: SnovError, task_hash: str | None
    ) -> None:
        for key in keys:
            job.answer(key, None, error, task_hash)
        self._poke()

    def _refuse_ready_batches(self) -> None:
        assert self._credits_error is not None
        for job in self._jobs:
            while (batch := job.take_batch()) is not None:
                self._fail(job, batch, self._credits_error, None)

    def _abandon(self, job: _Job[Any, Any]) -> None:
        """The caller stopped listening (finished, broke out, or was cancelled)."""
        job.abandoned = True
        job.room.set()
        if job.feeder is not None and not job.feeder.done():
            job.feeder.cancel()
        if job in self._jobs:
            self._jobs.remove(job)
        for task in [t for t in self._tasks.values() if t.job is job]:
            del self._tasks[task.slot]
            self.unfinished.append(TaskRef(job.spec.name, task.task_hash, tuple(task.items)))
        self._poke()

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
        await self.flush()
        if self.journal is not None:
            await self.journal.close()
