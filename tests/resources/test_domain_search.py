"""snov.domain_search against the sandbox: single tasks through the runner."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from snov_async import SnovClient, ValidationError
from snov_async.sandbox import Sandbox, SandboxConfig


@pytest.fixture
async def snov() -> AsyncIterator[tuple[Sandbox, SnovClient]]:
    async with (
        Sandbox(SandboxConfig(rate_limit=None, task_latency=0.01)) as sb,
        SnovClient(
            "id",
            "secret",
            base_url=sb.base_url,
            requests_per_minute=60_000,
            initial_task_latency=0.01,
        ) as client,
    ):
        yield sb, client


async def test_company_info_prospects_and_their_emails(
    snov: tuple[Sandbox, SnovClient],
) -> None:
    sb, client = snov
    info = await client.domain_search.company_info("https://www.Snov.io/")
    assert info.domain == "snov.io" and info.company_name == "Snov"
    assert info.prospects_count is not None and info.prospects_count > 0
    assert set(info.links) == {"prospects", "domain_emails", "generic_contacts"}

    page = await client.domain_search.prospects("snov.io")
    assert page.page == 1 and page.total_count == info.prospects_count
    assert 0 < len(page.prospects) <= 20
    assert page.has_next == (info.prospects_count > 20)
    first = page.prospects[0]
    assert first.prospect_hash and first.search_emails_start
    emails = await client.domain_search.prospect_emails(first.search_emails_start)
    assert emails.task_hash and emails.searching_date
    assert sb.stats.requests["POST /v2/domain-search/start"] == 1


async def test_domain_emails_pages_follow_the_cursor(snov: tuple[Sandbox, SnovClient]) -> None:
    _, client = snov
    info = await client.domain_search.company_info("snov.io")
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = await client.domain_search.domain_emails("snov.io", next=cursor)
        seen.extend(page.emails)
        cursor = page.next
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == info.emails_count
    generic = await client.domain_search.generic_contacts("snov.io")
    assert generic.total_count == info.generic_contacts_count
    count = await client.domain_search.emails_count("snov.io")
    assert count.result == info.emails_count and count.webmail is False


async def test_bad_input_is_refused_before_sending(snov: tuple[Sandbox, SnovClient]) -> None:
    sb, client = snov
    with pytest.raises(ValidationError, match="domain"):
        await client.domain_search.company_info("not a domain")
    with pytest.raises(ValidationError) as info:
        await client.domain_search.prospects("snov.io", positions=[f"p{i}" for i in range(11)])
    assert info.value.field == "positions"
    assert sb.stats.total_requests == 0
