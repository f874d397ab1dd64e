"""Sender (email) accounts and warm-ups (reference lines 851-1380): stateful CRUD with the
reference's rules."""

from __future__ import annotations

import datetime
import re
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
    ok,
    read_body,
    read_params,
    state_of,
    text,
    v2,
    ymd,
)
from .state import Account
from .tables import IMAP_PAIRS, SMTP_PAIRS, allowed

PROVIDERS = allowed("POST /v2/warm-up", "providers")

__all__ = ["setup"]

CLEARABLE = ("reply_to", "signature", "bcc_email", "tags")


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def _senders(state: Account) -> dict[int, dict[str, Any]]:
    store = state.store["senders"]
    if not store:
        # The two accounts of the reference's list example (line 1019).
        for item in example(25)["data"]:
            store[item["id"]] = {
                "id": item["id"],
                "sender_name": item["sender_name"],
                "email_from": item["email_from"],
                "smtp": {"host": "smtp.example.com", "port": 465, "encryption": "ssl"},
                "imap": {"host": "imap.example.com", "port": 993, "encryption": "ssl"},
                "limitation": item["limitation"],
                "delay_type": "random",
                "delay_from": 600,
                "delay_to": 900,
                "tags": item["tags"],
                "provider": item["provider"],
                "valid": item["valid"],
                "created_at": "2025-01-01T00:00:00+00:00",
            }
    return store


#: ``smtp.host`` (reference line 926; the same field on creation).
HOST_FORMAT = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-.]*$")
DAY = 24 * 3600


def _connection(
    value: Any, field: str, pairs: dict[int, frozenset[str]], *, required: bool
) -> dict[str, Any] | None:
    if value is None:
        if required:
            raise Invalid(field, f"The {field} field is required.")
        return None
    if not isinstance(value, dict):
        raise Invalid(field, f"The {field} must be an object.")
    host = text(value.get("host"), f"{field}.host", required=True, max_len=100)
    if host is not None and not HOST_FORMAT.match(host):
        raise Invalid(f"{field}.host", f"The {field}.host format is invalid.")
    port = integer(value.get("port"), f"{field}.port", required=True)
    if port not in pairs:
        allowed = ", ".join(str(p) for p in pairs)
        raise Invalid(f"{field}.port", f"The {field}.port must be one of: {allowed}.")
    encryption = choice(
        value.get("encryption"), f"{field}.encryption", ("ssl", "tls", "none"), required=True
    )
    if encryption not in pairs[port]:
        raise Invalid(
            f"{field}.encryption",
            f"The {field}.encryption must match the port: {port} -> "
            + " or ".join(sorted(pairs[port])),
        )
    return {"host": host, "port": port, "encryption": encryption}


def _sender_fields(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if creating or "sender_name" in body:
        out["sender_name"] = text(
            body.get("sender_name"), "sender_name", required=True, max_len=100
        )
    if creating or "email_from" in body:
        email = text(body.get("email_from"), "email_from", required=True)
        if email is None or not data.is_email(email):
            raise Invalid("email_from", "The email_from must be a valid email address.")
        out["email_from"] = email
    if creating or "password" in body:
        text(body.get("password"), "password", required=True)
    if creating or "smtp" in body:
        out["smtp"] = _connection(body.get("smtp"), "smtp", SMTP_PAIRS, required=True)
    if "imap" in body and body["imap"] is not None:
        out["imap"] = _connection(body.get("imap"), "imap", IMAP_PAIRS, required=True)
    if "limitation" in body or creating:
        out["limitation"] = integer(
            body.get("limitation"), "limitation", low=1, high=1200, default=50
        )
    if "delay_type" in body or creating:
        out["delay_type"] = choice(body.get("delay_type"), "delay_type", ("fixed", "random")) or (
            "random" if creating else None
        )
    for name, default in (("delay_fixed", 600), ("delay_from", 600), ("delay_to", 900)):
        if name in body or creating:
            out[name] = integer(
                body.get(name), name, low=5, high=3600, default=default if creating else None
            )
    for name in CLEARABLE:
        if name in body:
            value = body[name]
            if name == "tags":
                if value is not None and not (
                    isinstance(value, list) and all(isinstance(t, str) for t in value)
                ):
                    raise Invalid("tags", "The tags must be an array of strings.")
            elif value is not None:
                text(value, name)
                if name in ("reply_to", "bcc_email") and not data.is_email(value):
                    raise Invalid(name, f"The {name} must be a valid email address.")
            out[name] = value
    if "timezoneId" in body:
        out["timezoneId"] = integer(body.get("timezoneId"), "timezoneId", low=1, high=458)
    return {k: v for k, v in out.items() if v is not None or k in CLEARABLE}


def _check_delays(account: dict[str, Any]) -> None:
    """delay_to > delay_from (line 868), and the daily limit within what the delays allow in
    24 hours (line 864): at most 86400 / delay_fixed, or 86400 / delay_from when random (the
    shortest delay gives the most mail)."""
    if account.get("delay_type") == "random":
        low, high = account.get("delay_from"), account.get("delay_to")
        if low is not None and high is not None and high <= low:
            raise Invalid("delay_to", "The delay_to must be greater than delay_from.")
        shortest = low or 600
    else:
        shortest = account.get("delay_fixed") or 600
    capacity = DAY // shortest
    limitation = account.get("limitation")
    if limitation is not None and limitation > capacity:
        raise Invalid(
            "limitation",
            f"The limitation may not be greater than {capacity}, the most the configured "
            "delays allow in 24 hours.",
        )


def _sender_view(account: dict[str, Any], stamp: str) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": account["id"],
        "sender_name": account["sender_name"],
        "email_from": account["email_from"],
        "smtp": {**account["smtp"], "status": "pending"},
    }
    if account.get("imap"):
        view["imap"] = {**account["imap"], "status": "pending"}
    view["limitation"] = account["limitation"]
    view["delay_type"] = account["delay_type"]
    if account["delay_type"] == "fixed":
        view["delay_fixed"] = account.get("delay_fixed", 600)
    else:
        view["delay_from"] = account.get("delay_from", 600)
        view["delay_to"] = account.get("delay_to", 900)
    for name in ("reply_to", "signature", "bcc_email"):
        if account.get(name) is not None:
            view[name] = account[name]
    view["tags"] = account.get("tags") or []
    if account.get("timezoneId") is not None:
        view["timezoneId"] = account["timezoneId"]
    view[stamp] = account[stamp]
    return view


