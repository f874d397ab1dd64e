"""The sandbox's aiohttp application: the account gate (rate limit, faults, tokens) in one
middleware, then the routes of every section."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Awaitable, Callable

from aiohttp import web

from . import activity, campaigns, crm, senders, tasks
from .common import STATE, gateway_error, ok, read_params, state_of
from .faults import Fault
from .state import SandboxConfig, SandboxState

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


async def _form_token(request: web.Request) -> str | None:
    if request.content_type == "application/x-www-form-urlencoded" and request.body_exists:
        form = await request.post()
        value = form.get("access_token")
        return value if isinstance(value, str) else None
    return None


def _operation(request: web.Request) -> str:
    info = request.match_info
    route = info.route
    template = route.resource.canonical if route.resource is not None else request.path
    return f"{request.method} {template}"


@web.middleware
async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count, rate-limit, break (on purpose), authenticate, then answer."""
    if request.path.startswith(INSPECT_PREFIX):
        return await handler(request)
    state = state_of(request)
    loop = asyncio.get_running_loop()
    now = loop.time()
    state.sequence += 1
    state.stats.request_times.append(now)
    operation = _operation(request)
    state.stats.requests[operation] += 1
    is_token = request.path == TOKEN_PATH
    if is_token:
        state.stats.token_requests += 1

    wait = state.admit(now)
    if wait is not None:
        state.stats.rate_limited += 1
        headers = {"Retry-After": str(math.ceil(wait))} if state.config.retry_after else {}
        return web.json_response(
            {"errors": {"code": 429, "title": "Too Many Requests", "source": ""}},
            status=429,
            headers=headers,
        )

    fault = state.config.faults.decide(state.sequence)
    if fault is not None and not fault.after_processing:
        state.stats.faults[fault.value] += 1
        if fault is Fault.RATE_LIMIT:
            state.stats.rate_limited += 1
            return web.json_response(
                {"errors": {"code": 429, "title": "Too Many Requests", "source": ""}},
                status=429,
                headers={"Retry-After": "1"},
            )
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
            state.revoke(_presented_token(request) or await _form_token(request))

    if not is_token:
        token = _presented_token(request) or await _form_token(request)
        if not state.token_valid(token, loop.time()):
            return gateway_error(401, "Unauthorized")
        try:
            seen = (await read_params(request)).as_dict()
        except web.HTTPBadRequest:
            seen = {}
        seen.pop("access_token", None)
        state.stats.calls.append((operation, seen))

    try:
        response = await handler(request)
    except web.HTTPNotFound:
        return gateway_error(404, "Not Found")
    except web.HTTPMethodNotAllowed:
        return gateway_error(405, "Method Not Allowed")

    if fault is not None and fault.after_processing:
        state.stats.faults[fault.value] += 1
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
    state = state_of(request)
    params = await read_params(request)
    if params.get("grant_type") != "client_credentials":
        return web.json_response(
            {
                "error": "unsupported_grant_type",
                "error_description": "The authorization grant type is not supported.",
            },
            status=400,
        )
    client_id, client_secret = params.get("client_id"), params.get("client_secret")
    expected = state.config.credentials
    if (
        not client_id
        or not client_secret
        or (expected is not None and (client_id, client_secret) != expected)
    ):
        return web.json_response(
            {"error": "invalid_client", "error_description": "Client authentication failed"},
            status=401,
        )
    token = state.issue_token(asyncio.get_running_loop().time())
    return ok(
        {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(state.config.token_ttl),
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


async def inspect_stats(request: web.Request) -> web.Response:
    """``GET /__sandbox__/stats``: what the sandbox saw."""
    state = state_of(request)
    body = state.stats.to_json()
    body["balance"] = f"{state.balance:.2f}"
    return web.json_response(body, dumps=lambda o: json.dumps(o, sort_keys=True))


async def inspect_config(request: web.Request) -> web.Response:
    """``GET /__sandbox__/config``: the settings in force (credentials hidden)."""
    cfg = state_of(request).config
    return ok(
        {
            "seed": cfg.seed,
            "token_ttl": cfg.token_ttl,
            "rate_limit": cfg.rate_limit,
            "rate_window": cfg.rate_window,
            "task_latency": list(cfg.task_latency),
            "credentials_required": cfg.credentials is not None,
            "faults_enabled": cfg.faults.enabled,
        }
    )


def make_app(config: SandboxConfig | None = None) -> web.Application:
    """The sandbox as an ``aiohttp.web.Application`` (mount it, or run it with `Sandbox`)."""
    state = SandboxState(config or SandboxConfig())
    app = web.Application(middlewares=[gate])
    app[STATE] = state
    app.router.add_post(TOKEN_PATH, access_token)
    app.router.add_get("/v1/get-balance", get_balance)
    app.router.add_get(INSPECT_PREFIX + "stats", inspect_stats)
    app.router.add_get(INSPECT_PREFIX + "config", inspect_config)
    tasks.setup(app)
    senders.setup(app)
    campaigns.setup(app)
    activity.setup(app)
    crm.setup(app)
    app.on_cleanup.append(tasks.cleanup)
    return app
