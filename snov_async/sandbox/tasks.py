"""Task-based operations (reference lines 31-850): domain search, email finder, LinkedIn
enrichment, email verification — plus the two direct lookups of those sections.

A start call records a `Task` whose result is materialised (and charged) once, when its latency
has passed; until then the result route answers ``in_progress``. A ``webhook_url`` on a start
makes the sandbox POST the completed result there, retrying on the documented ladder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
import attrs
from aiohttp import web

from . import data
from .common import (
    Params,
    bad_request_v1,
    base_url,
    gateway_error,
    live,
    ok,
    out_of_credits,
    read_params,
    state_of,
    validation_error,
)
from .state import Account
from .tables import WEBHOOK_LADDER

__all__ = ["Task", "cleanup", "setup"]

logger = logging.getLogger("snov_async.sandbox")

MAX_BATCH = 10
MAX_POSITIONS = 10

Builder = Callable[["Task", Account, str], tuple[dict[str, Any], int]]


@attrs.define
class Task:
    """One started task."""

    hash: str
    kind: str
    number: int
    inputs: Any
    meta: dict[str, Any]
    created: float
    ready_at: float | None  # None: never completes (fault injection)
    webhook_url: str | None = None
    result: dict[str, Any] | None = None


_BACKGROUND: web.AppKey[set[asyncio.Task[None]]] = web.AppKey("snov_sandbox_background")


def _new_task(
    request: web.Request, kind: str, inputs: Any, meta: dict[str, Any], webhook: str | None
) -> Task:
    state = state_of(request)
    number = state.new_task_number()
    now = asyncio.get_running_loop().time()
    never = state.config.faults.task_never_completes(number)
    task = Task(
        hash=data.task_hash(state.config.seed, number),
        kind=kind,
        number=number,
        inputs=inputs,
        meta=meta,
        created=now,
        ready_at=None if never else now + state.task_latency(number),
        webhook_url=webhook or None,
    )
    state.tasks[task.hash] = task
    if task.webhook_url and task.ready_at is not None:
        _schedule_webhook(request.app, state, task, base_url(request))
    return task


def _record_start(state: Account, operation: str, keys: list[str]) -> None:
    state.record_start(operation, keys)


async def _started(state: Account, task: Task, body: dict[str, Any]) -> web.Response:
    """The start's answer, held back by the configured start latency (the task exists)."""
    delay = state.start_latency(task.number)
    if delay > 0:
        await asyncio.sleep(delay)
    return ok(body)


def _materialise(
    task: Task, state: Account, root: str, app: web.Application | None = None
) -> dict[str, Any]:
    """The completed body of ``task``: built, charged and announced exactly once."""
    if task.result is None:
        body, cost = _BUILDERS[task.kind](task, state, root)
        if cost > 0 and not state.can_spend(cost):
            body = {"status": "not_enough_credits", "data": [], "meta": body.get("meta", {})}
        else:
            state.spend(cost)
        task.result = body
        if app is not None and body.get("status") == "completed":
            _announce(app, state, task, body)
    return task.result


def _in_progress(task: Task) -> dict[str, Any]:
    meta = dict(task.meta)
    meta["task_hash"] = task.hash
    if task.kind in ("verify", "find", "company", "li"):
        return {"status": "in_progress", "data": [], "meta": meta}
    links: Any = [] if task.kind == "prospect-emails" else {}
    return {"data": [], "meta": meta, "links": links, "status": "in_progress"}


# Result builders: (task, state, root) -> (body, credits) -------------------------------------


def _build_verify(task: Task, state: Account, root: str) -> tuple[dict[str, Any], int]:
    seed = state.config.seed
    rows = [{"email": e, "result": data.verify_email(seed, e)} for e in task.inputs]
    # The real API does not keep input order (reference line 767): neither do we.
    data.rng_for(seed, "order", task.hash).shuffle(rows)
    cost = sum(1 for r in rows if r["result"]["is_valid_format"])
    meta = {"emails": list(task.inputs), "task_hash": task.hash}
    return {"status": "completed", "data": rows, "meta": meta}, cost


