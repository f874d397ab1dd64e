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
#: Emails per `RecipientsResource.check` call, and characters per email (reference).
MAX_CHECK = 100
MAX_CHECK_LENGTH = 100
#: Emails or domains per `RecipientsResource.add_to_do_not_email` call (an SDK limit).
MAX_DNE_ITEMS = 1000


class RecipientsResource(Resource):
    """``snov.recipients``: who a campaign sends to, and who it must not."""

    __slots__ = ()

    async def check(
        self, campaign_id: int, emails: Sequence[str], *, timeout: float | None = None
    ) -> list[RecipientCheck]:
        """Whether each email is a recipient of the campaign, and its status: 1 to 100 unique
        well-formed emails of at most 100 characters (sent trimmed and lower-cased).
        ``GET /v2/campaigns/{id}/recipient`` (line 2567). Free."""
        path = _validate.path("/v2/campaigns/{campaign_id}/recipient", campaign_id=campaign_id)
        clean = []
        for n, email in enumerate(_validate.sized(emails, "emails", low=1, high=MAX_CHECK)):
            try:
                clean.append(_normalize.email(email, "emails"))
            except ValidationError as err:
                raise ValidationError(f"emails[{n}]: {err.message}", field="emails") from None
            if len(clean[-1]) > MAX_CHECK_LENGTH:
                raise ValidationError(
                    f"emails[{n}] is longer than {MAX_CHECK_LENGTH} characters", field="emails"
                )
        if len(set(clean)) != len(clean):
            raise ValidationError("emails must be unique", field="emails")
        return await self._call(
            list[RecipientCheck], "GET", path, params={"emails": clean}, timeout=timeout
        )

    async def change_status(
        self, campaign_id: int, email: str, status: str, *, timeout: float | None = None
    ) -> None:
        """Set a recipient's status to ``Active``, ``Paused`` or ``Unsubscribed`` (not for
        finished or moved ones). ``POST /v1/change-recipient-status`` (line 2622). Free."""
        _validate.positive_id(campaign_id, "campaign_id")
        _validate.one_of(status, "status", RECIPIENT_STATUSES)
        clean = _normalize.email(email)
        await self._request(
            "POST",
            "/v1/change-recipient-status",
            form={"email": clean, "campaign_id": campaign_id, "status": status},
            kind=CallKind.IDEMPOTENT,
            timeout=timeout,
        )

    async def finished(
        self, campaign_id: int, *, timeout: float | None = None
    ) -> list[FinishedProspect]:
        """Prospects who finished the campaign. ``GET /v1/prospect-finished`` (line 2633)."""
        _validate.positive_id(campaign_id, "campaign_id")
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
        it: 1 to 1,000 items per call. ``POST /v1/do-not-email-list`` (reference line 2654).
        Free."""
        _validate.positive_id(list_id, "list_id")
        clean = []
        for n, item in enumerate(_validate.sized(items, "items", low=1, high=MAX_DNE_ITEMS)):
            try:
                if isinstance(item, str) and "@" in item:
                    clean.append(_normalize.email(item, "items"))
                else:
                    clean.append(_normalize.domain(item, "items"))
            except ValidationError as err:
                raise ValidationError(f"items[{n}]: {err.message}", field="items") from None
        payload = await self._request(
            "POST",
            "/v1/do-not-email-list",
            form={"items": clean, "listId": list_id},
            kind=CallKind.IDEMPOTENT,
            timeout=timeout,
        )
        first = payload[0] if isinstance(payload, list) and payload else payload
        data = first.get("data") if isinstance(first, dict) else None
        duplicates = data.get("duplicates") if isinstance(data, dict) else None
        return (
            [str(d) for d in duplicates if isinstance(d, (str, int)) and not isinstance(d, bool)]
            if isinstance(duplicates, list)
            else []
        )

    async def do_not_email_lists(self, *, timeout: float | None = None) -> list[DoNotEmailList]:
        """Every do-not-email list. ``GET /v2/blacklists`` (reference line 2670). Free."""
        return await self._call(list[DoNotEmailList], "GET", "/v2/blacklists", timeout=timeout)
