"""Every public method x wrong types, boundaries, traversal and unicode: each case is a
`ValidationError` naming the parameter with nothing sent (the aioresponses mock records no
request). Each method's good call is checked to reach the network, so a case fails only
because of the one value it changes."""

from __future__ import annotations

import datetime
import inspect
import math
from collections.abc import Callable
from typing import Any

import pytest

from snov_async import ConfigurationError, SnovClient, SnovError, ValidationError
from snov_async.models.campaigns import CampaignCreate, Email, Goal, Sequence
from snov_async.models.email_finder import NameDomain
from snov_async.models.senders import ConnectionSettings, SenderAccountCreate
from snov_async.models.warmup import WarmUpCreate
from snov_async.resources._base import Resource

from .support import Fresh, invoke, realise, recorded, sent

# Hostile values by kind ------------------------------------------------------------------

HUGE = "x" * 1_000_000  # a 1 MB string
TRAVERSAL = ["..", "../../B?", "/", "?", "#", "%2e%2e", "\x00", "ü", "\uff11", "1/2", " 1"]


def gen(*items: Any) -> Fresh:
    return Fresh(lambda: (i for i in items), f"generator{items!r}")


ID = [None, "1", "abc", 0, -1, 1.5, True, 2**63, [1], math.nan, b"1", *TRAVERSAL]
STEP_ID = [x for x in ID if x not in (None, "1")]  # a step's ref ("1") is a step id
HASH = [
    None,
    5,
    b"abc",
    "",
    "x" * 100_000,
    "a b",
    *[t for t in TRAVERSAL if t != " 1"],
]  # " 1" is trimmed
FLAG = [None, 1, 0, "true", "false"]
EMAIL = [
    None,
    5,
    b"a@acme.com",
    ["a@acme.com"],
    "",
    "  ",
    "not-an-email",
    "\u212aate@acme.com",
    "jo@acme",
    "jo\x00@acme.com",
    "a" * 65 + "@acme.com",
    HUGE,
]
DOMAIN = [
    None,
    5,
    b"acme.com",
    ["acme.com"],
    "",
    "acme",
    "http://[::1",
    "bücher.de",
    "acme.com\x00",
    "../../etc",
    HUGE,
]
DATE = [None, 5, "2024-13-01", "yesterday", "2024-01-01T00:00:00\x00", HUGE]
URL = [
    None,
    5,
    "",
    "ftp://acme.com/x",
    "http://",
    "https://[::1",
    "javascript:alert(1)",
    "https://acme.com/\x00",
    "https://acme.com/" + "a" * 3000,
    "https://acme .com/",
]


def text(limit: int) -> list[Any]:
    """A required single-line text of at most ``limit`` characters."""
    return [None, 5, b"x", ["x"], "", "   ", "x" * (limit + 1), "a\x00b", "a\nb", HUGE]


def ids_list() -> list[Any]:
    return [
        None,
        "1,2",
        b"1",
        ["abc", -1],
        [0],
        [True],
        [1.5],
        list(range(1, 102)),
        gen(1, 2),
        {1: 1},
    ]


def sized_strings(limit: int) -> list[Any]:
    return [
        None,
        5,
        b"a@acme.com",
        {"a": 1},
        gen("a@acme.com"),
        [None],
        [5],
        ["x" * 1001] * 1,
        ["a"] * (limit + 1),
    ]


CAMPAIGN = CampaignCreate(
    title="T",
    priority="low",
    list_id=1,
    sequence=Sequence.linear(Email(content_slots=1), Goal("done")),
    complete_campaign_after_last_step=True,
    archive_in_months=1,
    email_accounts=[1],
    tracking={"open": True},
    sending_settings={},
    provider_matching=False,
)
SMTP = ConnectionSettings("smtp.acme.com", 465, "ssl")
SENDER = SenderAccountCreate("Jo", "jo@acme.com", "pw", SMTP)
WARMUP = WarmUpCreate(1, per_day=10, from_=1, increase=1)
TODAY = datetime.date(2024, 1, 10)
ROW = NameDomain("Jo", "Doe", "acme.com")
BULK = [
    None,
    5,
    1.5,
    "jo@acme.com",
    b"jo@acme.com",
    bytearray(b"x"),
    {"email": "jo@acme.com"},
    object(),
]
TASK = "0123456789abcdef0123456789abcdef"
#: What a collect's inputs (the 1 to 10 inputs of one task) must not be.
COLLECT = [5, "x", b"x", {"a": 1}, [], ["x"] * 11, gen("x")]

