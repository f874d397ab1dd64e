"""Campaign recipients and do-not-email lists (reference lines 2566-2691)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import _normalize, _validate
from .._retry import CallKind
from ..errors import ValidationError
from ..models.recipients import DoNotEmailList, FinishedProspect, RecipientCheck
from ._base import Resource

__all__ = ["RecipientsResource"]

RECIPIENT_STATUSES = ("Active", "Paused", "Unsubscribed")


class RecipientsResource(Resource):
    """``snov.recipients``: who a campaign sends to, and who it must not."""

    __slots__ = ()

    async def check(
        self, campaign_id: int, emails: Sequence[str], *, timeout: float | None = None
    ) -> list[RecipientCheck]:
        """Whether each email is a recipient of the campaign, and its status: 1 to 100 unique
        emails of at most 100 characters. ``GET /v2/campaigns/{id}/recipient`` (line 2567).
        Free."""
        _validate.integer(campaign_id, "campaign_id", 1)
        if isinstance(emails, str) or not 1 <= len(emails) <= 100:
            raise ValidationError("give 1 to 100 emails", field="emails")
        if len({e.strip().lower() for e in emails}) != len(emails):
            raise ValidationError("emails must be unique", field="emails")
        for email in emails:
            if len(email) > 100:
                raise ValidationError("an email is longer than 100 characters", field="emails")
        return await self._call(
            list[RecipientCheck],
            "GET",
            f"/v2/campaigns/{campaign_id}/recipient",
            params={"emails": [e.strip() for e in emails]},
            timeout=timeout,
        )

    async def change_status(
        self, campaign_id: int, email: str, status: str, *, timeout: float | None = None
    ) -> None:
        """Set a recipient's status to ``Active``, ``Paused`` or ``Unsubscribed`` (not for
        finished or moved ones). ``POST /v1/change-recipient-status`` (line 2622). Free."""
        _validate.integer(campaign_id, "campaign_id", 1)
        _validate.one_of(status, "status", RECIPIENT_STATUSES)
        await self._request(
            "POST",
            "/v1/change-recipient-status",
            form={"email": _normalize.email(email), "campaign_id": campaign_id, "status": status},
            kind=CallKind.IDEMPOTENT,
            timeout=timeout,
        )

    async def finished(
        self, campaign_id: int, *, timeout: float | None = None
    ) -> list[FinishedProspect]:
        """Prospects who finished the campaign. ``GET /v1/prospect-finished`` (line 2633)."""
        _validate.integer(campaign_id, "campaign_id", 1)
        return await self._call(
            list[FinishedProspect],
            "GET",
            "/v1/prospect-finished",
            key=None,
            params={"campaignId": campaign_id},
            timeout=timeout,
        )

    async def add_to_do_not_email(
        self, list_id: int, items: Sequence[str], *, timeout: float | None = None
    ) -> list[str]:
        """Add emails or domains to a do-not-email list; returns those that were already in
        it. ``POST /v1/do-not-email-list`` (reference line 2654). Free."""
        _validate.integer(list_id, "list_id", 1)
        if isinstance(items, str) or not items:
            raise ValidationError("give at least one email or domain", field="items")
        clean = []
        for item in items:
            text = item.strip().lower()
            if "@" in text:
                clean.append(_normalize.email(text, "items"))
            else:
                clean.append(_normalize.domain(text, "items"))
        payload = await self._request(
            "POST",
            "/v1/do-not-email-list",
            form={"items": clean, "listId": list_id},
            kind=CallKind.IDEMPOTENT,
            timeout=timeout,
        )
        first = payload[0] if isinstance(payload, list) and payload else payload
        return list(first.get("data", {}).get("duplicates", [])) if isinstance(first, dict) else []

    async def do_not_email_lists(self, *, timeout: float | None = None) -> list[DoNotEmailList]:
        """Every do-not-email list. ``GET /v2/blacklists`` (reference line 2670). Free."""
        return await self._call(list[DoNotEmailList], "GET", "/v2/blacklists", timeout=timeout)
