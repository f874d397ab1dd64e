"""Warm-ups (reference lines 1072-1380)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from .. import _validate
from .._convert import UNSET, Unset, structure, to_body
from ..errors import ValidationError
from ..models.warmup import (
    WarmUp,
    WarmUpCreate,
    WarmUpPage,
    WarmUpStatistics,
    WarmUpStatus,
    check_warmup_fields,
)
from ._base import Resource, changed, read_id, rows_of, section

__all__ = ["WarmUpResource"]

PATH = "/v2/warm-up"
PER_PAGE = (20, 50, 100)
LIST_STATUSES = ("active", "paused", "completed", "error")
#: Pages of warm-ups, at most.
MAX_PAGE = 100_000


def _path(warmup_id: int) -> str:
    return _validate.path(PATH + "/{warmup_id}", warmup_id=warmup_id)


class WarmUpResource(Resource):
    """``snov.warmup``: sender reputation warm-ups."""

    __slots__ = ()

    async def create(self, warmup: WarmUpCreate, *, timeout: float | None = None) -> int | None:
        """Create and start a warm-up; returns its id (``None`` if the answer names none). The
        body is checked when
        `WarmUpCreate` is made. ``POST /v2/warm-up`` (reference line 1072)."""
        if not isinstance(warmup, WarmUpCreate):
            raise ValidationError("warmup must be a WarmUpCreate", field="warmup")
        payload = await self._request("POST", PATH, json=to_body(warmup), timeout=timeout)
        return read_id(payload)

    async def page(
        self,
        page: int = 1,
        *,
        per_page: int = 20,
        status: WarmUpStatus | str | None = None,
        timeout: float | None = None,
    ) -> WarmUpPage:
        """One page of warm-ups (``per_page`` 20, 50 or 100), optionally of one status.

        ``GET /v2/warm-up`` (reference line 1101). Free.
        """
        _validate.integer(page, "page", 1, MAX_PAGE)
        _validate.one_of(per_page, "per_page", PER_PAGE)
        if status is not None:
            _validate.one_of(status, "status", LIST_STATUSES)
        params = {"page": page, "per_page": per_page, "status": getattr(status, "value", status)}
        payload = await self._request("GET", PATH, params=params, timeout=timeout)
        return structure({**section(payload, "meta"), "items": rows_of(payload)}, WarmUpPage)

    async def iter(
        self, *, per_page: int = 100, status: WarmUpStatus | str | None = None
    ) -> AsyncIterator[WarmUp]:
        """Every warm-up, page after page, until the last page."""
        page = 1
        while True:
            current = await self.page(page, per_page=per_page, status=status)
            for item in current.items:
                yield item
            if page >= current.total_pages or not current.items:
                return
            page += 1

    async def get(self, warmup_id: int, *, timeout: float | None = None) -> WarmUp:
        """One warm-up. ``GET /v2/warm-up/{id}`` (reference line 1160). Free."""
        return await self._call(WarmUp, "GET", _path(warmup_id), timeout=timeout)

    async def update(
        self,
        warmup_id: int,
        *,
        status: WarmUpStatus | str | Unset = UNSET,
        strategy: str | Unset = UNSET,
        per_day: int | Unset = UNSET,
        from_: int | Unset = UNSET,
        increase: int | Unset = UNSET,
        email_content: str | Unset = UNSET,
        subject: str | Unset = UNSET,
        body: str | Unset = UNSET,
        reply_rate: int | Unset = UNSET,
        campaign_deadline: str | Unset = UNSET,
        make_endless: bool | Unset = UNSET,
        providers: list[str] | Unset = UNSET,
        send_to_paid_domain: bool | Unset = UNSET,
        enable_ctd: bool | Unset = UNSET,
        enable_proxy: bool | Unset = UNSET,
        schedule_id: int | Unset = UNSET,
        template_name: str | Unset = UNSET,
        timeout: float | None = None,
    ) -> int | None:
        """Change only the fields given (``status``: active, paused, completed or deleted;
        ``from_`` 1-10 here). ``PATCH /v2/warm-up/{id}`` (reference line 1235)."""
        path = _path(warmup_id)
        changes: dict[str, Any] = {
            "status": status,
            "strategy": strategy,
            "per_day": per_day,
            "from": from_,
            "increase": increase,
            "email_content": email_content,
            "subject": subject,
            "body": body,
            "reply_rate": reply_rate,
            "campaign_deadline": campaign_deadline,
            "make_endless": make_endless,
            "providers": providers,
            "send_to_paid_domain": send_to_paid_domain,
            "enable_ctd": enable_ctd,
            "enable_proxy": enable_proxy,
            "schedule_id": schedule_id,
            "template_name": template_name,
        }
        given = changed(changes)
        for field, value in given.items():
            if value is None:
                raise ValidationError(f"{field} cannot be None", field=field)
        if "status" in given:
            _validate.one_of(
                given["status"], "status", ("active", "paused", "completed", "deleted")
            )
        check_warmup_fields(given, creating=False)
        payload = await self._request("PATCH", path, json=to_body(given), timeout=timeout)
        return read_id(payload)

    async def delete(self, warmup_id: int, *, timeout: float | None = None) -> int | None:
        """Delete a warm-up. ``DELETE /v2/warm-up/{id}`` (reference line 1266)."""
        payload = await self._request("DELETE", _path(warmup_id), timeout=timeout)
        return read_id(payload)

    async def statistics(
        self,
        warmup_id: int,
        *,
        period: str | None = None,
        date_from: Any = None,
        date_to: Any = None,
        timeout: float | None = None,
    ) -> WarmUpStatistics:
        """Daily, per-provider and overall statistics for ``period`` (``two_weeks`` or
        ``month``) or for ``date_from``..``date_to`` (YYYY-MM-DD or dates).

        ``GET /v2/warm-up/statistics/{id}`` (reference line 1280). Free.
        """
        path = _validate.path(PATH + "/statistics/{warmup_id}", warmup_id=warmup_id)
        params: dict[str, Any] = {}
        if period is not None:
            if date_from is not None or date_to is not None:
                raise ValidationError(
                    "give period, or date_from and date_to, not both", field="period"
                )
            params["period"] = _validate.one_of(period, "period", ("two_weeks", "month"))
        else:
            if date_from is None or date_to is None:
                raise ValidationError("give period, or both date_from and date_to", field="period")
            params["date_from"] = _validate.date(date_from, "date_from")
            params["date_to"] = _validate.date(date_to, "date_to")
            if params["date_to"] < params["date_from"]:
                raise ValidationError("date_to must not be before date_from", field="date_to")
        return await self._call(WarmUpStatistics, "GET", path, params=params, timeout=timeout)
