"""`TaskRunner`: the public face of the runner — bulk calls in, typed results out.

It builds a `Job` per bulk call, hands it to the client's one `Scheduler`, and streams the
job's results back; `collect` waits for tasks whose hashes are already known (the
``unfinished`` ones of a cancelled call, or a hash from a low-level start).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from .. import _validate
from .._constants import (
    DEFAULT_BREAKER_COOL_DOWN,
    DEFAULT_BREAKER_THRESHOLD,
    DEFAULT_CACHE_TTL,
    DEFAULT_CLAIM_LEASE,
    DEFAULT_CLOSE_GRACE,
    DEFAULT_DEDUPE_WINDOW,
    DEFAULT_INITIAL_TASK_LATENCY,
    DEFAULT_MAX_TASKS_IN_FLIGHT,
    DEFAULT_PUSH_TIMEOUT,
    DEFAULT_TASK_TIMEOUT,
)
from ..errors import (
    AuthenticationError,
    ClientStateError,
    ConfigurationError,
    OutcomeUnknownError,
    RateLimitError,
    ServerError,
    ServiceFailingError,
    TaskTimeoutError,
    TransportError,
    ValidationError,
)
from ..journal.base import Journal
from .gate import StartBreaker
from .job import OUTPUT_BACKLOG, Job
from .ledger import JournalLedger, Ledger, ResumeLedger
from .policy import LatencyEstimator, PollPolicy
from .scheduler import Scheduler
from .spec import BatchSpec, ProgressCallback, TaskRef

if TYPE_CHECKING:
    from .._http import HTTPCore
    from ..webhooks.receiver import WebhookReceiver

#: Errors that say a task's answer was not obtained (its ref stays in ``unfinished``).
_NOT_ANSWERED = (
    AuthenticationError,
    ClientStateError,
    RateLimitError,
    ServerError,
    ServiceFailingError,
    TaskTimeoutError,
    TransportError,
)

__all__ = ["TaskRunner"]

I = TypeVar("I")  # noqa: E741 - a prepared input
R = TypeVar("R")  # a result per input


class TaskRunner:
    """Runs the task operations of one client (see the package docstring).

    Args:
        http: the client's HTTP core (its pacer is the runner's rate budget).
        max_in_flight: tasks started and not yet collected, at most; ``None`` (the default)
            follows Little's law — the start rate times the learned latency, with headroom
            — up to ``memory_cap``.
        memory_cap: tasks in flight at most when ``max_in_flight`` is ``None`` (each holds
            its batch's inputs in memory).
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
        close_grace: seconds `aclose` waits for starts already on the wire to answer.
        breaker_threshold: consecutive unknown-outcome starts that stop starting (0: never).
        breaker_cool_down: seconds without starts before one probe start.
        scope: the account's scope (client id + API), prefixed to the journal's operation
            names so that accounts sharing a journal never see each other's records.
        claim_lease: seconds a call's journal claims outlive its last heartbeat.
        dedupe_window: within one call, the results of the latest this-many unique inputs
            are kept for later duplicates (a copy, no new start); a duplicate further apart
            is answered from the journal if there is one, else started again. Bounds a
            call's memory for any input length; 0 keeps none.
    """

    def __init__(
        self,
        http: HTTPCore,
        *,
        max_in_flight: int | None = None,
        memory_cap: int = DEFAULT_MAX_TASKS_IN_FLIGHT,
        task_timeout: float = DEFAULT_TASK_TIMEOUT,
        initial_latency: float = DEFAULT_INITIAL_TASK_LATENCY,
        webhook: WebhookReceiver | None = None,
        push_timeout: float = DEFAULT_PUSH_TIMEOUT,
        journal: Journal | None = None,
        cache_ttl: float = DEFAULT_CACHE_TTL,
        resend_unknown: bool = False,
        close_grace: float = DEFAULT_CLOSE_GRACE,
        breaker_threshold: int = DEFAULT_BREAKER_THRESHOLD,
        breaker_cool_down: float = DEFAULT_BREAKER_COOL_DOWN,
        scope: str = "",
        claim_lease: float = DEFAULT_CLAIM_LEASE,
        dedupe_window: int = DEFAULT_DEDUPE_WINDOW,
    ) -> None:
        if (
            isinstance(dedupe_window, bool)
            or not isinstance(dedupe_window, int)
            or (dedupe_window < 0)
        ):
            raise ConfigurationError(f"dedupe_window must be an int >= 0, got {dedupe_window!r}")
        self.dedupe_window = dedupe_window
        self.ledger: Ledger = (
            Ledger()
            if journal is None
            else JournalLedger(
                journal,
                scope=scope,
                cache_ttl=cache_ttl,
                resend_unknown=resend_unknown,
                lease=claim_lease,
            )
        )
        self.policy = PollPolicy(initial_latency, self._interval)
        self._http = http
        self.scheduler = Scheduler(
            http,
            self.policy,
            max_in_flight=max_in_flight,
            memory_cap=memory_cap,
            task_timeout=task_timeout,
            breaker=StartBreaker(breaker_threshold, breaker_cool_down),
            webhook=webhook,
            push_timeout=push_timeout,
        )
        self.close_grace = close_grace
        self._specs: dict[str, BatchSpec[Any, Any]] = {}

    def __repr__(self) -> str:
        return f"<TaskRunner {self.scheduler!r}>"

    def _interval(self) -> float:
        return float(getattr(self._http.pacer, "interval", 0.0))

    # Introspection -----------------------------------------------------------------------

    @property
    def journal(self) -> Journal | None:
        return self.ledger.journal

    @property
    def cached(self) -> int:
        """Inputs answered from the journal's cache."""
        return self.ledger.cached

    @property
    def resumed(self) -> int:
        """Tasks polled again from a known hash (journal or `collect`) instead of started."""
        return self.scheduler.resumed

    @property
    def pushed(self) -> int:
        """Results that arrived by push rather than by polling."""
        return self.scheduler.pushed

    @property
    def unfinished(self) -> list[TaskRef]:
        """Tasks started for calls that went away (collect them with `collect`), and starts
        cut off on close whose outcome is unknown (``task_hash`` is ``None``)."""
        return self.scheduler.unfinished

    @property
    def idle(self) -> bool:
        """Nothing under way: no request, no task being polled."""
        return self.scheduler.idle

    @property
    def max_in_flight(self) -> int | None:
        """The fixed bound on tasks in flight, or ``None`` to follow Little's law."""
        return self.scheduler.max_in_flight

    @max_in_flight.setter
    def max_in_flight(self, value: int | None) -> None:
        self.scheduler.max_in_flight = value

    @property
    def task_timeout(self) -> float:
        return self.scheduler.task_timeout

    @task_timeout.setter
    def task_timeout(self, value: float) -> None:
        self.scheduler.task_timeout = value

    @property
    def initial_latency(self) -> float:
        return self.policy.initial_latency

    def estimator(self, spec: BatchSpec[Any, Any]) -> LatencyEstimator:
        return self.policy.estimator(spec.name)

    def register(self, *specs: BatchSpec[Any, Any]) -> None:
        """Make these operations known to `collect` by name."""
        for spec in specs:
            self._specs[spec.name] = spec

    # Bulk calls --------------------------------------------------------------------------

    async def run(
        self,
        spec: BatchSpec[I, R],
        inputs: Iterable[Any] | AsyncIterable[Any],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[R]:
        """All results, in input order (one per input)."""
        return await self._gather(spec, self.iterate(spec, inputs, progress=progress))

    def iterate(
        self,
        spec: BatchSpec[I, R],
        inputs: Iterable[Any] | AsyncIterable[Any],
        *,
        progress: ProgressCallback | None = None,
    ) -> AsyncIterator[R]:
        """Results as they complete (each carries its input's ``index``)."""
        _check_call(spec, progress)
        _validate.bulk_inputs(inputs, "inputs")
        self.register(spec)
        return self._stream(
            Job(self.scheduler, self.ledger, spec, progress, dedupe_window=self.dedupe_window),
            inputs,
        )

    async def _stream(
        self,
        job: Job[I, R],
        inputs: Iterable[Any] | AsyncIterable[Any],
        discover: str | None = None,
    ) -> AsyncIterator[R]:
        # Many calls begun at once take turns to set up (see `TimeSlice`).
        await self.scheduler.slice.checkpoint()
        if self.scheduler.closed:  # while it waited: it began nothing, so it starts nothing
            raise ClientStateError(
                "the client was closed before this call began; nothing of it was started"
            )
        job.ledger.open(job)
        job.feeder = asyncio.get_running_loop().create_task(job.feed(inputs))
        self.scheduler.add(job)
        if discover is not None:
            self.scheduler.discover(job, discover)
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
            if job.output:  # answered, never handed over: keep them collectable
                self._keep(job.spec, list(job.output))
            self.scheduler.abandon(job)

    async def _gather(self, spec: BatchSpec[I, R], stream: AsyncIterator[R]) -> list[R]:
        indexed: dict[int, R] = {}
        try:
            async for result in stream:
                indexed[getattr(result, "index")] = result  # noqa: B009
        except BaseException:
            # The caller will never see these (cancelled, or an error): the tasks were paid
            # for, so list them in ``unfinished`` where `collect` can fetch them again.
            self._keep(spec, list(indexed.values()))
            raise
        return [indexed[i] for i in range(len(indexed))]

    def _keep(self, spec: BatchSpec[Any, Any], results: list[Any]) -> None:
        """List the tasks behind ``results`` in ``unfinished`` (grouped by task hash)."""
        by_hash: dict[str, list[Any]] = {}
        for result in results:
            task_hash = getattr(result, "task_hash", None)
            if isinstance(task_hash, str) and task_hash:
                by_hash.setdefault(task_hash, []).append(getattr(result, "input", None))
        for task_hash, inputs in by_hash.items():
            self.scheduler.unfinished.append(TaskRef(spec.name, task_hash, tuple(inputs)))

    # Collecting known tasks --------------------------------------------------------------

    async def collect_task(
        self,
        spec: BatchSpec[I, R],
        task_hash: str,
        inputs: Sequence[Any] | None = None,
        *,
        progress: ProgressCallback | None = None,
        field: str = "inputs",
    ) -> list[R]:
        """Wait for the task ``task_hash`` of ``spec`` and return one typed result per input
        (polled by the same scheduler, paced with everything else; a task still running after
        ``task_timeout`` gets `TaskTimeoutError`). Nothing is started.

        With ``inputs`` (the task's inputs, as they were started) the results follow their
        order; without, the inputs are the ones the completed answer names, in its order.
        """
        _check_call(spec, progress)
        if isinstance(task_hash, str):
            task_hash = task_hash.strip()
        task_hash = _validate.hash_ref(task_hash, "task_hash")
        if inputs is not None:
            inputs = _validate.sized(inputs, field, low=1, high=spec.max_batch)
        self.register(spec)
        if inputs is None:
            if not spec.discoverable:
                raise ValidationError(
                    f"{spec.name} answers do not name their inputs: pass them", field="inputs"
                )
            job: Job[I, R] = Job(
                self.scheduler, self.ledger, spec, progress, dedupe_window=self.dedupe_window
            )
            return await self._gather(spec, self._stream(job, [], discover=task_hash))
        job = Job(
            self.scheduler,
            ResumeLedger(self.ledger, task_hash),
            spec,
            progress,
            dedupe_window=self.dedupe_window,
        )
        return await self._gather(spec, self._stream(job, inputs))

    async def collect(self, refs: TaskRef | Iterable[TaskRef] | None = None) -> list[Any]:
        """Wait for started tasks and return their inputs' typed results.

        ``refs`` defaults to everything in ``unfinished``; each collected ref leaves it. A ref
        without a hash (a start cut off on close) cannot be collected: its inputs get an
        `OutcomeUnknownError`. Results come ref by ref, each in its inputs' order.
        """
        if not (refs is None or isinstance(refs, TaskRef) or _iterable_refs(refs)):
            raise ValidationError(
                "collect() takes a TaskRef, an iterable of them, or nothing", field="refs"
            )
        chosen = (
            list(self.unfinished)
            if refs is None
            else ([refs] if isinstance(refs, TaskRef) else list(refs))
        )
        for ref in chosen:
            if not isinstance(ref, TaskRef):
                raise ValidationError("collect() takes TaskRef objects", field="refs")
            if ref.operation not in self._specs:
                raise ValidationError(
                    f"unknown operation {ref.operation!r}: nothing registered can collect it",
                    field="refs",
                )
        batches = await asyncio.gather(*(self._collect_one(ref) for ref in chosen))
        for ref, batch in zip(chosen, batches, strict=True):
            # Listed until its task answered: a closed client, a time-out or a failing
            # service leave it to collect again.
            answered = ref.task_hash is None or not any(
                isinstance(getattr(r, "error", None), _NOT_ANSWERED) for r in batch
            )
            if answered:
                while ref in self.unfinished:
                    self.unfinished.remove(ref)
            elif self.unfinished.count(ref) > 1:  # listed again by the collect that failed
                self.unfinished.remove(ref)
        return [result for batch in batches for result in batch]

    async def _collect_one(self, ref: TaskRef) -> list[Any]:
        spec = self._specs[ref.operation]
        if ref.task_hash is not None:
            return await self.collect_task(spec, ref.task_hash, list(ref.inputs))
        err = OutcomeUnknownError(
            "this start was cut off on the wire when the client closed: it may have been "
            "started (and charged), and no task hash is known to collect it",
            method=spec.start_call(list(ref.inputs)).method,
        )
        return [
            spec.make(index=n, raw=raw, item=raw, data=None, error=err, task_hash=None)
            for n, raw in enumerate(ref.inputs)
        ]

    # Ending ------------------------------------------------------------------------------

    async def flush(self) -> None:
        """Wait for the journal writes under way."""
        await self.ledger.flush()

    async def aclose(self) -> None:
        """Stop scheduling; starts on the wire get ``close_grace`` seconds to answer (their
        hashes go to ``unfinished``); then close the journal."""
        await self.scheduler.close(self.close_grace)
        await self.ledger.close()


def _check_call(spec: Any, progress: Any) -> None:
    """A spec that is one, and a progress callback that can be called (before anything)."""
    if not isinstance(spec, BatchSpec):
        raise ValidationError(f"not a task operation: {type(spec).__name__}", field="spec")
    if progress is not None and not callable(progress):
        raise ValidationError("progress must be a callable (or None)", field="progress")


def _iterable_refs(refs: Any) -> bool:
    return isinstance(refs, Iterable) and not isinstance(refs, (str, bytes, Mapping))
