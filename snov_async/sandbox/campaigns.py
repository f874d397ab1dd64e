"""Campaigns, their sequences and content blocks, and schedules (reference lines 1380-2566)."""

from __future__ import annotations

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
    ok,
    read_body,
    state_of,
    text,
    v2,
    ymd_hms,
)
from .state import Account
from .tables import CURRENCIES, LINKEDIN_ACTIONS, TRIGGER_ACTIONS, WAIT_LIMITS, ZONES

__all__ = ["campaign", "campaigns", "setup"]

STEP_TYPES = ("email", "delay", "trigger", "goal", "linkedin")
ACTIONS = {
    # action: (allowed from, new status)
    "start": ({"new", "paused", "scheduled"}, "active"),
    "pause": ({"active", "scheduled"}, "paused"),
    "resume": ({"paused"}, "active"),
    "complete": ({"active", "paused", "scheduled"}, "completed"),
    "archived": ({"new", "active", "paused", "completed"}, "archived"),
}
DELETABLE = {"new", "completed", "archived"}
CONTENT_EDITABLE = {"new", "paused", "scheduled"}
V1_STATUS = {
    "new": "Draft",
    "active": "Active",
    "paused": "Paused",
    "scheduled": "Scheduled",
    "completed": "Completed",
    "archived": "Archived",
}


def campaigns(state: Account) -> dict[int, dict[str, Any]]:
    store = state.store["campaigns"]
    if not store:
        # The two campaigns of the reference's v1 list (line 1380), as drafts/paused.
        for row in example(32):
            status = {"Paused": "paused", "Draft": "new"}.get(row["status"], "new")
            store[row["id"]] = _new_campaign(
                state,
                row["id"],
                {
                    "title": row["campaign"],
                    "priority": "medium",
                    "recipients": {"list_id": row["list_id"]},
                    "complete_campaign_after_last_step": False,
                    "archive_in_months": 3,
                    "sequence": {
                        "entry": "a",
                        "steps": [
                            {"_ref": "a", "type": "email", "content_slots": 1, "next": "b"},
                            {"_ref": "b", "type": "goal", "goal_name": "end"},
                        ],
                    },
                },
                status=status,
                created=row["created_at"],
                hash_=row["hash"],
            )
    return store


def campaign(state: Account, raw_id: Any) -> dict[str, Any]:
    ident = integer(raw_id, "campaign_id", low=1, required=True)
    found = campaigns(state).get(ident or 0)
    if found is None:
        raise Missing("Campaign not found")
    return found