def _build_find(task: Task, state: Account, root: str) -> tuple[dict[str, Any], int]:
    seed = state.config.seed
    rows = []
    cost = 0
    for row in task.inputs:
        found = data.emails_by_name(seed, row["first_name"], row["last_name"], row["domain"])
        cost += sum(1 for f in found if f["smtp_status"] in ("valid", "unknown"))
        rows.append({"people": f"{row['first_name']} {row['last_name']}", "result": found})
    meta = {
        "rows": [
            {"domain": r["domain"], "last_name": r["last_name"], "first_name": r["first_name"]}
            for r in task.inputs
        ],
        "task_hash": task.hash,
    }
    return {"status": "completed", "data": rows, "meta": meta}, cost


def _build_company(task: Task, state: Account, root: str) -> tuple[dict[str, Any], int]:
    rows: list[dict[str, Any]] = []
    cost = 0
    for name in task.inputs:
        domain = data.company_domain(state.config.seed, name)
        if domain:
            cost += 1
        rows.append({"name": name, "result": {"domain": domain} if domain else []})
    meta = {"names": list(task.inputs), "task_hash": task.hash}
    return {"status": "completed", "data": rows, "meta": meta}, cost


def _build_li(task: Task, state: Account, root: str) -> tuple[dict[str, Any], int]:
    rows = [{"url": u, "result": data.li_profile(state.config.seed, u)} for u in task.inputs]
    cost = sum(1 for r in rows if r["result"])
    meta = {"urls": list(task.inputs), "task_hash": task.hash}
    return {"status": "completed", "data": rows, "meta": meta}, cost


def _build_domain_search(task: Task, state: Account, root: str) -> tuple[dict[str, Any], int]:
    domain = task.inputs
    info, counts = data.company_info(state.config.seed, domain)
    found = any(counts.values())
    cost = 1 if found and domain not in state.searched_domains else 0
    if found:
        state.searched_domains.add(domain)
    body = {
        "data": info,
        "meta": {"domain": domain, "task_hash": task.hash, **counts},
        "links": {
            "prospects": f"{root}/v2/domain-search/prospects/start?domain={domain}",
            "domain_emails": f"{root}/v2/domain-search/domain-emails/start?domain={domain}",
            "generic_contacts": f"{root}/v2/domain-search/generic-contacts/start?domain={domain}",
        },
        "status": "completed",
    }
    return body, cost


def _build_prospects(task: Task, state: Account, root: str) -> tuple[dict[str, Any], int]:
    domain, positions, page = task.inputs
    rows, total = data.prospects_page(state.config.seed, domain, positions, page)
    items = [
        {
            "first_name": r["first_name"],
            "last_name": r["last_name"],
            "position": r["position"],
            "source_page": r["source_page"],
            "search_emails_start": (
                f"{root}/v2/domain-search/prospects/search-emails/start/{r['prospect_hash']}"
            ),
        }
        for r in rows
    ]
    has_next = page * 20 < total
    query = "&".join(f"positions[]={p}" for p in positions)
    next_url = (
        f"{root}/v2/domain-search/prospects/start?domain={domain}&page={page + 1}"
        + (f"&{query}" if query else "")
        if has_next
        else ""
    )
    meta = dict(task.meta, task_hash=task.hash, total_count=total)
    return {"data": items, "meta": meta, "links": {"next": next_url}, "status": "completed"}, 0


def _build_prospect_emails(task: Task, state: Account, root: str) -> tuple[dict[str, Any], int]:
    emails = data.prospect_emails(state.config.seed, task.inputs)
    body = {
        "data": {"searching_date": "2025-01-01 11:11:11", "emails": emails},
        "meta": {"task_hash": task.hash},
        "links": [],
        "status": "completed",
    }
    return body, len(emails)


_PAGE = 50