# method -> (good keyword arguments, {parameter: hostile values}, {parameter: field named})
Table = dict[str, tuple[dict[str, Any], dict[str, list[Any]], dict[str, str]]]
TABLE: Table = {
    # domain search
    "domain_search.company_info": ({"domain": "acme.com"}, {"domain": DOMAIN}, {}),
    "domain_search.prospects": (
        {"domain": "acme.com", "positions": ["CEO"], "page": 1},
        {
            "domain": DOMAIN,
            "positions": [
                5,
                b"CEO",
                {"a": 1},
                gen("CEO"),
                ["CEO"] * 11,
                [5],
                ["x" * 256],
                ["a\x00"],
            ],
            "page": [0, -1, None, "1", 1.5, True, 10**9],
        },
        {},
    ),
    "domain_search.prospect_emails": (
        {"prospect": "a" * 64},
        {
            "prospect": [
                *HASH,
                "https://evil.example/x/../../B",
                "https://api.snov.io/v2/other/" + "a" * 10,
            ]
        },
        {"prospect": "prospect_hash"},
    ),
    "domain_search.domain_emails": (
        {"domain": "acme.com", "next": "abc123"},
        {"domain": DOMAIN, "next": [5, b"x", "../x", "a?b", "x" * 2000, "\x00"]},
        {},
    ),
    "domain_search.generic_contacts": (
        {"domain": "acme.com"},
        {"domain": DOMAIN, "next": [5, "a/b", "#", "x" * 2000]},
        {},
    ),
    "domain_search.iter_prospects": (
        {"domain": "acme.com"},
        {"domain": DOMAIN, "positions": [5, ["CEO"] * 11]},
        {},
    ),
    "domain_search.iter_domain_emails": ({"domain": "acme.com"}, {"domain": DOMAIN}, {}),
    "domain_search.iter_generic_contacts": ({"domain": "acme.com"}, {"domain": DOMAIN}, {}),
    "domain_search.emails_count": ({"domain": "acme.com"}, {"domain": DOMAIN}, {}),
    # verification, finder, enrichment: bulk inputs and low-level starts/results
    "verification.verify": (
        {"emails": ["jo@acme.com"]},
        {"emails": BULK, "progress": [5, "print"]},
        {},
    ),
    "verification.verify_iter": (
        {"emails": ["jo@acme.com"]},
        {"emails": BULK, "progress": [5]},
        {},
    ),
    "verification.start_verify": (
        {"emails": ["jo@acme.com"]},
        {
            "emails": [
                None,
                "jo@acme.com",
                gen("jo@acme.com"),
                [],
                ["jo@acme.com"] * 11,
                # The server judges an address's format at the low-level start (issue 11,
                # item 5): "bad" and a Kelvin-sign address are sent; only what cannot be is not.
                [""],
                ["jo\x00@acme.com"],
                [None],
            ],
            "webhook_url": URL[1:],
        },
        {},
    ),
    "verification.verify_result": ({"task_hash": TASK}, {"task_hash": HASH}, {}),
    "verification.collect": ({"task_hash": TASK}, {"task_hash": HASH, "emails": COLLECT}, {}),
    "email_finder.find_emails": ({"rows": [ROW]}, {"rows": [*BULK, ROW]}, {}),
    "email_finder.find_emails_iter": ({"rows": [ROW]}, {"rows": BULK}, {}),
    "email_finder.start_find_emails": (
        {"rows": [ROW]},
        {
            "rows": [
                None,
                ROW,
                {"first_name": "a"},
                [],
                [ROW] * 11,
                [("Jo", "Doe")],
                [("Jo", "Doe", "http://[::1")],
            ],
            "webhook_url": URL[1:],
        },
        {},
    ),
    "email_finder.find_emails_result": ({"task_hash": TASK}, {"task_hash": HASH}, {}),
    "email_finder.collect_emails": ({"task_hash": TASK}, {"task_hash": HASH, "rows": COLLECT}, {}),
    "email_finder.company_domains": ({"names": ["Acme"]}, {"names": BULK}, {}),
    "email_finder.company_domains_iter": ({"names": ["Acme"]}, {"names": BULK}, {}),
    "email_finder.start_company_domains": (
        {"names": ["Acme"]},
        {"names": [None, "Acme", [], ["Acme"] * 11, [HUGE], ["x" * 256], [None], [""]]},
        {},
    ),
    "email_finder.company_domains_result": ({"task_hash": TASK}, {"task_hash": HASH}, {}),
    "email_finder.collect_domains": (
        {"task_hash": TASK},
        {"task_hash": HASH, "names": COLLECT},
        {},
    ),
    "enrichment.linkedin_profiles": ({"urls": ["linkedin.com/in/jo"]}, {"urls": BULK}, {}),
    "enrichment.linkedin_profiles_iter": ({"urls": ["linkedin.com/in/jo"]}, {"urls": BULK}, {}),
    "enrichment.start_linkedin_profiles": (
        {"urls": ["linkedin.com/in/jo"]},
        {
            "urls": [
                None,
                "linkedin.com/in/jo",
                [],
                ["https://[linkedin.com/in/x"],
                ["https://lin\u212aedin.com/in/x"],
                ["linkedin.com/in/" + "x" * 101],
            ],
            "webhook_url": URL[1:],
        },
        {},
    ),
    "enrichment.linkedin_profiles_result": ({"task_hash": TASK}, {"task_hash": HASH}, {}),
    "enrichment.collect_profiles": ({"task_hash": TASK}, {"task_hash": HASH, "urls": COLLECT}, {}),
    "enrichment.profile_by_email": ({"email": "jo@acme.com"}, {"email": EMAIL}, {}),
    # senders
    "senders.create": (
        {"account": SENDER},
        {"account": [None, {"sender_name": "Jo"}, "Jo", WARMUP]},
        {},
    ),
    "senders.update": (
        {"sender_id": 1, "sender_name": "Jo"},
        {
            "sender_id": ID,
            "sender_name": text(100),
            "email_from": EMAIL,
            "password": [None, 5, "", "x" * 1001],
            "smtp": [
                None,
                "smtp.acme.com",
                ConnectionSettings("h", [465], "ssl"),
                ConnectionSettings("h", 465, "tls"),
            ],
            "reply_to": EMAIL[1:],
            "limitation": [0, 1201, "30", 1.5, True, None],
            "delay_type": ["later", 5, None],
            "delay_fixed": [4, 3601, "60", None],
            "signature": [5, HUGE, "a\x00b"],
            "bcc_email": EMAIL[1:],
            "tags": ["tag", 5, [5], ["x" * 101], ["t"] * 101, gen("t")],
            "timezone_id": [0, 459, "1", None, True],
        },
        {"timezone_id": "timezoneId"},
    ),
    "senders.check_status": ({"sender_account_id": 1}, {"sender_account_id": ID}, {}),
    # warm-ups
    "warmup.create": ({"warmup": WARMUP}, {"warmup": [None, {"per_day": 10}, SENDER]}, {}),
    "warmup.page": (
        {"page": 1},
        {
            "page": [0, -1, "1", None, 1.5, 10**9],
            "per_page": [10, "20", None, True],
            "status": ["deleted", 5, ["active"]],
        },
        {},
    ),
    "warmup.iter": ({"per_page": 20}, {"per_page": [10, "20"], "status": [5, "nope"]}, {}),
    "warmup.get": ({"warmup_id": 1}, {"warmup_id": ID}, {}),
    "warmup.update": (
        {"warmup_id": 1, "per_day": 10},
        {
            "warmup_id": ID,
            "per_day": [0, 1001, "10", None],
            "status": ["gone", 5],
            "from_": [0, 11, "1"],
            "subject": [5, "", "x" * 201],
            "providers": ["gmail", ["yahoo"], [5], gen("gmail")],
            "make_endless": FLAG,
            "schedule_id": [0, "1", True],
            "template_name": [5, "x" * 256],
            "campaign_deadline": DATE[1:],
        },
        {"from_": "from"},
    ),
    "warmup.delete": ({"warmup_id": 1}, {"warmup_id": ID}, {}),
    "warmup.statistics": (
        {"warmup_id": 1, "period": "month"},
        {"warmup_id": ID, "period": ["week", 5, ["month"]]},
        {},
    ),
    # campaigns
    "campaigns.create": (
        {"campaign": CAMPAIGN},
        {"campaign": [None, {"title": "T"}, "T", SENDER]},
        {},
    ),
    "campaigns.get": ({"campaign_id": 1}, {"campaign_id": ID}, {}),
    "campaigns.update": (
        {"campaign_id": 1, "title": "T"},
        {
            "campaign_id": ID,
            "title": text(255),
            "priority": ["urgent", 5, None],
            "email_accounts": ids_list(),
            "linkedin_accounts": ids_list(),
            "tracking": ["yes", 5, ["open"]],
            "schedule_id": [0, "1", True, 1.5],
            "start_campaign_at": DATE,
            # null clears it and any IANA zone goes (reference line 2243, issue 11 item 5).
            "timezone": ["Mars/Base", 5, "", "New York"],
            "complete_campaign_after_last_step": FLAG,
            "archive_in_months": [4, "1", True, None],
            "provider_matching": FLAG,
            "sequence": [None, "graph", {"steps": []}],
        },
        {},
    ),
    "campaigns.action": (
        {"campaign_id": 1, "action": "pause"},
        {"campaign_id": ID, "action": ["explode", None, 5, "PAUSE"]},
        {},
    ),
    "campaigns.start": ({"campaign_id": 1}, {"campaign_id": ID}, {}),
    "campaigns.pause": ({"campaign_id": 1}, {"campaign_id": ID}, {}),
    "campaigns.resume": ({"campaign_id": 1}, {"campaign_id": ID}, {}),
    "campaigns.complete": ({"campaign_id": 1}, {"campaign_id": ID}, {}),
    "campaigns.archive": ({"campaign_id": 1}, {"campaign_id": ID}, {}),
    "campaigns.delete": ({"campaign_id": 1}, {"campaign_id": ID}, {}),
    "campaigns.create_content": (
        {"campaign_id": 1, "step_id": 2, "content_id": 1, "subject": "S", "body": "<p>B</p>"},
        {
            "campaign_id": ID,
            "step_id": STEP_ID,
            "content_id": ID,
            "subject": text(1000),
            "body": [None, 5, "", HUGE * 1, "a\x00b"],
            "plain_text": FLAG,
            "usage": ["paused", 5, None],
        },
        {},
    ),
    "campaigns.get_content": (
        {"campaign_id": 1, "step_id": "2", "content_id": 1},
        {"campaign_id": ID, "step_id": STEP_ID, "content_id": ID},
        {},
    ),
    "campaigns.update_content": (
        {"campaign_id": 1, "step_id": 2, "content_id": 1, "subject": "S"},
        {
            "campaign_id": ID,
            "step_id": STEP_ID,
            "content_id": ID,
            "subject": text(1000),
            "plain_text": FLAG,
            "usage": ["x", 5],
        },
        {},
    ),
    "campaigns.delete_content": (
        {"campaign_id": 1, "step_id": 2, "content_id": 1},
        {"campaign_id": ID, "step_id": STEP_ID, "content_id": ID},
        {},
    ),
    # recipients
    "recipients.check": (
        {"campaign_id": 1, "emails": ["jo@acme.com"]},
        {
            "campaign_id": ID,
            "emails": [
                None,
                "jo@acme.com",
                [],
                ["not-an-email"],
                ["jo@acme.com", "JO@acme.com"],
                ["a" * 60 + "@" + "b" * 40 + ".com"],
                ["jo@acme.com"] * 101,
                gen("jo@acme.com"),
                [5],
                ["\u212aate@acme.com"],
            ],
        },
        {},
    ),
    "recipients.change_status": (
        {"campaign_id": 1, "email": "jo@acme.com", "status": "Paused"},
        {"campaign_id": ID, "email": EMAIL, "status": ["paused", None, 5]},
        {},
    ),
    "recipients.finished": ({"campaign_id": 1}, {"campaign_id": ID}, {}),
    "recipients.add_to_do_not_email": (
        {"list_id": 1, "items": ["jo@acme.com", "acme.com"]},
        {
            "list_id": ID,
            "items": [
                None,
                "acme.com",
                [],
                [5],
                ["http://[::1"],
                ["\u212aate@acme.com"],
                ["x"] * 1001,
                gen("acme.com"),
            ],
        },
        {},
    ),
    # analytics
    "analytics.campaign_analytics": (
        {"date_from": TODAY, "date_to": TODAY},
        {
            "date_from": DATE,
            "date_to": [*DATE, datetime.date(2024, 1, 1)],
            "campaign_ids": ids_list(),
            "sender_emails": ids_list(),
            "sender_linkedins": ids_list(),
            "owners": [5, ["not-an-email"], ["\u212aate@acme.com"], ["a@acme.com"] * 101],
        },
        {},
    ),
    "analytics.progress": ({"campaign_id": 1}, {"campaign_id": ID}, {}),
    "analytics.recipients_activity": (
        {"campaign_id": 1, "date_from": TODAY, "date_to": TODAY},
        {"campaign_id": ID, "date_from": DATE, "date_to": DATE, "page_size": [0, 1001, "10", None]},
        {},
    ),
    "analytics.emails_sent": ({"campaign_id": 1}, {"campaign_id": ID}, {}),
    "analytics.emails_opened": ({"campaign_id": 1}, {"campaign_id": ID}, {}),
    "analytics.emails_clicked": ({"campaign_id": 1}, {"campaign_id": ID}, {}),
    "analytics.email_replies": ({"campaign_id": 1}, {"campaign_id": ID}, {}),
    "analytics.all_replies": ({"campaign_id": 1}, {"campaign_id": ID}, {}),
    # prospects
    "prospects.add_to_list": (
        {"list_id": 1, "email": "jo@acme.com"},
        {
            "list_id": ID,
            "email": EMAIL[1:],
            "linkedin": [5, HUGE],
            "social_links": ["x", {"linkedIn": 5}, {5: "x"}],
            "full_name": [5, HUGE],
            "first_name": [5, "x" * 101],
            "phones": ["+1", [5], ["1"] * 21, gen("+1")],
            "company_site": [5, HUGE],
            "custom_fields": [["a"], {"a": 5}, {"a": HUGE}],
            "update_contact": FLAG[1:],
            "create_duplicates": FLAG[1:],
        },
        {},
    ),
    "prospects.get": (
        {"prospect_id": "xusD3-T_K5IktGoaa8Jc8A=="},
        {"prospect_id": [None, 5, "", "a b", "x" * 129, "../x?", "\x00"]},
        {},
    ),
    "prospects.find_by_email": ({"email": "jo@acme.com"}, {"email": EMAIL}, {}),
    "prospects.list_page": (
        {"list_id": 1},
        {"list_id": ID, "page": [0, "1", None, 10**7], "per_page": [0, 5001, "100", None]},
        {},
    ),
    "prospects.iter_list": ({"list_id": 1}, {"list_id": ID, "per_page": [0, 5001]}, {}),
    "prospects.create_list": ({"name": "Leads"}, {"name": text(255)}, {}),
    # pipelines, webhooks
    "pipelines.stages": ({"pipeline_id": 1}, {"pipeline_id": ID}, {}),
    "webhooks.create": (
        {
            "event_object": "email_verification",
            "event_action": "verified",
            "endpoint_url": "https://hooks.acme.com/x",
        },
        {
            "event_object": ["nope", None, 5, ["email_verification"]],
            "event_action": ["opened", None, 5],
            "endpoint_url": URL,
        },
        {},
    ),
    "webhooks.set_status": (
        {"webhook_id": 1, "status": "active"},
        {"webhook_id": ID, "status": ["on", None, True]},
        {},
    ),
    "webhooks.delete": ({"webhook_id": 1}, {"webhook_id": ID}, {}),
}
#: Methods without arguments: nothing to refuse (documented acceptance).
NO_ARGUMENTS = {
    "account.balance",
    "senders.list",
    "campaigns.list",
    "campaigns.schedules",
    "recipients.do_not_email_lists",
    "prospects.custom_fields",
    "prospects.lists",
    "pipelines.list",
    "webhooks.list",
}