@v2
async def create_sender(request: web.Request) -> web.Response:
    """``POST /v2/sender-accounts/emails`` (reference line 851)."""
    state = state_of(request)
    body = await read_body(request)
    fields = _sender_fields(body, creating=True)
    _check_delays(fields)
    account = {
        "id": state.next_id("sender", 869852),
        "provider": "other",
        "valid": True,
        "created_at": _now(),
        **fields,
    }
    _senders(state)[account["id"]] = account
    return ok({"data": _sender_view(account, "created_at")})


@v2
async def update_sender(request: web.Request) -> web.Response:
    """``PATCH /v2/sender-accounts/emails/{id}`` (reference line 920)."""
    state = state_of(request)
    account = _senders(state).get(integer(request.match_info["id"], "id") or 0)
    if account is None:
        raise Missing
    body = await read_body(request)
    fields = _sender_fields(body, creating=False)
    if not fields:
        raise Invalid("body", "At least one valid field must be provided.")
    merged = {**account, **fields, "updated_at": _now()}
    _check_delays(merged)
    account.update(merged)
    return ok({"data": _sender_view(account, "updated_at")})


@v2
async def sender_status(request: web.Request) -> web.Response:
    """``GET /v2/sender-accounts/check-sender-status`` (reference line 989)."""
    state = state_of(request)
    params = await read_params(request)
    ident = integer(params.get("sender_account_id"), "sender_account_id", low=1, required=True)
    account = _senders(state).get(ident or 0)
    if account is None:
        raise Missing
    ok_smtp = account.get("valid", True)
    smtp: dict[str, Any] = {"status": "valid" if ok_smtp else "invalid"}
    if not ok_smtp:
        smtp["errors"] = ["Connection refused"]
    imap = {"status": "valid"} if account.get("imap") else None
    return ok({"data": {"smtp": smtp, "imap": imap}})


@v2
async def list_senders(request: web.Request) -> web.Response:
    """``GET /v2/sender-accounts/emails`` (reference line 1019). Free."""
    rows = []
    for account in _senders(state_of(request)).values():
        rows.append(
            {
                "id": account["id"],
                "sender_name": account["sender_name"],
                "email_from": account["email_from"],
                "valid": account.get("valid", True),
                "suspended": False,
                "limitation": account["limitation"],
                "provider": account.get("provider", "other"),
                "tags": account.get("tags") or [],
                "imap": {"username": account["email_from"], "valid": bool(account.get("imap"))},
            }
        )
    return ok({"data": rows})


# Warm-up ------------------------------------------------------------------------------------


def _warmups(state: Account) -> dict[int, dict[str, Any]]:
    return state.store["warmups"]


