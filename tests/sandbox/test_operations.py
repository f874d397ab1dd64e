"""All 69 operations of the reference, called over raw HTTP the way the reference calls them;
each answer must have the reference example's keys and value types, field for field."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from snov_async.sandbox import Sandbox, SandboxConfig
from tests.sandbox.conftest import Raw

EXAMPLES = json.loads(
    (Path(__file__).parents[2] / "snov_async/sandbox/reference_examples.json").read_text("utf-8")
)
# Maps whose keys are data (dates, provider names), not field names.
DYNAMIC_KEYS = {"daily_statistics", "provider_statistics"}
# Operations whose answer must list something here, so that the item shapes are compared.
NON_EMPTY = {
    5,
    9,
    14,
    16,
    18,
    21,
    25,
    27,
    32,
    38,
    43,
    45,
    47,
    50,
    51,
    52,
    53,
    54,
    55,
    58,
    59,
    60,
    61,
    63,
    64,
    66,
}


def same_shape(got: Any, want: Any, where: str = "$") -> list[str]:
    """Differences in keys and value types between an answer and an example.

    ``None`` matches anything (nullable fields). Objects inside lists may leave out optional
    fields: every item must have the fields all the example's items share, and only fields
    some item has (``unknown_status_reason`` is there only for ``unknown`` addresses).
    """
    return _shape(got, [want], where)


def _shape(got: Any, wants: list[Any], where: str) -> list[str]:
    wants = [w for w in wants if w is not None]
    if not wants or got is None:
        return []
    want = wants[0]
    if isinstance(want, bool) or isinstance(got, bool):
        ok = isinstance(got, bool) and isinstance(want, bool)
        return [] if ok else [f"{where}: {got!r} vs {want!r}"]
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return [] if isinstance(got, int) == isinstance(want, int) else [f"{where}: number kind"]
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{where}: expected an object, got {type(got).__name__}"]
        if where.rsplit(".", 1)[-1] in DYNAMIC_KEYS:
            return []
        variants = [w for w in wants if isinstance(w, dict)]
        required = set.intersection(*(set(w) for w in variants))
        allowed = set.union(*(set(w) for w in variants))
        problems = []
        if not required <= set(got) <= allowed:
            problems.append(
                f"{where}: keys {sorted((set(got) - allowed) | (required - set(got)))} differ"
            )
        for key in set(got) & allowed:
            problems += _shape(got[key], [w.get(key) for w in variants], f"{where}.{key}")
        return problems
    if isinstance(want, list):
        if not isinstance(got, list):
            return [f"{where}: expected a list, got {type(got).__name__}"]
        items = [item for w in wants if isinstance(w, list) for item in w]
        problems = []
        for n, item in enumerate(got[:50]):
            problems += _shape(item, items, f"{where}[{n}]")
        return problems
    same = type(got) is type(want)
    return [] if same else [f"{where}: {type(got).__name__} vs {type(want).__name__}"]


def test_the_reference_has_69_operations_with_examples() -> None:
    assert len(EXAMPLES) == 69
    assert sum(1 for op in EXAMPLES if op["examples"]) == 67  # 1 and 12 show none


SENDER = {
    "sender_name": "John Smith",
    "email_from": "john@example.com",
    "password": "app-password",
    "smtp": {"host": "smtp.gmail.com", "port": 465, "encryption": "ssl"},
    "imap": {"host": "imap.gmail.com", "port": 993, "encryption": "ssl"},
    "reply_to": "replies@example.com",
    "bcc_email": "bcc@example.com",
    "tags": ["Canada campaign 2025"],
}
CAMPAIGN = {
    "title": "My top campaign",
    "priority": "high",
    "email_accounts": [],
    "tracking": {"open": True, "link_click": True},
    "sending_settings": {"sending_priority": "first_email", "skip_unverifiable": True},
    "recipients": {"list_id": 1818597, "black_list_id": 8},
    "schedule_id": 1074,
    "start_campaign_at": "2027-03-25 09:00:00",
    "complete_campaign_at": "2027-03-28 06:00:00",
    "timezone": "America/New_York",
    "complete_campaign_after_last_step": False,
    "archive_in_months": 3,
    "provider_matching": False,
    "sequence": {
        "entry": "first",
        "steps": [
            {"_ref": "first", "type": "email", "content_slots": 3, "next": "end"},
            {"_ref": "end", "type": "goal", "goal_name": "end"},
        ],
    },
}


async def run_all(raw: Raw) -> dict[int, tuple[int, Any]]:
    """Call every operation once, in an order that builds the state each needs."""
    out: dict[int, tuple[int, Any]] = {}
    ctx: dict[str, Any] = {}

    async def call(n: int, method: str, path: str, **kw: Any) -> Any:
        status, body = await raw.call(method, path, **kw)
        out[n] = (status, body)
        return body

    async def task(n_start: int, n_result: int, start: str, result: str, **kw: Any) -> Any:
        body = await call(n_start, "POST", start, **kw)
        task_hash = (
            (body.get("data") or {}).get("task_hash")
            if isinstance(body.get("data"), dict)
            else None
        )
        task_hash = task_hash or body["meta"]["task_hash"]
        url = result.format(task_hash=task_hash)
        params = {"task_hash": task_hash} if "{" not in result else None
        await asyncio.sleep(0.02)
        return await call(n_result, "GET", url, params=params)

    await call(
        1,
        "POST",
        "/v1/oauth/access_token",
        auth=False,
        data={"grant_type": "client_credentials", "client_id": "id", "client_secret": "secret"},
    )
    await task(
        2,
        3,
        "/v2/domain-search/start",
        "/v2/domain-search/result/{task_hash}",
        params={"domain": "snov.io"},
    )
    prospects = await task(
        4,
        5,
        "/v2/domain-search/prospects/start",
        "/v2/domain-search/prospects/result/{task_hash}",
        params={"domain": "snov.io", "page": 1, "positions[]": ["CEO", "CTO"]},
    )
    hash_ = prospects["data"][0]["search_emails_start"].rsplit("/", 1)[-1]
    await task(
        6,
        7,
        f"/v2/domain-search/prospects/search-emails/start/{hash_}",
        "/v2/domain-search/prospects/search-emails/result/{task_hash}",
    )
    await task(
        8,
        9,
        "/v2/domain-search/domain-emails/start",
        "/v2/domain-search/domain-emails/result/{task_hash}",
        params={"domain": "snov.io"},
    )
    await task(
        10,
        11,
        "/v2/domain-search/generic-contacts/start",
        "/v2/domain-search/generic-contacts/result/{task_hash}",
        data={"domain": "snov.io"},
    )
    await call(12, "POST", "/v1/get-domain-emails-count", data={"domain": "octagon.com"})
    await task(
        13,
        14,
        "/v2/emails-by-domain-by-name/start",
        "/v2/emails-by-domain-by-name/result",
        json={
            "rows": [
                {"first_name": "John", "last_name": "Doe", "domain": "snov.io"},
                {"first_name": "Jane", "last_name": "Doe", "domain": "snov.io"},
            ]
        },
    )
    await task(
        15,
        16,
        "/v2/company-domain-by-name/start",
        "/v2/company-domain-by-name/result",
        params={"names[]": ["Snov.io", "Sendpulse"]},
    )
    await task(
        17,
        18,
        "/v2/li-profiles-by-urls/start",
        "/v2/li-profiles-by-urls/result",
        params={"urls[]": [f"https://www.linkedin.com/in/john-doe-{i}/" for i in range(6)]},
    )
    for i in range(20):  # find a profile the sandbox knows
        body = await call(
            19, "POST", "/v1/get-profile-by-email", data={"email": f"gavin{i}@octagon.com"}
        )
        if body.get("success"):
            break
    await task(
        20,
        21,
        "/v2/email-verification/start",
        "/v2/email-verification/result",
        data={
            "emails[]": ["gavin.vanrooyen@octagon.com", "ivalid_format_snov.io", "admin@snov.io"]
        },
    )
    sender = await call(22, "POST", "/v2/sender-accounts/emails", json=SENDER)
    sid = sender["data"]["id"]
    await call(
        23,
        "PATCH",
        f"/v2/sender-accounts/emails/{sid}",
        json={
            "sender_name": "John Smith Updated",
            "limitation": 100,
            "delay_type": "fixed",
            "delay_fixed": 600,
            "tags": ["Canada campaign 2025", "Q2"],
        },
    )
    await call(
        24, "GET", "/v2/sender-accounts/check-sender-status", params={"sender_account_id": sid}
    )
    await call(25, "GET", "/v2/sender-accounts/emails")
    warm = await call(
        26,
        "POST",
        "/v2/warm-up",
        json={
            "email_account_id": sid,
            "strategy": "progressive",
            "per_day": 50,
            "from": 2,
            "increase": 2,
            "reply_rate": 30,
        },
    )
    wid = warm["data"]["id"]
    await call(27, "GET", "/v2/warm-up", params={"page": 1, "per_page": 20})
    await call(28, "GET", f"/v2/warm-up/{wid}")
    await call(29, "PATCH", f"/v2/warm-up/{wid}", json={"status": "paused"})
    await call(31, "GET", f"/v2/warm-up/statistics/{wid}", params={"period": "two_weeks"})
    await call(30, "DELETE", f"/v2/warm-up/{wid}")
    await call(32, "GET", "/v1/get-user-campaigns")
    created = await call(33, "POST", "/v2/campaigns/create", json=CAMPAIGN)
    cid = created["data"]["id"]
    step = created["data"]["sequence"]["steps"][0]["_ref"]
    ctx["cid"] = cid
    await call(34, "GET", f"/v2/campaigns/{cid}")
    await call(35, "PATCH", f"/v2/campaigns/{cid}", json={"title": "Updated title via API"})
    await call(38, "GET", "/v2/campaigns/schedules")
    base = f"/v2/campaigns/{cid}/steps/{step}/content"
    await call(
        39,
        "POST",
        base + "/create",
        json={
            "content_id": 1,
            "subject": "Hey",
            "body": "<p>Hi {{first_name}}</p>",
            "plain_text": False,
            "usage": "active",
        },
    )
    await raw.call(
        "POST",
        base + "/create",
        json={
            "content_id": 2,
            "subject": "Hey B",
            "body": "<p>Hi</p>",
            "plain_text": False,
            "usage": "active",
        },
    )
    await call(40, "GET", base + "/1")
    await call(41, "PATCH", base + "/1", json={"subject": "Updated subject"})
    await call(42, "DELETE", base + "/2")
    await call(36, "POST", f"/v2/campaigns/{cid}/action", json={"action": "start"})
    old = 237945
    await call(
        43,
        "GET",
        f"/v2/campaigns/{old}/recipient",
        params={"emails[]": ["john.doe0@example0.com", "nobody@snov.io"]},
    )
    await call(
        44,
        "POST",
        "/v1/change-recipient-status",
        data={"email": "jane.doe1@example1.com", "campaign_id": old, "status": "Paused"},
    )
    await call(45, "GET", "/v1/prospect-finished", params={"campaignId": old})
    await call(
        46, "POST", "/v1/do-not-email-list", data={"items[]": ["a@b.io", "c.io"], "listId": 8}
    )
    await call(47, "GET", "/v2/blacklists")
    await call(
        48,
        "GET",
        "/v2/statistics/campaign-analytics",
        params={"campaign_id": old, "date_from": "2025-12-01", "date_to": "2025-12-31"},
    )
    await call(49, "GET", f"/v2/campaigns/{old}/progress")
    await call(
        50,
        "GET",
        f"/v2/campaigns/{old}/recipients-activity",
        params={"dateFrom": "2025-12-01", "dateTo": "2025-12-31", "limit": 5},
    )
    await call(51, "GET", "/v1/emails-sent", params={"campaignId": old})
    await call(52, "GET", "/v1/get-emails-opened", params={"campaignId": old})
    await call(53, "GET", "/v1/get-emails-clicked", params={"campaignId": old})
    await call(54, "GET", f"/v2/campaigns/{old}/all-replies")
    await call(55, "GET", "/v1/get-emails-replies", params={"campaignId": old})
    added = await call(
        56,
        "POST",
        "/v1/add-prospect-to-list",
        data={
            "email": "gavin.vanrooyen@octagon.com",
            "fullName": "Gavin Vanrooyen",
            "firstName": "Gavin",
            "lastName": "Vanrooyen",
            "position": "Senior Brand Director",
            "companyName": "Octagon",
            "companySite": "http://octagon.com",
            "socialLinks[linkedIn]": "https://www.linkedin.com/in/gavin-vanrooyen-8090738/",
            "listId": 1818597,
            "customFields[company]": "Octagon",
        },
    )
    await call(57, "POST", "/v1/get-prospect-by-id", data={"id": added["id"]})
    await call(
        58, "POST", "/v1/get-prospects-by-email", data={"email": "gavin.vanrooyen@octagon.com"}
    )
    await call(59, "GET", "/v1/prospect-custom-fields")
    await call(60, "GET", "/v1/get-user-lists")
    await call(61, "POST", "/v1/prospect-list", data={"listId": 1818597, "page": 1, "perPage": 10})
    await call(62, "POST", "/v1/lists", data={"name": "New list"})
    await call(63, "GET", "/v2/pipelines")
    await call(64, "GET", "/v2/pipelines/1106350/stages")
    await call(65, "GET", "/v1/get-balance")
    hook = await call(
        67,
        "POST",
        "/v2/webhooks",
        json={
            "event_object": "campaign_email",
            "event_action": "sent",
            "endpoint_url": "https://hooks.yourdomain.com/hooks/catch/1237321/abwfpcz/",
        },
    )
    await call(66, "GET", "/v2/webhooks")
    await call(68, "PUT", f"/v2/webhooks/{hook['data']['id']}", json={"status": "deactivated"})
    await call(69, "DELETE", f"/v2/webhooks/{hook['data']['id']}")
    await call(36, "POST", f"/v2/campaigns/{cid}/action", json={"action": "complete"})
    await call(37, "DELETE", f"/v2/campaigns/{cid}")
    return out


@pytest.fixture(scope="module")
def answers() -> dict[int, tuple[int, Any]]:
    async def go() -> dict[int, tuple[int, Any]]:
        config = SandboxConfig(rate_limit=None, task_latency=0.0, shapes="reference")
        async with Sandbox(config) as sb, aiohttp.ClientSession() as session:
            raw = Raw(sb, session)
            await raw.login()
            return await run_all(raw)

    return asyncio.run(go())


@pytest.mark.parametrize("number", range(1, 70))
def test_operation_answers_like_the_reference(
    answers: dict[int, tuple[int, Any]], number: int
) -> None:
    status, body = answers[number]
    assert status == 200, (number, body)
    op = EXAMPLES[number - 1]
    if not op["examples"]:
        # 1 (token) and 12 (emails count): the reference lists the fields in prose.
        expected = {
            1: {"access_token", "token_type", "expires_in"},
            12: {"domain", "webmail", "result"},
        }
        assert set(body) == expected[number]
        return
    if number in NON_EMPTY:
        items = body if isinstance(body, list) else body.get("data") or body.get("prospects")
        assert items, f"operation {number} answered an empty list: the shape check would be void"
    candidates = op["examples"][-2:] if number == 24 else op["examples"][-1:]
    problems = [same_shape(body, want) for want in candidates]
    assert min(problems, key=len) == [], (number, op["method"], op["path"])
