"""Models of the email finder (reference lines 330-480)."""

from __future__ import annotations

from typing import Any

import attrs

from ..errors import SnovError
from .common import SnovModel
from .tasks import TaskStatus
from .verification import SmtpStatus, UnknownStatusReason

__all__ = [
    "CompanyDomain",
    "CompanyDomainItem",
    "CompanyDomainResult",
    "EmailSearch",
    "EmailSearchItem",
    "EmailSearchResult",
    "FoundEmail",
    "NameDomain",
]


@attrs.frozen
class NameDomain:
    """A person to find an email for: first name, last name and company domain."""

    first_name: str
    last_name: str
    domain: str


@attrs.frozen
class FoundEmail(SnovModel):
    """An address found for a person, with its verification verdict."""

    email: str
    smtp_status: SmtpStatus | None = None
    is_valid_format: bool | None = None
    is_disposable: bool | None = None
    is_webmail: bool | None = None
    is_gibberish: bool | None = None
    unknown_status_reason: UnknownStatusReason | None = None


@attrs.frozen
class EmailSearchItem(SnovModel):
    """One entry of ``data`` in an emails-by-domain-by-name result."""

    people: str | None = None
    result: list[FoundEmail] = attrs.field(factory=list)


@attrs.frozen
class EmailSearchResult(SnovModel):
    """``GET /v2/emails-by-domain-by-name/result`` as it stands now (low-level)."""

    status: TaskStatus
    data: list[EmailSearchItem] = attrs.field(factory=list)
    meta: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class EmailSearch:
    """The emails found for one input of `EmailFinderResource.find_emails`.

    ``emails`` is empty when nothing was found (which costs nothing).
    """

    index: int
    input: Any
    first_name: str | None
    last_name: str | None
    domain: str | None
    emails: list[FoundEmail] = attrs.field(factory=list)
    people: str | None = None
    error: SnovError | None = None
    task_hash: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def email(self) -> str | None:
        """The best address: the first ``valid`` one, else the first found, else ``None``."""
        for found in self.emails:
            if found.smtp_status == SmtpStatus.VALID:
                return found.email
        return self.emails[0].email if self.emails else None


@attrs.frozen
class CompanyDomainItem(SnovModel):
    """One entry of ``data`` in a company-domain-by-name result."""

    name: str
    result: Any = None

    @property
    def domain(self) -> str | None:
        if isinstance(self.result, dict):
            value = self.result.get("domain")
            return value if isinstance(value, str) and value else None
        return None


@attrs.frozen
class CompanyDomainResult(SnovModel):
    """``GET /v2/company-domain-by-name/result`` as it stands now (low-level)."""

    status: TaskStatus
    data: list[CompanyDomainItem] = attrs.field(factory=list)
    meta: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class CompanyDomain:
    """The domain found for one company name (``domain`` is ``None`` when none was found)."""

    index: int
    input: Any
    name: str | None
    domain: str | None = None
    error: SnovError | None = None
    task_hash: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def found(self) -> bool:
        return self.domain is not None
