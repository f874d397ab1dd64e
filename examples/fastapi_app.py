"""A FastAPI service that verifies emails and takes Snov.io webhooks.

The client lives in the app's lifespan (one session, one pacer, one runner for every request)
and the webhook receiver is mounted as a plain ASGI route. With no SNOV_CLIENT_ID /
SNOV_CLIENT_SECRET it runs on the in-process sandbox.

    pip install -e '.[dev]' uvicorn    # fastapi and uvicorn are not core dependencies
    uvicorn examples.fastapi_app:app --host 127.0.0.1 --port 8091
    curl -X POST 127.0.0.1:8091/verify -H 'content-type: application/json' \\
         -d '["jane@acme.com", "nope"]'
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from snov_async import SnovClient
from snov_async.sandbox import Sandbox, SandboxConfig
from snov_async.webhooks import WebhookEvent, WebhookReceiver, hide_webhook_paths

PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:8091")
# One token for every worker process and every restart (uvicorn --workers N imports this
# module once per process); make it once with secrets.token_urlsafe(32) and keep it secret.
# Without it each process picks its own, and deliveries for another worker's URL get 404.
receiver = WebhookReceiver(
    public_url=PUBLIC_URL + "/snov", token=os.environ.get("SNOV_WEBHOOK_TOKEN") or None
)
hide_webhook_paths()  # uvicorn's access log would otherwise write the receiver's secret path
received: list[dict[str, Any]] = []


@receiver.on
async def remember(event: WebhookEvent) -> None:
    # Quick, non-blocking work: a coroutine (runs on the loop). A plain function would run in
    # the receiver's thread pool, which suits blocking work (a database driver, requests).
    received.append({"type": type(event).__name__, "object": event.event_object})


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
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
        app.state.snov = await stack.enter_async_context(client)
        yield


app = FastAPI(lifespan=lifespan)
app.mount("/snov", receiver.asgi_app())


@app.post("/verify")
async def verify(emails: list[str]) -> list[dict[str, Any]]:
    results = await app.state.snov.verification.verify(emails)
    return [
        {
            "email": r.email,
            "smtp_status": str(r.smtp_status) if r.smtp_status else None,
            "error": r.error.message if r.error else None,
        }
        for r in results
    ]


@app.get("/webhooks")
async def webhooks() -> dict[str, Any]:
    # Never show receiver.url: its path is the receiver's only credential.
    return {"received": received}
