"""Typed webhook events.

Snov.io documents which objects and actions it announces (reference line 3717) but not the
bodies, and signs nothing. A delivery becomes the most specific event this module can tell
from its body: a `TaskResult` when it carries a task's ``meta.task_hash`` and ``status`` (the
``webhook_url`` of the batch starts; the body matches the result call's), else one class per
event object when the body names one, else a `GenericEvent`. Parsing never raises.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "CampaignEmailEvent",
    "CampaignLinkedInEvent",
    "CampaignLinkedInReplyEvent",
    "CampaignReplyEvent",
    "CompanyEvent",
    "EmailVerificationEvent",
    "GenericEvent",
    "ProspectEvent",
    "TaskResult",
    "WebhookEvent",
    "parse_event",
]


@attrs.frozen
class WebhookEvent:
    """A delivery from Snov.io.

    Attributes:
        payload: the decoded JSON body, untouched.
        event_object: the object it is about (``campaign_email`` ...), when the body says.
        event_action: what happened (``sent``, ``verified`` ...), when the body says.
        delivery_key: a stable key of the delivery; redeliveries share it.
        received_at: when it arrived (``time.time()``).
    """

    payload: Any = attrs.field(repr=False)
    event_object: str | None = None
    event_action: str | None = None
    delivery_key: str = ""
    received_at: float = 0.0


@attrs.frozen
class TaskResult(WebhookEvent):
    """A task's completed result pushed to its start's ``webhook_url``."""

    task_hash: str = ""
    status: str = ""


@attrs.frozen
class CampaignEmailEvent(WebhookEvent):
    """``campaign_email``: sent, first_sent, opened, bounced, link_clicked."""


@attrs.frozen
class CampaignReplyEvent(WebhookEvent):
    """``campaign_reply``: received, first_received, autoreply_received."""


@attrs.frozen
class CampaignLinkedInReplyEvent(WebhookEvent):
    """``campaign_li_reply``: received, first_received."""


@attrs.frozen
class CampaignLinkedInEvent(WebhookEvent):
    """``campaign_li``: connection_request_accepted."""


@attrs.frozen
class CompanyEvent(WebhookEvent):
    """``company``: found_domains_by_names."""


@attrs.frozen
class ProspectEvent(WebhookEvent):
    """``prospect``: found_by_li_url, found_emails_by_name_by_domain, campaign_finished,
    campaign_unsubscribed."""


@attrs.frozen
class EmailVerificationEvent(WebhookEvent):
    """``email_verification``: verified."""


@attrs.frozen
class GenericEvent(WebhookEvent):
    """A delivery whose kind could not be told (or a kind this SDK does not know yet)."""


BY_OBJECT: dict[str, type[WebhookEvent]] = {
    "campaign_email": CampaignEmailEvent,
    "campaign_reply": CampaignReplyEvent,
    "campaign_li_reply": CampaignLinkedInReplyEvent,
    "campaign_li": CampaignLinkedInEvent,
    "company": CompanyEvent,
    "prospect": ProspectEvent,
    "email_verification": EmailVerificationEvent,
}


def _first(mapping: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = mapping.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def delivery_key(body: bytes) -> str:
    """Redeliveries of one event carry the same body: its digest identifies the event."""
    return hashlib.sha256(body).hexdigest()


#: Bodies nested deeper than this are not events Snov.io sends: kept as text.
MAX_DEPTH = 64


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False


def parse_event(body: bytes, *, received_at: float = 0.0) -> WebhookEvent:
    """The event a delivery's body stands for (never raises): not JSON, binary, or nested
    deeper than `MAX_DEPTH` is a `GenericEvent` whose payload is the body as text."""
    key = delivery_key(body)
    try:
        payload: Any = json.loads(body) if body.strip() else None
        if _too_deep(payload):
            raise ValueError("nested too deep")
    except (ValueError, RecursionError):
        payload = body.decode("utf-8", errors="replace")
    if not isinstance(payload, Mapping):
        return GenericEvent(payload, delivery_key=key, received_at=received_at)
    event = payload.get("event")
    nested = event if isinstance(event, Mapping) else {}
    obj = _first(payload, "event_object", "object") or _first(nested, "object", "event_object")
    action = _first(payload, "event_action", "action") or _first(nested, "action", "event_action")
    if obj is None and isinstance(event, str) and "." in event:
        obj, action = event.split(".", 1)
    if obj is not None:
        cls = BY_OBJECT.get(obj, GenericEvent)
        return cls(
            payload,
            event_object=obj,
            event_action=action,
            delivery_key=key,
            received_at=received_at,
        )
    meta = payload.get("meta")
    task_hash = meta.get("task_hash") if isinstance(meta, Mapping) else None
    if not isinstance(task_hash, str):
        data = payload.get("data")
        inner = data.get("task_hash") if isinstance(data, Mapping) else None
        task_hash = inner if isinstance(inner, str) else payload.get("task_hash")
    if isinstance(task_hash, str) and task_hash and "data" in payload:
        status = payload.get("status")
        # A push is sent when the task completes; a body without a status means that.
        return TaskResult(
            payload,
            delivery_key=key,
            received_at=received_at,
            task_hash=task_hash,
            status=status if isinstance(status, str) else "completed",
        )
    return GenericEvent(payload, delivery_key=key, received_at=received_at)
