"""Prospects and lists, CRM pipelines and webhook subscriptions (reference lines 3238-3886)."""

from __future__ import annotations

import datetime
import time
from typing import Any

from aiohttp import web

from . import data
from .common import (
    Invalid,
    Missing,
    boolean,
    choice,
    example,
    integer,
    live,
    ok,
    php_date,
    read_params,
    state_of,
    text,
    v1,
    v2,
)
from .state import Account
from .tables import MAX_WEBHOOKS, WEBHOOK_EVENTS

__all__ = ["WEBHOOK_EVENTS", "setup"]

MAX_PER_PAGE = 5000
USER_ID = 1313777


def _lists(state: Account) -> dict[int, dict[str, Any]]:
    store = state.store["lists"]
    if not store:
        for row in example(60):
            store[row["id"]] = {**row, "_prospects": []}
    return store


def _prospects(state: Account) -> dict[str, dict[str, Any]]:
    return state.store["prospects"]


def _custom_fields() -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = example(59)
    return fields


def _prospect_view(state: Account, p: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = example(57)["data"]
    view.update(
        {
            "id": p["id"],
            "name": p["name"],
            "firstName": p["firstName"],
            "lastName": p["lastName"],
            "industry": p.get("industry"),
            "country": p.get("country"),
            "locality": p.get("locality"),
            "social": [{"link": link, "type": kind} for kind, link in p["social"].items()],
            "lastUpdateDate": php_date(p["updated"]),
            "lists": [
                {"id": lid, "name": _lists(state)[lid]["name"]}
                for lid in p["lists"]
                if lid in _lists(state)
            ],
            "campaigns": [],
        }
    )
    job = view["currentJob"][0]
    job.update(
        {
            "companyName": p.get("companyName"),
            "position": p.get("position"),
            "site": p.get("companySite"),
        }
    )
    view["currentJob"] = [job] if p.get("companyName") or p.get("position") else []
    view["previousJob"] = []
    return view


@v1
async def add_prospect(request: web.Request) -> web.Response:
    """``POST /v1/add-prospect-to-list`` (reference line 3238)."""
    state = state_of(request)
    params = await read_params(request)
    list_id = integer(params.get("listId"), "listId", low=1, required=True)
    target = _lists(state).get(list_id or 0)
    if target is None or target["isDeleted"]:
        raise Missing("List not found")
    email = str(params.get("email") or "").strip().lower() or None
    social = {k: v for k, v in params.submap("socialLinks").items() if v}
    if email is None and not social.get("linkedIn"):
        raise Invalid("email", "email or socialLinks[linkedIn] is required")
    if email is not None and not data.is_email(email):
        raise Invalid("email", "email is invalid")
    update = boolean(params.get("updateContact"), "updateContact") or False
    duplicate = boolean(params.get("createDuplicates"), "createDuplicates") or False
    if update and duplicate:
        raise Invalid("updateContact", "Only one of updateContact and createDuplicates can be true")
    # customFields[name]: the reference's own example names a field ("specialization") its
    # custom-field list does not hold, so any name is taken.
    custom = params.submap("customFields")
    first = str(params.get("firstName") or "").strip()
    last = str(params.get("lastName") or "").strip()
    full = str(params.get("fullName") or f"{first} {last}").strip()
    fields = {
        "firstName": first or full.split(" ")[0],
        "lastName": last or " ".join(full.split(" ")[1:]),
        "name": full,
        "country": params.get("country"),
        "locality": params.get("locality"),
        "position": params.get("position"),
        "companyName": params.get("companyName"),
        "companySite": params.get("companySite"),
        "phones": params.getlist("phones"),
        "custom": custom,
    }
    existing = next(
        (
            p
            for p in _prospects(state).values()
            if (email and p["email"] == email) or (social and p["social"] == social)
        ),
        None,
    )
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    if existing is not None and not duplicate:
        if update:
            existing.update({k: v for k, v in fields.items() if v})
            existing["updated"] = now
        if list_id not in existing["lists"]:
            existing["lists"].append(list_id)
            target["_prospects"].insert(0, existing["id"])
            target["contacts"] += 1
        return ok({"success": True, "id": existing["id"], "added": False, "updated": update})
    number = state.next_id("prospect", 1)
    if live(request):  # the live API's prospect ids are 24 hex digits (tests/samples/live)
        ident = data.long_hash("prospect-id", number)[:24]
    else:  # the reference's examples: 22 base64 characters and "=="
        ident = data.long_hash("prospect-id", number)[:22] + "=="
    _prospects(state)[ident] = {
        "id": ident,
        "email": email,
        "social": social,
        "lists": [list_id],
        "updated": now,
        **fields,
    }
    target["_prospects"].insert(0, ident)  # newest first
    target["contacts"] += 1
    return ok({"success": True, "id": ident, "added": True, "updated": False})


@v1
async def prospect_by_id(request: web.Request) -> web.Response:
    """``POST /v1/get-prospect-by-id`` (reference line 3271)."""
    state = state_of(request)
    params = await read_params(request)
    ident = str(params.get("id") or "")
    if not ident:
        raise Invalid("id", "id is required")
    found = _prospects(state).get(ident)
    if found is None:
        raise Missing("Prospect not found")
    return ok({"success": True, "data": _prospect_view(state, found)})


@v1
async def prospects_by_email(request: web.Request) -> web.Response:
    """``POST /v1/get-prospects-by-email`` (reference line 3362)."""
    state = state_of(request)
    params = await read_params(request)
    email = str(params.get("email") or "").strip().lower()
    if not email:
        raise Invalid("email", "email is required")
    rows = [_prospect_view(state, p) for p in _prospects(state).values() if p["email"] == email]
    if not rows and live(request):  # recorded from a production client (tests/samples/live)
        return ok({"success": False, "errors": f"Prospect with email '{email}' not found"})
    return ok({"success": True, "data": rows})


async def custom_fields(request: web.Request) -> web.Response:
    """``GET /v1/prospect-custom-fields`` (reference line 3455)."""
    return ok(_custom_fields())


async def user_lists(request: web.Request) -> web.Response:
    """``GET /v1/get-user-lists`` (reference line 3485)."""
    rows = [
        {k: v for k, v in row.items() if not k.startswith("_")}
        for row in _lists(state_of(request)).values()
    ]
    return ok(rows)


@v1
async def prospect_list(request: web.Request) -> web.Response:
    """``POST /v1/prospect-list`` (reference line 3543): page, perPage <= 5000, newest first."""
    state = state_of(request)
    params = await read_params(request)
    list_id = integer(params.get("listId"), "listId", low=1, required=True)
    target = _lists(state).get(list_id or 0)
    if target is None:
        raise Missing("List not found")
    page = integer(params.get("page"), "page", low=1, default=1) or 1
    per_page = (
        integer(params.get("perPage"), "perPage", low=1, high=MAX_PER_PAGE, default=100) or 100
    )
    ids = target["_prospects"][(page - 1) * per_page : page * per_page]
    rows = []
    for ident in ids:
        p = _prospects(state)[ident]
        email_row = example(61)["prospects"][0]["emails"][0]
        email_row["email"] = p["email"]
        rows.append(
            {
                "id": p["id"],
                "name": p["name"],
                "firstName": p["firstName"],
                "lastName": p["lastName"],
                "emails": [email_row] if p["email"] else [],
            }
        )
    created = target["creationDate"]
    return ok(
        {
            "success": True,
            "list": {
                "name": target["name"],
                "contacts": target["contacts"],
                "creationDate": created,
                "emailsCount": [],
            },
            "prospects": rows,
        }
    )


@v1
async def create_list(request: web.Request) -> web.Response:
    """``POST /v1/lists`` (reference line 3616)."""
    state = state_of(request)
    params = await read_params(request)
    name = text(params.get("name"), "name", required=True, max_len=255)
    ident = state.next_id("list", 1234567)
    _lists(state)[ident] = {
        "id": ident,
        "name": name,
        "contacts": 0,
        "isDeleted": False,
        "creationDate": php_date(datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)),
        "deletionDate": None,
        "_prospects": [],
    }
    return ok([{"success": True, "data": {"id": ident}}])


