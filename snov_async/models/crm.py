"""Models of CRM pipelines (reference lines 3631-3691) and webhook subscriptions (3717-3886)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import attrs

from .common import OpenEnum, SnovModel

__all__ = [
    "Pipeline",
    "Stage",
    "WEBHOOK_EVENTS",
    "Webhook",
    "WebhookList",
    "WebhookObject",
    "WebhookStatus",
]

#: Webhook objects and the actions each supports (reference line 3717).
WEBHOOK_EVENTS: dict[str, tuple[str, ...]] = {
    "campaign_email": ("sent", "first_sent", "opened", "bounced", "link_clicked"),
    "campaign_reply": ("received", "first_received", "autoreply_received"),
    "campaign_li_reply": ("received", "first_received"),
    "campaign_li": ("connection_request_accepted",),
    "company": ("found_domains_by_names",),
    "prospect": (
        "found_by_li_url",
        "found_emails_by_name_by_domain",
        "campaign_finished",
        "campaign_unsubscribed",
    ),
    "email_verification": ("verified",),
}
#: Subscriptions an account may have (reference line 3744).
MAX_WEBHOOKS = 50


class WebhookObject(OpenEnum):
    CAMPAIGN_EMAIL = "campaign_email"
    CAMPAIGN_REPLY = "campaign_reply"
    CAMPAIGN_LI_REPLY = "campaign_li_reply"
    CAMPAIGN_LI = "campaign_li"
    COMPANY = "company"
    PROSPECT = "prospect"
    EMAIL_VERIFICATION = "email_verification"


class WebhookStatus(OpenEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"


@attrs.frozen
class Pipeline(SnovModel):
    id: int | None = None
    name: str | None = None
    deals_count: int | None = None
    deals_value: int | None = None
    created_at: str | None = None


@attrs.frozen
class Stage(SnovModel):
    id: int | None = None
    pipeline_id: int | None = None
    name: str | None = None
    order: int | None = None
    deals_count: int | None = None
    deals_value: int | None = None


@attrs.frozen
class Webhook(SnovModel):
    """A webhook subscription. The list answer says ``end_point``, the create request
    ``endpoint_url``: both fill `end_point`. ``user_id`` comes from the answer's ``meta`` of
    create and status changes (reference lines 3802, 3839)."""

    _aliases: ClassVar[Mapping[str, str]] = {"endpoint_url": "end_point", "endpoint": "end_point"}

    id: int | None = None
    end_point: str | None = None
    event_object: WebhookObject | None = None
    event_action: str | None = None
    created_at: int | None = None
    status: WebhookStatus | None = None
    user_id: int | None = None


@attrs.frozen
class WebhookList(SnovModel):
    webhooks: list[Webhook] = attrs.field(factory=list)
    webhooks_count: int = 0
    user_id: int | None = None
