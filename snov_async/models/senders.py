"""Models of sender (email) accounts (reference lines 851-1071)."""

from __future__ import annotations

from typing import Any

import attrs

from .. import _normalize, _validate
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
    """The reference's rules for a sender account's fields (shared by create and update).

    Only the attributes ``obj`` has are checked (an update gives some), and ``None`` passes
    for the optional ones. Types are strict: ``sender_name`` 1-100 characters,
    ``email_from``/``reply_to``/``bcc_email`` email addresses, ``password`` 1-1,000
    characters (never shown in an error), ``signature`` at most 10,000 characters, ``tags``
    at most 100 tags of 1-100 characters."""
    missing = object()

    def get(name: str) -> Any:
        return getattr(obj, name, missing)

    if (name := get("sender_name")) is not missing:
        _validate.text(name, "sender_name", max_len=100)
    for field, optional in (("email_from", False), ("reply_to", True), ("bcc_email", True)):
        value = get(field)
        if value is not missing and not (optional and value is None):
            _normalize.email(value, field)
    password = get("password")
    if password is not missing and not (
        isinstance(password, str) and password and len(password) <= 1000 and "\x00" not in password
    ):
        raise ValidationError("password must be a string of 1-1,000 characters", field="password")
    if isinstance(password, str):
        _validate.unsendable(password, "password")
    for kind in ("smtp", "imap"):
        conn = get(kind)
        if conn is missing or (kind == "imap" and conn is None):
            continue
        if not isinstance(conn, ConnectionSettings):
            raise ValidationError(f"{kind} must be ConnectionSettings", field=kind)
        _validate.integer(conn.port, f"{kind}.port", 1, 65535)
        _check_pair(
            kind, conn.host, conn.port, str(getattr(conn.encryption, "value", conn.encryption))
        )
    limitation = get("limitation")
    if limitation is not missing and limitation is not None:
        _validate.integer(limitation, "limitation", 1, 1200)
    delay_type = get("delay_type")
    if delay_type is not missing and delay_type is not None:
        _validate.one_of(delay_type, "delay_type", ("fixed", "random"))
    for field in ("delay_fixed", "delay_from", "delay_to"):
        value = get(field)
        if value is not missing and value is not None:
            _validate.integer(value, field, 5, 3600)
    low, high = get("delay_from"), get("delay_to")
    if isinstance(low, int) and isinstance(high, int) and high <= low:
        raise ValidationError("delay_to must be greater than delay_from", field="delay_to")
    signature = get("signature")
    if signature is not missing and signature is not None:
        _validate.text(signature, "signature", max_len=10_000, required=False, multiline=True)
    tags = get("tags")
    if tags is not missing and tags is not None:
        for tag in _validate.sized(tags, "tags", high=100):
            _validate.text(tag, "tags", max_len=100)
    tz = get("timezoneId")
    if tz is not missing and tz is not None:
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
