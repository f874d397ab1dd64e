"""What a second adversarial pass found past the table of `test_arguments`: values that pass
its checks but cannot be sent (lone surrogates), texts only length-checked, a float taken for
an integer choice, arguments silently ignored or never checked, an unbounded retry count, public
constructors that crash untyped, and a token answer whose lifetime overflows a float."""

from __future__ import annotations

import contextlib
import datetime
import enum
import logging
import math
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aioresponses import aioresponses

from snov_async import (
    ConfigurationError,
    EvenPacer,
    RetryPolicy,
    SnovClient,
    SnovError,
    ValidationError,
)
from snov_async.models.email_finder import NameDomain
from snov_async.sandbox import Sandbox, SandboxConfig
from tests.helpers import BALANCE_URL, CLIENT_ID, CLIENT_SECRET, TOKEN_URL

from .support import invoke, recorded, sent
from .test_arguments import TABLE, method_of

LONE = "a\ud800b"  # a lone surrogate: not encodable as UTF-8, so it cannot go on the wire

# (method, parameter, the parameter's value with a lone surrogate, the field named)
SURROGATES: list[tuple[str, str, Any, str]] = [
    ("prospects.create_list", "name", LONE, "name"),
    ("prospects.add_to_list", "first_name", LONE, "first_name"),
    ("prospects.add_to_list", "position", LONE, "position"),
    ("prospects.add_to_list", "company_name", LONE, "company_name"),
    ("prospects.add_to_list", "linkedin", "https://linkedin.com/in/" + LONE, "linkedin"),
    ("prospects.add_to_list", "phones", [LONE], "phones"),
    ("prospects.add_to_list", "custom_fields", {"k": LONE}, "custom_fields"),
    ("prospects.add_to_list", "custom_fields", {LONE: "v"}, "custom_fields"),
    ("domain_search.prospects", "positions", [LONE], "positions"),
    ("email_finder.start_company_domains", "names", [LONE], "names"),
    ("verification.start_verify", "emails", [LONE], "emails"),
    ("senders.update", "sender_name", LONE, "sender_name"),
    ("senders.update", "password", LONE, "password"),
    ("senders.update", "signature", LONE, "signature"),
    ("senders.update", "tags", [LONE], "tags"),
    ("campaigns.update", "title", LONE, "title"),
    # Passed on as given: caught by the HTTP core's last check, before a slot or a token.
    ("campaigns.update", "sending_settings", {"k": LONE}, "sending_settings"),
    ("campaigns.update", "recipients", {LONE: 1}, "recipients"),
    ("campaigns.create_content", "subject", LONE, "subject"),
    ("campaigns.create_content", "body", LONE, "body"),
    ("warmup.update", "subject", LONE, "subject"),
    ("warmup.update", "template_name", LONE, "template_name"),
]


@pytest.mark.parametrize(
    ("name", "param", "value", "field"),
    SURROGATES,
    ids=[f"{n}:{p}:{i}" for i, (n, p, _, _) in enumerate(SURROGATES)],
)
async def test_a_lone_surrogate_is_refused_unsent(
    name: str, param: str, value: Any, field: str
) -> None:
    good, _, _ = TABLE[name]
    async with recorded() as (snov, mocked):
        with pytest.raises(ValidationError) as info:
            await invoke(method_of(snov, name), **{**good, param: value})
        assert sent(mocked) == []
    assert (info.value.field or "").split(".")[0].split("[")[0] == field, str(info.value)


