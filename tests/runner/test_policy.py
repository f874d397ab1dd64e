"""PollPolicy and LatencyEstimator on plain numbers: when a task is due, what each answer
teaches, and how many tasks to keep in flight."""

from __future__ import annotations

import itertools
import math
import random

import attrs
import pytest

from snov_async._runner.policy import (
    BUSY_GAP,
    IDLE_GAP,
    LATE_FACTOR,
    OVERDUE,
    UP,
    LatencyEstimator,
    PollPolicy,
    in_flight_target,
)


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
    first_due: float | None = None
    guess: float | None = None
    running_at: float | None = None


def policy(interval: float = 1.0, initial: float = 3.0) -> PollPolicy:
    return PollPolicy(initial, lambda: interval)


# The estimator ------------------------------------------------------------------------------


def test_before_a_completion_only_lower_bounds_are_known() -> None:
    est = LatencyEstimator(2.0)
    assert est.expected() == 2.0 and not est.confident
    est.in_progress(4.0)  # still running at 4 s: it takes longer
    assert est.expected() == pytest.approx(5.2)
    est.completed(8.0, last_in_progress=4.0)
    assert est.confident
    # Done somewhere in (4, 8]: lean late, three quarters of the way.
    assert est.expected() == pytest.approx(7.0)
    assert est.late() == pytest.approx(7.0 * LATE_FACTOR)


@pytest.mark.parametrize("latency", [(0.7, 1.3), (5.0, 15.0), (40.0, 41.0)])
def test_the_estimate_settles_near_the_085_quantile_of_the_latency(
    latency: tuple[float, float],
) -> None:
    rng = random.Random(4)
    low, high = latency
    est = LatencyEstimator(0.1)
    est.completed(high * 3, last_in_progress=None)  # a first, rough completion, far off
    seen = []
    for _ in range(100):  # waves of 10 tasks, each first polled at the estimate
        at = est.expected()
        for _ in range(10):
            true = rng.uniform(low, high)
            if true <= at:
                est.completed(at, last_in_progress=None, on_time_first=True)
            else:  # looked at again soon after (the idle gap): a tight interval
                gap = 0.05 * at
                seen_done = at + gap * math.ceil((true - at) / gap)
                est.completed(seen_done, last_in_progress=seen_done - gap)
        seen.append(est.expected())
    settled = sorted(seen[-50:])[25]
    assert settled == pytest.approx(low + 0.85 * (high - low), rel=0.08)


def test_late_first_polls_teach_nothing() -> None:
    est = LatencyEstimator(1.0)
    est.completed(2.0, last_in_progress=None)
    before = est.expected()
    est.completed(50.0, last_in_progress=None)  # polled late: not an on-time first poll
    est.in_progress(3.0)
    assert est.expected() == before


def test_a_wave_of_answers_moves_the_estimate_once() -> None:
    est = LatencyEstimator(1.0)
    est.completed(4.0, last_in_progress=2.0)  # learned 3.5
    for _ in range(20):  # 20 tasks polled together at 3.5, all still running, done at 4
        est.completed(4.0, last_in_progress=3.5)
    assert est.expected() == pytest.approx(3.875)  # not 3.5 * 1.2 ** 20


# When a task is due --------------------------------------------------------------------------


def test_until_a_completion_only_the_oldest_probes_on_a_doubling_schedule() -> None:
    p = policy()
    oldest, other = FakeTask(), FakeTask(started=101.0)
    assert p.first_due(oldest, probe=True) == 100.0 + 1.5  # half the initial guess
    assert p.first_due(oldest, probe=True, blocked=True) == 100.0 + 2.0  # two intervals
    oldest.polls = 1
    p.in_progress(oldest, 1.5)
    assert oldest.next_poll == 100.0 + 3.0  # doubled
    # The others wait for the probe: at least the initial guess, and twice what it learned.
    assert p.first_due(other) >= 101.0 + 3.0


def test_after_a_completion_tasks_are_due_at_the_learned_latency_late_when_busy() -> None:
    p = policy()
    p.estimator("op").completed(2.0, last_in_progress=None)
    learned = p.estimator("op").expected()
    assert learned == pytest.approx(1.8)
    fresh = FakeTask(started=200.0)
    assert p.first_due(fresh) == pytest.approx(200.0 + learned)
    assert p.first_due(fresh, blocked=True) == pytest.approx(200.0 + learned * LATE_FACTOR)


