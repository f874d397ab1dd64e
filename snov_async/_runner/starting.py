"""Starting a batch: the paid request, and what a refusal means for the batch, its job and
every other job (credits, authentication, unknown outcomes, long Retry-After). A part of
`Scheduler` (see its module docstring)."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Hashable
from typing import Any, TypeVar

from .._call import Call, Slot
from ..errors import (
    AuthenticationError,
    NotEnoughCreditsError,
    OutcomeUnknownError,
    RateLimitError,
    ResponseFormatError,
    ServiceFailingError,
    SnovError,
)
from .job import Job
from .parts import SchedulerPart
from .spec import TaskRef
from .task import RemoteTask

logger = logging.getLogger("snov_async")

I = TypeVar("I")  # noqa: E741 - a prepared input
R = TypeVar("R")  # a result per input

__all__ = ["Starting"]

#: Starts in a row refused for authentication (after a fresh token) that stop all starts.
AUTH_FAILURES_TO_STOP = 2
BALANCE_PATH = "/v1/get-balance"


class Starting(SchedulerPart):
    """The scheduler's start side."""

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
            job.starting -= 1
            if job.abandoned and not job.starting:
                job.ledger.end(job)  # deferred by `Scheduler.abandon` until now

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
        try:
            await ledger.started(op, keys, task_hash)
        except asyncio.CancelledError:
            # Closing cut it off while the journal recorded the hash: the task is paid for.
            self.unfinished.append(TaskRef(op, task_hash, tuple(items)))
            raise
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
        if self.tasks.get(task_hash) is not None:
            # Two starts answered with one hash (a lying server, or one that merged them):
            # each batch keeps its own task, polled and timed out on its own.
            logger.warning("the server answered two starts with one task hash %s", task_hash)
            task.slot = self.tasks.free_slot(task_hash)
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
