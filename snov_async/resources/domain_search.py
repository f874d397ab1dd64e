"""Domain search (reference lines 31-330): company info, prospects, their emails, the
domain's emails and generic contacts. Each is a single task run through the task runner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import attrs

from .. import _normalize, _validate
from .._convert import structure
from .._retry import CallKind
from .._runner import BatchSpec, Call
from ..errors import SnovError, ValidationError
from ..models.domain_search import (
    CompanyInfo,
    DomainEmailsCount,
    DomainEmailsPage,
    Prospect,
    ProspectEmails,
    ProspectsPage,
    merged,
)
from ._base import Resource, rows_of

__all__ = ["DomainSearchResource"]

MAX_POSITIONS = 10
#: Result pages of a prospects search, at most (20 prospects a page).
MAX_PAGE = 100_000
PROSPECT_EMAILS_START = "/v2/domain-search/prospects/search-emails/start/{prospect_hash}"


def prospect_hash(raw: Any) -> str:
    """A prospect hash, or the ``search_emails_start`` URL that ends with one."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError("prospect_hash is empty", field="prospect_hash")
    text = raw.strip()
    if "/" in text:  # the search_emails_start URL of a prospect
        prefix = PROSPECT_EMAILS_START.split("{", 1)[0]
        try:
            url_path = urlsplit(text).path if "://" in text else text
        except ValueError:
            url_path = ""
        if not url_path.startswith(prefix):
            raise ValidationError(
                "prospect_hash: give a prospect hash or its search_emails_start URL",
                field="prospect_hash",
            )
        text = url_path[len(prefix) :].rstrip("/")
    return _validate.hash_ref(text, "prospect_hash")


def _positions(positions: Any) -> tuple[str, ...]:
    """Up to 10 job titles (a single string is one title); blanks are dropped."""
    if isinstance(positions, str):
        positions = [positions]
    items = _validate.sized(positions, "positions", high=MAX_POSITIONS)
    wanted = []
    for item in items:
        _validate.text(item, "positions", max_len=_validate.MAX_TITLE, required=False)
        if item.strip():
            wanted.append(item.strip())
    return tuple(wanted)


class _SingleTask(BatchSpec[Any, Any]):
    """A task of one input whose whole answer is the result."""

    max_batch = 1
    start_path = ""
    result_path = ""

    def result_call(self, task_hash: str) -> Call:
        return Call("GET", _validate.path(self.result_path + "/{task_hash}", task_hash=task_hash))

    def split(self, payload: Any, items: list[Any], *, ordered: bool = True) -> list[Any]:
        return [payload]

    def build(self, item: Any, payload: Any, task_hash: str | None) -> Any:
        raise NotImplementedError

    def make(
        self,
        *,
        index: int,
        raw: Any,
        item: Any,
        data: Any,
        error: SnovError | None,
        task_hash: str | None,
    ) -> Any:
        if error is not None:
            return _Failed(index, raw, error)
        return _Done(index, raw, self.build(item, data, task_hash))


@attrs.frozen
class _Done:
    index: int
    input: Any
    value: Any


@attrs.frozen
class _Failed:
    index: int
    input: Any
    error: SnovError


class CompanyInfoSpec(_SingleTask):
    name = "domain-search"
    result_path = "/v2/domain-search/result"

    def prepare(self, raw: Any) -> str:
        return _normalize.domain(raw)

    def start_call(self, items: list[Any], webhook_url: str | None = None) -> Call:
        return Call("POST", "/v2/domain-search/start", form={"domain": items[0]})

    def build(self, item: Any, payload: Any, task_hash: str | None) -> CompanyInfo:
        fields = merged(payload, "data", "meta")
        fields.setdefault("domain", item)
        links = payload.get("links") if isinstance(payload, dict) else None
        fields["links"] = links if isinstance(links, dict) else {}
        return structure(fields, CompanyInfo)


