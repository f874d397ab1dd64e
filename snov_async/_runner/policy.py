"""When to poll a task, and how many tasks to keep in flight: pure arithmetic on times and
counts the caller passes in (the event loop's clock in the scheduler, plain numbers in the
tests). Nothing here sleeps or reads a clock.

How the budget is spent (issue #15): a task's answer is worth one poll, sent when the task is
most likely done. Too early wastes a request on ``in_progress``; too late makes the call
longer. So:

* each operation learns its tasks' latency as a running **quantile** (`LatencyEstimator`);
* when slots are scarce (batches wait to start) a task is first polled late, at a high
  estimate (`LatencyEstimator.late`): almost every poll finds it done;
* when the budget is idle, first polls go at the 0.85 quantile and a task still running is
  looked at again soon (a short gap): the call ends close to its slowest task;
* until a first task has completed nothing is known: only the oldest task probes, at ages
  growing geometrically, and the others wait for what it learns;
* a task still running long after the learned latency (``OVERDUE``) backs off like a probe,
  one per operation, the others waiting for a completion: a latency jump or stuck tasks
  cost a few polls, not one per pacer slot;
* tasks in flight follow Little's law: start rate times latency, with headroom
  (`in_flight_target`).
"""

from __future__ import annotations

import collections
import contextlib
import math
from collections.abc import Callable
from typing import Protocol

__all__ = ["OVERDUE", "LatencyEstimator", "PollPolicy", "Timed", "in_flight_target"]

#: The quantile of recent latencies `LatencyEstimator.expected` returns.
QUANTILE = 0.85
#: Latency samples kept (the most recent ones).
WINDOW = 32
#: A task found done at its first poll, due at age ``d``, counts as ``DOWN * d``: polls keep
#: probing a little earlier while nearly every task is done when first polled. One still
#: running at it counts as ``UP * d``: the next tasks are first polled a little later.
DOWN, UP = 0.9, 1.1
#: First polls when slots are scarce go at this multiple of the estimate.
LATE_FACTOR = 1.25
#: While nothing is known, the probe's next poll comes at a multiple of its age: doubling
#: when few tasks wait for what it learns (each probe poll is a large share of their
#: requests), ``PROBE_SPREAD / tasks`` in the exponent as more wait (each overshoot delays them
#: all), never under ``MIN_GROWTH``. With ``n`` tasks waiting, searching ages over a factor
#: ``R`` costs ``n ln(R) / PROBE_SPREAD`` polls, and the request target of latency-bound work
#: (1.3x the minimum) leaves about ``0.6 n`` to waste: at 8, a probe can search 120x its first
#: age within it (at 16 it searched far coarser than the budget needed: 60 batches of 8 s tasks
#: ended 12 % late having wasted 5 of the 36 polls the target allows).
PROBE_GROWTH, MIN_GROWTH, PROBE_SPREAD = 2.0, 1.05, 8.0
#: After an ``in_progress`` answer, the next poll comes this fraction of the expected latency
#: later: soon when the budget is idle, later when slots are scarce (never under one interval).
IDLE_GAP, BUSY_GAP = 0.05, 0.25
#: A first poll sent later than this fraction of its due age says nothing about the latency.
ON_TIME = 0.1
#: A task still running at this multiple of the learned latency is **overdue**: what was
#: learned no longer holds for it (the latency jumped, or the task is stuck). It is then
#: looked at again at ages growing like a probe's, and only one overdue task of an operation
#: probes: the others wait for a completion (`TaskBoard.overdue`). Above the spread of
#: ordinary tasks (±30 % around a first estimate that may sit 20 % low: 2.3x).
OVERDUE = 3.0
#: A task seen running for ``r`` seconds is looked at again at least ``BACKOFF * r`` later:
#: the running part of its age doubles from one look to the next.
BACKOFF = 1.0