# Pipelines -----------------------------------------------------------------------------------


async def pipelines(request: web.Request) -> web.Response:
    """``GET /v2/pipelines`` (reference line 3631)."""
    return ok(example(63))


@v2
async def stages(request: web.Request) -> web.Response:
    """``GET /v2/pipelines/{pipeline_id}/stages`` (reference line 3660)."""
    ident = integer(request.match_info["pipeline_id"], "pipeline_id", low=1)
    known = {p["id"] for p in example(63)["data"]}
    if ident not in known:
        raise Missing
    rows = example(64)["data"]
    for n, row in enumerate(rows):
        row["pipeline_id"] = ident
        row["id"] = (ident or 0) * 10 + n + 1
    return ok({"data": rows})


# Webhooks ------------------------------------------------------------------------------------


def _webhooks(state: Account) -> dict[int, dict[str, Any]]:
    return state.store["webhooks"]


def _webhook_view(w: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": w["id"],
        "end_point": w["end_point"],
        "event_object": w["event_object"],
        "event_action": w["event_action"],
        "created_at": w["created_at"],
        "status": w["status"],
    }


async def list_webhooks(request: web.Request) -> web.Response:
    """``GET /v2/webhooks`` (reference line 3748)."""
    rows = [{"data": _webhook_view(w)} for w in _webhooks(state_of(request)).values()]
    return ok({"data": rows, "meta": {"webhooks_count": len(rows), "user_id": USER_ID}})


