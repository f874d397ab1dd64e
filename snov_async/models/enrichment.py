"""Models of LinkedIn enrichment (reference lines 481-745)."""

from __future__ import annotations

from typing import Any

import attrs

from .common import SnovModel
from .tasks import BulkResult, TaskStatus

__all__ = [
    "LinkedInPosition",
    "LinkedInProfile",
    "LinkedInProfileData",
    "LinkedInProfileItem",
    "LinkedInProfilesResult",
]


@attrs.frozen
class LinkedInPosition(SnovModel):
    """A current position of a profile, with its company."""

    name: str | None = None
    title: str | None = None
    linkedin_url: str | None = None
    url: str | None = None
    industry: str | None = None
    country: str | None = None
    location: str | None = None
    specializations: list[str] = attrs.field(factory=list)


@attrs.frozen
class LinkedInProfileData(SnovModel):
    """A LinkedIn profile as Snov.io returns it."""

    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    industry: str | None = None
    location: str | None = None
    country: str | None = None
    skills: list[str] = attrs.field(factory=list)
    positions: list[LinkedInPosition] = attrs.field(factory=list)


@attrs.frozen
class LinkedInProfileItem(SnovModel):
    """One entry of ``data``: ``result`` is the profile, or ``[]`` when it was not found."""

    url: str | None = None
    result: Any = None


@attrs.frozen
class LinkedInProfilesResult(SnovModel):
    """``GET /v2/li-profiles-by-urls/result`` as it stands now (low-level)."""

    status: TaskStatus | None = None
    data: list[LinkedInProfileItem] = attrs.field(factory=list)
    meta: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class LinkedInProfile(BulkResult):
    """The profile for one input URL of `EnrichmentResource.linkedin_profiles`."""

    url: str | None
    profile: LinkedInProfileData | None = None

    @property
    def found(self) -> bool:
        return self.profile is not None