#: One test per (method, parameter); each runs all the hostile values of its row.
ROWS = [
    pytest.param(name, param, values, id=f"{name}:{param}")
    for name, (_, bad, _fields) in TABLE.items()
    for param, values in bad.items()
]
CASES = [
    (name, param, value)
    for name, _, bad in [(n, 0, t[1]) for n, t in TABLE.items()]
    for param, values in bad.items()
    for value in values
]


def method_of(snov: Any, name: str) -> Callable[..., Any]:
    section, method = name.split(".")
    return getattr(getattr(snov, section), method)  # type: ignore[no-any-return]


def test_the_table_covers_every_public_method() -> None:
    client = SnovClient("id", "secret")
    public = {
        f"{section}.{name}"
        for section, resource in vars(client).items()
        if isinstance(resource, Resource)
        for name in dir(resource)
        if not name.startswith("_") and callable(getattr(resource, name))
    }
    assert public == set(TABLE) | NO_ARGUMENTS
    assert len(CASES) >= 200


@pytest.mark.parametrize("name", sorted(TABLE))
async def test_the_good_call_reaches_the_network(name: str) -> None:
    good, _, _ = TABLE[name]
    async with recorded() as (snov, mocked):
        try:
            result = await invoke(method_of(snov, name), **good)
        except ValidationError as err:  # pragma: no cover - the failure this test exists for
            pytest.fail(f"the good call of {name} was refused: {err}")
        except SnovError:
            pass  # nothing is registered: the request fails, as it should
        else:
            for item in result if isinstance(result, list) else []:
                assert not isinstance(getattr(item, "error", None), ValidationError), item
        assert sent(mocked), f"{name} sent nothing with good arguments"


