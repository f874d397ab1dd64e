"""Prospects and prospect lists (reference lines 3238-3630)."""

from __future__ import annotations

import builtins
import logging
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from .. import _normalize, _validate
from .._convert import structure
from .._retry import CallKind
from ..errors import NotFoundError, ValidationError
from ..models.prospects import (
    CustomField,
    ListProspect,
    Prospect,
    ProspectAdded,
    ProspectListInfo,
    ProspectListPage,
)
from ._base import Resource, read_id, rows_of

__all__ = ["ProspectsResource"]

logger = logging.getLogger("snov_async")

MAX_PER_PAGE = 5000
#: Pages of a list, at most.
MAX_PAGE = 1_000_000
#: SDK limits where the reference sets none.
MAX_PHONES = 20
MAX_PHONE = 50
MAX_CUSTOM_FIELDS = 100
MAX_SOCIAL_LINKS = 10
MAX_PROSPECT_ID = 128
_PROSPECT_ID = re.compile(r"[A-Za-z0-9+/=_-]+")


def _text_map(value: Any, field: str, high: int, max_len: int) -> dict[str, str]:
    """A mapping of up to ``high`` names to strings of at most ``max_len`` characters."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(f"{field} must be a dict of names to strings", field=field)
    if len(value) > high:
        raise ValidationError(f"{field} holds at most {high} entries", field=field)
    out = {}
    for key, item in value.items():
        _validate.text(key, field, max_len=_validate.MAX_TITLE)
        out[key] = _validate.text(item, field, max_len=max_len, required=False)
    return out


class ProspectsResource(Resource):
    """``snov.prospects``: the people in your prospect lists."""

    __slots__ = ()

    async def add_to_list(
        self,
        list_id: int,
        *,
        email: str | None = None,
        linkedin: str | None = None,
        social_links: Mapping[str, str] | None = None,
        full_name: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        phones: Sequence[str] = (),
        country: str | None = None,
        locality: str | None = None,
        position: str | None = None,
        company_name: str | None = None,
        company_site: str | None = None,
        custom_fields: Mapping[str, str] | None = None,
        update_contact: bool = False,
        create_duplicates: bool = False,
        timeout: float | None = None,
    ) -> ProspectAdded:
        """Add a prospect to a list, by email or LinkedIn URL (one of them is required).
        ``update_contact`` and ``create_duplicates`` cannot both be true. Limits: names 100
        characters (``full_name`` 201), company name 255, URLs 2,048, other texts 1,000; up to
        20 ``phones`` of 50 characters, 100 ``custom_fields``, 10 ``social_links``.

        ``POST /v1/add-prospect-to-list`` (reference line 3238). Free. Not retried once sent
        (it could add the prospect twice); a failure then raises `OutcomeUnknownError`.
        """
        _validate.positive_id(list_id, "list_id")
        links = _text_map(social_links, "social_links", MAX_SOCIAL_LINKS, _validate.MAX_URL)
        if linkedin is not None:
            links["linkedIn"] = _validate.text(linkedin, "linkedin", max_len=_validate.MAX_URL)
        if email is None and not links.get("linkedIn"):
            raise ValidationError("give an email or a LinkedIn URL", field="email")
        clean_email = _normalize.email(email) if email is not None else None
        for field, value, high in (
            ("full_name", full_name, 2 * _validate.MAX_NAME + 1),
            ("first_name", first_name, _validate.MAX_NAME),
            ("last_name", last_name, _validate.MAX_NAME),
            ("country", country, _validate.MAX_TEXT),
            ("locality", locality, _validate.MAX_TEXT),
            ("position", position, _validate.MAX_TEXT),
            ("company_name", company_name, _validate.MAX_COMPANY),
            ("company_site", company_site, _validate.MAX_URL),
        ):
            if value is not None:
                _validate.text(value, field, max_len=high, required=False)
        phone_list = _validate.sized(phones, "phones", high=MAX_PHONES)
        for phone in phone_list:
            _validate.text(phone, "phones", max_len=MAX_PHONE)
        fields = _text_map(custom_fields, "custom_fields", MAX_CUSTOM_FIELDS, _validate.MAX_TEXT)
        _validate.flag(update_contact, "update_contact")
        _validate.flag(create_duplicates, "create_duplicates")
        if update_contact and create_duplicates:
            raise ValidationError(
                "update_contact and create_duplicates cannot both be true", field="update_contact"
            )
        form: dict[str, Any] = {
            "listId": list_id,
            "email": clean_email,
            "fullName": full_name,
            "firstName": first_name,
            "lastName": last_name,
            "phones": phone_list or None,
            "country": country,
            "locality": locality,
            "position": position,
            "companyName": company_name,
            "companySite": company_site,
            "socialLinks": links or None,
            "customFields": fields or None,
            # Sent as the reference's snippets send them: 1 (reference lines 3256-3257).
            "updateContact": 1 if update_contact else None,
            "createDuplicates": 1 if create_duplicates else None,
        }
        return await self._call(
            ProspectAdded,
            "POST",
            "/v1/add-prospect-to-list",
            key=None,
            form=form,
            timeout=timeout,
        )

    async def get(self, prospect_id: str, *, timeout: float | None = None) -> Prospect:
        """A prospect by id. ``POST /v1/get-prospect-by-id`` (reference line 3271). Free."""
        _validate.text(prospect_id, "prospect_id", max_len=MAX_PROSPECT_ID)
        if not _PROSPECT_ID.fullmatch(prospect_id):
            raise ValidationError(
                "prospect_id must be letters, digits, '+', '/', '_', '-' or '='",
                field="prospect_id",
            )
        return await self._call(
            Prospect,
            "POST",
            "/v1/get-prospect-by-id",
            form={"id": prospect_id},
            kind=CallKind.IDEMPOTENT,
            timeout=timeout,
        )

    async def find_by_email(
        self, email: str, *, timeout: float | None = None
    ) -> builtins.list[Prospect]:
        """Every prospect with this email; ``[]`` when there is none.

        Not found is an answer, not an error: the live API says so with ``{"success": false,
        "errors": "Prospect with email '...' not found"}`` (a string, not a list), which
        returns ``[]``; the server's message is logged at DEBUG on the ``snov_async`` logger.
        ``POST /v1/get-prospects-by-email`` (line 3362).
        """
        path = "/v1/get-prospects-by-email"
        try:
            payload = await self._request(
                "POST",
                path,
                form={"email": _normalize.email(email)},
                kind=CallKind.IDEMPOTENT,
                timeout=timeout,
            )
        except NotFoundError as err:
            if not err.answer:
                raise
            logger.debug("%s: nothing found (server: %s)", path, "; ".join(err.messages))
            return []
        return structure(rows_of(payload), builtins.list[Prospect], what=f"POST {path}")

    async def custom_fields(self, *, timeout: float | None = None) -> builtins.list[CustomField]:
        """Your custom prospect fields. ``GET /v1/prospect-custom-fields`` (line 3455). Free."""
        return await self._call(
            builtins.list[CustomField],
            "GET",
            "/v1/prospect-custom-fields",
            key=None,
            timeout=timeout,
        )

    async def lists(self, *, timeout: float | None = None) -> builtins.list[ProspectListInfo]:
        """Your prospect lists. ``GET /v1/get-user-lists`` (reference line 3485). Free."""
        return await self._call(
            builtins.list[ProspectListInfo],
            "GET",
            "/v1/get-user-lists",
            key=None,
            timeout=timeout,
        )

    async def list_page(
        self,
        list_id: int,
        page: int = 1,
        *,
        per_page: int = 100,
        timeout: float | None = None,
    ) -> ProspectListPage:
        """One page of a list's prospects, newest first (``per_page`` <= 5000).
        ``POST /v1/prospect-list`` (reference line 3543). Free."""
        _validate.positive_id(list_id, "list_id")
        _validate.integer(page, "page", 1, MAX_PAGE)
        _validate.integer(per_page, "per_page", 1, MAX_PER_PAGE)
        return await self._call(
            ProspectListPage,
            "POST",
            "/v1/prospect-list",
            key=None,
            form={"listId": list_id, "page": page, "perPage": per_page},
            kind=CallKind.IDEMPOTENT,
            timeout=timeout,
        )

    async def iter_list(
        self, list_id: int, *, per_page: int = MAX_PER_PAGE
    ) -> AsyncIterator[ListProspect]:
        """Every prospect of a list, page after page until a short page."""
        page = 1
        while True:
            current = await self.list_page(list_id, page, per_page=per_page)
            for prospect in current.prospects:
                yield prospect
            if len(current.prospects) < per_page:
                return
            page += 1

    async def create_list(self, name: str, *, timeout: float | None = None) -> int | None:
        """Create a prospect list; returns its id (``None`` if the answer names none).
        ``POST /v1/lists`` (line 3616). Free."""
        _validate.text(name, "name", max_len=_validate.MAX_TITLE)
        payload = await self._request("POST", "/v1/lists", form={"name": name}, timeout=timeout)
        return read_id(payload)
