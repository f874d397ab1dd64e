"""Sender (email) accounts (reference lines 851-1071)."""

from __future__ import annotations

from typing import Any

from .. import _validate
from .._convert import UNSET, Unset, to_body
from .._retry import CallKind
from ..errors import ValidationError
from ..models.senders import (
    ConnectionSettings,
    SenderAccount,
    SenderAccountCreate,
    SenderAccountSummary,
    SenderStatus,
    check_sender_fields,
)
from ._base import Resource, changed

__all__ = ["SendersResource"]

PATH = "/v2/sender-accounts/emails"
#: The fields an update clears with ``None``.
CLEARABLE = ("reply_to", "signature", "bcc_email", "tags")


class _Changes:
    """Attribute view of update keyword arguments, for the shared field checks."""

    def __init__(self, changes: dict[str, Any]) -> None:
        self.__dict__.update(changes)


class SendersResource(Resource):
    """``snov.senders``: the SMTP/IMAP accounts campaigns send from."""

    __slots__ = ()

    async def create(
        self, account: SenderAccountCreate, *, timeout: float | None = None
    ) -> SenderAccount:
        """Connect a new SMTP/IMAP sender account; its connection check runs asynchronously
        (see `check_status`). The body is checked when `SenderAccountCreate` is made.

        ``POST /v2/sender-accounts/emails`` (reference line 851). Free.
        """
        if not isinstance(account, SenderAccountCreate):
            raise ValidationError("account must be a SenderAccountCreate", field="account")
        return await self._call(SenderAccount, "POST", PATH, json=to_body(account), timeout=timeout)

    async def update(
        self,
        sender_id: int,
        *,
        sender_name: str | Unset = UNSET,
        email_from: str | Unset = UNSET,
        password: str | Unset = UNSET,
        smtp: ConnectionSettings | Unset = UNSET,
        imap: ConnectionSettings | Unset = UNSET,
        reply_to: str | Unset | None = UNSET,
        limitation: int | Unset = UNSET,
        delay_type: str | Unset = UNSET,
        delay_fixed: int | Unset = UNSET,
        delay_from: int | Unset = UNSET,
        delay_to: int | Unset = UNSET,
        signature: str | Unset | None = UNSET,
        bcc_email: str | Unset | None = UNSET,
        tags: list[str] | Unset | None = UNSET,
        timezone_id: int | Unset = UNSET,
        timeout: float | None = None,
    ) -> SenderAccount:
        """Change only the fields given. ``None`` clears ``reply_to``, ``signature``,
        ``bcc_email`` and ``tags``; ``tags`` replaces the whole list. New SMTP/IMAP settings
        trigger a new connection check.

        ``PATCH /v2/sender-accounts/emails/{id}`` (reference line 920). Free.
        """
        path = _validate.path(PATH + "/{sender_id}", sender_id=sender_id)
        changes: dict[str, Any] = {
            "sender_name": sender_name,
            "email_from": email_from,
            "password": password,
            "smtp": smtp,
            "imap": imap,
            "reply_to": reply_to,
            "limitation": limitation,
            "delay_type": delay_type,
            "delay_fixed": delay_fixed,
            "delay_from": delay_from,
            "delay_to": delay_to,
            "signature": signature,
            "bcc_email": bcc_email,
            "tags": tags,
            "timezoneId": timezone_id,
        }
        given = changed(changes)
        for field, value in given.items():
            if value is None and field not in CLEARABLE:
                raise ValidationError(f"{field} cannot be None (only {CLEARABLE} can)", field=field)
        check_sender_fields(_Changes(given))
        body = {k: (None if v is None else to_body(v)) for k, v in given.items()}
        return await self._call(SenderAccount, "PATCH", path, json=body, timeout=timeout)

    async def check_status(
        self, sender_account_id: int, *, timeout: float | None = None
    ) -> SenderStatus:
        """The SMTP (and IMAP) connection status of an account, with errors when invalid.

        ``GET /v2/sender-accounts/check-sender-status`` (reference line 989). Free.
        """
        _validate.positive_id(sender_account_id, "sender_account_id")
        return await self._call(
            SenderStatus,
            "GET",
            "/v2/sender-accounts/check-sender-status",
            params={"sender_account_id": sender_account_id},
            timeout=timeout,
        )

    async def list(self, *, timeout: float | None = None) -> list[SenderAccountSummary]:
        """Every connected sender account.

        ``GET /v2/sender-accounts/emails`` (reference line 1019). Free.
        """
        return await self._call(
            list[SenderAccountSummary], "GET", PATH, kind=CallKind.IDEMPOTENT, timeout=timeout
        )