class ProspectsSpec(_SingleTask):
    name = "domain-search-prospects"
    result_path = "/v2/domain-search/prospects/result"

    def prepare(self, raw: Any) -> tuple[str, tuple[str, ...], int]:
        return raw  # type: ignore[no-any-return]  # validated by the caller

    def start_call(self, items: list[Any], webhook_url: str | None = None) -> Call:
        domain, positions, page = items[0]
        return Call(
            "POST",
            "/v2/domain-search/prospects/start",
            form={"domain": domain, "positions": list(positions) or None, "page": page},
        )

    def build(self, item: Any, payload: Any, task_hash: str | None) -> ProspectsPage:
        domain, positions, page = item
        meta = merged(payload, "meta")
        rows = rows_of(payload)
        links = payload.get("links") if isinstance(payload, dict) else None
        next_url = links.get("next") if isinstance(links, dict) else None
        return structure(
            {
                "domain": meta.get("domain", domain),
                "page": meta.get("page", page),
                "positions": meta.get("positions", list(positions)),
                "total_count": meta.get("total_count"),
                "prospects": rows if isinstance(rows, list) else [],
                "next_url": next_url or None,
                "task_hash": meta.get("task_hash", task_hash),
                "tab": meta.get("tab"),
            },
            ProspectsPage,
        )


class ProspectEmailsSpec(_SingleTask):
    name = "domain-search-prospect-emails"
    result_path = "/v2/domain-search/prospects/search-emails/result"

    def prepare(self, raw: Any) -> str:
        return prospect_hash(raw)

    def start_call(self, items: list[Any], webhook_url: str | None = None) -> Call:
        return Call("POST", _validate.path(PROSPECT_EMAILS_START, prospect_hash=items[0]))

    def build(self, item: Any, payload: Any, task_hash: str | None) -> ProspectEmails:
        fields = merged(payload, "data")
        fields["task_hash"] = merged(payload, "meta").get("task_hash", task_hash)
        return structure(fields, ProspectEmails)


class _CursorSpec(_SingleTask):
    start_path = ""

    def prepare(self, raw: Any) -> tuple[str, str]:
        return raw  # type: ignore[no-any-return]  # validated by the caller

    def start_call(self, items: list[Any], webhook_url: str | None = None) -> Call:
        domain, cursor = items[0]
        return Call("POST", self.start_path, form={"domain": domain, "next": cursor or None})

    def build(self, item: Any, payload: Any, task_hash: str | None) -> DomainEmailsPage:
        meta = merged(payload, "meta")
        rows = rows_of(payload)
        return structure(
            {
                "domain": meta.get("domain", item[0]),
                "emails": [r["email"] for r in rows if isinstance(r, dict) and "email" in r],
                "next": meta.get("next") or None,
                "total_count": meta.get("total_count"),
                "task_hash": meta.get("task_hash", task_hash),
                "tab": meta.get("tab"),
                "next_url": merged(payload, "links").get("next") or None,
            },
            DomainEmailsPage,
        )


class DomainEmailsSpec(_CursorSpec):
    name = "domain-search-domain-emails"
    start_path = "/v2/domain-search/domain-emails/start"
    result_path = "/v2/domain-search/domain-emails/result"


class GenericContactsSpec(_CursorSpec):
    name = "domain-search-generic-contacts"
    start_path = "/v2/domain-search/generic-contacts/start"
    result_path = "/v2/domain-search/generic-contacts/result"


