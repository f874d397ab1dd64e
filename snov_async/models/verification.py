"""Models of email verification (reference lines 746-850)."""

from __future__ import annotations

from typing import Any

import attrs

from .common import OpenEnum, SnovModel
from .tasks import BulkResult, TaskStatus

__all__ = [
    "EmailCheck",
    "EmailVerification",
    "SmtpStatus",
    "UnknownStatusReason",
    "VerificationItem",
    "VerificationResult",
]


class SmtpStatus(OpenEnum):
    """Whether a mailbox accepts mail."""

    VALID = "valid"
    NOT_VALID = "not_valid"
    UNKNOWN = "unknown"


class UnknownStatusReason(OpenEnum):
    """Why ``smtp_status`` is ``unknown`` (reference line 850)."""

    BANNED = "banned"
    CATCHALL = "catchall"
    CONNECTION_ERROR = "connection_error"
    GREYLIST = "greylist"
    HIDDEN_BY_OWNER = "hidden_by_owner"


@attrs.frozen
class EmailCheck(SnovModel):
    """The verdict on one address (``result`` in verification and email-finder answers)."""

    smtp_status: SmtpStatus | None = None
    is_valid_format: bool | None = None
    is_disposable: bool | None = None
    is_webmail: bool | None = None
    is_gibberish: bool | None = None
    unknown_status_reason: UnknownStatusReason | None = None


@attrs.frozen
class VerificationItem(SnovModel):
    """One entry of ``data`` in a verification result."""

    email: str | None = None
    result: EmailCheck | None = None


@attrs.frozen
class VerificationResult(SnovModel):
    """``GET /v2/email-verification/result`` as it stands now (low-level)."""

    status: TaskStatus | None = None
    data: list[VerificationItem] = attrs.field(factory=list)
    meta: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class EmailVerification(BulkResult):
    """The verification of one input of `VerificationResource.verify`.

    Attributes:
        index: the input's position in the call.
        input: the input exactly as given.
        email: the address as sent (trimmed, lower-cased), or ``None`` if it was rejected.
        result: the verdict, or ``None`` when ``error`` is set.
        error: why there is no verdict (validation, credits, timeout, unknown outcome...).
        task_hash: the task that answered (or may answer) this input.
    """

    email: str | None
    result: EmailCheck | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.result is not None

    @property
    def smtp_status(self) -> SmtpStatus | None:
        return self.result.smtp_status if self.result else None
