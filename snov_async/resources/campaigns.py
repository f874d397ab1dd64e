"""Campaigns, content blocks and schedules (reference lines 1380-2566)."""

from __future__ import annotations

import builtins
import functools
import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

from .. import _validate
from .._convert import UNSET, Unset
from .._retry import CallKind
from ..errors import ValidationError
from ..models.campaigns import (
    Campaign,
    CampaignAction,
    CampaignCreate,
    CampaignSummary,
    ContentBlock,
    Email,
    Schedule,
    Sequence,
    check_deals,
)
from ._base import Resource, changed

__all__ = ["CampaignsResource"]


CAMPAIGN = "/v2/campaigns/{campaign_id}"
CONTENT = CAMPAIGN + "/steps/{step_id}/content"


def _campaign_path(campaign_id: int, tail: str = "") -> str:
    return _validate.path(CAMPAIGN + tail, campaign_id=campaign_id)


def _content_path(campaign_id: int, step_id: int | str, content_id: int) -> str:
    return _validate.path(
        CONTENT + "/{content_id}", campaign_id=campaign_id, step_id=step_id, content_id=content_id
    )


def _content_fields(fields: dict[str, Any]) -> None:
    """subject 1-1,000 characters, body 1-500,000 (HTML), plain_text a bool, usage
    active/pause."""
    if "subject" in fields:
        _validate.text(fields["subject"], "subject", max_len=_validate.MAX_SUBJECT)
    if "body" in fields:
        _validate.text(fields["body"], "body", max_len=_validate.MAX_BODY, multiline=True)
    if "plain_text" in fields:
        _validate.flag(fields["plain_text"], "plain_text")
    if "usage" in fields:
        _validate.one_of(fields["usage"], "usage", ("active", "pause"))


@functools.lru_cache(maxsize=1)
def _iana_zones() -> frozenset[str]:
    try:
        return frozenset(zoneinfo.available_timezones())
    except Exception:  # pragma: no cover - a platform without a time zone database
        return frozenset()


_ZONE_SHAPE = re.compile(r"(?:[A-Za-z][A-Za-z0-9_+\-]*)(?:/[A-Za-z0-9][A-Za-z0-9_+\-]*){0,2}")


def iana_timezone(value: Any, field: str = "timezone") -> str:
    """An IANA time zone identifier (``Region/City``, ``UTC``), or one of the reference's
    campaign zones. Where the platform has no time zone database, the identifier's shape is
    checked instead."""
    if isinstance(value, str) and 0 < len(value.strip()) <= 64:
        text = value.strip()
        zones = _iana_zones()
        if text in zones or text.replace(" ", "_") in zones:
            return text
        try:
            return _validate.timezone(text, field)  # the reference's table ("America/New York")
        except ValidationError:
            pass
        if not zones and _ZONE_SHAPE.fullmatch(text):
            return text
    raise ValidationError(
        f"{field} must be an IANA time zone such as America/New_York, or None (got {value!r})",
        field=field,
    )


