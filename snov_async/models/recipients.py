"""Models of campaign recipients, do-not-email lists and analytics (reference lines
2566-3237)."""

from __future__ import annotations

from typing import Any

import attrs

from .common import OpenEnum, SnovModel

__all__ = [
    "CampaignAnalytics",
    "CampaignProgress",
    "DoNotEmailList",
    "EmailEvent",
    "FinishedProspect",
    "PhpDate",
    "RecipientActivity",
    "RecipientCheck",
    "RecipientStatus",
    "Reply",
    "ReplyMessage",
    "SentEmail",
]


class RecipientStatus(OpenEnum):
    """A recipient's state in a campaign (reference line 2600)."""

    TOCHECK = "tocheck"
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"
    UNSUBSCRIBE = "unsubscribe"
    MOVED = "moved"


@attrs.frozen
class RecipientCheck(SnovModel):
    email: str | None = None
    exist: bool = False
    status: RecipientStatus | None = None


@attrs.frozen
class FinishedProspect(SnovModel):
    id: str | None = None
    prospect_id: str | None = None
    user_name: str | None = None
    user_email: str | None = None
    campaign: str | None = None
    hash: str | None = None


@attrs.frozen
class DoNotEmailList(SnovModel):
    id: int | None = None
    name: str | None = None
    owner: str | None = None
    total: int | None = None


@attrs.frozen
class CampaignAnalytics(SnovModel):
    """``GET /v2/statistics/campaign-analytics`` (reference line 2692): every counter, and
    each rate as the API writes it (``"70%"``)."""

    total_contacted: int | None = None
    emails_sent: int | None = None
    first_emails: int | None = None
    first_emails_rate: str | None = None
    follow_ups: int | None = None
    follow_ups_rate: str | None = None
    delivered: int | None = None
    delivered_rate: str | None = None
    bounced: int | None = None
    bounced_rate: str | None = None
    contacted_by_email: int | None = None
    email_opens: int | None = None
    email_opens_rate: str | None = None
    link_clicks: int | None = None
    link_clicks_rate: str | None = None
    email_replies: int | None = None
    email_replies_rate: str | None = None
    unsubscribed: int | None = None
    unsubscribed_rate: str | None = None
    auto_replied: int | None = None
    auto_replied_rate: str | None = None
    contacted_by_linkedin: int | None = None
    linkedin_total_replies: int | None = None
    linkedin_total_replies_rate: str | None = None
    connection_request_replies: int | None = None
    connection_request_replies_rate: str | None = None
    message_replies: int | None = None
    message_replies_rate: str | None = None
    in_mail_replies: int | None = None
    in_mail_replies_rate: str | None = None
    connection_requests: int | None = None
    accepted_requests: int | None = None
    accepted_requests_rate: str | None = None
    failed_connection_requests: int | None = None
    messages_sent: int | None = None
    linkedin_views: int | None = None
    linkedin_likes: int | None = None
    linkedin_follows: int | None = None
    in_mail_sent: int | None = None
    interested: int | None = None
    interested_rate: str | None = None
    maybe: int | None = None
    maybe_rate: str | None = None
    not_interested: int | None = None
    not_interested_rate: str | None = None


@attrs.frozen
class CampaignProgress(SnovModel):
    status: str | None = None
    unfinished: int | None = None
    progress: str | None = None


@attrs.frozen
class RecipientActivity(SnovModel):
    """One event of ``recipients-activity`` (sent, open, click, reply, bounce, unsubscribe)."""

    event_time: str | None = None
    event_type: str | None = None
    sender_email: str | None = None
    email_subject: str | None = None
    recipient_email: str | None = None
    recipient_name: str | None = None
    phone: str | None = None
    industry: str | None = None
    country: str | None = None
    location: str | None = None
    company: str | None = None
    job_position: str | None = None
    hq_phone: str | None = None
    website: str | None = None


@attrs.frozen
class PhpDate(SnovModel):
    """v1 dates: ``{"date": "2020-07-06 06:58:10.000000", "timezone": "UTC", ...}``."""

    date: str | None = None
    timezone_type: int | None = None
    timezone: str | None = None


@attrs.frozen
class SentEmail(SnovModel):
    sent_date: PhpDate | None = None
    user_name: str | None = None
    user_email: str | None = None
    campaign: str | None = None
    hash: str | None = None
    id: str | None = None


@attrs.frozen
class EmailEvent(SnovModel):
    """An opened, clicked or replied email (v1 event lists; reference lines 3032-3059,
    3073-3100, 3201-3229). ``customField_*`` keys stay in ``extra``."""

    visited_at: PhpDate | None = None
    campaign_id: int | None = None
    campaign: str | None = None
    prospect_id: str | None = None
    prospect_first_name: str | None = None
    prospect_last_name: str | None = None
    prospect_name: str | None = None
    prospect_email: str | None = None
    source_page: str | None = None
    source: str | None = None
    hash: str | None = None
    email_subject: str | None = None
    email_body: str | None = None
    custom_fields: Any = None
    id: str | int | None = None
    locality: str | None = None
    industry: str | None = None
    country: str | None = None
    #: ``""`` in the reference's examples; a list where the prospect has skills.
    skills: str | list[str] | None = None
    links: list[Any] | dict[str, Any] | str | None = None


@attrs.frozen
class ReplyMessage(SnovModel):
    subject: str | None = None
    message: str | None = None
    received_at: str | None = None


@attrs.frozen
class Reply(SnovModel):
    """One entry of ``all-replies``: email and LinkedIn replies of one prospect."""

    campaign_id: int | None = None
    campaign: str | None = None
    prospect_id: str | None = None
    prospect_name: str | None = None
    prospect_email: str | None = None
    linked_in_profile: str | None = None
    reply_type: str | None = None
    received_at: str | None = None
    replies: list[ReplyMessage] = attrs.field(factory=list)