def _cursor_page(
    task: Task, state: Account, root: str, everything: list[str], path: str
) -> tuple[dict[str, Any], int]:
    domain, cursor = task.inputs
    start = 0
    if cursor:
        for i in range(0, len(everything), _PAGE):
            if data.long_hash(domain, path, i) == cursor:
                start = i
                break
    chunk = everything[start : start + _PAGE]
    nxt = data.long_hash(domain, path, start + _PAGE) if start + _PAGE < len(everything) else ""
    meta = dict(task.meta, task_hash=task.hash, next=nxt, total_count=len(everything))
    link = f"{root}/v2/domain-search/{path}/start?domain={domain}&next={nxt}" if nxt else ""
    body = {
        "data": [{"email": e} for e in chunk],
        "meta": meta,
        "links": {"next": link},
        "status": "completed",
    }
    return body, 0


def _build_domain_emails(task: Task, state: Account, root: str) -> tuple[dict[str, Any], int]:
    everything = data.domain_emails(state.config.seed, task.inputs[0])
    return _cursor_page(task, state, root, everything, "domain-emails")


def _build_generic(task: Task, state: Account, root: str) -> tuple[dict[str, Any], int]:
    everything = data.generic_contacts(state.config.seed, task.inputs[0])
    return _cursor_page(task, state, root, everything, "generic-contacts")


_BUILDERS: dict[str, Builder] = {
    "verify": _build_verify,
    "find": _build_find,
    "company": _build_company,
    "li": _build_li,
    "domain-search": _build_domain_search,
    "prospects": _build_prospects,
    "prospect-emails": _build_prospect_emails,
    "domain-emails": _build_domain_emails,
    "generic": _build_generic,
}


# Start routes ----------------------------------------------------------------------------


def _batch(params: Params, name: str) -> tuple[list[str], web.Response | None]:
    items = [str(v).strip() for v in params.getlist(name)]
    if not items:
        return [], validation_error(name, f"The {name} field is required.")
    if len(items) > MAX_BATCH:
        return [], validation_error(name, f"The {name} may not have more than {MAX_BATCH} items.")
    return items, None


def _out_of_credits(request: web.Request, state: Account) -> web.Response | None:
    if state.balance < 1:
        return out_of_credits(request, v1=False)
    return None


async def _list_start(request: web.Request, kind: str, field: str, operation: str) -> web.Response:
    """A batch start whose inputs are a list (``emails[]``, ``names[]``, ``urls[]``)."""
    params = await read_params(request)
    items, problem = _batch(params, field)
    if problem:
        return problem
    state = state_of(request)
    if refusal := _out_of_credits(request, state):
        return refusal
    task = _new_task(request, kind, items, {field: items}, params.get("webhook_url"))
    _record_start(state, operation, [i.lower() for i in items])
    return await _started(
        state_of(request), task, {"data": {"task_hash": task.hash}, "meta": {field: items}}
    )


async def verification_start(request: web.Request) -> web.Response:
    """``POST /v2/email-verification/start`` (reference line 746)."""
    return await _list_start(request, "verify", "emails", "email-verification")


async def emails_by_name_start(request: web.Request) -> web.Response:
    """``POST /v2/emails-by-domain-by-name/start`` (reference line 330)."""
    params = await read_params(request)
    raw = params.getlist("rows")
    if not raw:
        # Form style: rows[0][first_name]=...
        grouped: dict[str, dict[str, str]] = {}
        for key, value in params.multi.items():
            if key.startswith("rows[") and "][" in key:
                index, _, field = key[5:-1].partition("][")
                grouped.setdefault(index, {})[field] = value
        raw = [grouped[k] for k in sorted(grouped, key=lambda k: int(k) if k.isdigit() else 0)]
    if not raw:
        return validation_error("rows", "The rows field is required.")
    if len(raw) > MAX_BATCH:
        return validation_error("rows", f"The rows may not have more than {MAX_BATCH} items.")
    rows = []
    for i, row in enumerate(raw):
        if not isinstance(row, dict):
            return validation_error(f"rows.{i}", "Each row must be an object.")
        clean = {k: str(row.get(k) or "").strip() for k in ("first_name", "last_name", "domain")}
        for field, value in clean.items():
            if not value:
                return validation_error(f"rows.{i}.{field}", f"The {field} field is required.")
        rows.append(clean)
    state = state_of(request)
    if refusal := _out_of_credits(request, state):
        return refusal
    task = _new_task(request, "find", rows, {"rows": rows}, params.get("webhook_url"))
    keys = [f"{r['first_name']}|{r['last_name']}|{r['domain']}".lower() for r in rows]
    _record_start(state, "emails-by-domain-by-name", keys)
    return await _started(
        state_of(request), task, {"data": {"task_hash": task.hash}, "meta": {"rows": rows}}
    )


