"""Models of the email finder (reference lines 330-480)."""

from __future__ import annotations

from typing import Any

import attrs

from .common import SnovModel
from .tasks import BulkResult, TaskStatus
from .verification import EmailCheck, SmtpStatus

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
class FoundEmail(EmailCheck):
    """An address found for a person, with its verification verdict."""

    email: str | None = attrs.field(default=None, kw_only=True)


@attrs.frozen
class EmailSearchItem(SnovModel):
    """One entry of ``data`` in an emails-by-domain-by-name result."""

    people: str | None = None
    result: list[FoundEmail] = attrs.field(factory=list)


@attrs.frozen
class EmailSearchResult(SnovModel):
    """``GET /v2/emails-by-domain-by-name/result`` as it stands now (low-level)."""

    status: TaskStatus | None = None
    data: list[EmailSearchItem] = attrs.field(factory=list)
    meta: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class EmailSearch(BulkResult):
    """The emails found for one input of `EmailFinderResource.find_emails`.

    ``emails`` is empty when nothing was found (which costs nothing).
    """

    first_name: str | None
    last_name: str | None
    domain: str | None
    emails: list[FoundEmail] = attrs.field(factory=list)
    people: str | None = None

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

    name: str | None = None
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

    status: TaskStatus | None = None
    data: list[CompanyDomainItem] = attrs.field(factory=list)
    meta: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class CompanyDomain(BulkResult):
    """The domain found for one company name (``domain`` is ``None`` when none was found)."""

    name: str | None
    domain: str | None = None

    @property
    def found(self) -> bool:
        return self.domain is not None
