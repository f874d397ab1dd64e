"""Models of sender (email) accounts (reference lines 851-1071)."""

from __future__ import annotations

from typing import Any

import attrs

from .. import _validate
from ..errors import ValidationError
from .common import OpenEnum, SnovModel

__all__ = [
    "ConnectionSettings",
    "ConnectionStatus",
    "Encryption",
    "SenderAccount",
    "SenderAccountCreate",
    "SenderAccountSummary",
    "SenderCheck",
    "SenderConnection",
    "SenderStatus",
]

#: Ports and the encryption each one needs (reference line 858).
SMTP_PAIRS: dict[int, frozenset[str]] = {
    25: frozenset({"none"}),
    465: frozenset({"ssl"}),
    587: frozenset({"tls"}),
}
#: IMAP ports and the encryptions each accepts (reference line 862).
IMAP_PAIRS: dict[int, frozenset[str]] = {143: frozenset({"none"}), 993: frozenset({"ssl", "tls"})}


class Encryption(OpenEnum):
    SSL = "ssl"
    TLS = "tls"
    NONE = "none"


class ConnectionStatus(OpenEnum):
    """An SMTP/IMAP connection check's state."""

    PENDING = "pending"
    VALID = "valid"
    INVALID = "invalid"
    CONNECTED = "connected"
    ERROR = "error"


def _check_pair(kind: str, host: str, port: int, encryption: str) -> None:
    pairs = SMTP_PAIRS if kind == "smtp" else IMAP_PAIRS
    if not isinstance(host, str) or not host.strip() or len(host) > 100:
        raise ValidationError(
            f"{kind}.host is required (at most 100 characters)", field=f"{kind}.host"
        )
    if port not in pairs:
        allowed = ", ".join(str(p) for p in pairs)
        raise ValidationError(
            f"{kind}.port must be one of {allowed} (got {port!r})", field=f"{kind}.port"
        )
    value = getattr(encryption, "value", encryption)
    if value not in pairs[port]:
        need = " or ".join(sorted(pairs[port]))
        raise ValidationError(
            f"{kind}.encryption must be {need} on port {port} (got {value!r})",
            field=f"{kind}.encryption",
        )


@attrs.frozen
class ConnectionSettings:
    """SMTP or IMAP settings: host, port and the encryption that port needs."""

    host: str
    port: int
    encryption: Encryption | str


@attrs.frozen
class SenderAccountCreate:
    """The body of ``POST /v2/sender-accounts/emails``, checked when it is made.

    Port/encryption pairs: SMTP 465 -> ssl, 587 -> tls, 25 -> none; IMAP 993 -> ssl or tls,
    143 -> none. ``limitation`` 1-1200; delays 5-3600 s with ``delay_to`` > ``delay_from``;
    ``timezoneId`` 1-458.
    """

    sender_name: str
    email_from: str
    password: str = attrs.field(repr=False)
    smtp: ConnectionSettings
    imap: ConnectionSettings | None = None
    reply_to: str | None = None
    limitation: int | None = None
    delay_type: str | None = None
    delay_fixed: int | None = None
    delay_from: int | None = None
    delay_to: int | None = None
    signature: str | None = None
    bcc_email: str | None = None
    tags: list[str] | None = None
    timezoneId: int | None = None

    def __attrs_post_init__(self) -> None:
        check_sender_fields(self)


def check_sender_fields(obj: Any) -> None:
    """The reference's rules for a sender account's fields (shared by create and update)."""
    name = getattr(obj, "sender_name", None)
    if isinstance(name, str) and (not name.strip() or len(name) > 100):
        raise ValidationError(
            "sender_name is required (at most 100 characters)", field="sender_name"
        )
    for kind in ("smtp", "imap"):
        conn = getattr(obj, kind, None)
        if isinstance(conn, ConnectionSettings):
            _check_pair(
                kind, conn.host, conn.port, str(getattr(conn.encryption, "value", conn.encryption))
            )
    limitation = getattr(obj, "limitation", None)
    if isinstance(limitation, int):
        _validate.integer(limitation, "limitation", 1, 1200)
    delay_type = getattr(obj, "delay_type", None)
    if isinstance(delay_type, str):
        _validate.one_of(delay_type, "delay_type", ("fixed", "random"))
    for field in ("delay_fixed", "delay_from", "delay_to"):
        value = getattr(obj, field, None)
        if isinstance(value, int):
            _validate.integer(value, field, 5, 3600)
    low, high = getattr(obj, "delay_from", None), getattr(obj, "delay_to", None)
    if isinstance(low, int) and isinstance(high, int) and high <= low:
        raise ValidationError("delay_to must be greater than delay_from", field="delay_to")
    tz = getattr(obj, "timezoneId", None)
    if isinstance(tz, int):
        _validate.timezone_id(tz)


@attrs.frozen
class SenderConnection(SnovModel):
    host: str | None = None
    port: int | None = None
    encryption: Encryption | None = None
    status: ConnectionStatus | None = None


@attrs.frozen
class SenderAccount(SnovModel):
    """A sender account as created or updated (reference lines 876 and 945)."""

    id: int | None = None
    sender_name: str | None = None
    email_from: str | None = None
    smtp: SenderConnection | None = None
    imap: SenderConnection | None = None
    limitation: int | None = None
    delay_type: str | None = None
    delay_fixed: int | None = None
    delay_from: int | None = None
    delay_to: int | None = None
    reply_to: str | None = None
    signature: str | None = None
    bcc_email: str | None = None
    tags: list[str] = attrs.field(factory=list)
    timezone_id: int | None = None
    created_at: str | None = None
    updated_at: str | None = None


@attrs.frozen
class SenderCheck(SnovModel):
    status: ConnectionStatus | None = None
    errors: list[str] = attrs.field(factory=list)


@attrs.frozen
class SenderStatus(SnovModel):
    """``GET /v2/sender-accounts/check-sender-status``: ``imap`` is ``None`` without IMAP."""

    smtp: SenderCheck | None = None
    imap: SenderCheck | None = None


@attrs.frozen
class ImapSummary(SnovModel):
    username: str | None = None
    valid: bool | None = None


@attrs.frozen
class SenderAccountSummary(SnovModel):
    """One entry of ``GET /v2/sender-accounts/emails`` (reference line 1019)."""

    id: int | None = None
    sender_name: str | None = None
    email_from: str | None = None
    valid: bool | None = None
    suspended: bool | None = None
    limitation: int | None = None
    provider: str | None = None
    tags: list[str] = attrs.field(factory=list)
    imap: ImapSummary | None = None
