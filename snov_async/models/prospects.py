"""Models of prospects and prospect lists (reference lines 3238-3630), and of profiles by
email (line 625)."""

from __future__ import annotations

from typing import Any

import attrs

from .common import SnovModel
from .recipients import PhpDate

__all__ = [
    "CustomField",
    "EmailProfile",
    "Job",
    "ListEmail",
    "ListProspect",
    "Prospect",
    "ProspectAdded",
    "ProspectListInfo",
    "ProspectListPage",
    "Social",
]


@attrs.frozen
class Social(SnovModel):
    link: str | None = None
    type: str | None = None


@attrs.frozen
class Job(SnovModel):
    company_name: str | None = None
    position: str | None = None
    social_link: str | None = None
    site: str | None = None
    locality: str | None = None
    state: str | None = None
    city: str | None = None
    street: str | None = None
    street2: str | None = None
    postal: str | None = None
    founded: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    size: str | None = None
    industry: str | None = None
    company_type: str | None = None
    country: str | None = None


@attrs.frozen
class NamedRef(SnovModel):
    id: int | None = None
    name: str | None = None


@attrs.frozen
class ProspectAdded(SnovModel):
    """``POST /v1/add-prospect-to-list``: the prospect's id, and whether it was added or
    updated."""

    id: str
    added: bool = False
    updated: bool = False


@attrs.frozen
class Prospect(SnovModel):
    """A prospect of your lists (reference line 3271)."""

    id: str
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    industry: str | None = None
    country: str | None = None
    locality: str | None = None
    social: list[Social] = attrs.field(factory=list)
    last_update_date: PhpDate | None = None
    current_job: list[Job] = attrs.field(factory=list)
    previous_job: list[Job] = attrs.field(factory=list)
    lists: list[NamedRef] = attrs.field(factory=list)
    campaigns: list[Any] = attrs.field(factory=list)


@attrs.frozen
class CustomField(SnovModel):
    key: str | None = None
    label: str | None = None
    required: bool | None = None
    type: str | None = None


@attrs.frozen
class ProspectListInfo(SnovModel):
    """One of your prospect lists (reference line 3485)."""

    id: int
    name: str | None = None
    contacts: int | None = None
    is_deleted: bool | None = None
    creation_date: PhpDate | None = None
    deletion_date: PhpDate | None = None


@attrs.frozen
class ListEmail(SnovModel):
    email: str | None = None
    probability: int | None = None
    is_verified: Any = None
    job_status: str | None = None
    domain_type: str | None = None
    is_valid_format: bool | None = None
    is_disposable: bool | None = None
    is_webmail: bool | None = None
    is_gibberish: bool | None = None
    smtp_status: Any = None


@attrs.frozen
class ListProspect(SnovModel):
    id: str
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    emails: list[ListEmail] = attrs.field(factory=list)


@attrs.frozen
class ListSummary(SnovModel):
    name: str | None = None
    contacts: int | None = None
    creation_date: PhpDate | None = None
    emails_count: Any = None


@attrs.frozen
class ProspectListPage(SnovModel):
    """One page of ``POST /v1/prospect-list`` (newest prospects first); ``list_`` is the
    answer's ``list`` object."""

    list_: ListSummary | None = None
    prospects: list[ListProspect] = attrs.field(factory=list)


@attrs.frozen
class EmailProfile(SnovModel):
    """Everything Snov.io knows of an email's owner (``POST /v1/get-profile-by-email``)."""

    id: int | None = None
    source: str | None = None
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    logo: str | None = None
    industry: str | None = None
    country: str | None = None
    locality: str | None = None
    social: list[Social] = attrs.field(factory=list)
    current_jobs: list[Job] = attrs.field(factory=list)
    previous_jobs: list[Job] = attrs.field(factory=list)
    last_update_date: str | None = None
