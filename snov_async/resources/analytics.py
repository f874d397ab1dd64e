"""Campaign analytics and event lists (reference lines 2692-3237), as lazy iterators."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Sequence
from typing import Any, TypeVar

from .. import _normalize, _validate
from .._convert import structure
from ..errors import ValidationError
from ..models.recipients import (
    CampaignAnalytics,
    CampaignProgress,
    EmailEvent,
    RecipientActivity,
    Reply,
    SentEmail,
)
from ._base import Resource, rows_of, section

__all__ = ["AnalyticsResource"]

T = TypeVar("T")
V1_PAGE = 10_000
MAX_WINDOW_DAYS = 31


def _day(value: Any, field: str) -> datetime.date:
    return datetime.date.fromisoformat(_validate.date(value, field))


def _ids(values: Any, field: str) -> str | None:
    """Up to 100 ids as the comma list the API takes (``None`` when empty)."""
    return ",".join(str(v) for v in _validate.id_list(values, field)) or None


def _owners(values: Any) -> str | None:
    """Up to 100 owner emails as a comma list (a single string is one email)."""
    if isinstance(values, str):
        values = [values]
    items = _validate.sized(values, "owners", high=_validate.MAX_IDS)
    return ",".join(_normalize.email(v, "owners") for v in items) or None


def _flag(value: Any) -> bool:
    """``has_more`` as the API may write it: ``true``, ``1``, ``"true"``."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return value is True or (isinstance(value, int) and value == 1)


def windows(start: datetime.date, end: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """Split ``start``..``end`` (inclusive) into ranges of at most 31 days apart."""
    out = []
    while start <= end:
        stop = min(end, start + datetime.timedelta(days=MAX_WINDOW_DAYS))
        out.append((start, stop))
        start = stop + datetime.timedelta(days=1)
    return out


class AnalyticsResource(Resource):
    """``snov.analytics``: how campaigns perform."""

    __slots__ = ()

    async def campaign_analytics(
        self,
        date_from: Any,
        date_to: Any,
        *,
        campaign_ids: Sequence[int] = (),
        sender_emails: Sequence[int] = (),
        sender_linkedins: Sequence[int] = (),
        owners: Sequence[str] = (),
        timeout: float | None = None,
    ) -> CampaignAnalytics:
        """Counters and rates of campaigns in a period (all active campaigns by default).
        Each filter takes up to 100 ids (``owners``: up to 100 emails).
        ``GET /v2/statistics/campaign-analytics`` (reference line 2692). Free."""
        start, end = _day(date_from, "date_from"), _day(date_to, "date_to")
        if end < start:
            raise ValidationError("date_to must not be before date_from", field="date_to")
        params = {
            "date_from": start.isoformat(),
            "date_to": end.isoformat(),
            "campaign_id": _ids(campaign_ids, "campaign_ids"),
            "sender_email": _ids(sender_emails, "sender_emails"),
            "sender_linkedin": _ids(sender_linkedins, "sender_linkedins"),
            "campaign_owner": _owners(owners),
        }
        return await self._call(
            CampaignAnalytics,
            "GET",
            "/v2/statistics/campaign-analytics",
            key=None,
            params=params,
            timeout=timeout,
        )

    async def progress(self, campaign_id: int, *, timeout: float | None = None) -> CampaignProgress:
        """Status, unfinished recipients and progress of a campaign.
        ``GET /v2/campaigns/{id}/progress`` (reference line 2843). Free."""
        path = _validate.path("/v2/campaigns/{campaign_id}/progress", campaign_id=campaign_id)
        return await self._call(CampaignProgress, "GET", path, key=None, timeout=timeout)

    async def recipients_activity(
        self,
        campaign_id: int,
        date_from: Any,
        date_to: Any,
        *,
        page_size: int = 1000,
        timeout: float | None = None,
    ) -> AsyncIterator[RecipientActivity]:
        """Every recipient event between two dates (inclusive, UTC). Ranges longer than the
        API's 31 days are split into windows, and each window is paged (``offset``/``limit``
        <= 1000) until ``has_more`` is false.
        ``GET /v2/campaigns/{id}/recipients-activity`` (reference line 2885). Free."""
        path = _validate.path(
            "/v2/campaigns/{campaign_id}/recipients-activity", campaign_id=campaign_id
        )
        _validate.integer(page_size, "page_size", 1, 1000)
        start, end = _day(date_from, "date_from"), _day(date_to, "date_to")
        if end < start:
            raise ValidationError("date_to must not be before date_from", field="date_to")
        for low, high in windows(start, end):
            offset = 0
            while True:
                params = {
                    "dateFrom": low.isoformat(),
                    "dateTo": high.isoformat(),
                    "offset": offset,
                    "limit": page_size,
                }
                payload = await self._request("GET", path, params=params, timeout=timeout)
                rows = rows_of(payload)
                for row in rows:
                    yield structure(row, RecipientActivity)
                more = _flag(section(payload, "pagination").get("has_more"))
                if not more or not rows:
                    break
                offset += len(rows)

    async def _v1_pages(self, path: str, campaign_id: int, model: type[T]) -> AsyncIterator[T]:
        _validate.positive_id(campaign_id, "campaign_id")
        offset = 0
        while True:
            payload = await self._request(
                "GET", path, params={"campaignId": campaign_id, "offset": offset}
            )
            rows = rows_of(payload)
            for row in rows:
                yield structure(row, model)
            if len(rows) < V1_PAGE:
                return
            offset += len(rows)

    def emails_sent(self, campaign_id: int) -> AsyncIterator[SentEmail]:
        """Every email sent by a campaign (10,000 per request).
        ``GET /v1/emails-sent`` (reference line 2990). Free."""
        return self._v1_pages("/v1/emails-sent", campaign_id, SentEmail)

    def emails_opened(self, campaign_id: int) -> AsyncIterator[EmailEvent]:
        """Every opened email. ``GET /v1/get-emails-opened`` (reference line 3027). Free."""
        return self._v1_pages("/v1/get-emails-opened", campaign_id, EmailEvent)

    def emails_clicked(self, campaign_id: int) -> AsyncIterator[EmailEvent]:
        """Every clicked email. ``GET /v1/get-emails-clicked`` (reference line 3068). Free."""
        return self._v1_pages("/v1/get-emails-clicked", campaign_id, EmailEvent)

    def email_replies(self, campaign_id: int) -> AsyncIterator[EmailEvent]:
        """Every email reply. ``GET /v1/get-emails-replies`` (reference line 3196). Free."""
        return self._v1_pages("/v1/get-emails-replies", campaign_id, EmailEvent)

    async def all_replies(
        self, campaign_id: int, *, timeout: float | None = None
    ) -> AsyncIterator[Reply]:
        """Every reply, email and LinkedIn, paged by ``offset`` until an empty page.
        ``GET /v2/campaigns/{id}/all-replies`` (reference line 3111). Free."""
        path = _validate.path("/v2/campaigns/{campaign_id}/all-replies", campaign_id=campaign_id)
        offset = 0
        while True:
            payload = await self._request("GET", path, params={"offset": offset}, timeout=timeout)
            rows = rows_of(payload)
            if not rows:
                return
            for row in rows:
                yield structure(row, Reply)
            offset += len(rows)
