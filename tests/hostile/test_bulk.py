"""Bulk methods never raise for one bad input: each gets its own `ValidationError` result,
is never sent, and the good inputs of the same call still go out."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aioresponses import aioresponses

from snov_async import SnovClient, ValidationError
from snov_async._retry import RetryPolicy
from snov_async.models.email_finder import NameDomain

from .support import recorded, sent

HUGE = "x" * 1_000_000
COMMON = [
    None,
    5,
    1.5,
    True,
    b"bytes",
    bytearray(b"x"),
    ["nested"],
    {"a": 1},
    object(),
    "",
    "  ",
    HUGE,
    "a\x00b",
]
BAD: dict[str, list[Any]] = {
    "verification.verify": [
        *COMMON,
        "not-an-email",
        "\u212aate@acme.com",  # a Kelvin sign: lower() would make it kate@acme.com
        "jo@xn--bcher-kva.de\u0131",
        "\uff4a\uff4f@acme.com",
        "jo@acme",
        "a" * 65 + "@acme.com",
        "jo@" + "a" * 250 + ".com",
    ],
    "email_finder.find_emails": [
        *COMMON,
        ("Jo", "Doe", "http://[::1"),
        ("Jo", "Doe", "https://[acme.com"),
        ("Jo", "Doe", "bücher.de"),
        ("Jo", "Doe"),
        ("Jo", "", "acme.com"),
        ("x" * 101, "Doe", "acme.com"),
        (None, "Doe", "acme.com"),
        {"first_name": "Jo", "last_name": "Doe"},
        {"first_name": "Jo", "last_name": "Doe", "domain": "\u212a.com"},
        NameDomain("Jo", "Doe", HUGE),
        b"Jo,Doe,acme.com",
    ],
    "email_finder.company_domains": [*COMMON, "x" * 256, "Acme\x07"],
    "enrichment.linkedin_profiles": [
        *COMMON,
        "https://[linkedin.com/in/x",
        "https://lin\u212aedin.com/in/x",
        "https://linkedin.com:99999/in/x",
        "https://evil.com/in/x",
        "https://linkedin.com.evil.com/in/x",
        "javascript://linkedin.com/in/x",
        "https://www.linkedin.com/in/" + "x" * 101,
        "https://www.linkedin.com/company/acme",
    ],
}
GOOD = {
    "verification.verify": "jo@acme.com",
    "email_finder.find_emails": ("Jo", "Doe", "acme.com"),
    "email_finder.company_domains": "Acme",
    "enrichment.linkedin_profiles": "linkedin.com/in/jo",
}


def method(snov: SnovClient, name: str) -> Any:
    section, attr = name.split(".")
    return getattr(getattr(snov, section), attr)


def test_the_suite_holds_many_cases() -> None:
    assert sum(len(v) for v in BAD.values()) >= 80


@pytest.mark.parametrize("name", sorted(BAD))
async def test_every_bad_input_gets_its_own_error_and_nothing_is_sent(name: str) -> None:
    async with recorded() as (snov, mocked):
        results = await method(snov, name)(BAD[name])
        assert sent(mocked) == []
    assert len(results) == len(BAD[name])
    for result, raw in zip(results, BAD[name], strict=True):
        assert isinstance(result.error, ValidationError), (raw, result)
        assert len(str(result.error)) < 500


async def lazily(items: list[Any]) -> AsyncIterator[Any]:
    for item in items:
        yield item


@pytest.mark.parametrize("name", sorted(BAD))
async def test_bad_inputs_from_an_async_iterator_do_not_stop_the_stream(name: str) -> None:
    async with recorded() as (snov, mocked):
        found = [r async for r in method(snov, f"{name}_iter")(lazily(BAD[name]))]
        assert sent(mocked) == []
    assert len(found) == len(BAD[name])
    assert all(isinstance(r.error, ValidationError) for r in found)


SENT = {
    "verification.verify": "jo@acme.com",
    "email_finder.find_emails": "acme.com",
    "email_finder.company_domains": "Acme",
    "enrichment.linkedin_profiles": "linkedin.com/in/jo",
}
START = {
    "verification.verify": "/v2/email-verification/start",
    "email_finder.find_emails": "/v2/emails-by-domain-by-name/start",
    "email_finder.company_domains": "/v2/company-domain-by-name/start",
    "enrichment.linkedin_profiles": "/v2/li-profiles-by-urls/start",
}


@pytest.mark.parametrize("name", sorted(BAD))
async def test_good_inputs_beside_bad_ones_still_go_out_alone(name: str) -> None:
    base = "https://api.snov.io"
    inputs = [BAD[name][6], GOOD[name], BAD[name][-1]]
    with aioresponses() as mocked:
        mocked.post(
            f"{base}/v1/oauth/access_token", payload={"access_token": "t", "expires_in": 3600}
        )
        mocked.post(f"{base}{START[name]}", status=400, payload={"errors": ["refused"]})
        async with SnovClient(
            "id", "secret", retry=RetryPolicy(max_attempts=1), requests_per_minute=60_000
        ) as snov:
            results = await method(snov, name)(inputs)
        starts = [
            r for (m, u), rs in mocked.requests.items() if str(u).endswith(START[name]) for r in rs
        ]
    assert isinstance(results[0].error, ValidationError)
    assert isinstance(results[2].error, ValidationError)
    assert "refused" in str(results[1].error)  # sent, and answered by the server
    assert len(starts) == 1
    body = json.dumps(starts[0].kwargs.get("json") or starts[0].kwargs.get("data"), default=str)
    assert SENT[name] in body
    assert "nested" not in body and "x" * 100 not in body
