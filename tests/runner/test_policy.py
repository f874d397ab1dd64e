"""PollPolicy on plain numbers: when a task is due, and what each answer teaches."""

from __future__ import annotations

import attrs

from snov_async._runner.policy import PollPolicy


@attrs.define
class FakeTask:
    operation: str = "op"
    started: float = 100.0
    deadline: float = 700.0
    next_poll: float | None = None
    last_in_progress: float | None = None
    last_poll_age: float = 0.0
    polls: int = 0
    push_until: float | None = None
    resumed: bool = False


def policy(interval: float = 1.0, initial: float = 3.0) -> PollPolicy:
    return PollPolicy(initial, lambda: interval)


def test_until_a_completion_only_the_oldest_probes_on_a_doubling_schedule() -> None:
    p = policy()
    oldest, other = FakeTask(), FakeTask(started=101.0)
    assert p.due(oldest, probe=True) == 100.0 + 1.5  # half the initial guess
    assert p.due(oldest, probe=True, blocked=True) == 100.0 + 2.0  # two intervals
    p.in_progress(oldest, 1.5)
    oldest.last_poll_age = 1.5
    assert p.due(oldest, probe=True) == 100.0 + 3.0  # doubled
    # The others wait for the probe: at least the initial guess, and twice what it learned.
    assert p.due(other, probe=False) >= 101.0 + 3.0


def test_after_a_completion_every_task_is_due_at_the_learned_latency() -> None:
    p = policy()
    t = FakeTask()
    p.completed(t, age=2.0, due_age=2.0)
    learned = p.estimator("op").expected()
    assert learned == 2.0 * 0.9
    fresh = FakeTask(started=200.0)
    assert p.due(fresh) == 200.0 + learned


def test_in_progress_pushes_the_next_poll_later_and_never_past_the_deadline() -> None:
    p = policy(interval=1.0)
    t = FakeTask(deadline=105.0)
    p.completed(FakeTask(), age=2.0, due_age=2.0)
    p.in_progress(t, age=2.0)
    assert t.next_poll is not None and t.next_poll > 102.0
    assert p.due(t) <= 105.0


def test_a_resumed_task_is_polled_at_once_and_teaches_nothing() -> None:
    p = policy()
    t = FakeTask(resumed=True, next_poll=100.0)
    assert p.due(t) == 100.0
    p.completed(t, age=500.0, due_age=500.0)
    assert p.estimator("op").expected() == 3.0 and not p.estimator("op").confident


def test_push_mode_waits_for_the_push_then_polls() -> None:
    p = policy()
    t = FakeTask(push_until=160.0)
    assert p.due(t) == 160.0
    t.deadline = 150.0
    assert p.due(t) == 150.0


def test_failures_back_off_by_half_the_expected_latency_at_least_a_second() -> None:
    p = policy(initial=10.0)
    t = FakeTask()
    p.after_failure(t, now=120.0)
    assert t.next_poll == 125.0