class DomainSearchResource(Resource):
    """``snov.domain_search``: what a company domain reveals."""

    __slots__ = ()
    _company = CompanyInfoSpec()
    _prospects = ProspectsSpec()
    _prospect_emails = ProspectEmailsSpec()
    _domain_emails = DomainEmailsSpec()
    _generic = GenericContactsSpec()

    async def _one(self, spec: BatchSpec[Any, Any], item: Any) -> Any:
        (outcome,) = await self._runner.run(spec, [item])
        if isinstance(outcome, _Failed):
            raise outcome.error
        return outcome.value

    async def company_info(self, domain: str) -> CompanyInfo:
        """The company behind ``domain``: name, city, industry, size, counts of prospects,
        emails and generic contacts.

        A task (start + result) run by the task runner. Cost: 1 credit per unique search;
        nothing when nothing is found. Reference lines 33 and 50.
        """
        clean = _normalize.domain(domain)
        return await self._one(self._company, clean)  # type: ignore[no-any-return]

    async def prospects(
        self, domain: str, *, positions: Sequence[str] = (), page: int = 1
    ) -> ProspectsPage:
        """One page (20 per page) of the people working at ``domain``, optionally only those
        holding one of up to 10 ``positions`` (each at most 255 characters); ``page`` 1-100,000.
        Reference lines 101 and 129."""
        clean = _normalize.domain(domain)
        wanted = _positions(positions)
        _validate.integer(page, "page", 1, MAX_PAGE)
        return await self._one(self._prospects, (clean, wanted, page))  # type: ignore[no-any-return]

    async def prospect_emails(self, prospect: str) -> ProspectEmails:
        """The emails of one prospect, by its hash or its ``search_emails_start`` URL.

        Cost: 1 credit per email found. Reference lines 171 and 185.
        """
        item = prospect_hash(prospect)
        return await self._one(self._prospect_emails, item)  # type: ignore[no-any-return]

    async def domain_emails(self, domain: str, *, next: str | None = None) -> DomainEmailsPage:
        """One page (50) of the emails Snov.io knows at ``domain``; pass the page's ``next``
        to get the following one. Reference lines 209 and 230."""
        item = (_normalize.domain(domain), _validate.cursor(next) or "")
        return await self._one(self._domain_emails, item)  # type: ignore[no-any-return]

    async def generic_contacts(self, domain: str, *, next: str | None = None) -> DomainEmailsPage:
        """One page of generic addresses (info@, sales@...) at ``domain``.
        Reference lines 262 and 283."""
        item = (_normalize.domain(domain), _validate.cursor(next) or "")
        return await self._one(self._generic, item)  # type: ignore[no-any-return]

    async def iter_prospects(
        self, domain: str, *, positions: Sequence[str] = ()
    ) -> AsyncIterator[Prospect]:
        """Every prospect of ``domain``, page after page while the answer links a next page."""
        page = 1
        while True:
            current = await self.prospects(domain, positions=positions, page=page)
            for prospect in current.prospects:
                yield prospect
            if not current.has_next or not current.prospects:
                return
            page += 1

    async def iter_domain_emails(self, domain: str) -> AsyncIterator[str]:
        """Every email Snov.io knows at ``domain``, following the ``next`` cursor."""
        async for email in self._follow(self.domain_emails, domain):
            yield email

    async def iter_generic_contacts(self, domain: str) -> AsyncIterator[str]:
        """Every generic contact at ``domain``, following the ``next`` cursor."""
        async for email in self._follow(self.generic_contacts, domain):
            yield email

    @staticmethod
    async def _follow(
        fetch: Callable[..., Awaitable[DomainEmailsPage]], domain: str
    ) -> AsyncIterator[str]:
        cursor: str | None = None
        while True:
            page = await fetch(domain, next=cursor)
            for email in page.emails:
                yield email
            cursor = page.next
            if not cursor or not page.emails:
                return

    async def emails_count(self, domain: str, *, timeout: float | None = None) -> DomainEmailsCount:
        """How many emails Snov.io has for ``domain`` (0 for webmail). Free.

        ``POST /v1/get-domain-emails-count`` (reference line 317).
        """
        clean = _normalize.domain(domain)
        payload = await self._request(
            "POST",
            "/v1/get-domain-emails-count",
            form={"domain": clean},
            kind=CallKind.IDEMPOTENT,
            timeout=timeout,
        )
        return structure(payload, DomainEmailsCount)
