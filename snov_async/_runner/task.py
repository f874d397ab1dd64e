"""The tasks started on Snov.io's side: `RemoteTask` (one of them) and `TaskBoard` (all of a
runner's, and which one is due for a poll)."""

from __future__ import annotations

import collections
import heapq
import itertools
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
    next_poll: float | None = None  # None: at the operation's learned latency
    last_in_progress: float | None = None
    #: The age at which it was first seen running (its backoff counts from there).
    running_at: float | None = None
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
    #: The age its first poll was due at, when that poll went at the learned latency.
    first_due: float | None = None
    #: The latency sample its first poll, finding it running, added (retracted when it
    #: completes: its completion is the better sample).
    guess: float | None = None
    #: Which filing on the board is current (older ones are skipped when met).
    filed: int = -1

    def __attrs_post_init__(self) -> None:
        if not self.slot:
            self.slot = self.task_hash

    @property
    def operation(self) -> str:
        return self.job.spec.name


class TaskBoard:
    """Every task a runner polls, filed so that the next one due is found in O(log n).

    A task never polled yet waits in its operation's queue, in start order: they are all due
    at their start plus the operation's learned latency, so the queue's head is the first due.
    A task with a time of its own (a next poll after ``in_progress``, a push deadline, a
    resumed task) waits in a heap keyed by that time. Filings are not removed when a task
    leaves or is refiled; they are skipped when met.
    """

    __slots__ = (
        "_counts",
        "_fresh",
        "_order",
        "_overdue",
        "_parked",
        "_policy",
        "_probes",
        "_tasks",
        "_timed",
        "busy_since",
    )

    def __init__(self, policy: PollPolicy) -> None:
        self._policy = policy
        self._tasks: dict[str, RemoteTask] = {}
        self._fresh: dict[str, collections.deque[tuple[int, RemoteTask]]] = {}
        self._timed: list[tuple[float, int, RemoteTask]] = []
        #: Per operation not yet confident: the task probing its latency.
        self._probes: dict[str, RemoteTask] = {}
        #: Per operation: the overdue task that probes, and the overdue ones waiting for a
        #: completion (filed at their deadline meanwhile).
        self._overdue: dict[str, RemoteTask] = {}
        self._parked: dict[str, list[RemoteTask]] = {}
        self._order = itertools.count()
        self._counts: collections.Counter[str] = collections.Counter()
        #: When the oldest task of the current busy stretch started (the board was empty
        #: before it): a lower bound of the latency while nothing is known.
        self.busy_since = 0.0

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

    def count(self, operation: str) -> int:
        """Tasks of ``operation`` on the board."""
        return self._counts[operation]

    def get(self, slot: str) -> RemoteTask | None:
        return self._tasks.get(slot)

    def add(self, task: RemoteTask) -> None:
        if not self._tasks:
            self.busy_since = task.started
        self._tasks[task.slot] = task
        self._counts[task.operation] += 1
        task.job.live_tasks.add(task)
        self.file(task)

    def remove(self, task: RemoteTask) -> None:
        if self._tasks.get(task.slot) is task:
            del self._tasks[task.slot]
            self._counts[task.operation] -= 1
        task.job.live_tasks.discard(task)
        task.filed = -1
        if self._probes.get(task.operation) is task:
            del self._probes[task.operation]
        if self._overdue.get(task.operation) is task:
            del self._overdue[task.operation]
            self.unpark(task.operation)  # another may probe now

    def overdue(self, task: RemoteTask) -> None:
        """``task`` has outlived what was learned of its operation (`PollPolicy.overdue`): it
        probes if no other overdue task does; else it waits for a completion (`unpark`) or
        its deadline, whichever comes first."""
        op = task.operation
        probe = self._overdue.get(op)
        if probe is None or probe is task or probe not in self:
            self._overdue[op] = task
        else:
            task.next_poll = task.deadline
            self._parked.setdefault(op, []).append(task)

    def unpark(self, operation: str) -> None:
        """A task of ``operation`` completed (or its overdue probe left): the overdue tasks
        waiting for that are due again, at the learned latency (now, for most)."""
        expected = self._policy.estimator(operation).expected()
        for task in self._parked.pop(operation, []):
            if task in self and task.next_poll == task.deadline:
                task.next_poll = task.started + expected
                if not task.polling:
                    self.file(task)

    def file(self, task: RemoteTask) -> None:
        """(Re)file ``task`` after its state changed (a poll answered, a push deadline)."""
        if task not in self:
            return
        task.filed = seq = next(self._order)
        if task.next_poll is None and task.push_until is None:
            self._fresh.setdefault(task.operation, collections.deque()).append((seq, task))
        else:
            when = task.push_until if task.push_until is not None else task.next_poll
            assert when is not None
            heapq.heappush(self._timed, (min(when, task.deadline), seq, task))

    def take(self, task: RemoteTask) -> None:
        """``task`` is being polled: it leaves the schedule until it is filed again."""
        task.polling = True
        task.filed = -1
        op = task.operation
        if not self._policy.estimator(op).confident and op not in self._probes:
            self._probes[op] = task

    def free_slot(self, task_hash: str) -> str:
        """A slot for a second task of the same hash (``hash#n``, not on the board)."""
        n = 2
        while f"{task_hash}#{n}" in self._tasks:
            n += 1
        return f"{task_hash}#{n}"

    def resume_slot(self, job: Job[Any, Any], task_hash: str) -> tuple[RemoteTask | None, str]:
        """The task of ``job`` already resuming ``task_hash``, if any, and the slot a new one
        would take (another call may be resuming the same hash: each polls it on its own)."""
        for slot in (task_hash, f"{task_hash}#{id(job)}"):
            task = self._tasks.get(slot)
            if task is not None and task.job is job:
                return task, slot
        return None, task_hash if task_hash not in self._tasks else f"{task_hash}#{id(job)}"

    def _live(self, seq: int, task: RemoteTask) -> bool:
        return task.filed == seq and not task.polling and self._tasks.get(task.slot) is task

    def due(self, now: float, *, blocked: bool) -> tuple[RemoteTask | None, float | None]:
        """The task due for a poll first, if it is due at ``now``; else when one will be."""
        best: RemoteTask | None = None
        best_due = float("inf")
        heap = self._timed
        while heap and not self._live(heap[0][1], heap[0][2]):
            heapq.heappop(heap)
        if heap:
            best_due, _, best = heap[0]
        for op, queue in list(self._fresh.items()):
            while queue and not self._live(*queue[0]):
                queue.popleft()
            if not queue:
                del self._fresh[op]
                continue
            head = queue[0][1]
            confident = self._policy.estimator(op).confident
            probe = self._probes.get(op)
            if probe is not None and (confident or probe not in self):
                del self._probes[op]
                probe = None
            due = self._policy.first_due(
                head, probe=not confident and probe is None, blocked=blocked
            )
            if due < best_due:
                best, best_due = head, due
        if best is None:
            return None, None
        if best_due <= now:
            return best, None
        return None, best_due
