"""Webhook subscriptions (reference lines 3717-3886)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import _validate
from .._convert import structure
from .._retry import CallKind
from ..models.crm import WEBHOOK_EVENTS, Webhook, WebhookList, WebhookObject, WebhookStatus
from ._base import Resource, rows_of, section

__all__ = ["WebhooksResource"]


def _webhook_path(webhook_id: int) -> str:
    return _validate.path("/v2/webhooks/{webhook_id}", webhook_id=webhook_id)


def _webhook(payload: Any, what: str) -> Webhook:
    """``data`` as a `Webhook`, with ``meta.user_id`` (a missing ``user_id`` in ``data`` is
    filled from ``meta``)."""
    data = section(payload, "data")
    user_id = section(payload, "meta").get("user_id")
    fields = dict(data)
    if "user_id" not in fields and user_id is not None:
        fields["user_id"] = user_id
    return structure(fields, Webhook, what=what)


class WebhooksResource(Resource):
    """``snov.webhooks``: event subscriptions (at most 50 per account).

    Snov.io POSTs each event to the endpoint; a delivery succeeds on a 2xx within 3 s, else it
    is retried 7 times over 38 hours and then the subscription is deactivated.
    """

    __slots__ = ()

    async def list(self, *, timeout: float | None = None) -> WebhookList:
        """Every subscription. ``GET /v2/webhooks`` (reference line 3748). Free."""
        payload = await self._request("GET", "/v2/webhooks", timeout=timeout)
        rows = [
            item["data"]
            if isinstance(item, Mapping) and isinstance(item.get("data"), Mapping)
            else item
            for item in rows_of(payload)
        ]
        return structure({**section(payload, "meta"), "webhooks": rows}, WebhookList)

    async def create(
        self,
        event_object: WebhookObject | str,
        event_action: str,
        endpoint_url: str,
        *,
        timeout: float | None = None,
    ) -> Webhook:
        """Subscribe ``endpoint_url`` to an object/action pair from the reference's table
        (e.g. ``email_verification``/``verified``). ``POST /v2/webhooks`` (line 3802). Free."""
        obj = getattr(event_object, "value", event_object)
        _validate.one_of(obj, "event_object", tuple(WEBHOOK_EVENTS))
        _validate.one_of(event_action, "event_action", tuple(WEBHOOK_EVENTS[obj]))
        _validate.web_url(endpoint_url, "endpoint_url")
        body: dict[str, Any] = {
            "event_object": obj,
            "event_action": event_action,
            "endpoint_url": endpoint_url,
        }
        payload = await self._request("POST", "/v2/webhooks", json=body, timeout=timeout)
        return _webhook(payload, "POST /v2/webhooks")

    async def set_status(
        self, webhook_id: int, status: WebhookStatus | str, *, timeout: float | None = None
    ) -> Webhook:
        """Turn a subscription ``active`` or ``deactivated``.
        ``PUT /v2/webhooks/{webhook_id}`` (reference line 3839). Free."""
        path = _webhook_path(webhook_id)
        value = getattr(status, "value", status)
        _validate.one_of(value, "status", ("active", "deactivated"))
        payload = await self._request(
            "PUT", path, json={"status": value}, kind=CallKind.IDEMPOTENT, timeout=timeout
        )
        return _webhook(payload, f"PUT {path}")

    async def delete(self, webhook_id: int, *, timeout: float | None = None) -> None:
        """Delete a subscription. ``DELETE /v2/webhooks/{webhook_id}`` (line 3873). Free."""
        await self._request("DELETE", _webhook_path(webhook_id), timeout=timeout)
