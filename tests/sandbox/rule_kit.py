"""The kit of the rules-table tests: a raw HTTP caller as a fresh account, one valid request
per operation (`BASES`), and the generic probes of fact rules (`fact_cases`)."""

from __future__ import annotations

import copy
import datetime
import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import attrs

from snov_async.sandbox import tables
from snov_async.sandbox.rules import RULES, Rule

BY_ID = {rule.id: rule for rule in RULES}
_ACCOUNTS = itertools.count(1)
TODAY = datetime.date.today()
BIG = 237945  # the reference's campaign, seeded in every account (10,050 recipients)


@attrs.define
class Req:
    method: str
    path: str
    params: dict[str, Any]
    style: str = "json"  # or "form", "query"

    def copy(self) -> Req:
        return Req(self.method, self.path, copy.deepcopy(self.params), self.style)


def _pairs(params: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        if isinstance(value, dict):
            out += [(f"{key}[{k}]", str(v)) for k, v in value.items()]
        elif isinstance(value, list):
            out += [(key, str(v)) for v in value]
        elif isinstance(value, bool):
            out.append((key, "true" if value else "false"))
        elif value is not None:
            out.append((key, str(value)))
    return out


class Api:
    """Raw HTTP as one fresh account."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession) -> None:
        self.base_url = base_url
        self.session = session
        self.token = ""
        self.client_id = f"rules-{next(_ACCOUNTS)}"
        self.server: Any = None  # the ThreadedSandbox, for a look at the account itself

    def account(self) -> Any:
        """This caller's account in the sandbox (balance, stats...)."""
        return self.server.sb.account(self.client_id)

    async def login(self) -> None:
        async with self.session.post(
            self.base_url + "/v1/oauth/access_token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": "s",
            },
        ) as resp:
            self.token = (await resp.json())["access_token"]

    async def call(self, method: str, path: str, **kw: Any) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self.session.request(
            method, self.base_url + path, headers=headers, **kw
        ) as resp:
            text = await resp.text()
            try:
                return resp.status, json.loads(text) if text else None
            except ValueError:
                return resp.status, text

    async def send(self, req: Req) -> tuple[int, Any]:
        if req.style == "json":
            return await self.call(req.method, req.path, json=req.params)
        if req.style == "form":
            return await self.call(req.method, req.path, data=_pairs(req.params))
        return await self.call(req.method, req.path, params=_pairs(req.params))

    # Things to act on ----------------------------------------------------------------------

    async def ok(self, method: str, path: str, **kw: Any) -> Any:
        status, body = await self.call(method, path, **kw)
        assert status == 200 and not (isinstance(body, dict) and body.get("success") is False), (
            path,
            body,
        )
        return body

    async def sender(self, **fields: Any) -> int:
        body = await self.ok("POST", "/v2/sender-accounts/emails", json={**SENDER, **fields})
        return int(body["data"]["id"])

    async def warmup(self, **fields: Any) -> int:
        sid = await self.sender()
        body = await self.ok(
            "POST", "/v2/warm-up", json={**WARMUP, "email_account_id": sid, **fields}
        )
        return int(body["data"]["id"])

    async def campaign(
        self, status: str = "new", slots: int = 1, **fields: Any
    ) -> tuple[int, str, list[int]]:
        """(campaign id, email step id, content slot ids)."""
        body = {**CAMPAIGN, **fields}
        if slots != 1:
            body["sequence"] = email_sequence(slots)
        made = await self.ok("POST", "/v2/campaigns/create", json=body)
        cid = made["data"]["id"]
        step = next(s for s in made["data"]["sequence"]["steps"] if s["type"] == "email")
        for action in {
            "new": [],
            "active": ["start"],
            "paused": ["start", "pause"],
            "completed": ["start", "complete"],
            "archived": ["archived"],
        }[status]:
            await self.ok("POST", f"/v2/campaigns/{cid}/action", json={"action": action})
        return cid, step["_ref"], [c["id"] for c in step["content"]]

    async def list_id(self) -> int:
        made = await self.ok("POST", "/v1/lists", data={"name": "Probe list"})
        return int(made[0]["data"]["id"])

    async def recipient(self, campaign_id: int = BIG, status: str = "active") -> str:
        """An email of a recipient of the campaign (from the v1 sent list)."""
        rows = await self.ok(
            "GET", "/v1/emails-sent", params={"campaignId": campaign_id, "offset": 0}
        )
        emails = [r["userEmail"] for r in rows]
        _, found = await self.call(
            "GET",
            f"/v2/campaigns/{campaign_id}/recipient",
            params=[("emails[]", e) for e in emails[:100]],
        )
        return next(r["email"] for r in found["data"] if r["status"] == status)


