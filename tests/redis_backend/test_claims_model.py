"""The claim model of tests/journal/test_claims_model.py, run against the Redis journal's Lua
scripts (leases end by renew(0) here: Redis's clock cannot be moved)."""

from __future__ import annotations

import secrets

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from snov_async.journal import Journal
from snov_async.journal.redis import RedisJournal
from tests.journal.test_claims_model import ClaimMachine


def test_the_redis_journal_follows_the_claim_model(redis_url: str) -> None:
    class RedisClaimMachine(ClaimMachine):
        REAL_TIME = True

        def open(self) -> Journal:
            return RedisJournal(redis_url, prefix=f"model:{secrets.token_hex(6)}")

    run_state_machine_as_test(
        RedisClaimMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