@pytest.mark.parametrize(("name", "param", "values"), ROWS)
async def test_a_hostile_argument_is_refused_unsent(
    name: str, param: str, values: list[Any]
) -> None:
    good, _, fields = TABLE[name]
    field = fields.get(param, param)
    async with recorded() as (snov, mocked):
        for value in values:
            kwargs = {**good, param: realise(value)}
            with pytest.raises(ValidationError) as info:
                await invoke(method_of(snov, name), **kwargs)
            assert sent(mocked) == [], value
            named = info.value.field or ""
            assert named == field or named.startswith(f"{field}."), (value, str(info.value))
            message = str(info.value)
            assert field in message or field.replace("_", " ") in message, (value, message)
            assert len(message) < 500, value  # a 1 MB value is not copied into the message


TIMED = sorted(
    name
    for name, (good, _, _) in TABLE.items()
    if "timeout"
    in inspect.signature(
        getattr(SnovClient("id", "secret"), name.split(".")[0]).__class__.__dict__[
            name.split(".")[1]
        ]
    ).parameters
)
BAD_TIMEOUTS = [math.nan, math.inf, -math.inf, -1, 0, "5", True, [5]]


def test_per_call_timeouts_are_covered() -> None:
    assert len(TIMED) >= 40


@pytest.mark.parametrize("name", TIMED)
async def test_a_hostile_per_call_timeout_is_refused_unsent(name: str) -> None:
    good, _, _ = TABLE[name]
    async with recorded() as (snov, mocked):
        for value in BAD_TIMEOUTS:
            with pytest.raises(SnovError) as info:
                await invoke(method_of(snov, name), **good, timeout=value)
            assert isinstance(info.value, ConfigurationError | ValidationError), value
            assert info.value.field == "timeout", (value, str(info.value))
            assert sent(mocked) == [], value
