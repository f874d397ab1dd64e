"""Duplicates that differ only in Unicode form (composed or decomposed accents, full-width
letters) or case are one input: sent once, and every copy gets the original's answer.

The matcher already compares echoed names and URLs in NFKC, case-folded (`matching`): a batch
answer cannot tell such inputs apart, so starting them as two inputs paid twice for what the
runner itself treats as one name. The sandbox, one account, counts the starts.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from snov_async import SnovClient
from snov_async.sandbox import Sandbox

ACCOUNT = ("acct-u", "secret-u")


def forms(text: str) -> list[str]:
    """``text`` composed, decomposed, upper-cased and with full-width ASCII letters."""
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    return [
        unicodedata.normalize("NFC", text),
        unicodedata.normalize("NFD", text),
        unicodedata.normalize("NFD", text.upper()),
        wide,
    ]


async def run(body: Any) -> tuple[list[Any], dict[tuple[str, str], int]]:
    async with Sandbox(accounts=[ACCOUNT], rate_limit=None, task_latency=0.05) as sb:
        async with SnovClient(
            *ACCOUNT, base_url=sb.base_url, initial_task_latency=0.05, requests_per_minute=6000
        ) as snov:
            results = await body(snov)
        return results, dict(sb.stats_for(ACCOUNT[0]).starts_per_input)


def one_answer(results: list[Any], starts: dict[tuple[str, str], int], n: int) -> None:
    assert len(results) == n and all(r.ok for r in results), [r.error for r in results]
    assert len(starts) == 1, f"{len(starts)} inputs started for one: {sorted(starts)}"
    assert len({r.task_hash for r in results}) == 1  # every copy has the original's answer
    assert [r.index for r in results] == list(range(n))


async def test_a_person_in_another_unicode_form_is_found_once() -> None:
    rows = [(first, "Doe", "acme.com") for first in forms("José")]
    results, starts = await run(lambda snov: snov.email_finder.find_emails(rows))
    one_answer(results, starts, len(rows))
    assert len({tuple(e.email for e in r.emails) for r in results}) == 1


async def test_a_company_in_another_unicode_form_is_looked_up_once() -> None:
    names = forms("Café Noir")
    results, starts = await run(lambda snov: snov.email_finder.company_domains(names))
    one_answer(results, starts, len(names))


async def test_a_profile_url_in_another_unicode_form_is_enriched_once() -> None:
    urls = [f"https://www.linkedin.com/in/{handle}/" for handle in forms("josé-doe")[:3]]
    results, starts = await run(lambda snov: snov.enrichment.linkedin_profiles(urls))
    one_answer(results, starts, len(urls))