def _check_sequence(seq: Any) -> list[dict[str, Any]]:
    if not isinstance(seq, dict):
        raise Invalid("sequence", "The sequence field is required.")
    steps = seq.get("steps")
    entry = seq.get("entry")
    if not isinstance(steps, list) or not steps:
        raise Invalid("sequence.steps", "The sequence.steps field is required.")
    refs: dict[str, dict[str, Any]] = {}
    for n, step in enumerate(steps):
        where = f"sequence.steps.{n}"
        if not isinstance(step, dict):
            raise Invalid(where, "Each step must be an object.")
        ref = step.get("_ref")
        if not isinstance(ref, str) or not ref:
            raise Invalid(f"{where}._ref", "The _ref field is required.")
        if ref in refs:
            raise Invalid(f"{where}._ref", "The _ref must be unique.")
        refs[ref] = step
        kind = choice(step.get("type"), f"{where}.type", STEP_TYPES, required=True)
        if kind == "email":
            integer(
                step.get("content_slots"), f"{where}.content_slots", low=1, high=15, required=True
            )
        if kind in ("delay", "trigger"):
            unit = choice(
                step.get("waiting_type"), f"{where}.waiting_type", tuple(WAIT_LIMITS), required=True
            )
            assert unit is not None
            integer(
                step.get("waiting_val"), f"{where}.waiting_val", low=1, high=WAIT_LIMITS[unit],
                required=True,
            )  # fmt: skip
        if kind == "linkedin":
            action = choice(step.get("action"), f"{where}.action", LINKEDIN_ACTIONS, required=True)
            body = step.get("body")
            if action in ("invite", "message", "in_mail") and not (
                isinstance(body, str) and body.strip()
            ):
                raise Invalid(f"{where}.body", "The body field is required for this action.")
            if action == "in_mail" and not step.get("subject"):
                raise Invalid(f"{where}.subject", "The subject field is required for in_mail.")
            if action == "endorse_skills":
                integer(step.get("value"), f"{where}.value", low=1, high=5, required=True)
            if action == "check_connection_level" and step.get("value") is not None:
                _connection_levels(step.get("value"), f"{where}.value")
        if kind == "trigger":
            action = choice(step.get("action"), f"{where}.action", TRIGGER_ACTIONS, required=True)
            if not step.get("yes") or not step.get("no"):
                raise Invalid(f"{where}", "A trigger needs both yes and no.")
            if action == "check_connection_level":
                _connection_levels(step.get("value"), f"{where}.value")
        if kind == "goal":
            if not step.get("goal_name"):
                raise Invalid(f"{where}.goal_name", "The goal_name field is required.")
            if step.get("next"):
                raise Invalid(f"{where}.next", "A goal must be the last step of its branch.")
    if not isinstance(entry, str) or entry not in refs:
        raise Invalid("sequence.entry", "The sequence.entry must be the _ref of a step.")
    if refs[entry]["type"] == "goal":
        raise Invalid("sequence.entry", "A goal cannot be the first step.")
    for n, step in enumerate(steps):
        for link in ("next", "yes", "no"):
            target = step.get(link)
            if target is not None and target not in refs:
                raise Invalid(f"sequence.steps.{n}.{link}", f"Unknown step {target!r}.")
        system = {
            "in_mail": "linkedin_in_mail_sent",
            "connected_on_linkedin": "connected_on_linkedin",
        }
        if step["type"] == "linkedin" and step.get("action") in system:
            after = refs.get(step.get("next") or "")
            if (
                not after
                or after.get("type") != "trigger"
                or after.get("action") != system[step["action"]]
            ):
                raise Invalid(
                    f"sequence.steps.{n}.next",
                    f"The step after {step['action']} must be the system trigger "
                    f"{system[step['action']]}.",
                )
    # A calendly trigger must come right after an email step (reference line 2297).
    before: dict[str, list[dict[str, Any]]] = {}
    for step in steps:
        for link in ("next", "yes", "no"):
            if step.get(link) is not None:
                before.setdefault(step[link], []).append(step)
    for n, step in enumerate(steps):
        if step["type"] == "trigger" and step.get("action") == "calendly":
            came_from = before.get(step["_ref"], [])
            if (
                step["_ref"] == entry
                or not came_from
                or any(s["type"] != "email" for s in came_from)
            ):
                raise Invalid(
                    f"sequence.steps.{n}.action", "A calendly trigger must follow an email step."
                )
    return steps


def _check_content(value: Any, field: str) -> None:
    """The content slots of an existing email step: ``[{"id": int, "plain_text": bool,
    "usage": "active"}, ...]`` (reference line 2282)."""
    if not isinstance(value, list) or not value:
        raise Invalid(field, f"The {field} field is required when updating an email step.")
    for slot in value:
        if not isinstance(slot, dict) or isinstance(slot.get("id"), bool):
            raise Invalid(field, f"Each {field} item must be an object with an id.")
        integer(slot.get("id"), f"{field}.id", low=1, required=True)
        boolean(slot.get("plain_text", False), f"{field}.plain_text")
        choice(slot.get("usage", "active"), f"{field}.usage", ("active", "pause"))


def _connection_levels(value: Any, field: str) -> list[int]:
    """1-2 unique connection levels from [1, 2, 3] (reference line 1467)."""
    if (
        not isinstance(value, list)
        or not 1 <= len(value) <= 2
        or len(set(value)) != len(value)
        or any(isinstance(v, bool) or v not in (1, 2, 3) for v in value)
    ):
        raise Invalid(field, f"The {field} must hold 1 or 2 unique levels from 1, 2, 3.")
    return value