class LatencyEstimator:
    """An operation's task latency, learned from polls.

    Until a task has completed (`confident` is false) only lower bounds are known: tasks seen
    in progress at age ``a`` take longer than ``a``; `expected` is then the larger of the
    first guess and ``1.3 a``. Every completion adds a sample of the latency:

    * seen done after being seen in progress at ``l``, at ``h``: three quarters of the way
      from ``l`` to ``h`` (it finished in between; lean late — re-polls come soon, so the
      interval is short);
    * done at its first poll, sent on time when due at ``d``: ``0.9 d`` (it was done by
      then, maybe well before: keep probing a little earlier);
    * still running at its first poll, at age ``a``: ``1.1 a`` (the next tasks are first
      polled a little later; answers to polls sent in sequence compound, answers to polls
      of the same moment do not);
    * done at a first poll sent late (the budget was busy): nothing (it was done by then,
      which says nothing more).

    `expected` is the 0.85 quantile of the last 32 samples — a quantile, not a mean, and of
    values, not a multiplicative walk, so a wave of answers to polls sent together moves it
    once, not once per answer. At balance about 15 % of first polls find the task running;
    each of those is looked at again soon (see `PollPolicy.in_progress`).
    """

    __slots__ = ("_samples", "completions", "initial", "lower")

    def __init__(self, initial: float) -> None:
        self.initial = initial
        self.completions = 0
        #: The largest age at which a task was seen in progress (before any completion).
        self.lower = 0.0
        self._samples: collections.deque[float] = collections.deque(maxlen=WINDOW)

    def __repr__(self) -> str:
        return f"<LatencyEstimator expected={self.expected():.3f}s completions={self.completions}>"

    @property
    def confident(self) -> bool:
        return self.completions >= 1

    def expected(self) -> float:
        """The latency most tasks (85 %) are done by."""
        if not self._samples:
            return max(self.initial, 1.3 * self.lower)
        ordered = sorted(self._samples)
        pos = min(len(ordered) - 1, max(0, math.ceil(QUANTILE * len(ordered)) - 1))
        return ordered[pos]

    def late(self) -> float:
        """A latency almost every task is done by."""
        return LATE_FACTOR * self.expected()

    def in_progress(self, age: float, *, first: bool = False) -> float | None:
        """A task was still running at ``age``; ``first``: at its first poll (sent at the
        learned latency or later: either way the task is slower than that). Returns the
        sample this added, if any (see `retract`)."""
        if not self._samples:
            self.lower = max(self.lower, age)
        elif first:
            sample = UP * age
            self._samples.append(sample)
            return sample
        return None

    def retract(self, sample: float) -> None:
        """Take back a sample `in_progress` added for a task that has now completed: the
        completion says what its latency was; the nudge ``UP * age`` was a stand-in, and
        keeping both would count that task twice (and the nudge, above its real latency,
        would hold the quantile up: measured, 100 batches of 8 s tasks were all first polled
        6 % late)."""
        with contextlib.suppress(ValueError):  # already left the window
            self._samples.remove(sample)

    def completed(
        self, age: float, *, last_in_progress: float | None, on_time_first: bool = False
    ) -> None:
        """A task was seen done at ``age`` (the age its poll was due, if it went late)."""
        self.completions += 1
        seen = max(age, 1e-3)
        if last_in_progress is not None:
            lower = min(last_in_progress, seen)
            self._samples.append(lower + 0.75 * (seen - lower))
        elif on_time_first or not self._samples:
            self._samples.append(DOWN * seen)


class Timed(Protocol):
    """What the policy reads and writes of a task."""

    @property
    def operation(self) -> str: ...

    started: float
    deadline: float
    next_poll: float | None
    last_in_progress: float | None
    guess: float | None
    last_poll_age: float
    polls: int
    push_until: float | None
    running_at: float | None
    resumed: bool
    first_due: float | None