async def test_a_lone_surrogate_was_an_untyped_crash_on_the_wire() -> None:
    """What the user saw before: a bare UnicodeEncodeError after the token was fetched, from
    the form encoder; in a bulk call, the whole batch failed with the good names in it."""
    async with (
        Sandbox(SandboxConfig(rate_limit=None, task_latency=0.0)) as sb,
        SnovClient("id", "secret", base_url=sb.base_url, retry=RetryPolicy(max_attempts=1)) as snov,
    ):
        with pytest.raises(ValidationError):
            await snov.prospects.create_list("Leads" + LONE)
        found = await snov.email_finder.company_domains(["Acme" + LONE, "Octo"])
        assert isinstance(found[0].error, ValidationError)
        assert found[1].error is None, found[1].error


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("Jo" + LONE, "first_name"),
        ("acme.com\u200b", "domain"),
        ("\uff41\uff43\uff4d\uff45.com", "domain"),  # fullwidth "acme"
    ],
)
async def test_bulk_rows_with_unsendable_or_lookalike_text_get_a_per_item_error(
    value: str, field: str
) -> None:
    row = NameDomain(
        value if field == "first_name" else "Jo", "Doe", value if field == "domain" else "acme.com"
    )
    async with recorded() as (snov, mocked):
        (result,) = await snov.email_finder.find_emails([row])
        assert isinstance(result.error, ValidationError), result
        assert sent(mocked) == []


@pytest.mark.parametrize("field", ["subject", "body"])
@pytest.mark.parametrize("value", ["   ", "a\x00b", "a\x1bb"])
async def test_warmup_subject_and_body_are_checked_as_texts(field: str, value: str) -> None:
    async with recorded() as (snov, mocked):
        with pytest.raises(ValidationError) as info:
            await snov.warmup.update(1, **{field: value})
        assert sent(mocked) == []
    assert info.value.field == field


@pytest.mark.parametrize("value", [1.0, 3.0, 6.0])
async def test_a_float_is_not_an_integer_choice(value: float) -> None:
    async with recorded() as (snov, mocked):
        with pytest.raises(ValidationError) as info:
            await snov.campaigns.update(1, archive_in_months=value)
        assert sent(mocked) == []
    assert info.value.field == "archive_in_months"


@pytest.mark.parametrize(
    "dates",
    [
        {"date_from": "yesterday", "date_to": "2024-01-01"},
        {"date_from": datetime.date(2024, 1, 2), "date_to": None},
        {"date_from": datetime.date(2024, 1, 1), "date_to": datetime.date(2024, 1, 2)},
    ],
)
async def test_warmup_statistics_refuses_dates_next_to_a_period(dates: dict[str, Any]) -> None:
    """Given with ``period``, the dates were dropped unchecked: the user asked for a range
    and silently got the period."""
    async with recorded() as (snov, mocked):
        with pytest.raises(ValidationError) as info:
            await snov.warmup.statistics(1, period="month", **dates)
        assert sent(mocked) == []
    assert info.value.field in ("period", "date_from", "date_to")


COLLECTS = [
    "verification.collect",
    "email_finder.collect_emails",
    "email_finder.collect_domains",
    "enrichment.collect_profiles",
]


@pytest.mark.parametrize("name", COLLECTS)
@pytest.mark.parametrize("progress", [5, "print", True])
async def test_a_collect_refuses_a_progress_that_is_not_callable(name: str, progress: Any) -> None:
    """The other bulk methods refuse it; a collect took it and logged a TypeError from the
    runner at every progress report."""
    good, _, _ = TABLE[name]
    async with recorded() as (snov, mocked):
        with pytest.raises(ValidationError) as info:
            await invoke(method_of(snov, name), **good, progress=progress)
        assert sent(mocked) == []
    assert info.value.field == "progress"


