"""One probe per prose rule of the rules table (see test_rule_table.py)."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from snov_async.sandbox import data
from snov_async.sandbox.rules import Rule
from tests.sandbox.rule_kit import (
    BIG,
    BLOCK,
    CAMPAIGN,
    SENDER,
    SMTP,
    TODAY,
    WARMUP,
    Api,
    accepted,
    email_sequence,
    refused,
)

Probe = Callable[[Api, Rule], Awaitable[None]]
PROSE: dict[str, Probe] = {}
#: Prose rules tested by a whole flow elsewhere: rule id -> test node id.
ELSEWHERE: dict[str, str] = {
    "auth.expiry": "tests/sandbox/test_core.py::test_tokens_expire",
    "gateway.rate": "tests/sandbox/test_accounts.py::test_rate_windows_are_per_account",
    "verification.webhook": (
        "tests/sandbox/test_tasks.py::test_webhook_deliveries_retry_on_the_ladder_until_a_2xx"
    ),
}


def prose(rule_id: str) -> Callable[[Probe], Probe]:
    def register(fn: Probe) -> Probe:
        assert rule_id not in PROSE, rule_id
        PROSE[rule_id] = fn
        return fn

    return register


async def no(
    api: Api, rule: Rule, method: str, path: str, field: str | None = None, **kw: Any
) -> Any:
    status, body = await api.call(method, path, **kw)
    assert refused(rule, status, body, field), (path, kw, status, body)
    return body


async def yes(api: Api, method: str, path: str, **kw: Any) -> Any:
    status, body = await api.call(method, path, **kw)
    assert accepted(status, body), (path, kw, status, body)
    return body


async def balance(api: Api) -> Decimal:
    body = await yes(api, "GET", "/v1/get-balance")
    return Decimal(body["data"]["balance"])


async def run_task(api: Api, start: str, result: str, **kw: Any) -> Any:
    """Start a batch task and poll it to completion (the module's sandbox has no latency)."""
    started = await yes(api, "POST", start, **kw)
    task_hash = (
        started["data"]["task_hash"]
        if "task_hash" in started.get("data", {})
        else (started["meta"]["task_hash"])
    )
    for _ in range(50):
        if "{task_hash}" in result:
            body = await yes(api, "GET", result.format(task_hash=task_hash))
        else:
            body = await yes(api, "GET", result, params={"task_hash": task_hash})
        if body["status"] != "in_progress":
            return body
        await asyncio.sleep(0.01)
    raise AssertionError("the task never completed")


def campaign(**fields: Any) -> dict[str, Any]:
    return {**CAMPAIGN, **fields}


def seq(*steps: dict[str, Any], entry: str = "a") -> dict[str, Any]:
    return {"entry": entry, "steps": list(steps)}


GOAL = {"_ref": "g", "type": "goal", "goal_name": "done"}


def linkedin_campaign(*steps: dict[str, Any], entry: str = "a") -> dict[str, Any]:
    out = {
        k: v
        for k, v in CAMPAIGN.items()
        if k not in ("email_accounts", "tracking", "sending_settings", "provider_matching")
    }
    return {**out, "linkedin_accounts": [5], "sequence": seq(*steps, entry=entry)}


async def create_refused(api: Api, rule: Rule, body: dict[str, Any], field: str) -> None:
    await no(api, rule, "POST", "/v2/campaigns/create", field, json=body)


async def create_ok(api: Api, body: dict[str, Any]) -> Any:
    return await yes(api, "POST", "/v2/campaigns/create", json=body)


# Auth ---------------------------------------------------------------------------------------


@prose("auth.grant-type")
async def _grant(api: Api, rule: Rule) -> None:
    form = {"client_id": api.client_id, "client_secret": "s"}
    async with api.session.post(
        api.base_url + "/v1/oauth/access_token", data={**form, "grant_type": "password"}
    ) as resp:
        assert resp.status == 400 and (await resp.json())["error"] == "unsupported_grant_type"
    async with api.session.post(
        api.base_url + "/v1/oauth/access_token", data={**form, "grant_type": "client_credentials"}
    ) as resp:
        assert resp.status == 200 and (await resp.json())["token_type"] == "Bearer"


@prose("auth.bearer")
async def _bearer(api: Api, rule: Rule) -> None:
    async with api.session.get(api.base_url + "/v1/get-balance") as resp:
        assert resp.status == 401
        assert await resp.json() == {"errors": {"code": 401, "title": "Unauthorized", "source": ""}}
    await yes(api, "GET", "/v1/get-balance")


# Domain search ------------------------------------------------------------------------------


@prose("domain-search.domain")
async def _domain(api: Api, rule: Rule) -> None:
    await no(api, rule, "POST", "/v2/domain-search/start", "domain", data={})
    await no(
        api, rule, "POST", "/v2/domain-search/start", "domain", data={"domain": "not a domain"}
    )
    await yes(api, "POST", "/v2/domain-search/start", data={"domain": "snov.io"})


@prose("domain-search.cost")
async def _domain_cost(api: Api, rule: Rule) -> None:
    before = await balance(api)
    kw = {"data": {"domain": "snov.io"}}
    done = await run_task(
        api, "/v2/domain-search/start", "/v2/domain-search/result/{task_hash}", **kw
    )
    found = any(
        done["meta"][k] for k in ("prospects_count", "emails_count", "generic_contacts_count")
    )
    once = await balance(api)
    assert before - once == (1 if found else 0)
    await run_task(api, "/v2/domain-search/start", "/v2/domain-search/result/{task_hash}", **kw)
    assert await balance(api) == once  # the same search again is not unique: free


@prose("prospects.page-size")
async def _prospects_page(api: Api, rule: Rule) -> None:
    domain = next(
        d
        for d in (f"firm{i}.com" for i in range(200))
        if data.company_info(0, d)[1]["prospects_count"] > 20
    )
    path = "/v2/domain-search/prospects/start"
    done = await run_task(
        api, path, "/v2/domain-search/prospects/result/{task_hash}", data={"domain": domain}
    )
    assert done["meta"]["page"] == 1 and len(done["data"]) == 20
    assert done["meta"]["total_count"] > 20 and "page=2" in done["links"]["next"]


async def _cursor_pages(api: Api, tab: str) -> list[list[dict[str, Any]]]:
    domain = next(
        d
        for d in (f"firm{i}.com" for i in range(200))
        if data.company_info(0, d)[1]["emails_count"] > 50
    )
    pages, cursor = [], ""
    while True:
        params = {"domain": domain, **({"next": cursor} if cursor else {})}
        done = await run_task(
            api,
            f"/v2/domain-search/{tab}/start",
            f"/v2/domain-search/{tab}/result/{{task_hash}}",
            data=params,
        )
        pages.append(done["data"])
        cursor = done["meta"]["next"]
        if not cursor:
            return pages


@prose("domain-emails.page-size")
async def _domain_emails_page(api: Api, rule: Rule) -> None:
    pages = await _cursor_pages(api, "domain-emails")
    assert len(pages) >= 2 and all(len(p) == 50 for p in pages[:-1]) and len(pages[-1]) <= 50


@prose("generic-contacts.page-size")
async def _generic_page(api: Api, rule: Rule) -> None:
    domain = "snov.io"
    done = await run_task(
        api,
        "/v2/domain-search/generic-contacts/start",
        "/v2/domain-search/generic-contacts/result/{task_hash}",
        data={"domain": domain},
    )
    assert len(done["data"]) <= 50 and done["meta"]["next"] == ""


@prose("emails-count.free")
async def _count_free(api: Api, rule: Rule) -> None:
    before = await balance(api)
    await yes(api, "POST", "/v1/get-domain-emails-count", data={"domain": "snov.io"})
    assert await balance(api) == before


@prose("emails-count.webmail")
async def _count_webmail(api: Api, rule: Rule) -> None:
    body = await yes(api, "POST", "/v1/get-domain-emails-count", data={"domain": "gmail.com"})
    assert body["webmail"] is True and body["result"] == 0


# Finder and enrichment ----------------------------------------------------------------------

ROWS = [{"first_name": f"Name{i}", "last_name": "Doe", "domain": f"acme{i}.com"} for i in range(10)]


def _finder_cost(rows: list[dict[str, str]]) -> int:
    return sum(
        1
        for r in rows
        for e in data.emails_by_name(0, r["first_name"], r["last_name"], r["domain"])
        if e["smtp_status"] in ("valid", "unknown")
    )


@prose("finder.rows-fields")
async def _rows_fields(api: Api, rule: Rule) -> None:
    for field in ("first_name", "last_name", "domain"):
        row = {k: v for k, v in ROWS[0].items() if k != field}
        await no(
            api, rule, "POST", "/v2/emails-by-domain-by-name/start", field, json={"rows": [row]}
        )
    await yes(api, "POST", "/v2/emails-by-domain-by-name/start", json={"rows": ROWS[:1]})


@prose("finder.cost")
async def _finder_cost_probe(api: Api, rule: Rule) -> None:
    before = await balance(api)
    await run_task(
        api,
        "/v2/emails-by-domain-by-name/start",
        "/v2/emails-by-domain-by-name/result",
        json={"rows": ROWS},
    )
    assert before - await balance(api) == _finder_cost(ROWS) > 0


@prose("finder.not-enough-credits")
async def _not_enough(api: Api, rule: Rule) -> None:
    assert _finder_cost(ROWS) >= 2
    api.account().balance = Decimal(1)
    done = await run_task(
        api,
        "/v2/emails-by-domain-by-name/start",
        "/v2/emails-by-domain-by-name/result",
        json={"rows": ROWS},
    )
    assert done["status"] == "not_enough_credits"
    assert await balance(api) == 1  # nothing charged


@prose("company-domain.cost")
async def _company_cost(api: Api, rule: Rule) -> None:
    names = [f"Firm {i}" for i in range(10)]
    assert any(data.company_domain(0, n) is None for n in names)
    before = await balance(api)
    done = await run_task(
        api,
        "/v2/company-domain-by-name/start",
        "/v2/company-domain-by-name/result",
        data={"names[]": names},
    )
    found = sum(1 for row in done["data"] if row["result"])
    assert 0 < found < 10 and before - await balance(api) == found


@prose("li-profiles.cost")
async def _li_cost(api: Api, rule: Rule) -> None:
    urls = [f"https://www.linkedin.com/in/person{i}/" for i in range(10)]
    assert any(not data.li_profile(0, u) for u in urls)
    before = await balance(api)
    done = await run_task(
        api,
        "/v2/li-profiles-by-urls/start",
        "/v2/li-profiles-by-urls/result",
        data={"urls[]": urls},
    )
    found = sum(1 for row in done["data"] if row["result"])
    assert 0 < found < 10 and before - await balance(api) == found


@prose("profile-by-email.cost")
async def _profile_cost(api: Api, rule: Rule) -> None:
    emails = [f"person{i}@acme.com" for i in range(20)]
    known = next(e for e in emails if data.profile_by_email(0, e))
    unknown = next(e for e in emails if not data.profile_by_email(0, e))
    before = await balance(api)
    await yes(api, "POST", "/v1/get-profile-by-email", data={"email": known})
    assert before - await balance(api) == 1
    status, body = await api.call("POST", "/v1/get-profile-by-email", data={"email": unknown})
    assert status == 200 and body["success"] is False
    assert before - await balance(api) == 1


# Sender accounts ----------------------------------------------------------------------------

SENDERS = "/v2/sender-accounts/emails"


@prose("sender.imap-complete")
async def _imap_complete(api: Api, rule: Rule) -> None:
    for partial in ({"host": "imap.x.com"}, {"host": "imap.x.com", "port": 993}):
        await no(api, rule, "POST", SENDERS, "imap", json={**SENDER, "imap": partial})
    await yes(
        api,
        "POST",
        SENDERS,
        json={**SENDER, "imap": {"host": "i.x.com", "port": 143, "encryption": "none"}},
    )


@prose("sender.smtp-pairs")
async def _smtp_pairs(api: Api, rule: Rule) -> None:
    for port, wrong in ((465, "tls"), (587, "ssl"), (25, "tls")):
        smtp = {**SMTP, "port": port, "encryption": wrong}
        await no(api, rule, "POST", SENDERS, "smtp.encryption", json={**SENDER, "smtp": smtp})
    for port, right in ((465, "ssl"), (587, "tls"), (25, "none")):
        await yes(
            api,
            "POST",
            SENDERS,
            json={**SENDER, "smtp": {**SMTP, "port": port, "encryption": right}},
        )


@prose("sender.imap-pairs")
async def _imap_pairs(api: Api, rule: Rule) -> None:
    for port, wrong in ((993, "none"), (143, "ssl"), (143, "tls")):
        imap = {"host": "imap.x.com", "port": port, "encryption": wrong}
        await no(api, rule, "POST", SENDERS, "imap.encryption", json={**SENDER, "imap": imap})
    for port, right in ((993, "ssl"), (993, "tls"), (143, "none")):
        imap = {"host": "imap.x.com", "port": port, "encryption": right}
        await yes(api, "POST", SENDERS, json={**SENDER, "imap": imap})


def _random(low: int, high: int, **more: Any) -> dict[str, Any]:
    out = {**SENDER, "delay_type": "random", "delay_from": low, "delay_to": high, **more}
    out.pop("delay_fixed")
    return out


@prose("sender.delay-order")
async def _delay_order(api: Api, rule: Rule) -> None:
    for low, high in ((900, 900), (900, 600)):
        await no(api, rule, "POST", SENDERS, "delay_to", json=_random(low, high, limitation=1))
    await yes(api, "POST", SENDERS, json=_random(600, 601, limitation=1))


@prose("sender.daily-capacity")
async def _capacity(api: Api, rule: Rule) -> None:
    # random 600-900: the shortest delay allows 86400 / 600 = 144 a day.
    await no(api, rule, "POST", SENDERS, "limitation", json=_random(600, 900, limitation=145))
    await yes(api, "POST", SENDERS, json=_random(600, 900, limitation=144))
    # fixed 100: 864 a day; fixed 60 (the base): 1440, so 1200 fits.
    fixed = {**SENDER, "delay_fixed": 100}
    await no(api, rule, "POST", SENDERS, "limitation", json={**fixed, "limitation": 865})
    await yes(api, "POST", SENDERS, json={**fixed, "limitation": 864})
    await yes(api, "POST", SENDERS, json={**SENDER, "limitation": 1200})
    # The defaults (50 a day, random 600-900) fit.
    minimal = {k: SENDER[k] for k in ("sender_name", "email_from", "password", "smtp")}
    await yes(api, "POST", SENDERS, json=minimal)


@prose("sender.defaults")
async def _sender_defaults(api: Api, rule: Rule) -> None:
    minimal = {k: SENDER[k] for k in ("sender_name", "email_from", "password", "smtp")}
    made = (await yes(api, "POST", SENDERS, json=minimal))["data"]
    assert (made["limitation"], made["delay_type"], made["delay_from"], made["delay_to"]) == (
        50,
        "random",
        600,
        900,
    )


@prose("sender.smtp-host-format")
async def _host_format(api: Api, rule: Rule) -> None:
    sid = await api.sender()
    for host in ("-smtp.x.com", "smtp x.com", "smtp_x.com", ".smtp.com"):
        await no(
            api,
            rule,
            "PATCH",
            f"{SENDERS}/{sid}",
            "smtp.host",
            json={"smtp": {**SMTP, "host": host}},
        )
        await no(
            api, rule, "POST", SENDERS, "smtp.host", json={**SENDER, "smtp": {**SMTP, "host": host}}
        )
    await yes(
        api, "PATCH", f"{SENDERS}/{sid}", json={"smtp": {**SMTP, "host": "smtp-1.mail.x.com"}}
    )
    await yes(api, "PATCH", f"{SENDERS}/{sid}", json={"smtp": {**SMTP, "host": "127.0.0.1"}})


@prose("sender-patch.smtp-complete")
async def _smtp_complete(api: Api, rule: Rule) -> None:
    sid = await api.sender()
    for partial in (
        {"host": "s.x.com"},
        {"host": "s.x.com", "port": 465},
        {"port": 465, "encryption": "ssl"},
    ):
        await no(api, rule, "PATCH", f"{SENDERS}/{sid}", "smtp", json={"smtp": partial})
    await yes(api, "PATCH", f"{SENDERS}/{sid}", json={"smtp": SMTP})


@prose("sender-patch.one-field")
async def _one_field(api: Api, rule: Rule) -> None:
    sid = await api.sender()
    await no(api, rule, "PATCH", f"{SENDERS}/{sid}", None, json={})
    await no(api, rule, "PATCH", f"{SENDERS}/{sid}", None, json={"no_such_field": 1})
    await yes(api, "PATCH", f"{SENDERS}/{sid}", json={"sender_name": "New"})


@prose("sender-patch.tags-replace")
async def _tags(api: Api, rule: Rule) -> None:
    sid = await api.sender(tags=["a", "b"])
    body = await yes(api, "PATCH", f"{SENDERS}/{sid}", json={"tags": ["c"]})
    assert body["data"]["tags"] == ["c"]
    body = await yes(api, "PATCH", f"{SENDERS}/{sid}", json={"tags": None})
    assert body["data"]["tags"] == []


@prose("sender-patch.null-clears")
async def _null_clears(api: Api, rule: Rule) -> None:
    sid = await api.sender(reply_to="r@x.com", signature="<b>S</b>", bcc_email="b@x.com")
    body = await yes(
        api,
        "PATCH",
        f"{SENDERS}/{sid}",
        json={"reply_to": None, "signature": None, "bcc_email": None},
    )
    assert not {"reply_to", "signature", "bcc_email"} & set(body["data"])


@prose("sender-patch.daily-capacity")
async def _patch_capacity(api: Api, rule: Rule) -> None:
    sid = await api.sender(**_random(600, 900, limitation=10))
    await no(api, rule, "PATCH", f"{SENDERS}/{sid}", "limitation", json={"limitation": 145})
    await yes(
        api,
        "PATCH",
        f"{SENDERS}/{sid}",
        json={"delay_type": "fixed", "delay_fixed": 60, "limitation": 1000},
    )
    await no(api, rule, "PATCH", f"{SENDERS}/{sid}", "limitation", json={"delay_fixed": 3600})


@prose("sender-patch.delay-order")
async def _patch_order(api: Api, rule: Rule) -> None:
    sid = await api.sender(**_random(600, 900, limitation=10))
    await no(api, rule, "PATCH", f"{SENDERS}/{sid}", "delay_to", json={"delay_from": 900})
    await yes(api, "PATCH", f"{SENDERS}/{sid}", json={"delay_from": 899})


# Warm-up ------------------------------------------------------------------------------------


@prose("warmup.progressive-needs")
async def _progressive(api: Api, rule: Rule) -> None:
    sid = await api.sender()
    body = {"email_account_id": sid, "per_day": 10, "strategy": "progressive"}
    await no(api, rule, "POST", "/v2/warm-up", "from", json={**body, "increase": 1})
    await no(api, rule, "POST", "/v2/warm-up", "increase", json={**body, "from": 1})
    await yes(api, "POST", "/v2/warm-up", json={**body, "strategy": "steady"})
    await yes(api, "POST", "/v2/warm-up", json={**body, "from": 1, "increase": 1})


@prose("warmup.from-le-per-day")
async def _from_le(api: Api, rule: Rule) -> None:
    sid = await api.sender()
    body = {**WARMUP, "email_account_id": sid, "per_day": 3}
    await no(api, rule, "POST", "/v2/warm-up", "from", json={**body, "from": 4})
    await yes(api, "POST", "/v2/warm-up", json={**body, "from": 3})


@prose("warmup.specific-needs")
async def _specific(api: Api, rule: Rule) -> None:
    sid = await api.sender()
    body = {**WARMUP, "email_account_id": sid, "email_content": "specific"}
    await no(api, rule, "POST", "/v2/warm-up", "subject", json={**body, "body": "b"})
    await no(api, rule, "POST", "/v2/warm-up", "body", json={**body, "subject": "s"})
    await no(
        api,
        rule,
        "POST",
        "/v2/warm-up",
        "subject",
        json={**body, "subject": "s" * 201, "body": "b"},
    )
    await no(
        api, rule, "POST", "/v2/warm-up", "body", json={**body, "subject": "s", "body": "b" * 10001}
    )
    await no(api, rule, "POST", "/v2/warm-up", "subject", json={**body, "subject": "", "body": "b"})
    await yes(api, "POST", "/v2/warm-up", json={**body, "subject": "s" * 200, "body": "b" * 10000})
    await yes(api, "POST", "/v2/warm-up", json={**body, "subject": "s", "body": "b"})


@prose("warmup.deadline-format")
async def _deadline(api: Api, rule: Rule) -> None:
    sid = await api.sender()
    body = {**WARMUP, "email_account_id": sid}
    for bad in ("2027/01/31", "31-01-2027", "2027-02-30"):
        await no(
            api,
            rule,
            "POST",
            "/v2/warm-up",
            "campaign_deadline",
            json={**body, "campaign_deadline": bad},
        )
    await yes(api, "POST", "/v2/warm-up", json={**body, "campaign_deadline": "2027-01-31"})


@prose("warmup.defaults")
async def _warmup_defaults(api: Api, rule: Rule) -> None:
    wid = await api.warmup()
    body = await yes(api, "GET", f"/v2/warm-up/{wid}")
    assert body["data"]["strategy"] == "progressive" and body["data"]["reply_rate"] == 30
    assert body["data"]["subject"] is None  # autogenerated content


@prose("warmup-list.defaults")
async def _list_defaults(api: Api, rule: Rule) -> None:
    for _ in range(3):
        await api.warmup()
    body = await yes(api, "GET", "/v2/warm-up")
    assert body["meta"]["page"] == 1 and body["meta"]["per_page"] == 20
    assert body["meta"]["total_items"] == 3 == len(body["data"])


@prose("warmup-patch.make-endless")
async def _endless(api: Api, rule: Rule) -> None:
    wid = await api.warmup(campaign_deadline="2027-01-31")
    assert (await yes(api, "GET", f"/v2/warm-up/{wid}"))["data"][
        "campaign_deadline"
    ] == "2027-01-31"
    await yes(api, "PATCH", f"/v2/warm-up/{wid}", json={"make_endless": True})
    assert (await yes(api, "GET", f"/v2/warm-up/{wid}"))["data"]["campaign_deadline"] is None


@prose("warmup-patch.progressive-needs")
async def _patch_progressive(api: Api, rule: Rule) -> None:
    sid = await api.sender()
    made = await yes(
        api,
        "POST",
        "/v2/warm-up",
        json={"email_account_id": sid, "per_day": 10, "strategy": "steady"},
    )
    path = f"/v2/warm-up/{made['data']['id']}"
    await no(api, rule, "PATCH", path, "from", json={"strategy": "progressive", "increase": 1})
    await yes(api, "PATCH", path, json={"strategy": "progressive", "from": 10, "increase": 5})


@prose("warmup-delete.gone")
async def _gone(api: Api, rule: Rule) -> None:
    wid = await api.warmup()
    await yes(api, "DELETE", f"/v2/warm-up/{wid}")
    for method, path in (
        ("GET", f"/v2/warm-up/{wid}"),
        ("PATCH", f"/v2/warm-up/{wid}"),
        ("GET", f"/v2/warm-up/statistics/{wid}"),
        ("DELETE", f"/v2/warm-up/{wid}"),
    ):
        status, _ = (
            await api.call(method, path, json={"per_day": 5})
            if method == "PATCH"
            else (await api.call(method, path, params={"period": "month"}))
        )
        assert status == 404, (method, path)
    listed = await yes(api, "GET", "/v2/warm-up")
    assert wid not in [w["id"] for w in listed["data"]]


@prose("warmup-stats.range-needed")
async def _range_needed(api: Api, rule: Rule) -> None:
    path = f"/v2/warm-up/statistics/{await api.warmup()}"
    day = TODAY.isoformat()
    await no(api, rule, "GET", path, "date_from", params={})
    await no(api, rule, "GET", path, "date_from", params={"date_to": day})
    await no(api, rule, "GET", path, "date_to", params={"date_from": day})
    await yes(api, "GET", path, params={"date_from": day, "date_to": day})
    for period in ("two_weeks", "month"):
        await yes(api, "GET", path, params={"period": period})


@prose("warmup-stats.order")
async def _stats_order(api: Api, rule: Rule) -> None:
    path = f"/v2/warm-up/statistics/{await api.warmup()}"
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    await no(
        api,
        rule,
        "GET",
        path,
        "date_to",
        params={"date_from": tomorrow, "date_to": TODAY.isoformat()},
    )
    await yes(api, "GET", path, params={"date_from": TODAY.isoformat(), "date_to": tomorrow})


@prose("warmup-stats.after-start")
async def _after_start(api: Api, rule: Rule) -> None:
    path = f"/v2/warm-up/statistics/{await api.warmup()}"
    yesterday = (TODAY - datetime.timedelta(days=1)).isoformat()
    await no(
        api, rule, "GET", path, "date_to", params={"date_from": "2020-01-01", "date_to": yesterday}
    )
    body = await yes(
        api, "GET", path, params={"date_from": "2020-01-01", "date_to": TODAY.isoformat()}
    )
    assert list(body["data"]["daily_statistics"]) == [TODAY.isoformat()]


# Campaigns ----------------------------------------------------------------------------------


@prose("campaign.priority")
async def _priority(api: Api, rule: Rule) -> None:
    await create_refused(api, rule, campaign(priority="urgent"), "priority")
    for priority in ("low", "medium", "high"):
        await create_ok(api, campaign(priority=priority))


@prose("campaign.email-needs")
async def _email_needs(api: Api, rule: Rule) -> None:
    for field in ("email_accounts", "tracking", "sending_settings", "provider_matching"):
        body = {k: v for k, v in CAMPAIGN.items() if k != field}
        await create_refused(api, rule, body, field)
    # A LinkedIn-only campaign needs none of them.
    await create_ok(
        api,
        linkedin_campaign({"_ref": "a", "type": "linkedin", "action": "visit", "next": "g"}, GOAL),
    )


@prose("campaign.provider-matching")
async def _provider_matching(api: Api, rule: Rule) -> None:
    await create_refused(api, rule, campaign(provider_matching=True), "provider_matching")
    await create_ok(api, campaign(provider_matching=True, email_accounts=[11980, 12355]))


DEALS = {
    "event": ["reply"],
    "pipeline_id": 1,
    "stage_id": 2,
    "potential_value": 100,
    "currency": "USD",
}


@prose("campaign.deals-needs")
async def _deals_needs(api: Api, rule: Rule) -> None:
    for field in ("event", "pipeline_id", "stage_id"):
        deals = {k: v for k, v in DEALS.items() if k != field}
        await create_refused(api, rule, campaign(deals=deals), f"deals.{field}")
    made = await create_ok(api, campaign(deals=DEALS))
    assert made["data"]["deals"]["event"] == ["reply"]


@prose("campaign.deals-events")
async def _deals_events(api: Api, rule: Rule) -> None:
    for event in (["visit"], [], "open"):
        await create_refused(api, rule, campaign(deals={**DEALS, "event": event}), "deals.event")
    await create_ok(api, campaign(deals={**DEALS, "event": ["open", "click", "reply"]}))


@prose("campaign.deals-currency")
async def _currency(api: Api, rule: Rule) -> None:
    await create_refused(api, rule, campaign(deals={**DEALS, "currency": "XXX"}), "deals.currency")
    for code in ("EUR", "ZWL", "UAH"):
        await create_ok(api, campaign(deals={**DEALS, "currency": code}))


@prose("campaign.timezone")
async def _timezone(api: Api, rule: Rule) -> None:
    await create_refused(api, rule, campaign(timezone="Mars/Olympus"), "timezone")
    for zone in ("America/New_York", "America/Los Angeles", "Pacific/Wake", "US/Samoa"):
        await create_ok(api, campaign(timezone=zone))


@prose("campaign.datetime-format")
async def _datetime(api: Api, rule: Rule) -> None:
    for bad in ("2027-03-25T09:00:00", "2027-03-25", "25.03.2027 09:00:00"):
        await create_refused(api, rule, campaign(start_campaign_at=bad), "start_campaign_at")
        await create_refused(api, rule, campaign(complete_campaign_at=bad), "complete_campaign_at")
    await create_ok(
        api,
        campaign(
            start_campaign_at="2027-03-25 09:00:00", complete_campaign_at="2027-03-28 06:00:00"
        ),
    )


@prose("campaign.created-new")
async def _created_new(api: Api, rule: Rule) -> None:
    made = await create_ok(api, campaign(sequence=email_sequence(2)))
    assert made["data"]["status"] == "new"
    cid = made["data"]["id"]
    step = made["data"]["sequence"]["steps"][0]
    for slot in step["content"]:
        body = await yes(
            api, "GET", f"/v2/campaigns/{cid}/steps/{step['_ref']}/content/{slot['id']}"
        )
        assert body["data"]["subject"] == "" and body["data"]["body"] == ""


@prose("sequence.required")
async def _seq_required(api: Api, rule: Rule) -> None:
    body = {k: v for k, v in CAMPAIGN.items() if k != "sequence"}
    await create_refused(api, rule, body, "sequence")
    await create_refused(
        api, rule, campaign(sequence={"entry": "a", "steps": []}), "sequence.steps"
    )
    await create_refused(
        api, rule, campaign(sequence={"steps": email_sequence()["steps"]}), "sequence.entry"
    )


@prose("sequence.entry")
async def _seq_entry(api: Api, rule: Rule) -> None:
    await create_refused(
        api, rule, campaign(sequence={**email_sequence(), "entry": "zzz"}), "sequence.entry"
    )
    await create_ok(api, campaign(sequence=email_sequence()))


@prose("sequence.ref-unique")
async def _ref_unique(api: Api, rule: Rule) -> None:
    steps = email_sequence()["steps"] + [{"_ref": "a", "type": "goal", "goal_name": "x"}]
    await create_refused(api, rule, campaign(sequence=seq(*steps)), "_ref")


@prose("sequence.links")
async def _links(api: Api, rule: Rule) -> None:
    steps = [{"_ref": "a", "type": "email", "content_slots": 1, "next": "nowhere"}, GOAL]
    await create_refused(api, rule, campaign(sequence=seq(*steps)), "next")


@prose("sequence.type")
async def _type(api: Api, rule: Rule) -> None:
    await create_refused(
        api, rule, campaign(sequence=seq({"_ref": "a", "type": "sms", "next": "g"}, GOAL)), "type"
    )
    for kind, extra in (
        ("email", {"content_slots": 1}),
        ("delay", {"waiting_type": "days", "waiting_val": 1}),
    ):
        await create_ok(
            api, campaign(sequence=seq({"_ref": "a", "type": kind, **extra, "next": "g"}, GOAL))
        )


def _delay(unit: str | None, value: Any) -> dict[str, Any]:
    step = {"_ref": "d", "type": "delay", "waiting_val": value, "next": "g"}
    if unit is not None:
        step["waiting_type"] = unit
    return campaign(
        sequence=seq({"_ref": "a", "type": "email", "content_slots": 1, "next": "d"}, step, GOAL)
    )


@prose("sequence.waiting")
async def _waiting(api: Api, rule: Rule) -> None:
    await create_refused(api, rule, _delay(None, 1), "waiting_type")
    await create_refused(api, rule, _delay("weeks", 1), "waiting_type")
    await create_refused(api, rule, _delay("days", None), "waiting_val")
    for unit in ("minutes", "hours", "days"):
        await create_ok(api, _delay(unit, 1))


@prose("sequence.waiting-limits")
async def _waiting_limits(api: Api, rule: Rule) -> None:
    for unit, limit in (("minutes", 43200), ("hours", 720), ("days", 30)):
        await create_refused(api, rule, _delay(unit, limit + 1), "waiting_val")
        await create_refused(api, rule, _delay(unit, 0), "waiting_val")
        await create_ok(api, _delay(unit, limit))


def _li(action: str, **more: Any) -> dict[str, Any]:
    return {"_ref": "a", "type": "linkedin", "action": action, "next": "g", **more}


@prose("sequence.action")
async def _action(api: Api, rule: Rule) -> None:
    await create_refused(api, rule, linkedin_campaign(_li("poke"), GOAL), "action")
    trigger = {
        "_ref": "t",
        "type": "trigger",
        "action": "visit",
        "waiting_type": "days",
        "waiting_val": 1,
        "yes": "g",
        "no": "g",
    }
    email = {"_ref": "a", "type": "email", "content_slots": 1, "next": "t"}
    await create_refused(api, rule, campaign(sequence=seq(email, trigger, GOAL)), "action")
    for action in ("visit", "like", "follow"):
        await create_ok(api, linkedin_campaign(_li(action), GOAL))
    for action in ("open", "click", "calendly"):
        await create_ok(api, campaign(sequence=seq(email, {**trigger, "action": action}, GOAL)))


@prose("sequence.goal")
async def _goal(api: Api, rule: Rule) -> None:
    email = {"_ref": "a", "type": "email", "content_slots": 1, "next": "g"}
    await create_refused(
        api, rule, campaign(sequence=seq(email, {"_ref": "g", "type": "goal"})), "goal_name"
    )
    looped = {"_ref": "g", "type": "goal", "goal_name": "x", "next": "a"}
    await create_refused(api, rule, campaign(sequence=seq(email, looped)), "next")
    await create_refused(api, rule, campaign(sequence=seq(email, GOAL, entry="g")), "entry")
    await create_ok(api, campaign(sequence=seq(email, GOAL)))


@prose("sequence.content-slots")
async def _slots(api: Api, rule: Rule) -> None:
    for slots in (0, 16, None):
        await create_refused(api, rule, campaign(sequence=email_sequence(slots)), "content_slots")  # type: ignore[arg-type]
    made = await create_ok(api, campaign(sequence=email_sequence(15)))
    assert len(made["data"]["sequence"]["steps"][0]["content"]) == 15


@prose("sequence.in-mail-subject")
async def _in_mail_subject(api: Api, rule: Rule) -> None:
    trigger = {
        "_ref": "t",
        "type": "trigger",
        "action": "linkedin_in_mail_sent",
        "waiting_type": "days",
        "waiting_val": 1,
        "yes": "g",
        "no": "g",
    }
    await create_refused(
        api, rule, linkedin_campaign(_li("in_mail", body="Hi", next="t"), trigger, GOAL), "subject"
    )
    await create_ok(
        api, linkedin_campaign(_li("in_mail", body="Hi", subject="S", next="t"), trigger, GOAL)
    )


@prose("sequence.body")
async def _body(api: Api, rule: Rule) -> None:
    for action in ("invite", "message"):
        for body in (None, "", "   "):
            step = _li(action) if body is None else _li(action, body=body)
            await create_refused(api, rule, linkedin_campaign(step, GOAL), "body")
        await create_ok(api, linkedin_campaign(_li(action, body="<p>Hi</p>"), GOAL))


@prose("sequence.endorse-value")
async def _endorse(api: Api, rule: Rule) -> None:
    for value in (None, 0, 6, "x"):
        step = _li("endorse_skills") if value is None else _li("endorse_skills", value=value)
        await create_refused(api, rule, linkedin_campaign(step, GOAL), "value")
    for value in (1, 5):
        await create_ok(api, linkedin_campaign(_li("endorse_skills", value=value), GOAL))


@prose("sequence.connection-level-value")
async def _levels(api: Api, rule: Rule) -> None:
    trigger = {
        "_ref": "t",
        "type": "trigger",
        "action": "check_connection_level",
        "waiting_type": "days",
        "waiting_val": 1,
        "yes": "g",
        "no": "g",
    }
    first = _li("visit", next="t")
    for value in (None, [], [1, 1], [4], [1, 2, 3], 2):
        step = trigger if value is None else {**trigger, "value": value}
        await create_refused(api, rule, linkedin_campaign(first, step, GOAL), "value")
    for value in ([1], [2, 3]):
        await create_ok(api, linkedin_campaign(first, {**trigger, "value": value}, GOAL))
    await create_ok(api, linkedin_campaign(_li("check_connection_level", value=[1, 3]), GOAL))


def _system(action: str, trigger: str) -> tuple[dict[str, Any], dict[str, Any]]:
    extra = {"body": "Hi", "subject": "S"} if action == "in_mail" else {}
    step = _li(action, next="t", **extra)
    after = {
        "_ref": "t",
        "type": "trigger",
        "action": trigger,
        "waiting_type": "days",
        "waiting_val": 1,
        "yes": "g",
        "no": "g",
    }
    return step, after


@prose("sequence.connected-trigger")
async def _connected(api: Api, rule: Rule) -> None:
    step, after = _system("connected_on_linkedin", "connected_on_linkedin")
    await create_refused(api, rule, linkedin_campaign({**step, "next": "g"}, GOAL), "next")
    await create_refused(
        api, rule, linkedin_campaign(step, {**after, "action": "open"}, GOAL), "next"
    )
    await create_ok(api, linkedin_campaign(step, after, GOAL))


@prose("sequence.in-mail-trigger")
async def _in_mail(api: Api, rule: Rule) -> None:
    step, after = _system("in_mail", "linkedin_in_mail_sent")
    await create_refused(api, rule, linkedin_campaign({**step, "next": "g"}, GOAL), "next")
    await create_ok(api, linkedin_campaign(step, after, GOAL))


@prose("sequence.calendly")
async def _calendly(api: Api, rule: Rule) -> None:
    calendly = {
        "_ref": "t",
        "type": "trigger",
        "action": "calendly",
        "waiting_type": "days",
        "waiting_val": 30,
        "yes": "g",
        "no": "g",
    }
    email = {"_ref": "a", "type": "email", "content_slots": 1, "next": "t"}
    await create_refused(
        api, rule, linkedin_campaign(_li("visit", next="t"), calendly, GOAL), "action"
    )
    await create_refused(
        api, rule, campaign(sequence=seq(email, calendly, GOAL, entry="t")), "action"
    )
    await create_refused(
        api,
        rule,
        campaign(sequence=seq(email, {**calendly, "waiting_val": 31}, GOAL)),
        "waiting_val",
    )
    await create_ok(api, campaign(sequence=seq(email, calendly, GOAL)))


@prose("campaign-patch.core-locked")
async def _core_locked(api: Api, rule: Rule) -> None:
    new, _, _ = await api.campaign()
    await yes(api, "PATCH", f"/v2/campaigns/{new}", json={"recipients": {"list_id": 5}})
    cid, _, _ = await api.campaign(status="active")
    path = f"/v2/campaigns/{cid}"
    await no(api, rule, "PATCH", path, "recipients", json={"recipients": {"list_id": 5}})
    await no(
        api,
        rule,
        "PATCH",
        path,
        "skip_unverified",
        json={"sending_settings": {"skip_unverified": True}},
    )
    await no(api, rule, "PATCH", path, "sequence", json={"sequence": email_sequence()})
    await yes(
        api,
        "PATCH",
        path,
        json={"title": "Still editable", "sending_settings": {"skip_who_replied": True}},
    )


@prose("campaign-patch.merge")
async def _merge(api: Api, rule: Rule) -> None:
    cid, _, _ = await api.campaign()
    body = await yes(api, "PATCH", f"/v2/campaigns/{cid}", json={"tracking": {"open": False}})
    assert body["data"]["tracking"] == {"open": False, "link_click": True}
    body = await yes(
        api, "PATCH", f"/v2/campaigns/{cid}", json={"sending_settings": {"skip_unverified": True}}
    )
    assert body["data"]["sending_settings"]["sending_priority"] == "first_email"


async def _existing(api: Api) -> tuple[int, dict[str, Any]]:
    made = await create_ok(api, campaign(sequence=email_sequence(2)))
    return made["data"]["id"], made["data"]["sequence"]


@prose("campaign-patch.sequence-replaces")
async def _replaces(api: Api, rule: Rule) -> None:
    cid, sequence = await _existing(api)
    email, goal = sequence["steps"]
    new_seq = {
        "entry": email["_ref"],
        "steps": [
            {**email, "next": "later"},
            {
                "_ref": "later",
                "type": "delay",
                "waiting_type": "days",
                "waiting_val": 2,
                "next": "end",
            },
            {"_ref": "end", "type": "goal", "goal_name": "finished"},
        ],
    }
    body = await yes(api, "PATCH", f"/v2/campaigns/{cid}", json={"sequence": new_seq})
    steps = body["data"]["sequence"]["steps"]
    assert steps[0]["_ref"] == email["_ref"] and steps[0]["content"] == email["content"]
    assert all(s["_ref"].isdigit() for s in steps) and goal["_ref"] not in [
        s["_ref"] for s in steps
    ]
    assert [s["type"] for s in steps] == ["email", "delay", "goal"]


@prose("campaign-patch.step-type-fixed")
async def _type_fixed(api: Api, rule: Rule) -> None:
    cid, sequence = await _existing(api)
    email, goal = sequence["steps"]
    changed = {
        "entry": email["_ref"],
        "steps": [
            {
                "_ref": email["_ref"],
                "type": "delay",
                "waiting_type": "days",
                "waiting_val": 1,
                "next": goal["_ref"],
            },
            goal,
        ],
    }
    await no(api, rule, "PATCH", f"/v2/campaigns/{cid}", "type", json={"sequence": changed})
    await yes(api, "PATCH", f"/v2/campaigns/{cid}", json={"sequence": sequence})


@prose("campaign-patch.content-kept")
async def _content_kept(api: Api, rule: Rule) -> None:
    cid, sequence = await _existing(api)
    email, goal = sequence["steps"]
    bare = {k: v for k, v in email.items() if k != "content"}
    for content in (None, [], [{"plain_text": False}]):
        step = bare if content is None else {**bare, "content": content}
        await no(
            api,
            rule,
            "PATCH",
            f"/v2/campaigns/{cid}",
            "content",
            json={"sequence": {"entry": email["_ref"], "steps": [step, goal]}},
        )
    kept = [email["content"][1]]  # one of the two slots goes
    body = await yes(
        api,
        "PATCH",
        f"/v2/campaigns/{cid}",
        json={"sequence": {"entry": email["_ref"], "steps": [{**bare, "content": kept}, goal]}},
    )
    assert body["data"]["sequence"]["steps"][0]["content"] == kept


@prose("campaign-patch.email-accounts")
async def _accounts(api: Api, rule: Rule) -> None:
    li = await create_ok(api, linkedin_campaign(_li("visit"), GOAL))
    await no(
        api,
        rule,
        "PATCH",
        f"/v2/campaigns/{li['data']['id']}",
        "email_accounts",
        json={"email_accounts": [11980]},
    )
    cid, _, _ = await api.campaign()
    await no(
        api,
        rule,
        "PATCH",
        f"/v2/campaigns/{cid}",
        "linkedin_accounts",
        json={"linkedin_accounts": [3]},
    )
    await yes(api, "PATCH", f"/v2/campaigns/{cid}", json={"email_accounts": [11980, 12355]})


@prose("campaign-patch.schedule")
async def _schedule(api: Api, rule: Rule) -> None:
    cid, _, _ = await api.campaign()
    status, body = await api.call("PATCH", f"/v2/campaigns/{cid}", json={"schedule_id": 99999})
    assert status in (404, 422) and "errors" in body
    schedules = await yes(api, "GET", "/v2/campaigns/schedules")
    sid = schedules["data"][0]["id"]
    body = await yes(api, "PATCH", f"/v2/campaigns/{cid}", json={"schedule_id": sid})
    assert body["data"]["schedule_id"] == sid
    await yes(api, "PATCH", f"/v2/campaigns/{cid}", json={"schedule_id": None})


@prose("campaign-patch.start-at")
async def _start_at(api: Api, rule: Rule) -> None:
    cid, _, _ = await api.campaign()
    await no(
        api,
        rule,
        "PATCH",
        f"/v2/campaigns/{cid}",
        "start_campaign_at",
        json={"start_campaign_at": "2027-03-25 09:00:00"},
    )
    dated, _, _ = await api.campaign(start_campaign_at="2027-03-25 09:00:00")
    await no(
        api,
        rule,
        "PATCH",
        f"/v2/campaigns/{dated}",
        "start_campaign_at",
        json={"start_campaign_at": None},
    )
    await yes(
        api, "PATCH", f"/v2/campaigns/{dated}", json={"start_campaign_at": "2027-04-01 10:00:00"}
    )


@prose("campaign-patch.complete-at")
async def _complete_at(api: Api, rule: Rule) -> None:
    cid, _, _ = await api.campaign(start_campaign_at="2027-03-25 09:00:00")
    path = f"/v2/campaigns/{cid}"
    await no(
        api,
        rule,
        "PATCH",
        path,
        "complete_campaign_at",
        json={"complete_campaign_at": "2027-03-25 08:00:00"},
    )
    await no(api, rule, "PATCH", path, "complete_campaign_at", json={"complete_campaign_at": None})
    await yes(api, "PATCH", path, json={"complete_campaign_at": "2027-03-26 08:00:00"})


@prose("campaign-patch.deals-null")
async def _deals_null(api: Api, rule: Rule) -> None:
    cid, _, _ = await api.campaign(deals=DEALS)
    body = await yes(api, "PATCH", f"/v2/campaigns/{cid}", json={"deals": None})
    assert "deals" not in body["data"]
    assert "deals" not in (await yes(api, "GET", f"/v2/campaigns/{cid}"))["data"]


@prose("campaign-patch.potential-value")
async def _potential(api: Api, rule: Rule) -> None:
    cid, _, _ = await api.campaign()
    for value in (0, -5):
        await no(
            api,
            rule,
            "PATCH",
            f"/v2/campaigns/{cid}",
            "potential_value",
            json={"deals": {**DEALS, "potential_value": value}},
        )
    await yes(api, "PATCH", f"/v2/campaigns/{cid}", json={"deals": {**DEALS, "potential_value": 1}})


@prose("campaign-action.transitions")
async def _transitions(api: Api, rule: Rule) -> None:
    cid, _, _ = await api.campaign()
    path = f"/v2/campaigns/{cid}/action"
    for action in ("resume", "pause", "complete"):
        status, body = await api.call("POST", path, json={"action": action})
        assert status == 200 and body["success"] is False and body["errors"], (action, body)
    for action, state in (
        ("start", "active"),
        ("pause", "paused"),
        ("resume", "active"),
        ("complete", "completed"),
        ("archived", "archived"),
    ):
        assert (await yes(api, "POST", path, json={"action": action})) == {"success": True}
        assert (await yes(api, "GET", f"/v2/campaigns/{cid}"))["data"]["status"] == state


@prose("campaign-delete.states")
async def _delete_states(api: Api, rule: Rule) -> None:
    for state in ("active", "paused"):
        cid, _, _ = await api.campaign(status=state)
        status, body = await api.call("DELETE", f"/v2/campaigns/{cid}")
        assert status == 422 and "errors" in body, (state, body)
    for state in ("new", "completed", "archived"):
        cid, _, _ = await api.campaign(status=state)
        await yes(api, "DELETE", f"/v2/campaigns/{cid}")
        assert (await api.call("GET", f"/v2/campaigns/{cid}"))[0] == 404


@prose("content.states")
async def _content_states(api: Api, rule: Rule) -> None:
    for state in ("active", "completed", "archived"):
        cid, step, slots = await api.campaign(status=state)
        path = f"/v2/campaigns/{cid}/steps/{step}/content"
        await no(api, rule, "POST", path + "/create", None, json={"content_id": slots[0], **BLOCK})
        await no(api, rule, "PATCH", f"{path}/{slots[0]}", None, json={"subject": "x"})
    for state in ("new", "paused"):
        cid, step, slots = await api.campaign(status=state)
        path = f"/v2/campaigns/{cid}/steps/{step}/content"
        await yes(api, "POST", path + "/create", json={"content_id": slots[0], **BLOCK})
        await yes(api, "PATCH", f"{path}/{slots[0]}", json={"subject": "x"})


@prose("content.overwrite")
async def _overwrite(api: Api, rule: Rule) -> None:
    cid, step, slots = await api.campaign()
    path = f"/v2/campaigns/{cid}/steps/{step}/content"
    await yes(api, "POST", path + "/create", json={"content_id": slots[0], **BLOCK})
    await yes(
        api, "POST", path + "/create", json={"content_id": slots[0], **BLOCK, "subject": "Second"}
    )
    body = await yes(api, "GET", f"{path}/{slots[0]}")
    assert body["data"]["subject"] == "Second"


@prose("content.generated-slots")
async def _generated(api: Api, rule: Rule) -> None:
    cid, step, slots = await api.campaign(slots=3)
    assert len(slots) == 3
    for slot in slots:
        body = await yes(api, "GET", f"/v2/campaigns/{cid}/steps/{step}/content/{slot}")
        assert body["data"]["id"] == slot
    assert (await api.call("GET", f"/v2/campaigns/{cid}/steps/{step}/content/{slots[-1] + 7}"))[
        0
    ] == 404


@prose("content-patch.one-field")
async def _content_one(api: Api, rule: Rule) -> None:
    cid, step, slots = await api.campaign()
    path = f"/v2/campaigns/{cid}/steps/{step}/content/{slots[0]}"
    await no(api, rule, "PATCH", path, None, json={})
    body = await yes(api, "PATCH", path, json={"usage": "pause"})
    assert body["data"]["usage"] == "pause"


@prose("content-delete.last")
async def _delete_last(api: Api, rule: Rule) -> None:
    cid, step, slots = await api.campaign(slots=2)
    path = f"/v2/campaigns/{cid}/steps/{step}/content"
    await yes(api, "POST", path + "/create", json={"content_id": slots[0], **BLOCK})
    await yes(api, "DELETE", f"{path}/{slots[0]}")  # the only written block of a two-slot step
    await no(api, rule, "DELETE", f"{path}/{slots[1]}", "content_id")


# Recipients ---------------------------------------------------------------------------------


@prose("recipients.unique")
async def _unique(api: Api, rule: Rule) -> None:
    path = f"/v2/campaigns/{BIG}/recipient"
    await no(
        api, rule, "GET", path, "emails", params=[("emails[]", "a@x.io"), ("emails[]", "A@x.io")]
    )
    await yes(api, "GET", path, params=[("emails[]", "a@x.io"), ("emails[]", "b@x.io")])


@prose("recipient-status.values")
async def _status_values(api: Api, rule: Rule) -> None:
    email = await api.recipient()
    form = {"email": email, "campaign_id": BIG}
    for bad in ("Finished", "active", "Moved"):
        await no(
            api, rule, "POST", "/v1/change-recipient-status", None, data={**form, "status": bad}
        )
    for good in ("Paused", "Unsubscribed", "Active"):
        await yes(api, "POST", "/v1/change-recipient-status", data={**form, "status": good})


@prose("recipient-status.final")
async def _status_final(api: Api, rule: Rule) -> None:
    email = await api.recipient(status="finished")
    await no(
        api,
        rule,
        "POST",
        "/v1/change-recipient-status",
        None,
        data={"email": email, "campaign_id": BIG, "status": "Active"},
    )


@prose("finished.all")
async def _finished_all(api: Api, rule: Rule) -> None:
    rows = await yes(api, "GET", "/v1/prospect-finished", params={"campaignId": BIG})
    assert len(rows) == 10_050 // 5 > 1000  # every fifth recipient finished; no cap


@prose("do-not-email.items")
async def _dne_items(api: Api, rule: Rule) -> None:
    await no(
        api,
        rule,
        "POST",
        "/v1/do-not-email-list",
        None,
        data={"listId": 8, "items[]": ["not an item"]},
    )
    await yes(
        api, "POST", "/v1/do-not-email-list", data={"listId": 8, "items[]": ["a@b.io", "b.io"]}
    )


@prose("do-not-email.duplicates")
async def _dne_dupes(api: Api, rule: Rule) -> None:
    first = await yes(
        api, "POST", "/v1/do-not-email-list", data={"listId": 8, "items[]": ["a@b.io"]}
    )
    assert first[0]["data"]["duplicates"] == []
    again = await yes(
        api, "POST", "/v1/do-not-email-list", data={"listId": 8, "items[]": ["a@b.io", "c.io"]}
    )
    assert again[0]["data"]["duplicates"] == ["a@b.io"]


# Analytics ----------------------------------------------------------------------------------

RANGE = {"date_from": "2025-12-01", "date_to": "2026-03-31"}


async def _analytics(api: Api, **params: Any) -> int:
    body = await yes(api, "GET", "/v2/statistics/campaign-analytics", params={**RANGE, **params})
    return int(body["emails_sent"])


@prose("analytics.dates")
async def _analytics_dates(api: Api, rule: Rule) -> None:
    for bad in ("2025/12/01", "01-12-2025", "yesterday"):
        await no(
            api,
            rule,
            "GET",
            "/v2/statistics/campaign-analytics",
            "date_from",
            params={**RANGE, "date_from": bad},
        )
    await yes(api, "GET", "/v2/statistics/campaign-analytics", params=RANGE)


@prose("analytics.all-active")
async def _all_active(api: Api, rule: Rule) -> None:
    assert await _analytics(api) == 0  # the seeded campaigns are paused or drafts
    cid, _, _ = await api.campaign(status="active")
    everything = await _analytics(api)
    assert everything == await _analytics(api, campaign_id=cid) > 0
    both = await _analytics(api, campaign_id=f"{cid},{BIG}")
    assert both == everything + await _analytics(api, campaign_id=BIG)


@prose("analytics.sender-email")
async def _sender_email(api: Api, rule: Rule) -> None:
    cid, _, _ = await api.campaign(status="active", email_accounts=[11980, 12355])
    total = await _analytics(api, campaign_id=cid)
    one = await _analytics(api, campaign_id=cid, sender_email="11980")
    other = await _analytics(api, campaign_id=cid, sender_email="12355")
    assert 0 < one < total and one + other == total
    assert await _analytics(api, campaign_id=cid, sender_email="11980,12355") == total
    assert await _analytics(api, campaign_id=cid, sender_email="1") == 0


@prose("analytics.sender-linkedin")
async def _sender_linkedin(api: Api, rule: Rule) -> None:
    made = await create_ok(
        api, linkedin_campaign(_li("visit"), GOAL) | {"linkedin_accounts": [31, 32]}
    )
    cid = made["data"]["id"]
    await yes(api, "POST", f"/v2/campaigns/{cid}/action", json={"action": "start"})
    total = await _analytics(api, campaign_id=cid)
    one = await _analytics(api, campaign_id=cid, sender_linkedin="31")
    assert 0 < one < total
    assert await _analytics(api, campaign_id=cid, sender_linkedin="31,32") == total
    assert await _analytics(api, campaign_id=cid, sender_linkedin="99") == 0


@prose("analytics.owner")
async def _owner(api: Api, rule: Rule) -> None:
    cid, _, _ = await api.campaign(status="active")
    total = await _analytics(api, campaign_id=cid)
    me = api.account().user_email
    assert (
        total > 0 and await _analytics(api, campaign_id=cid, campaign_owner=f"x@y.io,{me}") == total
    )
    assert await _analytics(api, campaign_id=cid, campaign_owner="someone@else.io") == 0


ACTIVITY = f"/v2/campaigns/{BIG}/recipients-activity"


@prose("activity.window")
async def _window(api: Api, rule: Rule) -> None:
    await no(
        api,
        rule,
        "GET",
        ACTIVITY,
        "dateTo",
        params={"dateFrom": "2025-12-01", "dateTo": "2026-01-02"},
    )
    await no(
        api,
        rule,
        "GET",
        ACTIVITY,
        "dateTo",
        params={"dateFrom": "2025-12-02", "dateTo": "2025-12-01"},
    )
    await yes(api, "GET", ACTIVITY, params={"dateFrom": "2025-12-01", "dateTo": "2026-01-01"})


@prose("activity.paging")
async def _paging(api: Api, rule: Rule) -> None:
    window = {"dateFrom": "2025-12-01", "dateTo": "2025-12-31"}
    first = await yes(api, "GET", ACTIVITY, params=window)
    page = first["pagination"]
    assert (page["offset"], page["limit"], len(first["data"])) == (0, 100, 100)
    assert page["has_more"] is True and page["total"] > 100
    last = await yes(
        api, "GET", ACTIVITY, params={**window, "offset": page["total"] - 1, "limit": 1000}
    )
    assert len(last["data"]) == 1 and last["pagination"]["has_more"] is False


async def _last_10000(api: Api, path: str, stamp: str) -> None:
    pages: list[Any] = []
    offset = 0
    while True:
        rows = await yes(api, "GET", path, params={"campaignId": BIG, "offset": offset})
        pages += rows
        if len(rows) < 10_000:
            break
        offset += 10_000
    default = await yes(api, "GET", path, params={"campaignId": BIG})
    assert default == pages[-10_000:]
    moments = [r[stamp]["date"] for r in pages]
    assert moments == sorted(moments)  # oldest first, so "the last 10,000" are the newest


@prose("v1-events.last-10000")
async def _sent_last(api: Api, rule: Rule) -> None:
    await _last_10000(api, "/v1/emails-sent", "sentDate")
    default = await yes(api, "GET", "/v1/emails-sent", params={"campaignId": BIG})
    first = await yes(api, "GET", "/v1/emails-sent", params={"campaignId": BIG, "offset": 0})
    assert len(default) == 10_000 and default[0] == first[50]  # 10,050 sent: the last 10,000


@prose("v1-events.opened")
async def _opened_last(api: Api, rule: Rule) -> None:
    await _last_10000(api, "/v1/get-emails-opened", "visitedAt")


@prose("v1-events.clicked")
async def _clicked_last(api: Api, rule: Rule) -> None:
    await _last_10000(api, "/v1/get-emails-clicked", "visitedAt")


@prose("v1-events.replies")
async def _replies_last(api: Api, rule: Rule) -> None:
    await _last_10000(api, "/v1/get-emails-replies", "visitedAt")


@prose("all-replies.unique-pairs")
async def _all_replies(api: Api, rule: Rule) -> None:
    rows: list[Any] = []
    while True:
        page = await yes(
            api, "GET", f"/v2/campaigns/{BIG}/all-replies", params={"offset": len(rows)}
        )
        if not page["data"]:
            break
        rows += page["data"]
    pairs = [(r["prospectId"], r["replyType"]) for r in rows]
    assert rows and len(pairs) == len(set(pairs))
    for r in rows:
        times = [reply["receivedAt"] for reply in r["replies"]]
        assert times == sorted(times) and r["receivedAt"] == times[0]


# Prospects and lists ------------------------------------------------------------------------


@prose("add-prospect.identity")
async def _identity(api: Api, rule: Rule) -> None:
    lid = await api.list_id()
    await no(
        api, rule, "POST", "/v1/add-prospect-to-list", None, data={"listId": lid, "firstName": "A"}
    )
    await yes(
        api,
        "POST",
        "/v1/add-prospect-to-list",
        data={"listId": lid, "socialLinks[linkedIn]": "https://www.linkedin.com/in/a/"},
    )
    await yes(api, "POST", "/v1/add-prospect-to-list", data={"listId": lid, "email": "a@x.io"})


@prose("add-prospect.update-xor-duplicate")
async def _xor(api: Api, rule: Rule) -> None:
    lid = await api.list_id()
    form = {"listId": lid, "email": "a@x.io"}
    await no(
        api,
        rule,
        "POST",
        "/v1/add-prospect-to-list",
        None,
        data={**form, "updateContact": "true", "createDuplicates": "true"},
    )
    await yes(api, "POST", "/v1/add-prospect-to-list", data={**form, "updateContact": "1"})
    made = await yes(
        api, "POST", "/v1/add-prospect-to-list", data={**form, "createDuplicates": "true"}
    )
    assert made["added"] is True


@prose("add-prospect.custom-fields")
async def _custom(api: Api, rule: Rule) -> None:
    lid = await api.list_id()
    # The reference's own example (form style, and its JSON body).
    await yes(
        api,
        "POST",
        "/v1/add-prospect-to-list",
        data={"listId": lid, "email": "j@x.io", "customFields[specialization]": "Software"},
    )
    await yes(
        api,
        "POST",
        "/v1/add-prospect-to-list",
        json={"listId": lid, "email": "k@x.io", "customFields": {"specialization": "SEO"}},
    )


@prose("prospect-list.newest-first")
async def _newest(api: Api, rule: Rule) -> None:
    lid = await api.list_id()
    for email in ("first@x.io", "second@x.io", "third@x.io"):
        await yes(api, "POST", "/v1/add-prospect-to-list", data={"listId": lid, "email": email})
    body = await yes(api, "POST", "/v1/prospect-list", data={"listId": lid})
    assert [p["emails"][0]["email"] for p in body["prospects"]] == [
        "third@x.io",
        "second@x.io",
        "first@x.io",
    ]
    page = await yes(
        api, "POST", "/v1/prospect-list", data={"listId": lid, "page": 2, "perPage": 2}
    )
    assert [p["emails"][0]["email"] for p in page["prospects"]] == ["first@x.io"]


@prose("lists.create")
async def _lists(api: Api, rule: Rule) -> None:
    await no(api, rule, "POST", "/v1/lists", None, data={})
    made = await yes(api, "POST", "/v1/lists", data={"name": "Fresh"})
    lists = await yes(api, "GET", "/v1/get-user-lists")
    assert {"id": made[0]["data"]["id"], "name": "Fresh"}.items() <= next(
        row for row in lists if row["id"] == made[0]["data"]["id"]
    ).items()


# Webhooks -----------------------------------------------------------------------------------


def _hook(
    obj: str = "campaign_email", act: str = "sent", url: str = "https://h.x.io/in"
) -> dict[str, str]:
    return {"event_object": obj, "event_action": act, "endpoint_url": url}


@prose("webhooks.pairs")
async def _pairs(api: Api, rule: Rule) -> None:
    for obj, act in (("campaign_email", "verified"), ("prospect", "sent"), ("nothing", "sent")):
        await no(api, rule, "POST", "/v2/webhooks", None, json=_hook(obj, act))
    await yes(api, "POST", "/v2/webhooks", json=_hook("email_verification", "verified"))
    await yes(api, "POST", "/v2/webhooks", json=_hook("campaign_li", "connection_request_accepted"))


@prose("webhooks.limit")
async def _limit(api: Api, rule: Rule) -> None:
    for i in range(50):
        await yes(api, "POST", "/v2/webhooks", json=_hook(url=f"https://h.x.io/{i}"))
    await no(api, rule, "POST", "/v2/webhooks", None, json=_hook(url="https://h.x.io/51"))
    listed = await yes(api, "GET", "/v2/webhooks")
    assert listed["meta"]["webhooks_count"] == 50


@prose("webhooks.status")
async def _hook_status(api: Api, rule: Rule) -> None:
    hid = (await yes(api, "POST", "/v2/webhooks", json=_hook()))["data"]["id"]
    await no(api, rule, "PUT", f"/v2/webhooks/{hid}", "status", json={"status": "paused"})
    for status in ("deactivated", "active"):
        body = await yes(api, "PUT", f"/v2/webhooks/{hid}", json={"status": status})
        assert body["data"]["status"] == status


@prose("webhooks.ladder")
async def _ladder(api: Api, rule: Rule) -> None:
    # An endpoint that never answers 2xx: 7 attempts, then the subscription is deactivated.
    dead = "http://127.0.0.1:9/never"
    hid = (
        await yes(api, "POST", "/v2/webhooks", json=_hook("email_verification", "verified", dead))
    )["data"]["id"]
    await run_task(
        api,
        "/v2/email-verification/start",
        "/v2/email-verification/result",
        data={"emails[]": ["a@snov.io"]},
    )
    for _ in range(200):
        listed = await yes(api, "GET", "/v2/webhooks")
        if listed["data"][0]["data"]["status"] == "deactivated":
            break
        await asyncio.sleep(0.02)
    assert listed["data"][0]["data"] == {
        **listed["data"][0]["data"],
        "id": hid,
        "status": "deactivated",
    }
    assert api.account().stats.webhook_attempts == 7


@prose("balance.free")
async def _balance_free(api: Api, rule: Rule) -> None:
    first = await balance(api)
    assert await balance(api) == first == Decimal("25000.00")


# Answer shapes and references stated in prose ------------------------------------------------


@prose("prospects.positions")
async def _positions(api: Api, rule: Rule) -> None:
    domain = next(
        d
        for d in (f"firm{i}.com" for i in range(200))
        if data.company_info(0, d)[1]["prospects_count"] > 20
    )
    kw = {"data": {"domain": domain, "positions[]": ["CEO", "CTO"]}}
    done = await run_task(
        api,
        "/v2/domain-search/prospects/start",
        "/v2/domain-search/prospects/result/{task_hash}",
        **kw,
    )
    assert done["data"] and {p["position"] for p in done["data"]} <= {"CEO", "CTO"}
    assert done["meta"]["positions"] == ["CEO", "CTO"]


@prose("sender.optional-answer-fields")
async def _optional_fields(api: Api, rule: Rule) -> None:
    bare = (await yes(api, "POST", SENDERS, json=SENDER))["data"]
    assert "signature" not in bare and "timezoneId" not in bare
    full = (
        await yes(api, "POST", SENDERS, json={**SENDER, "signature": "<b>S</b>", "timezoneId": 21})
    )["data"]
    assert full["signature"] == "<b>S</b>" and full["timezoneId"] == 21


@prose("sender-status.imap-null")
async def _imap_null(api: Api, rule: Rule) -> None:
    without = {k: v for k, v in SENDER.items() if k != "imap"}
    made = await yes(api, "POST", SENDERS, json=without)
    sid = made["data"]["id"]
    body = await yes(
        api, "GET", "/v2/sender-accounts/check-sender-status", params={"sender_account_id": sid}
    )
    assert body["data"]["imap"] is None and body["data"]["smtp"]["status"] in (
        "pending",
        "valid",
        "invalid",
    )
    with_imap = await api.sender()
    body = await yes(
        api,
        "GET",
        "/v2/sender-accounts/check-sender-status",
        params={"sender_account_id": with_imap},
    )
    assert isinstance(body["data"]["imap"], dict)


@prose("campaign.settings-echo")
async def _settings_echo(api: Api, rule: Rule) -> None:
    settings = {"sending_priority": "follow_up", "daily_sending_all": 7, "skip_unverified": True}
    made = await create_ok(api, campaign(sending_settings=settings))
    echoed = made["data"]["sending_settings"]
    assert {k: echoed[k] for k in settings} == settings
    assert {"delay_type", "delay_from", "delay_to"} <= set(echoed)


@prose("campaign-patch.linkedin-only-matching")
async def _li_matching(api: Api, rule: Rule) -> None:
    made = await create_ok(api, linkedin_campaign(_li("visit"), GOAL))
    cid = made["data"]["id"]
    assert made["data"]["provider_matching"] is False
    await no(
        api,
        rule,
        "PATCH",
        f"/v2/campaigns/{cid}",
        "provider_matching",
        json={"provider_matching": True},
    )
    body = await yes(api, "PATCH", f"/v2/campaigns/{cid}", json={"provider_matching": False})
    assert body["data"]["provider_matching"] is False


@prose("recipient-status.in-campaign")
async def _in_campaign(api: Api, rule: Rule) -> None:
    form = {"campaign_id": BIG, "status": "Paused"}
    await no(
        api,
        rule,
        "POST",
        "/v1/change-recipient-status",
        None,
        data={**form, "email": "stranger@x.io"},
    )
    await no(
        api,
        rule,
        "POST",
        "/v1/change-recipient-status",
        None,
        data={**form, "campaign_id": 1, "email": await api.recipient()},
    )
    await yes(
        api, "POST", "/v1/change-recipient-status", data={**form, "email": await api.recipient()}
    )


@prose("do-not-email.list")
async def _dne_list(api: Api, rule: Rule) -> None:
    await no(
        api,
        rule,
        "POST",
        "/v1/do-not-email-list",
        None,
        data={"listId": 999, "items[]": ["a@b.io"]},
    )
    await yes(api, "POST", "/v1/do-not-email-list", data={"listId": 8, "items[]": ["a@b.io"]})


@prose("webhooks.endpoint")
async def _endpoint(api: Api, rule: Rule) -> None:
    for url in ("ftp://h.x.io/in", "not a url", ""):
        await no(api, rule, "POST", "/v2/webhooks", "endpoint_url", json=_hook(url=url))
    await yes(api, "POST", "/v2/webhooks", json=_hook(url="http://127.0.0.1:8080/hook"))
