"""An aiohttp web service with the client in ``cleanup_ctx`` and the receiver as a sub-app.

python examples/aiohttp_server.py   # 127.0.0.1:8090 (on the sandbox without credentials)
curl '127.0.0.1:8090/domain?company=Snov.io'

(8090, not the sandbox server's 8080, so both can run side by side.) The access log hides the
receiver's secret path (``RedactingAccessLogger``): it would otherwise write the token of every
delivery.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

from aiohttp import web

from snov_async import SnovClient
from snov_async.sandbox import Sandbox, SandboxConfig
from snov_async.webhooks import RedactingAccessLogger, WebhookReceiver

#: Loopback only, on a port that differs from the sandbox server's default (8080).
HOST, PORT = "127.0.0.1", 8090

SNOV = web.AppKey("snov", SnovClient)
RECEIVER = web.AppKey("receiver", WebhookReceiver)
#: How the app is served: aiohttp's access log, without the webhook token.
RUN_OPTIONS = {"access_log_class": RedactingAccessLogger}


async def snov_client(app: web.Application) -> AsyncIterator[None]:
    """Open the client when the app starts and close it when the app stops."""
    async with contextlib.AsyncExitStack() as stack:
        if os.environ.get("SNOV_CLIENT_ID"):
            client = SnovClient.from_env()
        else:
            sandbox = await stack.enter_async_context(
                Sandbox(SandboxConfig(rate_limit=None, task_latency=0.05))
            )
            client = SnovClient(
                "sandbox",
                "sandbox",
                base_url=sandbox.base_url,
                requests_per_minute=6000,
                initial_task_latency=0.1,
            )
        app[SNOV] = await stack.enter_async_context(client)
        yield


async def domain(request: web.Request) -> web.Response:
    names = request.query.getall("company", [])
    results = await request.app[SNOV].email_finder.company_domains(names)
    return web.json_response(
        [
            {"company": r.name, "domain": r.domain, "error": r.error and r.error.message}
            for r in results
        ]
    )


def make_app(public_url: str = f"http://{HOST}:{PORT}") -> web.Application:
    app = web.Application()
    # The same token across restarts (a subscription keeps working): see examples/fastapi_app.py.
    token = os.environ.get("SNOV_WEBHOOK_TOKEN") or None
    receiver = WebhookReceiver(public_url=public_url + "/snov", token=token)
    app[RECEIVER] = receiver
    app.cleanup_ctx.append(snov_client)
    app.router.add_get("/domain", domain)
    app.add_subapp("/snov", receiver.aiohttp_app())
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host=HOST, port=PORT, **RUN_OPTIONS)
