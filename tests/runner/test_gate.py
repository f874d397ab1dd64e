"""StartBreaker: pure state on times passed in."""

from __future__ import annotations

from snov_async._runner.gate import BreakerState, StartBreaker


def test_three_unknown_outcomes_open_it_until_the_cool_down_then_one_probe() -> None:
    b = StartBreaker(threshold=3, cool_down=30.0)
    for now in (1.0, 2.0):
        assert b.allows(now) and not b.sending()
        assert b.unknown(now, probe=False) is False
    assert b.state is BreakerState.CLOSED
    b.unknown(3.0, probe=False)
    assert b.state is BreakerState.OPEN and b.resumes_at() == 33.0
    assert not b.allows(32.9)
    assert b.allows(33.0) and b.sending()  # the probe
    assert not b.allows(33.1)  # only one probe at a time
    assert b.unknown(40.0, probe=True) is True  # the probe failed: give up on what waits
    assert b.state is BreakerState.OPEN and b.resumes_at() == 70.0


def test_a_definite_answer_closes_it_and_resets_the_count() -> None:
    b = StartBreaker(threshold=3, cool_down=10.0)
    b.unknown(0.0, probe=False)
    b.unknown(0.0, probe=False)
    b.answered()
    b.unknown(1.0, probe=False)
    b.unknown(1.0, probe=False)
    assert b.state is BreakerState.CLOSED  # not three in a row
    b.unknown(1.0, probe=False)
    assert b.allows(11.0) and b.sending()
    b.answered()
    assert b.state is BreakerState.CLOSED and b.allows(11.0) and not b.sending()


def test_threshold_zero_never_opens() -> None:
    b = StartBreaker(threshold=0)
    for n in range(100):
        b.unknown(float(n), probe=False)
    assert b.allows(100.0)