async def company_domain_start(request: web.Request) -> web.Response:
    """``POST /v2/company-domain-by-name/start`` (reference line 428)."""
    return await _list_start(request, "company", "names", "company-domain-by-name")


async def li_profiles_start(request: web.Request) -> web.Response:
    """``POST /v2/li-profiles-by-urls/start`` (reference line 481)."""
    return await _list_start(request, "li", "urls", "li-profiles-by-urls")


def _domain(params: Params) -> tuple[str, web.Response | None]:
    domain = str(params.get("domain") or "").strip().lower()
    if not domain:
        return "", validation_error("domain", "The domain field is required.")
    if not data.is_domain(domain):
        return "", validation_error("domain", "The domain format is invalid.")
    return domain, None


def _links_result(request: web.Request, path: str, task: Task) -> dict[str, str]:
    return {"result": f"{base_url(request)}/v2/domain-search/{path}/{task.hash}"}


async def domain_search_start(request: web.Request) -> web.Response:
    """``POST /v2/domain-search/start`` (reference line 33)."""
    params = await read_params(request)
    domain, problem = _domain(params)
    if problem:
        return problem
    state = state_of(request)
    if refusal := _out_of_credits(request, state):
        return refusal
    task = _new_task(request, "domain-search", domain, {"domain": domain}, None)
    _record_start(state, "domain-search", [domain])
    return await _started(
        state_of(request),
        task,
        {
            "data": [],
            "meta": {"domain": domain, "task_hash": task.hash},
            "links": _links_result(request, "result", task),
        },
    )


async def prospects_start(request: web.Request) -> web.Response:
    """``POST /v2/domain-search/prospects/start`` (reference line 101)."""
    params = await read_params(request)
    domain, problem = _domain(params)
    if problem:
        return problem
    positions = [str(p).strip() for p in params.getlist("positions") if str(p).strip()]
    if len(positions) > MAX_POSITIONS:
        return validation_error(
            "positions", f"The positions may not have more than {MAX_POSITIONS} items."
        )
    try:
        page = int(params.get("page") or 1)
    except ValueError:
        return validation_error("page", "The page must be an integer.")
    if page < 1:
        return validation_error("page", "The page must be at least 1.")
    meta = {"domain": domain, "tab": "prospects", "page": page, "positions": positions}
    task = _new_task(request, "prospects", (domain, positions, page), meta, None)
    return await _started(
        state_of(request),
        task,
        {
            "data": [],
            "meta": {**meta, "task_hash": task.hash},
            "links": _links_result(request, "prospects/result", task),
        },
    )


async def prospect_emails_start(request: web.Request) -> web.Response:
    """``POST /v2/domain-search/prospects/search-emails/start/{prospect_hash}`` (line 171)."""
    prospect_hash = request.match_info["prospect_hash"]
    if len(prospect_hash) < 16:
        return gateway_error(404, "Not Found")
    state = state_of(request)
    if refusal := _out_of_credits(request, state):
        return refusal
    task = _new_task(request, "prospect-emails", prospect_hash, {}, None)
    _record_start(state, "prospect-search-emails", [prospect_hash])
    return await _started(
        state_of(request),
        task,
        {
            "data": [],
            "meta": {"task_hash": task.hash},
            "links": _links_result(request, "prospects/search-emails/result", task),
        },
    )


async def _cursor_start(request: web.Request, kind: str, tab: str, path: str) -> web.Response:
    params = await read_params(request)
    domain, problem = _domain(params)
    if problem:
        return problem
    cursor = str(params.get("next") or "")
    meta = {"domain": domain, "tab": tab}
    task = _new_task(request, kind, (domain, cursor), meta, None)
    return await _started(
        state_of(request),
        task,
        {
            "data": [],
            "meta": {**meta, "task_hash": task.hash, "next": ""},
            "links": _links_result(request, f"{path}/result", task),
        },
    )


