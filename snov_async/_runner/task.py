"""The tasks started on Snov.io's side: `RemoteTask` (one of them) and `TaskBoard` (all of a
runner's, and which one is due for a poll)."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import SnovError
from .policy import PollPolicy

if TYPE_CHECKING:
    from .job import Job

__all__ = ["RemoteTask", "TaskBoard"]


@attrs.define(eq=False)
class RemoteTask:
    """A started task: whose inputs it answers, and where it stands in its polling."""

    job: Job[Any, Any]
    task_hash: str
    keys: list[Hashable]
    items: list[Any]
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
    #: Collected without knowing its inputs: they are read from the completed answer.
    discover: bool = False

    def __attrs_post_init__(self) -> None:
        if not self.slot:
            self.slot = self.task_hash

    @property
    def operation(self) -> str:
        return self.job.spec.name


class TaskBoard:
    """Every task a runner polls, by slot (its hash; unique per job for resumed tasks)."""

    __slots__ = ("_policy", "_tasks")

    def __init__(self, policy: PollPolicy) -> None:
        self._policy = policy
        self._tasks: dict[str, RemoteTask] = {}

    def __repr__(self) -> str:
        return f"<TaskBoard tasks={len(self._tasks)}>"

    def __len__(self) -> int:
        return len(self._tasks)

    def __bool__(self) -> bool:
        return bool(self._tasks)

    def __iter__(self) -> Iterator[RemoteTask]:
        return iter(list(self._tasks.values()))

    def __contains__(self, task: RemoteTask) -> bool:
        return self._tasks.get(task.slot) is task

    def get(self, slot: str) -> RemoteTask | None:
        return self._tasks.get(slot)

    def add(self, task: RemoteTask) -> None:
        self._tasks[task.slot] = task

    def remove(self, task: RemoteTask) -> None:
        if self._tasks.get(task.slot) is task:
            del self._tasks[task.slot]

    def resume_slot(self, job: Job[Any, Any], task_hash: str) -> tuple[RemoteTask | None, str]:
        """The task of ``job`` already resuming ``task_hash``, if any, and the slot a new one
        would take (another call may be resuming the same hash: each polls it on its own)."""
        for slot in (task_hash, f"{task_hash}#{id(job)}"):
            task = self._tasks.get(slot)
            if task is not None and task.job is job:
                return task, slot
        return None, task_hash if task_hash not in self._tasks else f"{task_hash}#{id(job)}"

    def due(self, now: float, *, blocked: bool) -> tuple[RemoteTask | None, float | None]:
        """The oldest task due for a poll at ``now``, else when the next one is due."""
        wake: float | None = None
        best: RemoteTask | None = None
        oldest: dict[str, RemoteTask] = {}
        for task in self._tasks.values():
            name = task.operation
            if name not in oldest or task.started < oldest[name].started:
                oldest[name] = task
        for task in self._tasks.values():
            if task.polling:
                continue
            probe = oldest[task.operation] is task
            due = self._policy.due(task, probe=probe, blocked=blocked)
            if due <= now:
                if best is None or task.started < best.started:
                    best = task
            elif wake is None or due < wake:
                wake = due
        return best, wake