def test_a_running_task_is_looked_at_again_soon_when_idle_later_when_busy() -> None:
    p = policy(interval=0.01)
    p.estimator("op").completed(10.0, last_in_progress=None)
    expected = p.estimator("op").expected()
    # Second polls (a first one would also teach the estimator that tasks run longer).
    idle = FakeTask(polls=2, last_in_progress=5.0)
    busy = FakeTask(polls=2, last_in_progress=5.0)
    p.in_progress(idle, 9.5)
    p.in_progress(busy, 9.5, blocked=True)
    assert idle.next_poll == pytest.approx(100.0 + 9.5 + IDLE_GAP * expected)
    assert busy.next_poll == pytest.approx(100.0 + 9.5 + BUSY_GAP * expected)


def test_an_on_time_first_poll_teaches_a_late_one_does_not() -> None:
    p = policy(interval=0.01)
    est = p.estimator("op")
    est.completed(10.0, last_in_progress=None)
    q = est.expected()
    late = FakeTask(polls=1, first_due=q)
    p.completed(late, age=q * 3, due_age=q)  # sent far past its due age
    assert est.expected() == q
    for _ in range(6):  # done each time it is first polled, on time: probe a little earlier
        p.completed(FakeTask(polls=1, first_due=q), age=q, due_age=q)
    assert est.expected() == pytest.approx(0.9 * q)


def test_the_deadline_caps_every_due_time() -> None:
    p = policy()
    t = FakeTask(deadline=101.0)
    assert p.first_due(t) == 101.0
    t.next_poll = 500.0
    assert p.due(t) == 101.0


def test_a_resumed_task_is_polled_at_once_and_teaches_nothing() -> None:
    p = policy()
    t = FakeTask(resumed=True, next_poll=100.0)
    assert p.due(t) == 100.0
    t.polls = 1
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


# How many in flight ----------------------------------------------------------------------------


def test_in_flight_follows_littles_law_with_headroom() -> None:
    assert in_flight_target(1.0, 60.0) == 100  # 1 start/s x 60 s x 1.5, + 10
    assert in_flight_target(20.0, 8.0) == 250
    assert in_flight_target(1.0, 0.0) == 10
    assert in_flight_target(float("inf"), 5.0) == 10  # no rate known: the floor


def test_a_running_tasks_stand_in_sample_is_retracted_when_it_completes() -> None:
    """A first poll finding the task running adds ``UP * age`` as a stand-in; once the task
    completes, its completion is the sample and the stand-in goes: one task, one sample."""
    p = policy(interval=0.05)
    est = p.estimator("op")
    est.completed(10.0, last_in_progress=9.0)  # confident: one sample, 9.75
    t = FakeTask(started=100.0, polls=1)
    p.in_progress(t, age=10.0)
    assert t.guess == pytest.approx(10.0 * UP)
    assert sorted(est._samples) == [pytest.approx(9.75), pytest.approx(11.0)]
    t.polls = 2
    p.completed(t, age=10.4, due_age=10.4)  # done between 10.0 and 10.4
    assert t.guess is None
    assert sorted(est._samples) == [pytest.approx(9.75), pytest.approx(10.3)]
    assert est.expected() == pytest.approx(10.3)  # not 11.0: above every real latency


def test_a_stand_in_that_already_left_the_window_is_not_missed() -> None:
    est = LatencyEstimator(1.0)
    est.completed(1.0, last_in_progress=0.5)
    sample = est.in_progress(2.0, first=True)
    assert sample is not None
    for _ in range(40):  # the window keeps the latest 32
        est.completed(1.0, last_in_progress=None, on_time_first=True)
    est.retract(sample)  # gone already: nothing to do, no error
    assert len(est._samples) == 32


@pytest.mark.parametrize("waiting", [30, 45, 60, 100, 200, 1000])
def test_the_probe_searches_120x_within_the_request_budget(waiting: int) -> None:
    """Latency-bound work may spend 1.3x the minimum requests: about 0.6 wasted polls per
    waiting task. The probe's growth lets it search ages over a factor of 120 within that,
    and no faster than it needs (a coarser probe overshoots: every waiting task ends late)."""
    growth = PollPolicy.probe_growth(waiting)
    polls = math.ceil(math.log(120) / math.log(growth))
    assert polls <= 0.6 * waiting + 1
    assert growth <= 1.31  # 30 waiting: 31 % steps at most; 60: 14 %; 100: 8.3 %


def test_with_few_tasks_waiting_the_probe_doubles() -> None:
    assert PollPolicy.probe_growth(1) == PollPolicy.probe_growth(10) == 2.0


