"""Models of domain search (reference lines 31-330)."""

from __future__ import annotations

from typing import Any

import attrs

from .common import SnovModel
from .verification import SmtpStatus

__all__ = [
    "CompanyInfo",
    "DomainEmailsCount",
    "DomainEmailsPage",
    "Prospect",
    "ProspectEmail",
    "ProspectEmails",
    "ProspectsPage",
]


@attrs.frozen
class CompanyInfo(SnovModel):
    """What Snov.io knows of the company behind a domain (``/v2/domain-search/result``).

    ``prospects_count``, ``emails_count`` and ``generic_contacts_count`` come from the
    answer's ``meta``; ``links`` holds the URLs of the follow-up searches.
    """

    domain: str | None = None
    company_name: str | None = None
    city: str | None = None
    founded: str | None = None
    website: str | None = None
    hq_phone: str | None = None
    industry: str | None = None
    size: str | None = None
    related_domains: list[str] = attrs.field(factory=list)
    prospects_count: int | None = None
    emails_count: int | None = None
    generic_contacts_count: int | None = None
    links: dict[str, str] = attrs.field(factory=dict)
    task_hash: str | None = None


@attrs.frozen
class Prospect(SnovModel):
    """A person found at a domain."""

    first_name: str | None = None
    last_name: str | None = None
    position: str | None = None
    source_page: str | None = None
    search_emails_start: str | None = None

    @property
    def prospect_hash(self) -> str | None:
        """The hash that `DomainSearchResource.prospect_emails` takes."""
        if not self.search_emails_start:
            return None
        return self.search_emails_start.rstrip("/").rsplit("/", 1)[-1] or None


@attrs.frozen
class ProspectsPage(SnovModel):
    """One page (up to 20) of a domain's prospects."""

    domain: str | None = None
    page: int = 1
    positions: list[str] = attrs.field(factory=list)
    total_count: int | None = None
    prospects: list[Prospect] = attrs.field(factory=list)
    next_url: str | None = None
    task_hash: str | None = None
    #: ``meta.tab`` of the answer (``"prospects"``).
    tab: str | None = None

    @property
    def has_next(self) -> bool:
        return bool(self.next_url)


@attrs.frozen
class ProspectEmail(SnovModel):
    email: str | None = None
    smtp_status: SmtpStatus | None = None


@attrs.frozen
class ProspectEmails(SnovModel):
    """The emails found for one prospect."""

    emails: list[ProspectEmail] = attrs.field(factory=list)
    searching_date: str | None = None
    task_hash: str | None = None


@attrs.frozen
class DomainEmailsPage(SnovModel):
    """One page (up to 50) of a domain's emails or generic contacts (unverified).

    ``next`` is the cursor of the following page, ``None`` on the last one (``next_url`` the
    answer's link to it).
    """

    domain: str | None = None
    emails: list[str] = attrs.field(factory=list)
    next: str | None = None
    total_count: int | None = None
    task_hash: str | None = None
    #: ``meta.tab`` of the answer (``"emails"`` or ``"service"``).
    tab: str | None = None
    #: ``links.next``: the start call of the following page, or ``None`` on the last one.
    next_url: str | None = None


@attrs.frozen
class DomainEmailsCount(SnovModel):
    """``/v1/get-domain-emails-count``: how many emails Snov.io has for a domain."""

    domain: str | None = None
    webmail: bool = False
    result: int = 0


def merged(payload: Any, *keys: str) -> dict[str, Any]:
    """``data`` (when an object) and ``meta`` of an answer, flattened into one mapping."""
    out: dict[str, Any] = {}
    if isinstance(payload, dict):
        for key in keys:
            part = payload.get(key)
            if isinstance(part, dict):
                out.update(part)
    return out
