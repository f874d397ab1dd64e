"""The sandbox's aiohttp application: the account gate (rate limit, faults, tokens) in one
middleware, then the routes of every section."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from . import activity, campaigns, crm, senders, tasks
from .common import ACCOUNT, STATE, gateway_error, ok, read_params, server_of, state_of
from .faults import Fault
from .state import Account, SandboxConfig, SandboxState

__all__ = ["make_app"]

logger = logging.getLogger("snov_async.sandbox")

TOKEN_PATH = "/v1/oauth/access_token"
INSPECT_PREFIX = "/__sandbox__/"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _presented_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "").strip()
    if header:
        scheme, _, rest = header.partition(" ")
        return rest.strip() if scheme.lower() == "bearer" and rest else header
    token = request.query.get("access_token")
    if token:
        return token
    return None


async def _body_token(request: web.Request) -> str | None:
    """``access_token`` in a urlencoded, multipart or JSON body, whatever the method."""
    if not request.body_exists:
        return None
    try:
        params = await read_params(request)
    except web.HTTPBadRequest:
        return None
    value = params.get("access_token")
    return value if isinstance(value, str) and value else None


def _operation(request: web.Request) -> str:
    info = request.match_info
    route = info.route
    template = route.resource.canonical if route.resource is not None else request.path
    return f"{request.method} {template}"


def _too_many(wait: float | None) -> web.Response:
    headers = {"Retry-After": str(math.ceil(wait))} if wait is not None else {}
    return web.json_response(
        {"errors": {"code": 429, "title": "Too Many Requests", "source": ""}},
        status=429,
        headers=headers,
    )


@web.middleware
async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count, find the account, rate-limit it, break (on purpose), authenticate, answer."""
    if request.path.startswith(INSPECT_PREFIX):
        return await handler(request)
    state = server_of(request)
    loop = asyncio.get_running_loop()
    now = loop.time()
    state.sequence += 1
    operation = _operation(request)
    is_token = request.path == TOKEN_PATH

    # Whose request is it? The token's account, or for the token route the client id's.
    token: str | None = None
    if is_token:
        params = await read_params(request)
        account = state.authenticate(params.get("client_id"), params.get("client_secret"))
        request[ACCOUNT] = account
    else:
        token = _presented_token(request) or await _body_token(request)
        account = state.account_for(token, now)
    targets = (state.stats,) if account is None else account.all_stats
    for stats in targets:
        stats.request_times.append(now)
        stats.requests[operation] += 1
        if is_token:
            stats.token_requests += 1

    wait = account.admit(now) if account is not None else None
    if wait is not None:
        for stats in targets:
            stats.rate_limited += 1
        return _too_many(wait if state.config.retry_after else None)

    fault = state.config.faults.decide(state.sequence)
    if fault is not None and not fault.after_processing:
        for stats in targets:
            stats.faults[fault.value] += 1
        if fault is Fault.RATE_LIMIT:
            for stats in targets:
                stats.rate_limited += 1
            return _too_many(1)
        if fault is Fault.SERVER_500:
            return web.json_response({"message": "Internal Server Error"}, status=500)
        if fault is Fault.SERVER_503:
            return web.json_response({"message": "Service Unavailable"}, status=503)
        if fault is Fault.BAD_GATEWAY_HTML:
            return web.Response(
                status=502,
                content_type="text/html",
                text="<html><head><title>502 Bad Gateway</title></head>"
                "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>"
                "</body></html>",
            )
        if fault is Fault.SLOW:
            await asyncio.sleep(state.config.faults.slow_seconds)
        if fault is Fault.REVOKE_TOKEN and not is_token:
            state.revoke(token)
            account = state.account_for(token, loop.time())

    if not is_token:
        if account is None or state.account_for(token, loop.time()) is not account:
            return gateway_error(401, "Unauthorized")
        try:
            seen = (await read_params(request)).as_dict()
        except web.HTTPBadRequest:
            seen = {}
        seen.pop("access_token", None)
        for stats in targets:
            stats.calls.append((operation, seen))
        request[ACCOUNT] = account

    try:
        response = await handler(request)
    except web.HTTPNotFound:
        return gateway_error(404, "Not Found")
    except web.HTTPMethodNotAllowed:
        return gateway_error(405, "Method Not Allowed")

    if fault is not None and fault.after_processing:
        for stats in targets:
            stats.faults[fault.value] += 1
        if fault is Fault.RESET:
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=200)
        if fault is Fault.TRUNCATED and isinstance(response, web.Response):
            body = response.body if isinstance(response.body, bytes) else b"{}"
            return web.Response(
                status=response.status,
                body=body[: max(1, len(body) // 2)],
                content_type="application/json",
            )
    return response


async def access_token(request: web.Request) -> web.Response:
    """``POST /v1/oauth/access_token`` (reference line 17)."""
    params = await read_params(request)
    if params.get("grant_type") != "client_credentials":
        return web.json_response(
            {
                "error": "unsupported_grant_type",
                "error_description": "The authorization grant type is not supported.",
            },
            status=400,
        )
    account = request.get(ACCOUNT)  # the gate found it from client_id and client_secret
    if account is None:
        return web.json_response(
            {"error": "invalid_client", "error_description": "Client authentication failed"},
            status=401,
        )
    token = account.issue_token(asyncio.get_running_loop().time())
    return ok(
        {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(account.config.token_ttl),
        }
    )


async def get_balance(request: web.Request) -> web.Response:
    """``GET /v1/get-balance`` (reference line 3692)."""
    state = state_of(request)
    return ok(
        {
            "success": True,
            "data": {
                "balance": f"{state.balance:.2f}",
                "teamwork": False,
                "unique_recipients_used": 0,
                "limit_resets_in": 29,
                "expires_in": 359,
            },
        }
    )


def _account_json(account: Account) -> dict[str, Any]:
    body = account.stats.to_json()
    body["client_id"] = account.client_id
    body["balance"] = f"{account.balance:.2f}"
    body["tasks"] = len(account.tasks)
    return body


async def inspect_stats(request: web.Request) -> web.Response:
    """``GET /__sandbox__/stats``: what the sandbox saw, in total and per account.

    ``?client_id=ID`` answers that account's counters alone (404 when it has none).
    The totals carry ``balance`` (the default account's) and ``accounts`` (each account's
    counters by client id).
    """
    state = server_of(request)
    wanted = request.query.get("client_id")
    if wanted is not None:
        account = state.accounts.get(wanted)
        if account is None:
            return gateway_error(404, "Not Found")
        body = _account_json(account)
    else:
        body = state.stats.to_json()
        body["balance"] = f"{state.balance:.2f}" if state.accounts else str(state.config.credits)
        body["accounts"] = {cid: _account_json(a) for cid, a in state.accounts.items()}
    return web.json_response(body, dumps=lambda o: json.dumps(o, sort_keys=True))


async def inspect_config(request: web.Request) -> web.Response:
    """``GET /__sandbox__/config``: the settings in force (credentials hidden)."""
    state = server_of(request)
    cfg = state.config
    return ok(
        {
            "seed": cfg.seed,
            "token_ttl": cfg.token_ttl,
            "rate_limit": cfg.rate_limit,
            "rate_window": cfg.rate_window,
            "task_latency": list(cfg.task_latency),
            "start_latency": list(cfg.start_latency),
            "shapes": cfg.shapes,
            "credentials_required": state.closed,
            "accounts": sorted(state.accounts) if state.closed else None,
            "faults_enabled": cfg.faults.enabled,
        }
    )


async def inspect_rules(request: web.Request) -> web.Response:
    """``GET /__sandbox__/rules``: the rules table (rule, operation, reference line)."""
    from .rules import RULES

    return ok({"rules": [rule.as_json() for rule in RULES]})


def make_app(config: SandboxConfig | None = None) -> web.Application:
    """The sandbox as an ``aiohttp.web.Application`` (mount it, or run it with `Sandbox`)."""
    state = SandboxState(config or SandboxConfig())
    app = web.Application(middlewares=[gate])
    app[STATE] = state
    app.router.add_post(TOKEN_PATH, access_token)
    app.router.add_get("/v1/get-balance", get_balance)
    app.router.add_get(INSPECT_PREFIX + "stats", inspect_stats)
    app.router.add_get(INSPECT_PREFIX + "config", inspect_config)
    app.router.add_get(INSPECT_PREFIX + "rules", inspect_rules)
    tasks.setup(app)
    senders.setup(app)
    campaigns.setup(app)
    activity.setup(app)
    crm.setup(app)
    app.on_cleanup.append(tasks.cleanup)
    return app