@v2
async def create_webhook(request: web.Request) -> web.Response:
    """``POST /v2/webhooks`` (reference line 3802): a valid object/action pair, at most 50."""
    state = state_of(request)
    params = await read_params(request)
    obj = choice(params.get("event_object"), "event_object", tuple(WEBHOOK_EVENTS), required=True)
    assert obj is not None
    act = choice(params.get("event_action"), "event_action", WEBHOOK_EVENTS[obj], required=True)
    url = text(params.get("endpoint_url"), "endpoint_url", required=True)
    if not str(url).startswith(("http://", "https://")):
        raise Invalid("endpoint_url", "The endpoint_url must be a valid URL.")
    if len(_webhooks(state)) >= MAX_WEBHOOKS:
        raise Invalid("webhooks", f"You can create at most {MAX_WEBHOOKS} webhooks.")
    ident = state.next_id("webhook", 17)
    record = {
        "id": ident,
        "end_point": url,
        "event_object": obj,
        "event_action": act,
        "created_at": int(time.time()),
        "status": "active",
    }
    _webhooks(state)[ident] = record
    return ok({"data": _webhook_view(record), "meta": {"user_id": USER_ID}})


def _webhook(request: web.Request) -> dict[str, Any]:
    ident = integer(request.match_info["webhook_id"], "webhook_id", low=1) or 0
    found = _webhooks(state_of(request)).get(ident)
    if found is None:
        raise Missing
    return found


@v2
async def set_webhook_status(request: web.Request) -> web.Response:
    """``PUT /v2/webhooks/{webhook_id}`` (reference line 3839)."""
    record = _webhook(request)
    params = await read_params(request)
    status = choice(params.get("status"), "status", ("active", "deactivated"), required=True)
    record["status"] = status
    return ok({"data": _webhook_view(record), "meta": {"user_id": USER_ID}})


@v2
async def delete_webhook(request: web.Request) -> web.Response:
    """``DELETE /v2/webhooks/{webhook_id}`` (reference line 3873)."""
    record = _webhook(request)
    del _webhooks(state_of(request))[record["id"]]
    return ok({"data": {"success": True}})


def setup(app: web.Application) -> None:
    r = app.router
    r.add_post("/v1/add-prospect-to-list", add_prospect)
    r.add_post("/v1/get-prospect-by-id", prospect_by_id)
    r.add_post("/v1/get-prospects-by-email", prospects_by_email)
    r.add_get("/v1/prospect-custom-fields", custom_fields)
    r.add_get("/v1/get-user-lists", user_lists)
    r.add_post("/v1/prospect-list", prospect_list)
    r.add_post("/v1/lists", create_list)
    r.add_get("/v2/pipelines", pipelines)
    r.add_get("/v2/pipelines/{pipeline_id}/stages", stages)
    r.add_get("/v2/webhooks", list_webhooks)
    r.add_post("/v2/webhooks", create_webhook)
    r.add_put("/v2/webhooks/{webhook_id}", set_webhook_status)
    r.add_delete("/v2/webhooks/{webhook_id}", delete_webhook)