SMTP = {"host": "smtp.example.com", "port": 465, "encryption": "ssl"}
IMAP = {"host": "imap.example.com", "port": 993, "encryption": "ssl"}
SENDER = {
    "sender_name": "Probe",
    "email_from": "probe@example.com",
    "password": "p",
    "smtp": SMTP,
    "imap": IMAP,
    "limitation": 10,
    "delay_type": "fixed",
    "delay_fixed": 60,
}
WARMUP = {"strategy": "progressive", "per_day": 10, "from": 1, "increase": 1}


def email_sequence(slots: int = 1) -> dict[str, Any]:
    return {
        "entry": "a",
        "steps": [
            {"_ref": "a", "type": "email", "content_slots": slots, "next": "b"},
            {"_ref": "b", "type": "goal", "goal_name": "done"},
        ],
    }


CAMPAIGN = {
    "title": "Probe",
    "priority": "medium",
    "email_accounts": [11980],
    "tracking": {"open": True, "link_click": True},
    "sending_settings": {"sending_priority": "first_email"},
    "provider_matching": False,
    "recipients": {"list_id": 1818597},
    "complete_campaign_after_last_step": True,
    "archive_in_months": 1,
    "sequence": email_sequence(),
}
BLOCK = {"subject": "Hi", "body": "<p>Hi</p>", "plain_text": False, "usage": "active"}


# One valid request per operation with fact rules -------------------------------------------

Base = Callable[[Api], Awaitable[Req]]
BASES: dict[str, Base] = {}


def base(*operations: str) -> Callable[[Base], Base]:
    def register(fn: Base) -> Base:
        for operation in operations:
            BASES[operation] = fn
        return fn

    return register


@base("POST /v2/domain-search/prospects/start")
async def _prospects(api: Api) -> Req:
    return Req(
        "POST",
        "/v2/domain-search/prospects/start",
        {"domain": "snov.io", "positions[]": ["CEO"]},
        "form",
    )


@base("POST /v2/emails-by-domain-by-name/start")
async def _finder(api: Api) -> Req:
    row = {"first_name": "Jane", "last_name": "Doe", "domain": "snov.io"}
    return Req("POST", "/v2/emails-by-domain-by-name/start", {"rows": [row]})


@base("POST /v2/company-domain-by-name/start")
async def _company(api: Api) -> Req:
    return Req("POST", "/v2/company-domain-by-name/start", {"names[]": ["Snov"]}, "form")


@base("POST /v2/li-profiles-by-urls/start")
async def _li(api: Api) -> Req:
    url = "https://www.linkedin.com/in/someone/"
    return Req("POST", "/v2/li-profiles-by-urls/start", {"urls[]": [url]}, "form")


@base("POST /v2/email-verification/start")
async def _verify(api: Api) -> Req:
    return Req("POST", "/v2/email-verification/start", {"emails[]": ["a@snov.io"]}, "form")


@base("POST /v2/sender-accounts/emails")
async def _sender(api: Api) -> Req:
    return Req("POST", "/v2/sender-accounts/emails", copy.deepcopy(SENDER))


@base("PATCH /v2/sender-accounts/emails/{id}")
async def _sender_patch(api: Api) -> Req:
    sid = await api.sender()
    return Req("PATCH", f"/v2/sender-accounts/emails/{sid}", copy.deepcopy(SENDER))


@base("GET /v2/sender-accounts/check-sender-status")
async def _sender_status(api: Api) -> Req:
    sid = await api.sender()
    return Req(
        "GET", "/v2/sender-accounts/check-sender-status", {"sender_account_id": sid}, "query"
    )


@base("POST /v2/warm-up")
async def _warmup(api: Api) -> Req:
    sid = await api.sender()
    return Req("POST", "/v2/warm-up", {**WARMUP, "email_account_id": sid})


@base("GET /v2/warm-up")
async def _warmups(api: Api) -> Req:
    return Req("GET", "/v2/warm-up", {}, "query")


@base("PATCH /v2/warm-up/{id}")
async def _warmup_patch(api: Api) -> Req:
    wid = await api.warmup()
    return Req("PATCH", f"/v2/warm-up/{wid}", dict(WARMUP))


@base("GET /v2/warm-up/statistics/{id}")
async def _warmup_stats(api: Api) -> Req:
    wid = await api.warmup()
    return Req("GET", f"/v2/warm-up/statistics/{wid}", {"period": "two_weeks"}, "query")


@base("POST /v2/campaigns/create")
async def _create(api: Api) -> Req:
    return Req("POST", "/v2/campaigns/create", copy.deepcopy(CAMPAIGN))


@base("PATCH /v2/campaigns/{campaign_id}")
async def _patch(api: Api) -> Req:
    cid, _, _ = await api.campaign()
    return Req("PATCH", f"/v2/campaigns/{cid}", {"title": "Renamed"})


