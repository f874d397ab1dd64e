"""One test per rule of the reference the sandbox enforces (with the reference's envelopes)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.sandbox.conftest import Raw

SMTP = {"host": "smtp.example.com", "port": 465, "encryption": "ssl"}
SENDER = {"sender_name": "S", "email_from": "s@example.com", "password": "p", "smtp": SMTP}


def field_of(body: Any) -> str:
    (field,) = body["errors"].keys()
    return str(field)


async def test_batch_starts_take_at_most_10_items(raw: Raw) -> None:
    for path, name in (
        ("/v2/email-verification/start", "emails[]"),
        ("/v2/company-domain-by-name/start", "names[]"),
        ("/v2/li-profiles-by-urls/start", "urls[]"),
    ):
        status, body = await raw.call("POST", path, data={name: [f"x{i}@a.io" for i in range(11)]})
        assert status == 422 and field_of(body) == name[:-2]
        status, _ = await raw.call("POST", path, data={name: [f"x{i}@a.io" for i in range(10)]})
        assert status == 200
    rows = [{"first_name": "A", "last_name": "B", "domain": "c.io"}] * 11
    status, body = await raw.call("POST", "/v2/emails-by-domain-by-name/start", json={"rows": rows})
    assert status == 422 and field_of(body) == "rows"


async def test_recipient_checks_take_1_to_100_unique_short_emails(raw: Raw) -> None:
    path = "/v2/campaigns/237945/recipient"
    too_many = {"emails[]": [f"u{i}@x.io" for i in range(101)]}
    for params in (
        {},
        too_many,
        {"emails[]": ["a@x.io", "A@x.io"]},
        {"emails[]": ["a" * 95 + "@x.io1"]},
    ):
        status, body = await raw.call("GET", path, params=params)
        assert status == 422 and field_of(body) == "emails", params
    status, body = await raw.call(
        "GET", path, params={"emails[]": [f"u{i}@x.io" for i in range(100)]}
    )
    assert status == 200 and len(body["data"]) == 100


async def test_prospect_search_takes_at_most_10_positions(raw: Raw) -> None:
    params = {"domain": "snov.io", "positions[]": [f"P{i}" for i in range(11)]}
    status, body = await raw.call("POST", "/v2/domain-search/prospects/start", params=params)
    assert status == 422 and field_of(body) == "positions"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"smtp": {**SMTP, "encryption": "tls"}}, "smtp.encryption"),
        ({"smtp": {**SMTP, "port": 2525}}, "smtp.port"),
        ({"smtp": {"host": "h", "port": 587, "encryption": "ssl"}}, "smtp.encryption"),
        ({"imap": {"host": "i", "port": 143, "encryption": "ssl"}}, "imap.encryption"),
        ({"imap": {"host": "i", "port": 993}}, "imap.encryption"),
        ({"limitation": 0}, "limitation"),
        ({"limitation": 1201}, "limitation"),
        ({"delay_from": 4}, "delay_from"),
        ({"delay_to": 3601}, "delay_to"),
        ({"delay_from": 900, "delay_to": 900}, "delay_to"),
        ({"timezoneId": 459}, "timezoneId"),
        ({"sender_name": "x" * 101}, "sender_name"),
        ({"smtp": None}, "smtp"),
    ],
)
async def test_sender_accounts_port_encryption_pairs_and_ranges(
    raw: Raw, change: dict[str, Any], field: str
) -> None:
    status, body = await raw.call("POST", "/v2/sender-accounts/emails", json={**SENDER, **change})
    assert status == 422 and field_of(body) == field


async def test_sender_account_patch_needs_a_field_and_null_clears(raw: Raw) -> None:
    _, created = await raw.call(
        "POST", "/v2/sender-accounts/emails", json={**SENDER, "reply_to": "r@example.com"}
    )
    path = f"/v2/sender-accounts/emails/{created['data']['id']}"
    assert (await raw.call("PATCH", path, json={}))[0] == 422
    status, body = await raw.call("PATCH", path, json={"reply_to": None, "tags": ["a", "b"]})
    assert status == 200 and "reply_to" not in body["data"] and body["data"]["tags"] == ["a", "b"]
    assert (await raw.call("PATCH", "/v2/sender-accounts/emails/999", json={"limitation": 5}))[
        0
    ] == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"per_day": 0}, "per_day"),
        ({"per_day": 1001}, "per_day"),
        ({"from": 6}, "from"),
        ({"from": 5, "per_day": 3}, "from"),
        ({"increase": 0}, "increase"),
        ({"from": None}, "from"),
        ({"email_content": "specific"}, "subject"),
        ({"email_content": "specific", "subject": "s"}, "body"),
        ({"reply_rate": 9}, "reply_rate"),
        ({"reply_rate": 46}, "reply_rate"),
        ({"strategy": "fast"}, "strategy"),
        ({"providers": ["gmail", "aol"]}, "providers"),
        ({"campaign_deadline": "21/12/2026"}, "campaign_deadline"),
    ],
)
async def test_warm_up_ranges_and_required_when_rules(
    raw: Raw, change: dict[str, Any], field: str
) -> None:
    _, accounts = await raw.call("GET", "/v2/sender-accounts/emails")
    body = {"email_account_id": accounts["data"][0]["id"], "per_day": 50, "from": 2, "increase": 2}
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    status, answer = await raw.call("POST", "/v2/warm-up", json=body)
    assert status == 422 and field_of(answer) == field


async def test_warm_up_list_per_page_enum_and_statistics_window(raw: Raw) -> None:
    assert (await raw.call("GET", "/v2/warm-up", params={"per_page": 30}))[0] == 422
    for size in (20, 50, 100):
        assert (await raw.call("GET", "/v2/warm-up", params={"per_page": size}))[0] == 200
    _, accounts = await raw.call("GET", "/v2/sender-accounts/emails")
    _, w = await raw.call(
        "POST",
        "/v2/warm-up",
        json={"email_account_id": accounts["data"][0]["id"], "strategy": "steady", "per_day": 5},
    )
    path = f"/v2/warm-up/statistics/{w['data']['id']}"
    status, body = await raw.call("GET", path)
    assert status == 422 and field_of(body) == "date_from"
    status, body = await raw.call(
        "GET", path, params={"date_from": "2026-05-30", "date_to": "2026-05-01"}
    )
    assert status == 422 and field_of(body) == "date_to"
    today = datetime.date.today()
    days = [(today + datetime.timedelta(days=n)).isoformat() for n in (0, 1)]
    status, body = await raw.call("GET", path, params={"date_from": days[0], "date_to": days[1]})
    assert status == 200 and sorted(body["data"]["daily_statistics"]) == days
    # A window that ends before the warm-up started is refused (reference line 1284).
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    status, body = await raw.call(
        "GET", path, params={"date_from": "2026-05-01", "date_to": yesterday}
    )
    assert status == 422 and field_of(body) == "date_to"


CAMPAIGN = {
    "title": "T",
    "priority": "low",
    "email_accounts": [],
    "tracking": {"open": True, "link_click": True},
    "sending_settings": {},
    "provider_matching": False,
    "recipients": {"list_id": 1818597},
    "complete_campaign_after_last_step": True,
    "archive_in_months": 1,
    "sequence": {
        "entry": "a",
        "steps": [
            {"_ref": "a", "type": "email", "content_slots": 1, "next": "b"},
            {"_ref": "b", "type": "goal", "goal_name": "done"},
        ],
    },
}


async def test_campaign_core_fields_are_writable_only_while_new(raw: Raw) -> None:
    _, created = await raw.call("POST", "/v2/campaigns/create", json=CAMPAIGN)
    cid = created["data"]["id"]
    patch = {"recipients": {"list_id": 1505383}}
    assert (await raw.call("PATCH", f"/v2/campaigns/{cid}", json=patch))[0] == 200
    assert (await raw.call("POST", f"/v2/campaigns/{cid}/action", json={"action": "start"}))[
        0
    ] == 200
    status, body = await raw.call("PATCH", f"/v2/campaigns/{cid}", json=patch)
    assert status == 422 and field_of(body) == "recipients"
    status, body = await raw.call("PATCH", f"/v2/campaigns/{cid}", json={"title": "Still fine"})
    assert status == 200 and body["data"]["title"] == "Still fine"


async def test_campaigns_delete_only_when_new_completed_or_archived(raw: Raw) -> None:
    _, created = await raw.call("POST", "/v2/campaigns/create", json=CAMPAIGN)
    cid = created["data"]["id"]
    await raw.call("POST", f"/v2/campaigns/{cid}/action", json={"action": "start"})
    status, body = await raw.call("DELETE", f"/v2/campaigns/{cid}")
    assert status == 422 and field_of(body) == "status"
    status, body = await raw.call("POST", f"/v2/campaigns/{cid}/action", json={"action": "resume"})
    assert status == 200 and body["success"] is False and body["errors"]
    await raw.call("POST", f"/v2/campaigns/{cid}/action", json={"action": "complete"})
    assert (await raw.call("DELETE", f"/v2/campaigns/{cid}"))[0] == 200
    assert (await raw.call("GET", f"/v2/campaigns/{cid}"))[0] == 404


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ([{"_ref": "a", "type": "goal", "goal_name": "x"}], "sequence.entry"),
        ([{"_ref": "a", "type": "email", "content_slots": 16}], "sequence.steps.0.content_slots"),
        (
            [{"_ref": "a", "type": "delay", "waiting_type": "days", "waiting_val": 31}],
            "sequence.steps.0.waiting_val",
        ),
        (
            [
                {
                    "_ref": "a",
                    "type": "trigger",
                    "action": "open",
                    "waiting_type": "hours",
                    "waiting_val": 2,
                    "yes": "a",
                }
            ],
            "sequence.steps.0",
        ),
        (
            [{"_ref": "a", "type": "linkedin", "action": "in_mail", "body": "b", "subject": "s"}],
            "sequence.steps.0.next",
        ),
    ],
)
async def test_campaign_sequences_follow_the_reference(
    raw: Raw, steps: list[dict[str, Any]], field: str
) -> None:
    body = {**CAMPAIGN, "sequence": {"entry": "a", "steps": steps}}
    status, answer = await raw.call("POST", "/v2/campaigns/create", json=body)
    assert status == 422 and field_of(answer) == field


async def test_the_last_content_block_of_a_step_cannot_be_deleted(raw: Raw) -> None:
    _, created = await raw.call("POST", "/v2/campaigns/create", json=CAMPAIGN)
    cid, step = created["data"]["id"], created["data"]["sequence"]["steps"][0]
    (slot,) = [c["id"] for c in step["content"]]
    base = f"/v2/campaigns/{cid}/steps/{step['_ref']}/content"
    block = {
        "content_id": slot,
        "subject": "s",
        "body": "b",
        "plain_text": False,
        "usage": "active",
    }
    assert (await raw.call("POST", base + "/create", json=block))[0] == 200  # the one slot
    status, body = await raw.call("DELETE", f"{base}/{slot}")
    assert status == 422 and field_of(body) == "content_id"
    assert (await raw.call("PATCH", f"{base}/{slot}", json={}))[0] == 422


async def test_the_only_written_block_of_a_two_slot_step_can_be_deleted(raw: Raw) -> None:
    two = {**CAMPAIGN, "sequence": {**CAMPAIGN["sequence"]}}
    two["sequence"]["steps"] = [{**CAMPAIGN["sequence"]["steps"][0], "content_slots": 2},
                                CAMPAIGN["sequence"]["steps"][1]]  # fmt: skip
    _, created = await raw.call("POST", "/v2/campaigns/create", json=two)
    cid, step = created["data"]["id"], created["data"]["sequence"]["steps"][0]
    first, second = [c["id"] for c in step["content"]]
    base = f"/v2/campaigns/{cid}/steps/{step['_ref']}/content"
    # A generated slot reads as an empty block before anything is written to it.
    status, body = await raw.call("GET", f"{base}/{second}")
    assert status == 200 and body["data"]["id"] == second and body["data"]["subject"] == ""
    block = {
        "content_id": first,
        "subject": "s",
        "body": "b",
        "plain_text": False,
        "usage": "active",
    }
    assert (await raw.call("POST", base + "/create", json=block))[0] == 200
    assert (await raw.call("DELETE", f"{base}/{first}"))[0] == 200  # the other slot remains
    assert (await raw.call("GET", f"{base}/{first}"))[0] == 404
    status, body = await raw.call("DELETE", f"{base}/{second}")
    assert status == 422 and field_of(body) == "content_id"  # now the last one


async def test_recipients_activity_windows_are_at_most_31_days(raw: Raw) -> None:
    path = "/v2/campaigns/237945/recipients-activity"
    status, body = await raw.call(
        "GET", path, params={"dateFrom": "2025-12-01", "dateTo": "2026-01-02"}
    )
    assert status == 422 and field_of(body) == "dateTo"
    status, body = await raw.call(
        "GET", path, params={"dateFrom": "2025-12-01", "dateTo": "2026-01-01", "limit": 1001}
    )
    assert status == 422 and field_of(body) == "limit"
    status, body = await raw.call(
        "GET", path, params={"dateFrom": "2025-12-01", "dateTo": "2026-01-01"}
    )
    assert status == 200 and body["pagination"]["has_more"] is True


async def test_prospect_lists_page_at_most_5000(raw: Raw) -> None:
    status, body = await raw.call(
        "POST", "/v1/prospect-list", data={"listId": 1818597, "perPage": 5001}
    )
    assert status == 400 and body["success"] is False
    assert (await raw.call("POST", "/v1/prospect-list", data={"listId": 1818597, "perPage": 5000}))[
        0
    ] == 200


async def test_add_prospect_needs_email_or_linkedin_and_one_of_update_or_duplicate(
    raw: Raw,
) -> None:
    status, body = await raw.call("POST", "/v1/add-prospect-to-list", data={"listId": 1818597})
    assert status == 400 and body["success"] is False
    status, body = await raw.call(
        "POST",
        "/v1/add-prospect-to-list",
        data={
            "listId": 1818597,
            "email": "a@b.io",
            "updateContact": "true",
            "createDuplicates": "true",
        },
    )
    assert status == 400
    status, body = await raw.call(
        "POST",
        "/v1/add-prospect-to-list",
        data={"listId": 1818597, "socialLinks[linkedIn]": "https://www.linkedin.com/in/x/"},
    )
    assert status == 200 and body["added"] is True


async def test_webhook_pairs_and_the_limit_of_50(raw: Raw) -> None:
    hook = {"event_object": "company", "event_action": "sent", "endpoint_url": "https://h.io/x"}
    status, body = await raw.call("POST", "/v2/webhooks", json=hook)
    assert status == 422 and field_of(body) == "event_action"
    hook["event_action"] = "found_domains_by_names"
    for _ in range(50):
        assert (await raw.call("POST", "/v2/webhooks", json=hook))[0] == 200
    status, body = await raw.call("POST", "/v2/webhooks", json=hook)
    assert status == 422 and field_of(body) == "webhooks"
    status, body = await raw.call("PUT", "/v2/webhooks/17", json={"status": "paused"})
    assert status == 422 and field_of(body) == "status"


async def test_unknown_objects_answer_the_gateway_404(raw: Raw) -> None:
    for method, path in (
        ("GET", "/v2/campaigns/1"),
        ("GET", "/v2/warm-up/1"),
        ("GET", "/v2/pipelines/1/stages"),
        ("DELETE", "/v2/webhooks/1"),
        ("GET", "/v2/no-such-route"),
    ):
        status, body = await raw.call(method, path)
        assert status == 404 and body["errors"]["code"] == 404, path
