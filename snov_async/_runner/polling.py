"""Polling a task and what its answer (polled or pushed) means for its inputs: completion,
credits, in progress, time-outs, and answering every input exactly once. A part of
`Scheduler` (see its module docstring)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable
from typing import Any, TypeVar

from .._call import Slot
from ..errors import (
    NotEnoughCreditsError,
    NotFoundError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    SnovError,
    TaskTimeoutError,
    TransportError,
)
from ..webhooks.events import TaskResult, WebhookEvent
from .job import Job
from .parts import SchedulerPart
from .spec import TaskRef
from .task import RemoteTask

logger = logging.getLogger("snov_async")

I = TypeVar("I")  # noqa: E741 - a prepared input
R = TypeVar("R")  # a result per input

__all__ = ["Polling"]

_TRANSIENT = (ServerError, TransportError, RateLimitError, ResponseFormatError)


class Polling(SchedulerPart):
    """The scheduler's poll and outcome side."""

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
            if task.resumed and isinstance(err, NotFoundError) and not err.answer:
                err = self._lost(task, err)
            self._finish(task, None, err)
            return
        finally:
            task.polling = False
        now = loop.time()
        age = now - task.started
        task.last_poll_age = age
        task.push_until = None  # polled once: the push was late, poll from now on
        named = spec.answers_for(payload)
        if named is not None and named.strip().casefold() != task.task_hash.casefold():
            # Another task's answer (a mixed-up cache, a lying server): its entries are not
            # this task's inputs' results. The task stays recorded: a rerun polls it again.
            foreign = ResponseFormatError(
                f"the result answer is about another task ({named}), not this one",
                method="GET",
                path=spec.result_call(task.task_hash).path,
            )
            foreign.raw = payload.get("data") if isinstance(payload, dict) else None
            self._give_up(task, foreign)
            return
        self._outcome(task, payload, status, age, due_age)

    def _outcome(
        self, task: RemoteTask, payload: Any, status: str, age: float, due_age: float
    ) -> None:
        """What a result answer (polled or pushed) means for ``task``."""
        spec = task.job.spec
        now = task.started + age
        if status == "completed":
            self.policy.completed(task, age, due_age)
            self.tasks.unpark(task.operation)
            if task.discover:
                self._adopt(task, payload)
            try:
                per_item = spec.split(payload, task.items, ordered=not task.resumed)
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
            overdue = self.policy.in_progress(
                task, age, blocked=self.blocked, peers=self.tasks.count(task.operation)
            )
            if overdue:
                self.tasks.overdue(task)
            if now >= task.deadline:
                self._time_out(task, now)

    @staticmethod
    def _lost(task: RemoteTask, err: NotFoundError) -> NotFoundError:
        """A journaled task the server no longer knows (its results kept no longer, or a
        sandbox that restarted): they are lost, and whether its start was charged is
        unknown. Its inputs are recorded as of unknown outcome: the next run reports them, or
        with ``resend_unknown`` starts them again, instead of asking for the same task for
        ever (every rerun failed them with the same 404). A task the caller named (`collect`
        of a hash) records nothing: its 404 is said as it came."""
        job = task.job
        if not job.ledger.left_out(job.spec.name, task.keys):
            return err
        lost = NotFoundError(
            f"the server does not know task {task.task_hash} any more: its results are lost. "
            "Its inputs are recorded as of unknown outcome (it may have been charged); "
            "resend_unknown=True starts them again",
            status=err.status,
            method=err.method,
            path=err.path,
        )
        lost.__cause__ = err
        return lost

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
            if task.resumed:
                # Silent about them again on a rerun (the first time, the hash stays: a
                # rerun polls the task, which may answer in full by then).
                job.ledger.left_out(
                    op,
                    [
                        k
                        for k, d in zip(task.keys, per_item, strict=True)
                        if d is None or isinstance(d, ResponseFormatError)
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