@base("POST /v2/campaigns/{campaign_id}/action")
async def _action(api: Api) -> Req:
    cid, _, _ = await api.campaign()
    return Req("POST", f"/v2/campaigns/{cid}/action", {"action": "start"})


@base("POST /v2/campaigns/{campaign_id}/steps/{step_id}/content/create")
async def _content(api: Api) -> Req:
    cid, step, slots = await api.campaign()
    path = f"/v2/campaigns/{cid}/steps/{step}/content/create"
    return Req("POST", path, {"content_id": slots[0], **BLOCK})


@base("PATCH /v2/campaigns/{campaign_id}/steps/{step_id}/content/{content_id}")
async def _content_patch(api: Api) -> Req:
    cid, step, slots = await api.campaign()
    return Req("PATCH", f"/v2/campaigns/{cid}/steps/{step}/content/{slots[0]}", {"subject": "S"})


@base("GET /v2/campaigns/[campaign_id]/recipient")
async def _recipient(api: Api) -> Req:
    return Req("GET", f"/v2/campaigns/{BIG}/recipient", {"emails[]": ["a@x.io"]}, "query")


@base("POST /v1/change-recipient-status")
async def _recipient_status(api: Api) -> Req:
    email = await api.recipient()
    params = {"email": email, "campaign_id": BIG, "status": "Paused"}
    return Req("POST", "/v1/change-recipient-status", params, "form")


for _op in (
    "GET /v1/prospect-finished",
    "GET /v1/emails-sent",
    "GET /v1/get-emails-opened",
    "GET /v1/get-emails-clicked",
    "GET /v1/get-emails-replies",
):

    async def _v1(api: Api, path: str = _op.split(" ")[1]) -> Req:
        return Req("GET", path, {"campaignId": BIG}, "query")

    BASES[_op] = _v1


@base("POST /v1/do-not-email-list")
async def _dne(api: Api) -> Req:
    return Req("POST", "/v1/do-not-email-list", {"listId": 8, "items[]": ["spam@x.io"]}, "form")


@base("GET /v2/statistics/campaign-analytics")
async def _analytics(api: Api) -> Req:
    params = {"date_from": "2025-12-01", "date_to": "2025-12-31"}
    return Req("GET", "/v2/statistics/campaign-analytics", params, "query")


@base("GET /v2/campaigns/[campaignId]/recipients-activity")
async def _activity(api: Api) -> Req:
    params = {"dateFrom": "2025-12-01", "dateTo": "2025-12-31"}
    return Req("GET", f"/v2/campaigns/{BIG}/recipients-activity", params, "query")


@base("POST /v1/add-prospect-to-list")
async def _add(api: Api) -> Req:
    lid = await api.list_id()
    return Req("POST", "/v1/add-prospect-to-list", {"listId": lid, "email": "p@x.io"}, "form")


@base("POST /v1/get-prospect-by-id")
async def _by_id(api: Api) -> Req:
    lid = await api.list_id()
    made = await api.ok("POST", "/v1/add-prospect-to-list", data={"listId": lid, "email": "p@x.io"})
    return Req("POST", "/v1/get-prospect-by-id", {"id": made["id"]}, "form")


@base("POST /v1/get-prospects-by-email")
async def _by_email(api: Api) -> Req:
    lid = await api.list_id()
    await api.ok("POST", "/v1/add-prospect-to-list", data={"listId": lid, "email": "p@x.io"})
    return Req("POST", "/v1/get-prospects-by-email", {"email": "p@x.io"}, "form")


@base("POST /v1/prospect-list")
async def _prospect_list(api: Api) -> Req:
    lid = await api.list_id()
    return Req("POST", "/v1/prospect-list", {"listId": lid}, "form")


# Generic probes of fact rules --------------------------------------------------------------


def _get(params: dict[str, Any], name: str) -> Any:
    node: Any = params
    for part in name.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _set(params: dict[str, Any], name: str, value: Any) -> None:
    *parents, last = name.split(".")
    node = params
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def _remove(params: dict[str, Any], name: str) -> None:
    *parents, last = name.split(".")
    node: Any = params
    for part in parents:
        node = node.get(part, {})
    node.pop(last, None)


def _companions(operation: str, name: str, value: Any, params: dict[str, Any]) -> None:
    """What must change with ``name`` for ``value`` to be a valid request."""
    if name.endswith(".port") and name.split(".")[0] in ("smtp", "imap"):
        pairs = tables.SMTP_PAIRS if name.startswith("smtp") else tables.IMAP_PAIRS
        _set(params, name.replace("port", "encryption"), sorted(pairs[int(value)])[0])
    if name.endswith(".encryption"):
        pairs = tables.SMTP_PAIRS if name.startswith("smtp") else tables.IMAP_PAIRS
        port = next(p for p, encs in pairs.items() if value in encs)
        _set(params, name.replace("encryption", "port"), port)
    if name == "email_content" and value == "specific":
        params.update(subject="Hello", body="Warm-up body")
    if name == "delay_type" and value == "random":
        params.update(delay_from=600, delay_to=900)
    if name == "delay_fixed" or (name == "delay_from" and params.get("delay_type") == "random"):
        params["limitation"] = 1
    if name == "per_day":
        params["from"] = 1