def _warmup_fields(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if creating:
        out["email_account_id"] = integer(
            body.get("email_account_id"), "email_account_id", low=1, required=True
        )
    if creating or "strategy" in body:
        out["strategy"] = choice(body.get("strategy"), "strategy", ("progressive", "steady")) or (
            "progressive" if creating else None
        )
    if creating or "per_day" in body:
        out["per_day"] = integer(body.get("per_day"), "per_day", low=1, high=1000, required=True)
    from_high = 5 if creating else 10
    for name, high in (("from", from_high), ("increase", 5)):
        if name in body:
            out[name] = integer(body.get(name), name, low=1, high=high)
    if "email_content" in body or creating:
        out["email_content"] = choice(
            body.get("email_content"), "email_content", ("autogenerated", "specific")
        ) or ("autogenerated" if creating else None)
    if "subject" in body:
        out["subject"] = text(body.get("subject"), "subject", min_len=1, max_len=200)
    if "body" in body:
        out["body"] = text(body.get("body"), "body", min_len=1, max_len=10000)
    if "reply_rate" in body or creating:
        out["reply_rate"] = integer(
            body.get("reply_rate"), "reply_rate", low=10, high=45, default=30 if creating else None
        )
    if "campaign_deadline" in body:
        deadline = ymd(body.get("campaign_deadline"), "campaign_deadline")
        out["campaign_deadline"] = deadline.isoformat() if deadline else None
    if "providers" in body:
        providers = body.get("providers")
        if not isinstance(providers, list) or any(p not in PROVIDERS for p in providers):
            raise Invalid("providers", "The selected providers is invalid.")
        out["providers"] = providers
    for name in ("send_to_paid_domain", "enable_ctd", "enable_proxy", "make_endless"):
        if name in body:
            out[name] = boolean(body.get(name), name)
    if "schedule_id" in body:
        out["schedule_id"] = integer(body.get("schedule_id"), "schedule_id", low=1)
    if "template_name" in body:
        out["template_name"] = text(body.get("template_name"), "template_name")
    if not creating and "status" in body:
        out["status"] = choice(
            body.get("status"), "status", ("active", "paused", "completed", "deleted")
        )
    return {k: v for k, v in out.items() if v is not None or k == "campaign_deadline"}


def _check_warmup(merged: dict[str, Any]) -> None:
    if merged.get("strategy") == "progressive":
        for name in ("from", "increase"):
            if merged.get(name) is None:
                raise Invalid(name, f"The {name} field is required when strategy is progressive.")
        if merged["from"] > merged["per_day"]:
            raise Invalid("from", "The from must be less than or equal to per_day.")
    if merged.get("email_content") == "specific":
        for name in ("subject", "body"):
            if not merged.get(name):
                raise Invalid(name, f"The {name} field is required when email_content is specific.")


def _warmup_view(state: Account, w: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = example(28)["data"]
    account = _senders(state).get(w["email_account_id"], {})
    item.update(
        {
            "id": w["id"],
            "status": w["status"],
            "reply_rate": w["reply_rate"],
            "send_to_paid_domain": w.get("send_to_paid_domain", False),
            "start_date": w["start_date"],
            "campaign_deadline": w.get("campaign_deadline"),
            "strategy": w["strategy"],
            "per_day": w["per_day"],
            "from": w.get("from"),
            "increase": w.get("increase"),
            "subject": w.get("subject"),
            "body": w.get("body"),
            "template_name": w.get("template_name"),
            "enable_ctd": w.get("enable_ctd", False),
            "schedule": None,
            "enable_proxy": w.get("enable_proxy", False),
            "sent_today": min(w.get("from") or w["per_day"], w["per_day"]),
            "daily_limit": w.get("from") or w["per_day"],
        }
    )
    item["email_account"].update(
        {"id": w["email_account_id"], "email_from": account.get("email_from", "")}
    )
    return item


@v2
async def create_warmup(request: web.Request) -> web.Response:
    """``POST /v2/warm-up`` (reference line 1072)."""
    state = state_of(request)
    body = await read_body(request)
    fields = _warmup_fields(body, creating=True)
    _check_warmup(fields)
    if fields["email_account_id"] not in _senders(state):
        raise Invalid("email_account_id", "The selected email_account_id is invalid.")
    ident = state.next_id("warmup", 123)
    _warmups(state)[ident] = {
        "id": ident,
        "status": "active",
        "start_date": datetime.date.today().isoformat(),
        **fields,
    }
    return ok({"data": {"id": ident}, "success": True})


@v2
async def list_warmups(request: web.Request) -> web.Response:
    """``GET /v2/warm-up`` (reference line 1101): page, per_page in {20, 50, 100}, status."""
    state = state_of(request)
    params = await read_params(request)
    page = integer(params.get("page"), "page", low=1, default=1) or 1
    per_page = params.get("per_page") or "20"
    if str(per_page) not in ("20", "50", "100"):
        raise Invalid("per_page", "The selected per_page is invalid.")
    size = int(per_page)
    status = choice(params.get("status"), "status", ("active", "paused", "completed", "error"))
    rows = [
        w
        for w in _warmups(state).values()
        if w["status"] != "deleted" and (status is None or w["status"] == status)
    ]
    chunk = rows[(page - 1) * size : page * size]
    return ok(
        {
            "data": [_warmup_view(state, w) for w in chunk],
            "success": True,
            "meta": {
                "total_items": len(rows),
                "page": page,
                "per_page": size,
                "total_pages": max(1, -(-len(rows) // size)),
            },
        }
    )


def _warmup(request: web.Request) -> dict[str, Any]:
    state = state_of(request)
    ident = integer(request.match_info["id"], "id") or 0
    w = _warmups(state).get(ident)
    if w is None or w["status"] == "deleted":
        raise Missing
    return w


@v2
async def get_warmup(request: web.Request) -> web.Response:
    """``GET /v2/warm-up/{id}`` (reference line 1160)."""
    return ok({"data": _warmup_view(state_of(request), _warmup(request)), "success": True})


@v2
async def update_warmup(request: web.Request) -> web.Response:
    """``PATCH /v2/warm-up/{id}`` (reference line 1235)."""
    w = _warmup(request)
    body = await read_body(request)
    fields = _warmup_fields(body, creating=False)
    if not fields:
        raise Invalid("body", "At least one valid field must be provided.")
    merged = {**w, **fields}
    _check_warmup(merged)
    if merged.pop("make_endless", False):
        merged["campaign_deadline"] = None
    w.update(merged)
    return ok({"data": {"id": w["id"]}, "success": True})


@v2
async def delete_warmup(request: web.Request) -> web.Response:
    """``DELETE /v2/warm-up/{id}`` (reference line 1266)."""
    w = _warmup(request)
    w["status"] = "deleted"
    return ok({"data": {"id": w["id"]}, "success": True})


@v2
async def warmup_statistics(request: web.Request) -> web.Response:
    """``GET /v2/warm-up/statistics/{id}`` (reference line 1280): period or a date range."""
    w = _warmup(request)
    params = await read_params(request)
    period = choice(params.get("period"), "period", ("two_weeks", "month"))
    date_from = ymd(params.get("date_from"), "date_from")
    date_to = ymd(params.get("date_to"), "date_to")
    today = datetime.date.today()
    if period is None:
        if date_from is None:
            raise Invalid(
                "date_from", "The date_from field is required when period is not present."
            )
        if date_to is None:
            raise Invalid("date_to", "The date_to field is required when period is not present.")
        if date_to < date_from:
            raise Invalid("date_to", "The date_to must be a date after or equal to date_from.")
    else:
        date_to = today
        date_from = today - datetime.timedelta(days=14 if period == "two_weeks" else 30)
    assert date_from is not None and date_to is not None
    started = datetime.date.fromisoformat(w["start_date"])
    if period is None and date_to < started:
        raise Invalid(
            "date_to", "The date_to must be a date after or equal to the warm-up's start date."
        )
    date_from = max(date_from, started)
    stats: dict[str, Any] = example(31)["data"]
    rng = data.rng_for(state_of(request).config.seed, "warmup-stats", w["id"])
    daily: dict[str, dict[str, int]] = {}
    day = date_from
    while day <= date_to and len(daily) < 400:
        sent = rng.randint(0, w["per_day"])
        daily[day.isoformat()] = {
            "emails_sent": sent,
            "replies": rng.randint(0, sent),
            "bounces": 0,
            "spam_emails": 0,
            "inbox_emails": sent,
            "categories_emails": 0,
            "scheduled": 0,
        }
        day += datetime.timedelta(days=1)
    stats["daily_statistics"] = daily
    return ok({"data": stats, "success": True})


def setup(app: web.Application) -> None:
    r = app.router
    r.add_post("/v2/sender-accounts/emails", create_sender)
    r.add_patch("/v2/sender-accounts/emails/{id}", update_sender)
    r.add_get("/v2/sender-accounts/check-sender-status", sender_status)
    r.add_get("/v2/sender-accounts/emails", list_senders)
    r.add_post("/v2/warm-up", create_warmup)
    r.add_get("/v2/warm-up", list_warmups)
    r.add_get("/v2/warm-up/statistics/{id}", warmup_statistics)
    r.add_get("/v2/warm-up/{id}", get_warmup)
    r.add_patch("/v2/warm-up/{id}", update_warmup)
    r.add_delete("/v2/warm-up/{id}", delete_warmup)