async def domain_emails_start(request: web.Request) -> web.Response:
    """``POST /v2/domain-search/domain-emails/start`` (reference line 209)."""
    return await _cursor_start(request, "domain-emails", "emails", "domain-emails")


async def generic_contacts_start(request: web.Request) -> web.Response:
    """``POST /v2/domain-search/generic-contacts/start`` (reference line 262)."""
    return await _cursor_start(request, "generic", "service", "generic-contacts")


# Result routes ---------------------------------------------------------------------------


def _result(request: web.Request, task_hash: Any, kinds: tuple[str, ...]) -> web.Response:
    if not task_hash:
        return validation_error("task_hash", "The task hash field is required.")
    if not isinstance(task_hash, str):
        return validation_error("task_hash", "The task hash must be a string.")
    task = state_of(request).tasks.get(task_hash)
    if task is None or task.kind not in kinds:
        return gateway_error(404, "Not Found")
    now = asyncio.get_running_loop().time()
    if task.ready_at is None or now < task.ready_at:
        return ok(_in_progress(task))
    return ok(_materialise(task, state_of(request), base_url(request), request.app))


async def query_result(request: web.Request) -> web.Response:
    """``GET /v2/{operation}/result?task_hash=`` for the four batch operations."""
    kind = _QUERY_RESULT_KINDS[request.match_info.route.resource.canonical]  # type: ignore[union-attr]
    params = await read_params(request)
    return _result(request, params.get("task_hash"), (kind,))


async def path_result(request: web.Request) -> web.Response:
    """``GET /v2/domain-search/.../result/{task_hash}`` for the domain-search family."""
    kinds = _PATH_RESULT_KINDS[request.match_info.route.resource.canonical]  # type: ignore[union-attr]
    return _result(request, request.match_info["task_hash"], kinds)


_QUERY_RESULT_KINDS = {
    "/v2/email-verification/result": "verify",
    "/v2/emails-by-domain-by-name/result": "find",
    "/v2/company-domain-by-name/result": "company",
    "/v2/li-profiles-by-urls/result": "li",
}
_PATH_RESULT_KINDS: dict[str, tuple[str, ...]] = {
    "/v2/domain-search/result/{task_hash}": ("domain-search",),
    "/v2/domain-search/prospects/result/{task_hash}": ("prospects",),
    "/v2/domain-search/prospects/search-emails/result/{task_hash}": ("prospect-emails",),
    "/v2/domain-search/domain-emails/result/{task_hash}": ("domain-emails",),
    "/v2/domain-search/generic-contacts/result/{task_hash}": ("generic",),
}


# Direct lookups --------------------------------------------------------------------------


async def domain_emails_count(request: web.Request) -> web.Response:
    """``POST /v1/get-domain-emails-count`` (reference line 317). Free."""
    params = await read_params(request)
    domain = str(params.get("domain") or "").strip().lower()
    if not domain:
        if live(request):  # recorded from the live API (tests/samples/live)
            message = {"success": False, "message": "Domain parameter is required"}
            return web.json_response(message, status=400)
        return bad_request_v1("domain is required")
    return ok(data.domain_emails_count(state_of(request).config.seed, domain))


async def profile_by_email(request: web.Request) -> web.Response:
    """``POST /v1/get-profile-by-email`` (reference line 625). 1 credit, free if not found."""
    params = await read_params(request)
    email = str(params.get("email") or "").strip()
    if not email:
        return bad_request_v1("email is required")
    if not data.is_email(email):
        return bad_request_v1("email is invalid")
    state = state_of(request)
    profile = data.profile_by_email(state.config.seed, email, live=live(request))
    if profile is None:
        if live(request):
            return ok({"success": False, "result": "We couldn't find profile with this email"})
        return ok({"success": False, "errors": ["Profile not found"]})
    if not state.can_spend(1):
        return out_of_credits(request, v1=True)
    state.spend(1)
    return ok(profile)


# Webhooks --------------------------------------------------------------------------------