def _item(operation: str, name: str, n: int, length: int | None = None) -> Any:
    if name == "rows":
        return {"first_name": f"F{n}", "last_name": "Doe", "domain": "snov.io"}
    if name == "urls[]":
        return f"https://www.linkedin.com/in/person{n}/"
    if name == "emails[]" and length is not None:
        return "a" * (length - len(f"{n}@x.io")) + f"{n}@x.io"
    if name == "emails[]":
        return f"u{n}@x.io"
    return f"Item {n}"


def _bogus(allowed: list[Any]) -> Any:
    if all(isinstance(v, int) for v in allowed):
        return max(allowed) + 1 if max(allowed) + 1 not in allowed else 9999
    return "bogus-value"


def fact_cases(rule: Rule, req: Req) -> tuple[list[Req], list[Req]]:
    """(requests that break the rule, requests at its edge that keep it)."""
    name, kind = rule.id.split("#", 1)[1].rsplit(":", 1)
    facts = tables.facts(rule.operation, name)
    bad: list[Req] = []
    good: list[Req] = []

    def variant(value: Any, *, remove: bool = False, companions: bool = False) -> Req:
        out = req.copy()
        if remove:
            _remove(out.params, name)
        else:
            _set(out.params, name, value)
            if companions:
                _companions(rule.operation, name, value, out.params)
        return out

    is_list = isinstance(_get(req.params, name), list) or name in LIST_FIELDS
    if kind == "required":
        bad.append(variant(None, remove=True))
        good.append(req.copy())
    elif kind == "allowed":
        wrap = (lambda v: [v]) if is_list else (lambda v: v)
        bad.append(variant(wrap(_bogus(facts["allowed"]))))
        if rule.id in GOOD_DEPENDS_ON_STATE:
            good.append(req.copy())  # the base's own value, valid in the base's state
        else:
            good += [variant(wrap(v), companions=True) for v in facts["allowed"]]
    elif kind == "range":
        if "min" in facts:
            bad.append(variant(facts["min"] - 1, companions=True))
        if "max" in facts:
            bad.append(variant(facts["max"] + 1, companions=True))
            good.append(variant(facts["max"], companions=True))
        if "min" in facts and not name.endswith(("_id", "Id")):
            good.append(variant(facts["min"], companions=True))
        if name.endswith(("_id", "Id")):
            good.append(req.copy())  # an existing id: the smallest id may not exist
    elif kind == "max_len":
        bad.append(variant("x" * (facts["max_len"] + 1)))
        good.append(variant("x" * facts["max_len"]))
    elif kind == "max_items":
        n = facts["max_items"]
        bad.append(variant([_item(rule.operation, name, i) for i in range(n + 1)]))
        good.append(variant([_item(rule.operation, name, i) for i in range(n)]))
    elif kind == "min_items":
        n = facts["min_items"]
        bad.append(variant([_item(rule.operation, name, i) for i in range(n - 1)]))
        good.append(variant([_item(rule.operation, name, i) for i in range(n)]))
    elif kind == "item_max_len":
        n = facts["item_max_len"]
        bad.append(variant([_item(rule.operation, name, 1, n + 1)]))
        good.append(variant([_item(rule.operation, name, 1, n)]))
    else:  # pragma: no cover - a new kind of fact needs a probe
        raise AssertionError(f"no probe for {kind}")
    return bad, good


#: Array parameters whose base request leaves them out.
LIST_FIELDS = {"providers"}
#: Allowed values whose acceptance depends on the object's state (probed by prose rules).
GOOD_DEPENDS_ON_STATE = {"post:/v2/campaigns/{campaign_id}/action#action:allowed"}


def refused(rule: Rule, status: int, body: Any, field: str | None = None) -> bool:
    """The section's refusal: v2 answers 422 naming the field; v1 answers success false."""
    if not isinstance(body, dict):
        return False
    if "/v1/" in rule.operation:
        return body.get("success") is False and status in (200, 400, 404, 422)
    errors = body.get("errors")
    if status != 422 or not isinstance(errors, dict):
        return False
    if field is None:
        return True
    stem = field.replace("[]", "")
    return any(stem in key or key in stem for key in errors)


def accepted(status: int, body: Any) -> bool:
    if status != 200:
        return False
    if isinstance(body, dict):
        return body.get("success") is not False and "errors" not in body
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return body[0].get("success") is not False
    return True
