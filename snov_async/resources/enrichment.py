"""LinkedIn enrichment (reference lines 481-745)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping, Sequence
from typing import Any

from .. import _normalize
from .._convert import structure
from .._runner import BatchSpec, Call, ProgressCallback
from .._runner.matching import address_key, match_entries
from ..errors import NotFoundError, SnovError, ValidationError
from ..models.enrichment import LinkedInProfile, LinkedInProfileData, LinkedInProfilesResult
from ..models.prospects import EmailProfile
from ..models.tasks import TaskStart
from ._base import Resource
from ._tasks import check_bulk, check_progress, data_list

__all__ = ["EnrichmentResource", "LinkedInProfilesSpec"]

logger = logging.getLogger("snov_async")

#: Keys of a profile answer that carry data (anything else is envelope or message).
_PROFILE_KEYS = (
    "id",
    "name",
    "firstName",
    "lastName",
    "social",
    "currentJobs",
    "currentJob",
    "previousJobs",
    "previousJob",
)
LI_START = "/v2/li-profiles-by-urls/start"
LI_RESULT = "/v2/li-profiles-by-urls/result"


def _url_key(url: str) -> str:
    """A member URL as answers may echo it (another scheme, ``www.`` or not, a trailing
    slash, other case or Unicode form) folded to the form inputs are sent in."""
    try:
        return address_key(_normalize.linkedin_url(address_key(url)))
    except ValidationError:
        return address_key(url)


class LinkedInProfilesSpec(BatchSpec[str, LinkedInProfile]):
    """LinkedIn member URLs in, one `LinkedInProfile` (found or not) out."""

    name = "li-profiles-by-urls"
    supports_webhook = True
    discoverable = True

    def prepare(self, raw: Any) -> str:
        return _normalize.linkedin_url(raw)

    def key(self, item: str) -> str:
        # As answers are matched: a handle in another Unicode form or case is one profile.
        return _url_key(item)

    def start_call(self, items: list[str], webhook_url: str | None = None) -> Call:
        return Call("POST", LI_START, form={"urls": items, "webhook_url": webhook_url})

    def result_call(self, task_hash: str) -> Call:
        return Call("GET", LI_RESULT, params={"task_hash": task_hash})

    def split(self, payload: Any, items: list[str], *, ordered: bool = True) -> list[Any]:
        entries = [e for e in data_list(payload) if isinstance(e, dict)]
        return match_entries(
            [_url_key(item) for item in items],
            entries,
            lambda e: _url_key(e["url"]) if isinstance(e.get("url"), str) else None,
            what="url",
            by_position=ordered,
        )

    def echoed(self, payload: Any) -> list[Any]:
        return [e["url"] for e in data_list(payload) if isinstance(e, dict) and e.get("url")]

    def make(
        self,
        *,
        index: int,
        raw: Any,
        item: str | None,
        data: Any,
        error: SnovError | None,
        task_hash: str | None,
    ) -> LinkedInProfile:
        profile = None
        if isinstance(data, Mapping) and error is None:
            result = data.get("result")
            if isinstance(result, Mapping) and result:
                profile = structure(result, LinkedInProfileData)
        return LinkedInProfile(
            index=index, input=raw, url=item, profile=profile, error=error, task_hash=task_hash
        )


class EnrichmentResource(Resource):
    """``snov.enrichment``: full profiles from LinkedIn URLs."""

    __slots__ = ()
    li_spec = LinkedInProfilesSpec()

    async def linkedin_profiles(
        self,
        urls: Iterable[Any] | AsyncIterable[Any],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[LinkedInProfile]:
        """Fetch the profiles of any number of LinkedIn members; one `LinkedInProfile` per
        URL, in order (``.found`` is false when Snov.io has no profile).

        URLs are normalised to ``https://www.linkedin.com/in/<handle>/``; anything that is not
        a member URL gets a `ValidationError` unsent. Cost: 1 credit per profile found.
        Reference line 481.
        """
        check_bulk(urls, "urls", progress)
        return await self._runner.run(self.li_spec, urls, progress=progress)

    def linkedin_profiles_iter(
        self,
        urls: Iterable[Any] | AsyncIterable[Any],
        *,
        progress: ProgressCallback | None = None,
    ) -> AsyncIterator[LinkedInProfile]:
        """Like `linkedin_profiles`, yielding each result as it completes."""
        check_bulk(urls, "urls", progress)
        return self._runner.iterate(self.li_spec, urls, progress=progress)

    async def start_linkedin_profiles(
        self, urls: Sequence[str], *, webhook_url: str | None = None
    ) -> TaskStart:
        """Start one lookup of 1 to 10 LinkedIn URLs (low-level).

        ``POST /v2/li-profiles-by-urls/start`` (reference line 481).
        """
        return await self._start_task(self.li_spec, urls, "urls", webhook_url)

    async def linkedin_profiles_result(
        self, task_hash: str, *, timeout: float | None = None
    ) -> LinkedInProfilesResult:
        """The lookup's answer as it stands. ``GET /v2/li-profiles-by-urls/result``
        (reference line 500)."""
        return await self._task_result(
            self.li_spec, LinkedInProfilesResult, task_hash, timeout=timeout
        )

    async def collect_profiles(
        self,
        task_hash: str,
        urls: Sequence[Any] | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> list[LinkedInProfile]:
        """Wait for a profile lookup started earlier (`start_linkedin_profiles`, or a
        ``runner.unfinished`` entry) and return one `LinkedInProfile` per URL; nothing is
        started. Without ``urls`` the results follow the URLs the answer names. Free."""
        check_progress(progress)
        return await self._runner.collect_task(
            self.li_spec, task_hash, urls, progress=progress, field="urls"
        )

    async def profile_by_email(
        self, email: str, *, timeout: float | None = None
    ) -> EmailProfile | None:
        """Everything Snov.io knows of an email's owner, or ``None`` when it knows nothing
        (which costs nothing).

        Not found is an answer, not an error: every "nothing found" shape the live API is
        known to send returns ``None`` — ``{"success": false, "result": "We couldn't find
        profile with this email"}``, the older ``"message"`` variant, and a ``success: true``
        answer that carries only that message. The server's message is logged at DEBUG on
        the ``snov_async`` logger. ``id`` is a hex string in live answers (an int in the
        reference's example).

        ``POST /v1/get-profile-by-email`` (reference line 625). 1 credit when found.
        """
        clean = _normalize.email(email)
        path = "/v1/get-profile-by-email"
        try:
            # Paid per answer: like every paid call it is not resent once it may have arrived.
            payload = await self._request("POST", path, form={"email": clean}, timeout=timeout)
        except NotFoundError as err:
            if not err.answer:
                raise
            logger.debug("%s: nothing found (server: %s)", path, "; ".join(err.messages))
            return None
        if isinstance(payload, Mapping) and not any(
            payload.get(key) not in (None, "", [], {}) for key in _PROFILE_KEYS
        ):
            message = payload.get("message") or payload.get("result") or ""
            logger.debug("%s: nothing found (server: %s)", path, message)
            return None
        return structure(payload, EmailProfile, what=f"POST {path}")