async def _post_on_the_ladder(
    state: Account, url: str, body: Any, hook: dict[str, Any] | None = None
) -> None:
    """POST ``body`` to ``url``; retry on the documented ladder until a 2xx (3 s each).

    When every attempt fails, the subscription ``hook`` (if any) is deactivated (reference
    line 3739)."""
    scale = state.config.webhook_time_scale
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session:
        for step in WEBHOOK_LADDER:
            await asyncio.sleep(step * scale)
            for stats in state.all_stats:
                stats.webhook_attempts += 1
            try:
                async with session.post(url, json=body) as resp:
                    if 200 <= resp.status < 300:
                        for stats in state.all_stats:
                            stats.webhook_delivered += 1
                        return
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                logger.debug("webhook delivery failed: %s", type(exc).__name__)
    if hook is not None:
        hook["status"] = "deactivated"


def _background(app: web.Application, coro: Any) -> None:
    job = asyncio.get_running_loop().create_task(coro)
    background = app[_BACKGROUND]
    background.add(job)
    job.add_done_callback(background.discard)


def _schedule_webhook(app: web.Application, state: Account, task: Task, root: str) -> None:
    async def deliver() -> None:
        assert task.ready_at is not None and task.webhook_url is not None
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, task.ready_at - loop.time()))
        await _post_on_the_ladder(state, task.webhook_url, _materialise(task, state, root, app))

    _background(app, deliver())


#: Subscription events a completed task announces (reference line 3717).
TASK_EVENTS = {
    "verify": ("email_verification", "verified"),
    "find": ("prospect", "found_emails_by_name_by_domain"),
    "company": ("company", "found_domains_by_names"),
    "li": ("prospect", "found_by_li_url"),
}


def _announce(app: web.Application, state: Account, task: Task, body: dict[str, Any]) -> None:
    """Tell every active subscription of the task's account to this task's event (one POST
    each, on the ladder)."""
    event = TASK_EVENTS.get(task.kind)
    if event is None:
        return
    for hook in list(state.store["webhooks"].values()):
        if hook["status"] == "active" and (hook["event_object"], hook["event_action"]) == event:
            payload = {
                "event_object": event[0],
                "event_action": event[1],
                "data": body.get("data"),
                "meta": {"task_hash": task.hash, "webhook_id": hook["id"]},
            }
            _background(app, _post_on_the_ladder(state, hook["end_point"], payload, hook))


async def cleanup(app: web.Application) -> None:
    background = app[_BACKGROUND]
    for job in tuple(background):
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await job


def setup(app: web.Application) -> None:
    app[_BACKGROUND] = set()
    r = app.router
    r.add_post("/v2/domain-search/start", domain_search_start)
    r.add_get("/v2/domain-search/result/{task_hash}", path_result)
    r.add_post("/v2/domain-search/prospects/start", prospects_start)
    r.add_get("/v2/domain-search/prospects/result/{task_hash}", path_result)
    r.add_post(
        "/v2/domain-search/prospects/search-emails/start/{prospect_hash}", prospect_emails_start
    )
    r.add_get("/v2/domain-search/prospects/search-emails/result/{task_hash}", path_result)
    r.add_post("/v2/domain-search/domain-emails/start", domain_emails_start)
    r.add_get("/v2/domain-search/domain-emails/result/{task_hash}", path_result)
    r.add_post("/v2/domain-search/generic-contacts/start", generic_contacts_start)
    r.add_get("/v2/domain-search/generic-contacts/result/{task_hash}", path_result)
    r.add_post("/v1/get-domain-emails-count", domain_emails_count)
    r.add_post("/v2/emails-by-domain-by-name/start", emails_by_name_start)
    r.add_get("/v2/emails-by-domain-by-name/result", query_result)
    r.add_post("/v2/company-domain-by-name/start", company_domain_start)
    r.add_get("/v2/company-domain-by-name/result", query_result)
    r.add_post("/v2/li-profiles-by-urls/start", li_profiles_start)
    r.add_get("/v2/li-profiles-by-urls/result", query_result)
    r.add_post("/v1/get-profile-by-email", profile_by_email)
    r.add_post("/v2/email-verification/start", verification_start)
    r.add_get("/v2/email-verification/result", query_result)
