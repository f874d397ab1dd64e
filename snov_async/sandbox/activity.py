"""Recipients, do-not-email lists and campaign analytics (reference lines 2566-3237).

Every campaign gets a deterministic set of recipients and events, derived from its id, so that
the analytics and their pagination have something real to page through. Campaign 237945 (the
reference's first example campaign) has 10,050 recipients: enough to cross the 10,000-per-page
boundary of the v1 event lists.
"""

from __future__ import annotations

import datetime
from typing import Any

from aiohttp import web

from . import data
from .campaigns import campaign, campaigns
from .common import (
    Invalid,
    Missing,
    choice,
    example,
    integer,
    ok,
    php_date,
    read_params,
    state_of,
    v1,
    v2,
    ymd,
)
from .state import Account

__all__ = ["setup"]

V1_PAGE = 10_000
REPLIES_PAGE = 100
ANCHOR = datetime.datetime(2025, 12, 1, 9, 0, 0)
BIG_CAMPAIGN = 237945
STATUSES = ("active", "tocheck", "finished", "unsubscribe", "moved", "paused")


def recipients(state: Account, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The campaign's recipients, made once: email, name, status and events."""
    cached = record.get("_recipients")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    count = 10_050 if record["id"] == BIG_CAMPAIGN else 25
    rng = data.rng_for(state.config.seed, "recipients", record["id"])
    rows = []
    for i in range(count):
        first, last = data.FIRST[i % len(data.FIRST)], data.LAST[(i // 7) % len(data.LAST)]
        sent = ANCHOR + datetime.timedelta(minutes=37 * i % (60 * 24 * 60))
        opened = rng.random() < 0.6
        clicked = opened and rng.random() < 0.3
        replied = opened and rng.random() < 0.2
        rows.append(
            {
                "n": i,
                "email": f"{first.lower()}.{last.lower()}{i}@example{i % 13}.com",
                "name": f"{first} {last}",
                "prospect_id": data.long_hash("prospect", record["id"], i)[:78],
                "status": "finished" if i % 5 == 0 else "active",
                "sent": sent,
                "opened": sent + datetime.timedelta(hours=2) if opened else None,
                "clicked": sent + datetime.timedelta(hours=3) if clicked else None,
                "replied": sent + datetime.timedelta(hours=5) if replied else None,
                "hash": data.long_hash("event", record["id"], i)[:32],
            }
        )
    record["_recipients"] = rows
    return rows


def _find(state: Account, record: dict[str, Any], email: str) -> dict[str, Any] | None:
    index = record.get("_by_email")
    if index is None:
        index = record["_by_email"] = {r["email"]: r for r in recipients(state, record)}
    found: dict[str, Any] | None = index.get(email.strip().lower())
    return found


@v2
async def check_recipients(request: web.Request) -> web.Response:
    """``GET /v2/campaigns/{campaign_id}/recipient`` (reference line 2567)."""
    state = state_of(request)
    record = campaign(state, request.match_info["campaign_id"])
    params = await read_params(request)
    emails = [str(e) for e in params.getlist("emails")]
    if not 1 <= len(emails) <= 100:
        raise Invalid("emails", "The emails must have between 1 and 100 items.")
    if len({e.lower() for e in emails}) != len(emails):
        raise Invalid("emails", "The emails must be unique.")
    for email in emails:
        if len(email) > 100:
            raise Invalid("emails", "Each email may not be greater than 100 characters.")
    rows = []
    for email in emails:
        found = _find(state, record, email)
        rows.append(
            {
                "email": email,
                "exist": found is not None,
                "status": found["status"] if found else None,
            }
        )
    return ok({"data": rows})


@v1
async def change_status(request: web.Request) -> web.Response:
    """``POST /v1/change-recipient-status`` (reference line 2622)."""
    state = state_of(request)
    params = await read_params(request)
    email = params.get("email")
    if not email:
        raise Invalid("email", "email is required")
    record = campaign(state, params.get("campaign_id"))
    status = choice(
        params.get("status"), "status", ("Active", "Paused", "Unsubscribed"), required=True
    )
    assert status is not None
    found = _find(state, record, str(email))
    if found is None:
        raise Missing("Prospect not found in this campaign")
    if found["status"] in ("finished", "moved"):
        raise Invalid("status", f"A recipient whose status is {found['status']} cannot change.")
    found["status"] = {"Active": "active", "Paused": "paused", "Unsubscribed": "unsubscribe"}[
        status
    ]
    return ok({"success": True})


@v1
async def prospect_finished(request: web.Request) -> web.Response:
    """``GET /v1/prospect-finished`` (reference line 2633)."""
    state = state_of(request)
    params = await read_params(request)
    record = campaign(state, params.get("campaignId"))
    rows = [
        {
            "id": r["hash"],
            "prospectId": r["prospect_id"],
            "userName": r["name"],
            "userEmail": r["email"],
            "campaign": record["title"],
            "hash": data.long_hash("finished", r["hash"])[:32],
        }
        for r in recipients(state, record)
        if r["status"] == "finished"
    ]
    return ok(rows)  # every finished prospect: the reference states no cap


def _blacklists(state: Account) -> dict[int, dict[str, Any]]:
    store = state.store["blacklists"]
    if not store:
        for row in example(47)["data"]:
            store[row["id"]] = {**row, "_items": set()}
    return store


@v1
async def do_not_email(request: web.Request) -> web.Response:
    """``POST /v1/do-not-email-list`` (reference line 2654): add emails or domains."""
    state = state_of(request)
    params = await read_params(request)
    list_id = integer(params.get("listId"), "listId", low=1, required=True)
    target = _blacklists(state).get(list_id or 0)
    if target is None:
        raise Missing("List not found")
    items = [str(i).strip().lower() for i in params.getlist("items") if str(i).strip()]
    if not items:
        raise Invalid("items", "items is required")
    for item in items:
        if not (data.is_email(item) or data.is_domain(item)):
            raise Invalid("items", f"{item} is neither an email nor a domain")
    duplicates = [i for i in items if i in target["_items"]]
    target["_items"].update(items)
    target["total"] = example(47)["data"][0]["total"] + len(target["_items"])
    return ok([{"success": True, "data": {"duplicates": duplicates}}])


async def blacklists(request: web.Request) -> web.Response:
    """``GET /v2/blacklists`` (reference line 2670)."""
    rows = [
        {k: v for k, v in b.items() if k != "_items"}
        for b in _blacklists(state_of(request)).values()
    ]
    return ok({"data": rows})


# Analytics ---------------------------------------------------------------------------------


def _rate(part: int, whole: int) -> str:
    return f"{round(100 * part / whole) if whole else 0}%"


def _comma_list(value: Any) -> list[str] | None:
    """``"1,2, 3"`` -> ``["1", "2", "3"]``; ``None`` when absent or empty (no filter)."""
    if value is None:
        return None
    items = [p.strip() for p in str(value).split(",") if p.strip()]
    return items or None


def _account_of(c: dict[str, Any], kind: str, r: dict[str, Any]) -> str | None:
    """The sender account (of ``kind``) that contacted recipient ``r``: the campaign's accounts
    take turns."""
    accounts = c.get(kind) or []
    return str(accounts[r["n"] % len(accounts)]) if accounts else None


@v2
async def campaign_analytics(request: web.Request) -> web.Response:
    """``GET /v2/statistics/campaign-analytics`` (reference line 2692)."""
    state = state_of(request)
    params = await read_params(request)
    date_from = ymd(params.get("date_from"), "date_from", required=True)
    date_to = ymd(params.get("date_to"), "date_to", required=True)
    assert date_from is not None and date_to is not None
    if date_to < date_from:
        raise Invalid("date_to", "The date_to must be a date after or equal to date_from.")
    chosen = [campaign(state, raw) for raw in _comma_list(params.get("campaign_id")) or ()]
    if not chosen:
        chosen = [c for c in campaigns(state).values() if c["status"] == "active"]
    senders = _comma_list(params.get("sender_email"))
    linkedin = _comma_list(params.get("sender_linkedin"))
    owners = _comma_list(params.get("campaign_owner"))
    rows = []
    for c in chosen:
        if owners is not None and state.user_email not in {o.lower() for o in owners}:
            continue  # every campaign of the account is its user's
        for r in recipients(state, c):
            if senders is not None and _account_of(c, "email_accounts", r) not in senders:
                continue
            if linkedin is not None and _account_of(c, "linkedin_accounts", r) not in linkedin:
                continue
            rows.append(r)
    in_range = [r for r in rows if date_from <= r["sent"].date() <= date_to]
    out: dict[str, Any] = example(48)
    sent = len(in_range)
    opens = sum(1 for r in in_range if r["opened"])
    clicks = sum(1 for r in in_range if r["clicked"])
    replies = sum(1 for r in in_range if r["replied"])
    out.update(
        {
            "total_contacted": sent,
            "emails_sent": sent,
            "first_emails": sent,
            "first_emails_rate": _rate(sent, sent),
            "follow_ups": 0,
            "follow_ups_rate": "0%",
            "delivered": sent,
            "delivered_rate": _rate(sent, sent),
            "bounced": 0,
            "bounced_rate": "0%",
            "contacted_by_email": sent,
            "email_opens": opens,
            "email_opens_rate": _rate(opens, sent),
            "link_clicks": clicks,
            "link_clicks_rate": _rate(clicks, sent),
            "email_replies": replies,
            "email_replies_rate": _rate(replies, sent),
        }
    )
    return ok(out)


@v2
async def progress(request: web.Request) -> web.Response:
    """``GET /v2/campaigns/{campaign_id}/progress`` (reference line 2843)."""
    state = state_of(request)
    record = campaign(state, request.match_info["campaign_id"])
    rows = recipients(state, record)
    unfinished = sum(1 for r in rows if r["status"] != "finished")
    status = {"new": "Draft"}.get(record["status"], record["status"].capitalize())
    return ok(
        {
            "status": status,
            "unfinished": unfinished,
            "progress": _rate(len(rows) - unfinished, len(rows)),
        }
    )


def _events(rows: list[dict[str, Any]]) -> list[tuple[datetime.datetime, str, dict[str, Any]]]:
    events = []
    for r in rows:
        events.append((r["sent"], "sent", r))
        for kind in ("opened", "clicked", "replied"):
            if r[kind]:
                events.append(
                    (r[kind], {"opened": "open", "clicked": "click", "replied": "reply"}[kind], r)
                )
    events.sort(key=lambda e: (e[0], e[2]["email"]))
    return events


@v2
async def recipients_activity(request: web.Request) -> web.Response:
    """``GET /v2/campaigns/{campaignId}/recipients-activity`` (reference line 2885): a date
    range of at most 31 days, offset/limit (<= 1000) pagination with ``has_more``."""
    state = state_of(request)
    record = campaign(state, request.match_info["campaignId"])
    params = await read_params(request)
    date_from = ymd(params.get("dateFrom"), "dateFrom", required=True)
    date_to = ymd(params.get("dateTo"), "dateTo", required=True)
    assert date_from is not None and date_to is not None
    if date_to < date_from:
        raise Invalid("dateTo", "The dateTo must be a date after or equal to dateFrom.")
    if (date_to - date_from).days > 31:
        raise Invalid("dateTo", "The range between dateFrom and dateTo may not exceed 31 days.")
    offset = integer(params.get("offset"), "offset", low=0, default=0) or 0
    limit = integer(params.get("limit"), "limit", low=1, high=1000, default=100) or 100
    template = example(50)["data"][0]
    events = [e for e in _events(recipients(state, record)) if date_from <= e[0].date() <= date_to]
    page = []
    for moment, kind, r in events[offset : offset + limit]:
        item = dict(template)
        item.update(
            {
                "event_time": moment.strftime("%Y-%m-%d %H:%M:%S"),
                "event_type": kind,
                "email_subject": record["title"],
                "recipient_email": r["email"],
                "recipient_name": r["name"],
            }
        )
        page.append(item)
    return ok(
        {
            "data": page,
            "pagination": {
                "total": len(events),
                "offset": offset,
                "limit": limit,
                "has_more": offset + limit < len(events),
            },
        }
    )


def _v1_page(params_offset: Any) -> int:
    return integer(params_offset, "offset", low=0, default=0) or 0


def _v1_event(
    template: dict[str, Any],
    record: dict[str, Any],
    r: dict[str, Any],
    moment: datetime.datetime,
    key: str,
) -> dict[str, Any]:
    item = dict(template)
    first, _, last = r["name"].partition(" ")
    item.update(
        {
            key: php_date(moment),
            "campaignId": record["id"],
            "campaign": record["title"],
            "prospectId": r["prospect_id"],
            "prospectFirstName": first,
            "prospectLastName": last,
            "prospectName": r["name"],
            "prospectEmail": r["email"],
            "hash": r["hash"],
        }
    )
    return item


async def _v1_events(request: web.Request, which: str) -> web.Response:
    state = state_of(request)
    params = await read_params(request)
    record = campaign(state, params.get("campaignId"))
    rows = [r for r in recipients(state, record) if which == "sent" or r[which]]
    rows.sort(key=lambda r: (r[which], r["n"]))
    if params.get("offset") in (None, ""):
        chunk = rows[-V1_PAGE:]  # no offset: the last 10,000 (reference line 2992)
    else:
        offset = _v1_page(params.get("offset"))
        chunk = rows[offset : offset + V1_PAGE]  # offset skips the earliest ones
    if which == "sent":
        out = [
            {
                "sentDate": php_date(r["sent"]),
                "userName": r["name"],
                "userEmail": r["email"],
                "campaign": record["title"],
                "hash": r["hash"],
                "id": data.long_hash("sent", r["hash"])[:32],
            }
            for r in chunk
        ]
        return ok(out)
    number = {"opened": 52, "clicked": 53, "replied": 55}[which]
    template = example(number)[0]
    return ok([_v1_event(template, record, r, r[which], "visitedAt") for r in chunk])


@v1
async def emails_sent(request: web.Request) -> web.Response:
    """``GET /v1/emails-sent`` (reference line 2990): 10,000 per page by offset."""
    return await _v1_events(request, "sent")


@v1
async def emails_opened(request: web.Request) -> web.Response:
    """``GET /v1/get-emails-opened`` (reference line 3027)."""
    return await _v1_events(request, "opened")


@v1
async def emails_clicked(request: web.Request) -> web.Response:
    """``GET /v1/get-emails-clicked`` (reference line 3068)."""
    return await _v1_events(request, "clicked")


@v1
async def emails_replies(request: web.Request) -> web.Response:
    """``GET /v1/get-emails-replies`` (reference line 3196)."""
    return await _v1_events(request, "replied")


@v2
async def all_replies(request: web.Request) -> web.Response:
    """``GET /v2/campaigns/{campaign_id}/all-replies`` (reference line 3111): offset pages."""
    state = state_of(request)
    record = campaign(state, request.match_info["campaign_id"])
    params = await read_params(request)
    offset = _v1_page(params.get("offset"))
    rows = [r for r in recipients(state, record) if r["replied"]]
    out = []
    for r in rows[offset : offset + REPLIES_PAGE]:
        moment = r["replied"].strftime("%Y-%m-%d %H:%M:%S")
        out.append(
            {
                "campaignId": record["id"],
                "campaign": record["title"],
                "prospectId": r["prospect_id"],
                "prospectName": r["name"],
                "prospectEmail": r["email"],
                "linkedInProfile": None,
                "replyType": "email",
                "receivedAt": moment,
                "replies": [
                    {
                        "subject": f"Re: {record['title']}",
                        "message": "Thanks, let's talk.",
                        "receivedAt": moment,
                    }
                ],
            }
        )
    return ok({"data": out})


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/v2/campaigns/{campaign_id:\\d+}/recipient", check_recipients)
    r.add_post("/v1/change-recipient-status", change_status)
    r.add_get("/v1/prospect-finished", prospect_finished)
    r.add_post("/v1/do-not-email-list", do_not_email)
    r.add_get("/v2/blacklists", blacklists)
    r.add_get("/v2/statistics/campaign-analytics", campaign_analytics)
    r.add_get("/v2/campaigns/{campaign_id:\\d+}/progress", progress)
    r.add_get("/v2/campaigns/{campaignId:\\d+}/recipients-activity", recipients_activity)
    r.add_get("/v1/emails-sent", emails_sent)
    r.add_get("/v1/get-emails-opened", emails_opened)
    r.add_get("/v1/get-emails-clicked", emails_clicked)
    r.add_get("/v2/campaigns/{campaign_id:\\d+}/all-replies", all_replies)
    r.add_get("/v1/get-emails-replies", emails_replies)
