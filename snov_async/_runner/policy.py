"""When to poll a task: a latency estimator per operation and the rules that use it.

Pure arithmetic on times the caller passes in (the event loop's clock in the scheduler, a
plain number in the tests): nothing here sleeps or reads a clock.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Callable
from typing import Protocol

__all__ = ["LatencyEstimator", "PollPolicy", "Timed"]


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


class Timed(Protocol):
    """What the policy reads and writes of a task."""

    @property
    def operation(self) -> str: ...

    started: float
    deadline: float
    next_poll: float | None
    last_in_progress: float | None
    last_poll_age: float
    polls: int
    push_until: float | None
    resumed: bool


class PollPolicy:
    """When each task is due, and what every poll answer teaches.

    Args:
        initial_latency: the first guess of a task's latency, before any was seen.
        interval: the pacer's interval between two requests (read on each use).
    """

    __slots__ = ("_estimators", "_interval", "initial_latency")

    def __init__(self, initial_latency: float, interval: Callable[[], float]) -> None:
        self.initial_latency = initial_latency
        self._interval = interval
        self._estimators: dict[str, LatencyEstimator] = {}

    def __repr__(self) -> str:
        return f"<PollPolicy initial={self.initial_latency}s {self._estimators!r}>"

    def estimator(self, operation: str) -> LatencyEstimator:
        est = self._estimators.get(operation)
        if est is None:
            est = self._estimators[operation] = LatencyEstimator(self.initial_latency)
        return est

    def _learner(self, task: Timed) -> LatencyEstimator:
        # A resumed task's age says nothing of the operation's latency: learn nothing from it.
        if task.resumed:
            return LatencyEstimator(self.initial_latency)
        return self.estimator(task.operation)

    def due(self, task: Timed, *, probe: bool = False, blocked: bool = False) -> float:
        """When ``task`` should be polled.

        Until one task of the operation has completed, only the oldest (``probe``) is polled,
        at ages doubling from half the initial guess — from two pacing intervals when batches
        are waiting for room (``blocked``) — and the others wait for the probe. Afterwards
        every task is due at its start plus the expected latency.
        """
        estimator = self.estimator(task.operation)
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

    def due_age(self, task: Timed, now: float) -> float:
        """The age at which the poll being sent now was due (a late poll says no more)."""
        age = max(0.0, now - task.started)
        if task.next_poll is None:
            age = min(age, self.estimator(task.operation).expected())
        return age

    def completed(self, task: Timed, age: float, due_age: float) -> None:
        """The task was seen done at ``age`` (its poll was due at ``due_age``)."""
        self._learner(task).completed(age, due_age=due_age, last_in_progress=task.last_in_progress)

    def in_progress(self, task: Timed, age: float) -> None:
        """The task was seen in progress at ``age``: learn, and set its next poll."""
        estimator = self._learner(task)
        estimator.in_progress(age)
        task.last_in_progress = age
        if estimator.confident:
            gap = max(0.25 * estimator.expected(), self._interval())
            task.next_poll = task.started + max(estimator.expected(), age + gap)

    def after_failure(self, task: Timed, now: float) -> None:
        """A poll failed in a way worth trying again: look again a little later."""
        task.next_poll = now + max(1.0, 0.5 * self.estimator(task.operation).expected())
