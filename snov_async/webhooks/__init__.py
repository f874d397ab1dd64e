"""Receiving Snov.io webhooks: typed events and a receiver for aiohttp and ASGI apps.

::

    from snov_async.webhooks import WebhookReceiver, EmailVerificationEvent

    async with WebhookReceiver(public_url="https://hooks.example.com") as receiver:
        await snov.webhooks.create("email_verification", "verified", receiver.url)
        async for event in receiver.events():
            ...

Keep its secret path out of your server's access log: ``hide_webhook_paths()`` (uvicorn,
hypercorn, gunicorn, aiohttp) or ``web.run_app(app, access_log_class=RedactingAccessLogger)``.

Give the receiver to the client (``SnovClient(..., webhook=receiver)``) and the task runner
sends ``webhook_url`` with every batch start and waits for the push instead of polling.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .events import (
    CampaignEmailEvent,
    CampaignLinkedInEvent,
    CampaignLinkedInReplyEvent,
    CampaignReplyEvent,
    CompanyEvent,
    EmailVerificationEvent,
    GenericEvent,
    ProspectEvent,
    TaskResult,
    WebhookEvent,
    parse_event,
)

if TYPE_CHECKING:
    from .logs import RedactingAccessLogger, WebhookPathFilter, hide_webhook_paths
    from .receiver import EventStream, WebhookReceiver

#: Loaded on first use, not with the SDK: they bring aiohttp's server (``aiohttp.web``, about
#: 4,900 objects that every full garbage collection of a client that never receives a webhook
#: would walk).
_LAZY = {
    "EventStream": ".receiver",
    "WebhookReceiver": ".receiver",
    "RedactingAccessLogger": ".logs",
    "WebhookPathFilter": ".logs",
    "hide_webhook_paths": ".logs",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "CampaignEmailEvent",
    "CampaignLinkedInEvent",
    "CampaignLinkedInReplyEvent",
    "CampaignReplyEvent",
    "CompanyEvent",
    "EmailVerificationEvent",
    "EventStream",
    "GenericEvent",
    "ProspectEvent",
    "RedactingAccessLogger",
    "TaskResult",
    "WebhookEvent",
    "WebhookPathFilter",
    "WebhookReceiver",
    "hide_webhook_paths",
    "parse_event",
]