def _materialise_sequence(
    state: Account, seq: dict[str, Any], existing: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Give every step a numeric id (kept when ``_ref`` is an existing id) and content slots."""
    mapping: dict[str, str] = {}
    for step in seq["steps"]:
        ref = step["_ref"]
        if existing is not None and ref in existing:
            mapping[ref] = ref
        else:
            mapping[ref] = str(1773996379996 + state.next_id("step", 0) * 10)
    steps = []
    for step in seq["steps"]:
        out = {k: v for k, v in step.items() if k != "content"}
        out["_ref"] = mapping[step["_ref"]]
        for link in ("next", "yes", "no"):
            if step.get(link) is not None:
                out[link] = mapping[step[link]]
        if step["type"] == "email" and existing is not None and step["_ref"] in existing:
            # An existing email step carries its content slots, copied from the GET answer
            # (reference line 2282).
            out["content"] = [dict(slot) for slot in step["content"]]
        elif step["type"] == "email":
            slots = int(step["content_slots"])
            out["content"] = [
                {"id": int(f"{out['_ref']}{i}"), "plain_text": False, "usage": "active"}
                for i in range(slots)
            ]
        steps.append(out)
    return {"entry": mapping[seq["entry"]], "steps": steps}


def _has(steps: list[dict[str, Any]], kind: str) -> bool:
    return any(s["type"] == kind for s in steps)


def _settings(body: dict[str, Any], base: dict[str, Any] | None) -> dict[str, Any]:
    out = dict(base or {})
    if "title" in body or base is None:
        out["title"] = text(body.get("title"), "title", required=True, max_len=255)
    if "priority" in body or base is None:
        out["priority"] = choice(
            body.get("priority"), "priority", ("low", "medium", "high"), required=True
        )
    for name in ("email_accounts", "linkedin_accounts"):
        if name in body:
            value = body[name]
            if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
                raise Invalid(name, f"The {name} must be an array of integers.")
            out[name] = value
    if "tracking" in body:
        tracking = body["tracking"]
        if not isinstance(tracking, dict):
            raise Invalid("tracking", "The tracking must be an object.")
        merged = dict(out.get("tracking") or {})
        for key in ("open", "link_click"):
            if key in tracking:
                merged[key] = boolean(tracking[key], f"tracking.{key}")
        out["tracking"] = merged
    if "sending_settings" in body:
        settings = body["sending_settings"]
        if not isinstance(settings, dict):
            raise Invalid("sending_settings", "The sending_settings must be an object.")
        merged = dict(out.get("sending_settings") or {})
        for key, value in settings.items():
            if key == "sending_priority":
                merged[key] = choice(
                    value, "sending_settings.sending_priority", ("first_email", "follow_up")
                )
            elif key in ("daily_sending_all", "daily_sending_new_recipients"):
                merged[key] = integer(value, f"sending_settings.{key}", low=0)
            else:
                merged[key] = boolean(value, f"sending_settings.{key}")
        out["sending_settings"] = merged
    if "recipients" in body or base is None:
        recipients = body.get("recipients")
        if not isinstance(recipients, dict):
            raise Invalid("recipients", "The recipients field is required.")
        merged = dict(out.get("recipients") or {})
        if "list_id" in recipients or base is None:
            merged["list_id"] = integer(
                recipients.get("list_id"), "recipients.list_id", low=1, required=True
            )
        if "black_list_id" in recipients:
            merged["black_list_id"] = integer(
                recipients.get("black_list_id"), "recipients.black_list_id", low=1
            )
        out["recipients"] = merged
    if "schedule_id" in body:
        schedule = integer(body.get("schedule_id"), "schedule_id", low=1)
        if schedule is not None and schedule not in {s["id"] for s in example(38)["data"]}:
            raise Invalid("schedule_id", "The selected schedule_id is invalid.")
        out["schedule_id"] = schedule
    for name in ("start_campaign_at", "complete_campaign_at"):
        if name in body:
            if body[name] is None and base is not None:
                raise Invalid(name, f"The {name} cannot be null.")
            out[name] = ymd_hms(body[name], name)
    start, end = out.get("start_campaign_at"), out.get("complete_campaign_at")
    if start and end and end <= start:
        raise Invalid(
            "complete_campaign_at", "The complete_campaign_at must be after start_campaign_at."
        )
    if "timezone" in body and body["timezone"] is not None:
        if str(body["timezone"]) not in ZONES:
            raise Invalid("timezone", "The selected timezone is invalid.")
        out["timezone"] = body["timezone"]
    if "complete_campaign_after_last_step" in body or base is None:
        out["complete_campaign_after_last_step"] = boolean(
            body.get("complete_campaign_after_last_step"),
            "complete_campaign_after_last_step",
            required=True,
        )
    if "archive_in_months" in body or base is None:
        months = integer(body.get("archive_in_months"), "archive_in_months", required=True)
        if months not in (1, 2, 3, 6):
            raise Invalid("archive_in_months", "The archive_in_months must be one of 1, 2, 3, 6.")
        out["archive_in_months"] = months
    if "provider_matching" in body:
        out["provider_matching"] = boolean(body.get("provider_matching"), "provider_matching")
        if out["provider_matching"] and len(out.get("email_accounts") or []) < 2:
            raise Invalid(
                "provider_matching", "Provider matching needs at least two email accounts."
            )
    if "deals" in body:
        deals = body["deals"]
        if deals is not None:
            if not isinstance(deals, dict):
                raise Invalid("deals", "The deals must be an object.")
            events = deals.get("event")
            if (
                not isinstance(events, list)
                or not events
                or any(e not in ("open", "click", "reply") for e in events)
            ):
                raise Invalid("deals.event", "The deals.event must list open, click or reply.")
            integer(deals.get("pipeline_id"), "deals.pipeline_id", low=1, required=True)
            integer(deals.get("stage_id"), "deals.stage_id", low=1, required=True)
            integer(deals.get("potential_value"), "deals.potential_value", low=1)
            currency = deals.get("currency")
            if currency is not None and currency not in CURRENCIES:
                raise Invalid("deals.currency", "The selected deals.currency is invalid.")
        out["deals"] = deals
    return out


def _new_campaign(
    state: Account,
    ident: int,
    body: dict[str, Any],
    *,
    status: str = "new",
    created: int | None = None,
    hash_: str | None = None,
) -> dict[str, Any]:
    fields = _settings(body, None)
    steps = _check_sequence(body.get("sequence"))
    if _has(steps, "email"):
        for name in ("email_accounts",):
            if name not in body:
                fields.setdefault(name, [])
    fields.setdefault("email_accounts", [])
    fields.setdefault("linkedin_accounts", [])
    fields.setdefault("tracking", {"open": True, "link_click": True})
    fields["sending_settings"] = {
        **example(34)["data"]["sending_settings"],
        **fields.get("sending_settings", {}),
    }
    fields.setdefault("provider_matching", False)
    now = int(time.time()) if created is None else created
    return {
        "id": ident,
        "status": status,
        **fields,
        "sequence": _materialise_sequence(state, body["sequence"]),
        "_created": now,
        "_updated": now,
        "_started": now if status != "new" else None,
        "_hash": hash_ or data.long_hash("campaign", ident)[:32],
        "_content": {},
    }


def _view(c: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c["id"],
        "status": c["status"],
        "title": c["title"],
        "email_accounts": c["email_accounts"],
        "linkedin_accounts": c["linkedin_accounts"],
        "priority": c["priority"],
        "tracking": c["tracking"],
        "sending_settings": c["sending_settings"],
        "recipients": {
            "list_id": c["recipients"]["list_id"],
            "black_list_id": c["recipients"].get("black_list_id"),
        },
        "schedule_id": c.get("schedule_id"),
        "start_campaign_at": c.get("start_campaign_at"),
        "complete_campaign_at": c.get("complete_campaign_at"),
        "timezone": c.get("timezone"),
        "complete_campaign_after_last_step": c["complete_campaign_after_last_step"],
        "archive_in_months": c["archive_in_months"],
        "provider_matching": c["provider_matching"],
        "sequence": c["sequence"],
    }
    if c.get("deals"):
        out["deals"] = c["deals"]
    return out


@v2
async def create(request: web.Request) -> web.Response:
    """``POST /v2/campaigns/create`` (reference line 1415)."""
    state = state_of(request)
    body = await read_body(request)
    steps = _check_sequence(body.get("sequence"))
    if _has(steps, "email"):
        for name in ("email_accounts", "tracking", "sending_settings", "provider_matching"):
            if name not in body:
                raise Invalid(name, f"The {name} field is required for an email campaign.")
    ident = state.next_id("campaign", 37505)
    record = _new_campaign(state, ident, body)
    campaigns(state)[ident] = record
    view = _view(record)
    # The create answer also echoes the sender delays (reference line 2059).
    delays = {
        k: v for k, v in example(33)["data"]["sending_settings"].items() if k.startswith("delay")
    }
    view["sending_settings"] = {**view["sending_settings"], **delays}
    return ok({"success": True, "data": view})


@v2
async def get(request: web.Request) -> web.Response:
    """``GET /v2/campaigns/{campaign_id}`` (reference line 2143)."""
    record = campaign(state_of(request), request.match_info["campaign_id"])
    return ok({"success": True, "data": _view(record)})


CORE = ("recipients",)
CORE_SETTINGS = (
    "skip_unverifiable",
    "skip_unverified",
    "skip_other_recipients_email_addresses",
    "skip_recipients_added_to_my_another_campaign",
    "skip_recipients_added_to_team_another_campaign",
)


@v2
async def update(request: web.Request) -> web.Response:
    """``PATCH /v2/campaigns/{campaign_id}`` (reference line 2231): core fields only while
    the campaign is new; a sequence replaces the whole graph."""
    state = state_of(request)
    record = campaign(state, request.match_info["campaign_id"])
    body = await read_body(request)
    if not body:
        raise Invalid("body", "At least one field must be provided.")
    if record["status"] != "new":
        locked = [k for k in CORE if k in body]
        settings = body.get("sending_settings")
        if isinstance(settings, dict):
            locked += [f"sending_settings.{k}" for k in CORE_SETTINGS if k in settings]
        if "sequence" in body:
            locked.append("sequence")
        if locked:
            raise Invalid(
                locked[0], f"The {locked[0]} can only be changed while the campaign is new."
            )
    if "start_campaign_at" in body and record.get("start_campaign_at") is None:
        raise Invalid(
            "start_campaign_at", "The start_campaign_at can only be set when creating the campaign."
        )
    fields = _settings(body, record)
    if "sequence" in body:
        _check_sequence(body["sequence"])
        existing = {s["_ref"]: s for s in record["sequence"]["steps"]}
        for n, step in enumerate(body["sequence"]["steps"]):
            known = existing.get(step["_ref"])
            if known is not None and known["type"] != step["type"]:
                raise Invalid(
                    f"sequence.steps.{n}.type", "The type of an existing step cannot change."
                )
            if known is not None and known["type"] == "email":
                _check_content(step.get("content"), f"sequence.steps.{n}.content")
        fields["sequence"] = _materialise_sequence(state, body["sequence"], existing)
    steps = fields.get("sequence", record["sequence"])["steps"]
    if fields.get("email_accounts") and not _has(steps, "email"):
        raise Invalid(
            "email_accounts", "A campaign without email steps cannot have email accounts."
        )
    if fields.get("linkedin_accounts") and not _has(steps, "linkedin"):
        raise Invalid(
            "linkedin_accounts", "A campaign without LinkedIn steps cannot have LinkedIn accounts."
        )
    record.update(fields)
    record["_updated"] = int(time.time())
    return ok({"success": True, "data": _view(record)})


@v2
async def action(request: web.Request) -> web.Response:
    """``POST /v2/campaigns/{campaign_id}/action`` (reference line 2383)."""
    record = campaign(state_of(request), request.match_info["campaign_id"])
    body = await read_body(request)
    name = choice(body.get("action"), "action", tuple(ACTIONS), required=True)
    assert name is not None
    allowed, target = ACTIONS[name]
    if record["status"] not in allowed:
        return ok(
            {
                "success": False,
                "errors": [f"Cannot {name} a campaign in status {record['status']}."],
            }
        )
    record["status"] = target
    if target == "active" and record.get("_started") is None:
        record["_started"] = int(time.time())
    record["_updated"] = int(time.time())
    return ok({"success": True})


@v2
async def delete(request: web.Request) -> web.Response:
    """``DELETE /v2/campaigns/{campaign_id}`` (reference line 2395): new, completed or archived
    campaigns only."""
    state = state_of(request)
    record = campaign(state, request.match_info["campaign_id"])
    if record["status"] not in DELETABLE:
        raise Invalid("status", f"A campaign in status {record['status']} cannot be deleted.")
    del campaigns(state)[record["id"]]
    return ok({"success": True})


async def schedules(request: web.Request) -> web.Response:
    """``GET /v2/campaigns/schedules`` (reference line 2407). Free."""
    return ok(example(38))


async def user_campaigns(request: web.Request) -> web.Response:
    """``GET /v1/get-user-campaigns`` (reference line 1380). Free; a bare list."""
    rows = []
    for c in campaigns(state_of(request)).values():
        rows.append(
            {
                "id": c["id"],
                "campaign": c["title"],
                "list_id": c["recipients"]["list_id"],
                "status": V1_STATUS.get(c["status"], c["status"].capitalize()),
                "created_at": c["_created"],
                "updated_at": c["_updated"],
                "started_at": c["_started"],
                "hash": c["_hash"],
            }
        )
    return ok(rows)


# Content blocks --------------------------------------------------------------------------


def _email_step(record: dict[str, Any], raw_step: str) -> dict[str, Any]:
    for step in record["sequence"]["steps"]:
        if step["_ref"] == raw_step and step["type"] == "email":
            return step  # type: ignore[no-any-return]
    raise Missing("Step not found")


def _editable(record: dict[str, Any]) -> None:
    if record["status"] not in CONTENT_EDITABLE:
        raise Invalid(
            "campaign_id",
            "Content can only be changed while the campaign is new, paused or scheduled.",
        )


def _block_view(block: dict[str, Any]) -> dict[str, Any]:
    return {k: block[k] for k in ("id", "subject", "body", "plain_text", "usage")}


@v2
async def content_create(request: web.Request) -> web.Response:
    """``POST /v2/campaigns/{campaign_id}/steps/{step_id}/content/create`` (line 2474)."""
    record = campaign(state_of(request), request.match_info["campaign_id"])
    step = _email_step(record, request.match_info["step_id"])
    _editable(record)
    body = await read_body(request)
    content_id = integer(body.get("content_id"), "content_id", low=1, required=True)
    block = {
        "id": content_id,
        "subject": text(body.get("subject"), "subject", required=True),
        "body": text(body.get("body"), "body", required=True),
        "plain_text": boolean(body.get("plain_text"), "plain_text", required=True),
        "usage": choice(body.get("usage"), "usage", ("active", "pause"), required=True),
    }
    record["_content"].setdefault(step["_ref"], {})[content_id] = block
    return ok({"success": True, "data": _block_view(block)})


def _slots(step: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The step's generated content slots (``content`` of the sequence), by id."""
    return {int(slot["id"]): slot for slot in step.get("content") or []}


def _block(
    request: web.Request,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[int, Any]]:
    """(campaign, step, block, written blocks): a written block, or a generated slot that has
    no content yet (its subject and body are empty)."""
    record = campaign(state_of(request), request.match_info["campaign_id"])
    step = _email_step(record, request.match_info["step_id"])
    blocks = record["_content"].setdefault(step["_ref"], {})
    content_id = integer(request.match_info["content_id"], "content_id", low=1) or 0
    if content_id in blocks:
        return record, step, blocks[content_id], blocks
    slot = _slots(step).get(content_id)
    if slot is None:
        raise Missing("Content not found")
    empty = {"id": content_id, "subject": "", "body": "", "plain_text": False, "usage": "active"}
    return record, step, {**empty, **slot}, blocks


@v2
async def content_get(request: web.Request) -> web.Response:
    """``GET /v2/campaigns/{campaign_id}/steps/{step_id}/content/{content_id}`` (line 2502)."""
    _, _, block, _ = _block(request)
    return ok({"data": _block_view(block)})


@v2
async def content_update(request: web.Request) -> web.Response:
    """``PATCH .../content/{content_id}`` (line 2524): at least one field."""
    record, _, block, blocks = _block(request)
    _editable(record)
    body = await read_body(request)
    changes: dict[str, Any] = {}
    if "subject" in body:
        changes["subject"] = text(body["subject"], "subject", required=True)
    if "body" in body:
        changes["body"] = text(body["body"], "body", required=True)
    if "plain_text" in body:
        changes["plain_text"] = boolean(body["plain_text"], "plain_text", required=True)
    if "usage" in body:
        changes["usage"] = choice(body["usage"], "usage", ("active", "pause"), required=True)
    if not changes:
        raise Invalid("body", "At least one of subject, body, plain_text, usage is required.")
    block.update(changes)
    blocks[block["id"]] = block  # a generated slot becomes a written block
    return ok({"success": True, "data": _block_view(block)})


@v2
async def content_delete(request: web.Request) -> web.Response:
    """``DELETE .../content/{content_id}`` (line 2552): never the last block of a step."""
    record, step, block, blocks = _block(request)
    _editable(record)
    if len(set(blocks) | set(_slots(step))) <= 1:
        raise Invalid("content_id", "The last content block of a step cannot be deleted.")
    blocks.pop(block["id"], None)
    step["content"] = [slot for slot in step.get("content") or [] if slot["id"] != block["id"]]
    return ok({"data": {"success": True}})


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/v1/get-user-campaigns", user_campaigns)
    r.add_post("/v2/campaigns/create", create)
    r.add_get("/v2/campaigns/schedules", schedules)
    r.add_get("/v2/campaigns/{campaign_id:\\d+}", get)
    r.add_patch("/v2/campaigns/{campaign_id:\\d+}", update)
    r.add_post("/v2/campaigns/{campaign_id:\\d+}/action", action)
    r.add_delete("/v2/campaigns/{campaign_id:\\d+}", delete)
    base = "/v2/campaigns/{campaign_id:\\d+}/steps/{step_id}/content"
    r.add_post(base + "/create", content_create)
    r.add_get(base + "/{content_id}", content_get)
    r.add_patch(base + "/{content_id}", content_update)
    r.add_delete(base + "/{content_id}", content_delete)
