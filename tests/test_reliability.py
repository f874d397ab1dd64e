"""A 1,000-item run across the four bulk methods with every fault the sandbox can inject:
every item resolved, nothing started twice, no exception escapes."""

from __future__ import annotations

import asyncio
import collections
from pathlib import Path

from snov_async import RetryPolicy, SnovClient, SnovError
from snov_async.sandbox import Fault, Faults, Sandbox, SandboxConfig

FAULTS = Faults(
    {
        Fault.RATE_LIMIT: 0.03,
        Fault.SERVER_500: 0.03,
        Fault.SERVER_503: 0.02,
        Fault.BAD_GATEWAY_HTML: 0.02,
        Fault.TRUNCATED: 0.02,
        Fault.RESET: 0.02,
        Fault.REVOKE_TOKEN: 0.02,
        Fault.SLOW: 0.01,
    },
    never_complete=0.05,
    slow_seconds=0.05,
    seed=5,
)


async def test_a_thousand_items_under_faults(tmp_path: Path) -> None:
    config = SandboxConfig(rate_limit=None, task_latency=(0.01, 0.05), faults=FAULTS)
    async with (
        Sandbox(config) as sb,
        SnovClient(
            "id",
            "s",
            base_url=sb.base_url,
            requests_per_minute=60_000,
            initial_task_latency=0.02,
            task_timeout=1.0,
            retry=RetryPolicy(backoff_base=0.01, backoff_max=0.05),
            breaker_cool_down=0.2,
            journal=tmp_path / "runs.db",
        ) as snov,
    ):
        v, f, c, p = await asyncio.gather(
            snov.verification.verify([f"user{i}@acme{i % 9}.com" for i in range(250)]),
            snov.email_finder.find_emails(
                [(f"N{i}", f"L{i}", f"firm{i % 40}.com") for i in range(250)]
            ),
            snov.email_finder.company_domains([f"Company {i}" for i in range(250)]),
            snov.enrichment.linkedin_profiles(
                [f"https://www.linkedin.com/in/p{i}/" for i in range(250)]
            ),
        )
    everything = [*v, *f, *c, *p]
    assert len(everything) == 1000
    assert [r.index for r in v] == list(range(250))
    assert all(r.ok or isinstance(r.error, SnovError) for r in everything)
    kinds = collections.Counter(type(r.error).__name__ for r in everything if r.error)
    # Starts whose outcome is unknown are reported, never resent; three in a row stop starting
    # until a probe after the cool-down gets through (else the rest: ServiceFailingError).
    assert set(kinds) <= {"OutcomeUnknownError", "TaskTimeoutError", "ServiceFailingError"}, kinds
    ok = sum(r.ok for r in everything)
    assert ok > 600
    assert sb.stats.double_starts() == {}
    assert sum(sb.stats.faults.values()) > 20  # the faults really happened