def in_flight_target(rate: float, latency: float, *, floor: int = 10) -> int:
    """Tasks to keep in flight (Little's law): what ``rate`` starts per second keep busy for
    ``latency`` seconds, with 50 % headroom, at least ``floor``."""
    if not (math.isfinite(rate) and math.isfinite(latency)) or rate <= 0:
        return floor
    return max(floor, math.ceil(1.5 * rate * max(latency, 0.0)) + floor)


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

    def estimators(self) -> list[LatencyEstimator]:
        """The estimators of every operation seen so far."""
        return list(self._estimators.values())

    def _learner(self, task: Timed) -> LatencyEstimator:
        # A resumed task's age says nothing of the operation's latency: learn nothing from it.
        if task.resumed:
            return LatencyEstimator(self.initial_latency)
        return self.estimator(task.operation)

    # When ------------------------------------------------------------------------------

    def first_due(self, task: Timed, *, probe: bool = False, blocked: bool = False) -> float:
        """When a task never polled yet should be: before any completion, the oldest task of
        the operation (``probe``) at ages doubling from half the first guess (two intervals
        when ``blocked``: batches wait for slots), the others after it; afterwards at the
        learned latency (late when ``blocked``)."""
        est = self.estimator(task.operation)
        if not est.confident:
            if probe:
                first = 2 * self._interval() if blocked else 0.5 * self.initial_latency
                due = task.started + max(first, PROBE_GROWTH * task.last_poll_age)
            else:
                floor = max(self.initial_latency, 2 * est.expected())
                due = task.started + floor
        else:
            due = task.started + (est.late() if blocked else est.expected())
        return min(due, task.deadline)

    def due(self, task: Timed, *, probe: bool = False, blocked: bool = False) -> float:
        """When ``task`` should be polled (whatever its state)."""
        if task.push_until is not None:
            # Push mode: wait for the webhook; poll only if it is late.
            return min(task.push_until, task.deadline)
        if task.next_poll is not None:
            return min(task.next_poll, task.deadline)
        return self.first_due(task, probe=probe, blocked=blocked)

    def due_age(self, task: Timed, now: float, *, blocked: bool = False) -> float:
        """The age at which the poll being sent now was due (a late poll says no more)."""
        age = max(0.0, now - task.started)
        if task.next_poll is None and task.push_until is None:
            age = min(age, self.first_due(task, blocked=blocked) - task.started)
        return age

    # What an answer teaches ------------------------------------------------------------

    def _on_time_first(self, task: Timed, age: float) -> bool:
        """Whether this was the task's first poll, sent at the learned latency, on time."""
        due = task.first_due
        if due is None or task.polls != 1 or task.resumed:
            return False
        est = self.estimator(task.operation)
        return est.confident and age <= due + max(2 * self._interval(), ON_TIME * due)

    def completed(self, task: Timed, age: float, due_age: float) -> None:
        """The task was seen done at ``age`` (its poll was due at ``due_age``)."""
        learner = self._learner(task)
        if task.guess is not None:
            learner.retract(task.guess)
            task.guess = None
        learner.completed(
            min(age, due_age),
            last_in_progress=task.last_in_progress,
            on_time_first=self._on_time_first(task, age),
        )

    @staticmethod
    def probe_growth(peers: int) -> float:
        """How much later the probe looks again, with ``peers`` tasks waiting for it."""
        return min(PROBE_GROWTH, max(MIN_GROWTH, math.exp(PROBE_SPREAD / max(peers, 1))))

    def in_progress(
        self, task: Timed, age: float, *, blocked: bool = False, peers: int = 1
    ) -> bool:
        """The task was seen in progress at ``age`` (``peers``: tasks of its operation in
        flight): learn, and set its next poll. Returns whether it is overdue (`overdue`)."""
        estimator = self._learner(task)
        guess = estimator.in_progress(age, first=task.polls == 1 and task.last_in_progress is None)
        if guess is not None:
            task.guess = guess
        if task.last_in_progress is None:
            task.running_at = age
        task.last_in_progress = age
        if not estimator.confident or task.resumed:
            # Nothing known yet: look again at an age growing geometrically. A resumed task
            # probes for itself alone (what it learns teaches no one): it doubles.
            growth = self.probe_growth(1 if task.resumed else peers)
            task.next_poll = task.started + max(growth * age, age + self._interval())
            return False
        gap = max((BUSY_GAP if blocked else IDLE_GAP) * estimator.expected(), self._interval())
        if self.overdue(task, age):
            # What was learned does not hold for this task: back off like a probe.
            task.next_poll = task.started + max(self.probe_growth(peers) * age, age + gap)
            return True
        # The longer a task has been seen running, the longer to its next look (a task just
        # past the learned latency is looked at again soon; one far past it, rarely).
        running = age - (task.running_at if task.running_at is not None else age)
        task.next_poll = task.started + age + max(gap, BACKOFF * running)
        return False

    def overdue(self, task: Timed, age: float) -> bool:
        """Whether ``task``, still running at ``age``, has outlived what was learned (see
        `OVERDUE`): by that multiple of the learned latency, or of the age it was first
        seen running at (the estimate may have crept up meanwhile)."""
        estimator = self.estimator(task.operation)
        if not estimator.confident or task.resumed or task.push_until is not None:
            return False
        first = task.running_at if task.running_at is not None else age
        return age > OVERDUE * min(estimator.expected(), first)

    def after_failure(self, task: Timed, now: float) -> None:
        """A poll failed in a way worth trying again: look again a little later."""
        task.next_poll = now + max(1.0, 0.5 * self.estimator(task.operation).expected())
