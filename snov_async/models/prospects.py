"""Models of prospects and prospect lists (reference lines 3238-3630), and of profiles by
email (line 625)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

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
    """A current or previous position. ``hq_phone`` and ``hash_domain`` are not in the
    reference; the live API sends them (recorded by production clients since 2023)."""

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
    hq_phone: str | None = None
    hash_domain: str | None = None


@attrs.frozen
class NamedRef(SnovModel):
    id: int | None = None
    name: str | None = None


@attrs.frozen
class ProspectAdded(SnovModel):
    """``POST /v1/add-prospect-to-list``: the prospect's id, and whether it was added or
    updated."""

    id: str | int | None = None
    added: bool = False
    updated: bool = False


@attrs.frozen
class Prospect(SnovModel):
    """A prospect of your lists (reference line 3271).

    The reference's field table says ``currentJobs``/``previousJobs``, its example and the
    live API ``currentJob``/``previousJob``: both fill `current_job` / `previous_job`.
    ``last_update_date`` is an object (`PhpDate`) or, in some answers, a plain string.
    """

    _aliases: ClassVar[Mapping[str, str]] = {
        "current_jobs": "current_job",
        "previous_jobs": "previous_job",
    }

    id: str | int | None = None
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    industry: str | None = None
    country: str | None = None
    locality: str | None = None
    social: list[Social] = attrs.field(factory=list)
    last_update_date: PhpDate | str | None = None
    current_job: list[Job] = attrs.field(factory=list)
    previous_job: list[Job] = attrs.field(factory=list)
    lists: list[NamedRef] = attrs.field(factory=list)
    campaigns: list[Any] = attrs.field(factory=list)

    @property
    def current_jobs(self) -> list[Job]:
        """`current_job` under the reference's other name."""
        return self.current_job

    @property
    def previous_jobs(self) -> list[Job]:
        """`previous_job` under the reference's other name."""
        return self.previous_job


@attrs.frozen
class CustomField(SnovModel):
    key: str | None = None
    label: str | None = None
    required: bool | None = None
    type: str | None = None


@attrs.frozen
class ProspectListInfo(SnovModel):
    """One of your prospect lists (reference line 3485)."""

    id: int | None = None
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
    #: A number in list answers (``3``; the reference's example agrees), ``null`` when unknown.
    smtp_status: int | str | None = None


@attrs.frozen
class ListProspect(SnovModel):
    id: str | int | None = None
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
    """Everything Snov.io knows of an email's owner (``POST /v1/get-profile-by-email``).

    ``id`` is a 70-character hex string in live answers (the reference shows ``301592``), so
    it is typed ``str | int``. ``currentJob``/``previousJob`` fill `current_jobs` /
    `previous_jobs` too.
    """

    _aliases: ClassVar[Mapping[str, str]] = {
        "current_job": "current_jobs",
        "previous_job": "previous_jobs",
    }

    id: str | int | None = None
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
    last_update_date: str | PhpDate | None = None