@pytest.mark.parametrize("retries", [100, 10**9, 2**63])
def test_with_options_bounds_retries_as_the_constructor_does(retries: int) -> None:
    """The constructor allows at most 100 attempts; ``with_options(max_retries=10**9)``
    used to make a call retry a billion times."""
    snov = SnovClient("id", "secret")
    with pytest.raises(ConfigurationError) as info:
        snov.with_options(max_retries=retries)
    assert info.value.field == "max_retries"
    view = snov.with_options(max_retries=99)._http
    assert view._call_retry.max_attempts == 100  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"requests_per_minute": True}, "requests_per_minute"),
        ({"requests_per_minute": 60, "burst": True}, "burst"),
        ({"requests_per_minute": 60, "margin": "0.1"}, "margin"),
        ({"requests_per_minute": 60, "margin": None}, "margin"),
        ({"requests_per_minute": 60, "margin": math.nan}, "margin"),
    ],
)
def test_an_even_pacer_refuses_bad_settings_with_a_configuration_error(
    kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        EvenPacer(**kwargs)
    assert info.value.field == field


@pytest.mark.parametrize("expires_in", [10**400, -(10**400), True, [3600], "1e999"])
async def test_a_token_lifetime_beyond_a_float_is_clamped_not_a_crash(
    expires_in: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with aioresponses() as mocked:
        body = {"access_token": "tok-long-enough-0000", "expires_in": expires_in}
        mocked.post(TOKEN_URL, payload=body, repeat=True)
        mocked.get(BALANCE_URL, payload={"success": True, "data": {"balance": "1"}}, repeat=True)
        async with SnovClient(CLIENT_ID, CLIENT_SECRET, requests_per_minute=60_000) as snov:
            with caplog.at_level(logging.WARNING, logger="snov_async"):
                await snov.account.balance()
                await snov.account.balance()
            left = snov._http.tokens._expires_at - snov._http.tokens._loop.time()  # type: ignore[union-attr]
    assert 0 < left <= 24 * 3600  # within the clamp (less the refresh margin)
    assert any("expires_in" in r.getMessage() for r in caplog.records)  # and said so


class Period(str, enum.Enum):
    """An application's own enum of API values: ``str()`` of a member is ``Period.MONTH``."""

    MONTH = "month"
    PAUSED = "Paused"


class LegacyInt(int):
    """An int whose ``str()`` is not its digits, as an ``IntEnum`` member's on Python 3.10."""

    def __str__(self) -> str:
        return "LegacyInt.TWO"


@pytest.fixture
async def echo() -> AsyncIterator[tuple[list[str], str]]:
    """A server recording each API request as ``PATH?QUERY BODY``."""
    seen: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        if request.path == "/v1/oauth/access_token":
            return web.json_response({"access_token": "tok-" + "a" * 28, "expires_in": 3600})
        seen.append(f"{request.path_qs} {await request.text()}")
        return web.json_response({"success": True, "data": {"task_hash": "h1"}})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield seen, f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("name", "kwargs", "expected"),
    [
        ("warmup.statistics", {"warmup_id": 1, "period": Period.MONTH}, "period=month"),
        (
            "recipients.change_status",
            {"campaign_id": 1, "email": "jo@acme.com", "status": Period.PAUSED},
            "status=Paused",
        ),
        ("prospects.list_page", {"list_id": 1, "page": LegacyInt(2)}, "page=2"),
        ("domain_search.prospects", {"domain": "acme.com", "page": LegacyInt(2)}, "page=2"),
        (
            "analytics.campaign_analytics",
            {"date_from": "2024-01-01", "date_to": "2024-01-02", "campaign_ids": [LegacyInt(2)]},
            "campaign_id=2",
        ),
    ],
)
async def test_a_checked_value_is_sent_as_checked(
    echo: tuple[list[str], str], name: str, kwargs: dict[str, Any], expected: str
) -> None:
    """The value that passed the check is the one sent: an enum member's value, an int's
    digits (``period=Period.MONTH`` and ``page=LegacyInt.TWO`` went out in queries and forms)."""
    seen, base_url = echo
    async with SnovClient(
        "id", "secret", base_url=base_url, requests_per_minute=60_000, task_timeout=1.0
    ) as snov:
        with contextlib.suppress(SnovError):  # the answer need not fit: what was sent matters
            await invoke(method_of(snov, name), **kwargs)
    assert seen and expected in seen[0], seen
    assert "Period." not in seen[0] and "LegacyInt" not in seen[0]