class CampaignsResource(Resource):
    """``snov.campaigns``: drip campaigns, their sequences and content."""

    __slots__ = ()

    async def list(self, *, timeout: float | None = None) -> list[CampaignSummary]:
        """Every campaign of the user (and of their team, with permission).

        ``GET /v1/get-user-campaigns`` (reference line 1380). Free.
        """
        return await self._call(
            list[CampaignSummary], "GET", "/v1/get-user-campaigns", key=None, timeout=timeout
        )

    async def create(self, campaign: CampaignCreate, *, timeout: float | None = None) -> Campaign:
        """Create a campaign (status ``new``) from a checked `CampaignCreate`.

        ``POST /v2/campaigns/create`` (reference line 1415).
        """
        if not isinstance(campaign, CampaignCreate):
            raise ValidationError("campaign must be a CampaignCreate", field="campaign")
        return await self._call(
            Campaign, "POST", "/v2/campaigns/create", json=campaign.to_body(), timeout=timeout
        )

    async def get(self, campaign_id: int, *, timeout: float | None = None) -> Campaign:
        """One campaign with its sequence. ``GET /v2/campaigns/{id}`` (reference line 2143)."""
        return await self._call(Campaign, "GET", _campaign_path(campaign_id), timeout=timeout)

    async def update(
        self,
        campaign_id: int,
        *,
        title: str | Unset = UNSET,
        priority: str | Unset = UNSET,
        email_accounts: builtins.list[int] | Unset = UNSET,
        linkedin_accounts: builtins.list[int] | Unset = UNSET,
        tracking: dict[str, bool] | Unset = UNSET,
        sending_settings: dict[str, Any] | Unset = UNSET,
        recipients: dict[str, Any] | Unset = UNSET,
        schedule_id: int | Unset | None = UNSET,
        start_campaign_at: str | Unset = UNSET,
        complete_campaign_at: str | Unset = UNSET,
        timezone: str | Unset | None = UNSET,
        complete_campaign_after_last_step: bool | Unset = UNSET,
        archive_in_months: int | Unset = UNSET,
        provider_matching: bool | Unset = UNSET,
        deals: dict[str, Any] | Unset = UNSET,
        sequence: Sequence | Unset = UNSET,
        timeout: float | None = None,
    ) -> Campaign:
        """Change only the fields given; nested objects merge. Core fields (``recipients``,
        some ``sending_settings``) are writable only while the campaign is ``new``, and a
        ``sequence`` replaces the whole graph (the server refuses otherwise with a
        `ValidationError`); each email step that already exists (a numeric ``ref``) carries
        its ``content`` slots, copied from `get` (reference line 2282). ``timezone`` is any
        IANA identifier (``America/New_York``) or ``None`` (reference line 2243).
        ``PATCH /v2/campaigns/{id}`` (reference line 2231)."""
        path = _campaign_path(campaign_id)
        changes: dict[str, Any] = {
            "title": title,
            "priority": priority,
            "email_accounts": email_accounts,
            "linkedin_accounts": linkedin_accounts,
            "tracking": tracking,
            "sending_settings": sending_settings,
            "recipients": recipients,
            "schedule_id": schedule_id,
            "start_campaign_at": start_campaign_at,
            "complete_campaign_at": complete_campaign_at,
            "timezone": timezone,
            "complete_campaign_after_last_step": complete_campaign_after_last_step,
            "archive_in_months": archive_in_months,
            "provider_matching": provider_matching,
            "deals": deals,
            "sequence": sequence,
        }
        body = changed(changes)
        if "title" in body:
            _validate.text(body["title"], "title", max_len=_validate.MAX_TITLE)
        for field in ("email_accounts", "linkedin_accounts"):
            if field in body:
                body[field] = _validate.id_list(body[field], field)
        for field in ("tracking", "sending_settings", "recipients", "deals"):
            if body.get(field) is not None and not isinstance(body[field], Mapping):
                raise ValidationError(f"{field} must be a dict", field=field)
        for field in ("complete_campaign_after_last_step", "provider_matching"):
            if field in body:
                _validate.flag(body[field], field)
        if body.get("schedule_id") is not None:
            _validate.positive_id(body["schedule_id"], "schedule_id")
        if "sequence" in body and not isinstance(body["sequence"], Sequence):
            raise ValidationError("sequence must be a Sequence", field="sequence")
        if "priority" in body:
            _validate.one_of(body["priority"], "priority", ("low", "medium", "high"))
        if "archive_in_months" in body:
            _validate.one_of(body["archive_in_months"], "archive_in_months", (1, 2, 3, 6))
        for field in ("start_campaign_at", "complete_campaign_at"):
            if field in body:
                body[field] = _validate.datetime_text(body[field], field)
        if body.get("timezone") is not None:
            body["timezone"] = iana_timezone(body["timezone"])
        if body.get("deals") is not None:
            check_deals(body["deals"])
        if "sequence" in body:
            for step in body["sequence"].steps:
                if isinstance(step, Email) and step.ref.isdigit() and step.content is None:
                    raise ValidationError(
                        f"email step {step.ref} exists: give its content slots (from get())",
                        field=f"{step.ref}.content",
                    )
            body["sequence"] = body["sequence"].to_body()
        return await self._call(Campaign, "PATCH", path, json=body, timeout=timeout)

    async def action(
        self, campaign_id: int, action: CampaignAction | str, *, timeout: float | None = None
    ) -> None:
        """Move a campaign: ``start``, ``pause``, ``resume``, ``complete`` or ``archived``.
        A move the campaign's status does not allow raises `ValidationError` with the server's
        reason. ``POST /v2/campaigns/{id}/action`` (reference line 2383). Free."""
        value = getattr(action, "value", action)
        _validate.one_of(value, "action", [a.value for a in CampaignAction])
        path = _campaign_path(campaign_id, "/action")
        await self._request("POST", path, json={"action": value}, timeout=timeout)

    async def start(self, campaign_id: int, *, timeout: float | None = None) -> None:
        """`action` ``start``."""
        await self.action(campaign_id, CampaignAction.START, timeout=timeout)

    async def pause(self, campaign_id: int, *, timeout: float | None = None) -> None:
        """`action` ``pause``."""
        await self.action(campaign_id, CampaignAction.PAUSE, timeout=timeout)

    async def resume(self, campaign_id: int, *, timeout: float | None = None) -> None:
        """`action` ``resume``."""
        await self.action(campaign_id, CampaignAction.RESUME, timeout=timeout)

    async def complete(self, campaign_id: int, *, timeout: float | None = None) -> None:
        """`action` ``complete``."""
        await self.action(campaign_id, CampaignAction.COMPLETE, timeout=timeout)

    async def archive(self, campaign_id: int, *, timeout: float | None = None) -> None:
        """`action` ``archived``."""
        await self.action(campaign_id, CampaignAction.ARCHIVED, timeout=timeout)

    async def delete(self, campaign_id: int, *, timeout: float | None = None) -> None:
        """Delete a campaign (only ``new``, ``completed`` or ``archived`` ones).
        ``DELETE /v2/campaigns/{id}`` (reference line 2395)."""
        await self._request("DELETE", _campaign_path(campaign_id), timeout=timeout)

    async def schedules(self, *, timeout: float | None = None) -> builtins.list[Schedule]:
        """The sending schedules. ``GET /v2/campaigns/schedules`` (reference line 2407). Free."""
        return await self._call(
            builtins.list[Schedule], "GET", "/v2/campaigns/schedules", timeout=timeout
        )

    async def create_content(
        self,
        campaign_id: int,
        step_id: int | str,
        *,
        content_id: int,
        subject: str,
        body: str,
        plain_text: bool = False,
        usage: str = "active",
        timeout: float | None = None,
    ) -> ContentBlock:
        """Write (or overwrite) content block ``content_id`` of an email step; only while the
        campaign is new, paused or scheduled. ``subject`` 1-1,000 characters, ``body`` (HTML)
        1-500,000. ``POST .../content/create`` (line 2474). Free."""
        path = _validate.path(CONTENT + "/create", campaign_id=campaign_id, step_id=step_id)
        _validate.positive_id(content_id, "content_id")
        fields = {"subject": subject, "body": body, "plain_text": plain_text, "usage": usage}
        _content_fields(fields)
        payload = {
            "content_id": content_id,
            "subject": subject,
            "body": body,
            "plain_text": plain_text,
            "usage": usage,
        }
        return await self._call(
            ContentBlock,
            "POST",
            path,
            json=payload,
            kind=CallKind.IDEMPOTENT,  # overwriting the same block again is harmless,
            timeout=timeout,
        )

    async def get_content(
        self,
        campaign_id: int,
        step_id: int | str,
        content_id: int,
        *,
        timeout: float | None = None,
    ) -> ContentBlock:
        """A content block. ``GET .../content/{content_id}`` (reference line 2502). Free."""
        return await self._call(
            ContentBlock,
            "GET",
            _content_path(campaign_id, step_id, content_id),
            timeout=timeout,
        )

    async def update_content(
        self,
        campaign_id: int,
        step_id: int | str,
        content_id: int,
        *,
        subject: str | Unset = UNSET,
        body: str | Unset = UNSET,
        plain_text: bool | Unset = UNSET,
        usage: str | Unset = UNSET,
        timeout: float | None = None,
    ) -> ContentBlock:
        """Change some fields of a content block (at least one).
        ``PATCH .../content/{content_id}`` (reference line 2524). Free."""
        path = _content_path(campaign_id, step_id, content_id)
        changes = {"subject": subject, "body": body, "plain_text": plain_text, "usage": usage}
        given = changed(changes)
        _content_fields(given)
        return await self._call(ContentBlock, "PATCH", path, json=given, timeout=timeout)

    async def delete_content(
        self, campaign_id: int, step_id: int | str, content_id: int, *, timeout: float | None = None
    ) -> None:
        """Remove a content block (never the last one of a step).
        ``DELETE .../content/{content_id}`` (reference line 2552). Free."""
        await self._request(
            "DELETE", _content_path(campaign_id, step_id, content_id), timeout=timeout
        )