def test_a_resumed_task_sets_no_stand_in_and_leaves_the_estimate_alone() -> None:
    """A resumed task learns into a throwaway estimator: a first poll finding it running
    sets no stand-in (nothing to retract later against the operation's estimator), and its
    completion changes nothing the operation learned."""
    p = policy(interval=0.05)
    est = p.estimator("op")
    est.completed(10.0, last_in_progress=9.0)
    before = list(est._samples)
    t = FakeTask(started=100.0, polls=1, resumed=True)
    p.in_progress(t, age=50.0, peers=5)
    assert t.guess is None
    t.polls = 2
    p.completed(t, age=80.0, due_age=80.0)
    assert list(est._samples) == before and est.completions == 1


def test_a_stand_in_retracted_after_it_left_the_window_takes_an_equal_one_early() -> None:
    """`retract` removes by value. When a task's stand-in already left the window and
    another running task's stand-in has the same value, the first completion takes the
    other one's stand-in out early; once both have completed the window holds what it
    would have held had each taken back its own: the mix-up is temporary."""
    est = LatencyEstimator(1.0)
    est.completed(1.0, last_in_progress=0.5)
    a = est.in_progress(2.0, first=True)  # task A, still running at 2.0
    for _ in range(31):  # the 32-sample window fills: A's stand-in is now the oldest
        est.completed(1.0, last_in_progress=None, on_time_first=True)
    b = est.in_progress(2.0, first=True)  # task B, running at the same age, pushes it out
    assert a is not None and a == b and est._samples.count(a) == 1
    est.retract(a)  # A completes ...
    est.completed(2.4, last_in_progress=2.0)
    assert b not in est._samples  # ... and B's stand-in went with it, B still running
    est.retract(b)  # B completes: nothing of its own left to take back
    est.completed(2.8, last_in_progress=2.0)
    assert sorted(est._samples)[-2:] == [pytest.approx(2.3), pytest.approx(2.6)]
    assert len(est._samples) == 32


# A task that outlives what was learned ------------------------------------------------------


def learned(p: PollPolicy, latency: float) -> None:
    """Teach ``p`` that tasks of "op" take ``latency`` (ten on-time completions)."""
    for _ in range(10):
        p.estimator("op").completed(latency, last_in_progress=None, on_time_first=True)


def test_the_running_part_of_a_tasks_age_doubles_between_looks() -> None:
    p = policy(interval=0.1)
    learned(p, 1.0)  # expected: 0.9 s
    task = FakeTask(started=0.0, polls=1)
    ages = [0.9]
    for _ in range(5):
        p.in_progress(task, ages[-1], peers=10)
        assert task.next_poll is not None
        ages.append(task.next_poll - task.started)
        task.polls += 1
    # first seen running at 0.9: looked at again soon (5 % of the latency, at least an
    # interval), then each gap at least the time it has been seen running
    assert ages[1] == pytest.approx(1.0)
    running = [a - ages[0] for a in ages]
    for before, after in itertools.pairwise(running[1:]):
        assert after >= 2 * before - 1e-9
    assert not p.overdue(task, ages[2])


def test_an_overdue_task_backs_off_like_a_probe_and_only_one_probes() -> None:
    p = policy(interval=0.1)
    learned(p, 1.0)
    expected = p.estimator("op").expected()
    task = FakeTask(started=0.0, polls=3, running_at=expected)
    age = OVERDUE * expected + 0.1
    assert p.overdue(task, age)
    p.in_progress(task, age, peers=20)
    assert task.next_poll == pytest.approx(p.probe_growth(20) * age)
    # resumed and pushed tasks are never taken for overdue: they learned nothing
    assert not p.overdue(FakeTask(started=0.0, resumed=True, running_at=0.5), 100.0)
    assert not p.overdue(FakeTask(started=0.0, push_until=5.0, running_at=0.5), 100.0)
    # nor is anything before a first completion (the cold-start probe handles that)
    assert not policy().overdue(FakeTask(started=0.0, running_at=0.5), 100.0)


def test_overdue_counts_from_the_age_first_seen_running_when_the_estimate_crept_up() -> None:
    p = policy(interval=0.1)
    learned(p, 10.0)  # the estimate rose since this task was first seen running at 1 s
    task = FakeTask(started=0.0, polls=4, running_at=1.0, last_in_progress=2.0)
    assert p.overdue(task, 3.5) and not p.overdue(task, 2.9)
