"""The email finder: emails by name and domain, domains by company name
(reference lines 330-480)."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping, Sequence
from typing import Any

from .. import _normalize
from .._convert import structure
from .._runner import BatchSpec, Call, ProgressCallback
from .._runner.matching import address_key, echo_key, match_entries
from ..errors import ResponseFormatError, SnovError
from ..models.email_finder import (
    CompanyDomain,
    CompanyDomainResult,
    EmailSearch,
    EmailSearchItem,
    EmailSearchResult,
    FoundEmail,
)
from ..models.tasks import TaskStart
from ._base import Resource
from ._tasks import check_bulk, check_progress, data_list

__all__ = ["CompanyDomainSpec", "EmailFinderResource", "FindEmailsSpec"]

FIND_START = "/v2/emails-by-domain-by-name/start"
FIND_RESULT = "/v2/emails-by-domain-by-name/result"
DOMAIN_START = "/v2/company-domain-by-name/start"
DOMAIN_RESULT = "/v2/company-domain-by-name/result"

Row = tuple[str, str, str]


def _people(first: str, last: str) -> str:
    """A person as answers echo them (``"people": "John Doe"``), compared as names are."""
    return echo_key(f"{first} {last}")


class FindEmailsSpec(BatchSpec[Row, EmailSearch]):
    """(first name, last name, domain) in, one `EmailSearch` out."""

    name = "emails-by-domain-by-name"
    supports_webhook = True
    discoverable = True

    def prepare(self, raw: Any) -> Row:
        return _normalize.name_domain(raw)

    def key(self, item: Row) -> tuple[str, str, str]:
        # A name in another Unicode form or case is the same person: sent once (answers
        # could not tell them apart either, see `fits`).
        first, last, domain = item
        return (address_key(first), address_key(last), domain)

    def fits(self, item: Row, batch: list[Row]) -> bool:
        # Answers name only the person ("people": "John Doe"), not the domain: keep names
        # unique within a batch so every answer maps back to exactly one row.
        person = _people(item[0], item[1])
        return all(_people(f, last) != person for f, last, _ in batch)

    def start_call(self, items: list[Row], webhook_url: str | None = None) -> Call:
        rows = [{"first_name": f, "last_name": last, "domain": d} for f, last, d in items]
        body: dict[str, Any] = {"rows": rows}
        if webhook_url:
            body["webhook_url"] = webhook_url
        return Call("POST", FIND_START, json=body)

    def result_call(self, task_hash: str) -> Call:
        return Call("GET", FIND_RESULT, params={"task_hash": task_hash})

    def split(self, payload: Any, items: list[Row], *, ordered: bool = True) -> list[Any]:
        entries = [e for e in data_list(payload) if isinstance(e, dict)]
        return match_entries(
            [_people(f, last) for f, last, _ in items],
            entries,
            lambda e: echo_key(e["people"]) if isinstance(e.get("people"), str) else None,
            what="people",
            by_position=ordered,
        )

    def echoed(self, payload: Any) -> list[Any]:
        # The answer names people only; the rows it was started with are in ``meta.rows``.
        meta = payload.get("meta") if isinstance(payload, dict) else None
        rows = meta.get("rows") if isinstance(meta, dict) else None
        if not isinstance(rows, list):
            raise ResponseFormatError("the answer does not list its rows: pass them to collect")
        return [row for row in rows if isinstance(row, dict)]

    def make(
        self,
        *,
        index: int,
        raw: Any,
        item: Row | None,
        data: Any,
        error: SnovError | None,
        task_hash: str | None,
    ) -> EmailSearch:
        first, last, domain = item if item is not None else (None, None, None)
        emails: list[FoundEmail] = []
        people = None
        if isinstance(data, Mapping) and error is None:
            # Leniently: a result that is not a list of objects keeps what fits (raw in extra).
            entry = structure(data, EmailSearchItem)
            emails = list(entry.result)
            people = entry.people
        return EmailSearch(
            index=index,
            input=raw,
            first_name=first,
            last_name=last,
            domain=domain,
            emails=emails,
            people=people,
            error=error,
            task_hash=task_hash,
        )


class CompanyDomainSpec(BatchSpec[str, CompanyDomain]):
    """Company names in, one `CompanyDomain` out."""

    name = "company-domain-by-name"
    supports_webhook = True
    discoverable = True

    def prepare(self, raw: Any) -> str:
        return _normalize.company_name(raw)

    def key(self, item: str) -> str:
        return address_key(item)  # another Unicode form or case: the same company

    def start_call(self, items: list[str], webhook_url: str | None = None) -> Call:
        return Call("POST", DOMAIN_START, form={"names": items, "webhook_url": webhook_url})

    def result_call(self, task_hash: str) -> Call:
        return Call("GET", DOMAIN_RESULT, params={"task_hash": task_hash})

    def fits(self, item: str, batch: list[str]) -> bool:
        # Answers are told apart by the name they echo: no two names alike in one batch.
        return all(echo_key(other) != echo_key(item) for other in batch)

    def split(self, payload: Any, items: list[str], *, ordered: bool = True) -> list[Any]:
        entries = [e for e in data_list(payload) if isinstance(e, dict)]
        return match_entries(
            [echo_key(item) for item in items],
            entries,
            lambda e: echo_key(e["name"]) if isinstance(e.get("name"), str) else None,
            what="name",
            by_position=ordered,
        )

    def echoed(self, payload: Any) -> list[Any]:
        return [e["name"] for e in data_list(payload) if isinstance(e, dict) and e.get("name")]

    def make(
        self,
        *,
        index: int,
        raw: Any,
        item: str | None,
        data: Any,
        error: SnovError | None,
        task_hash: str | None,
    ) -> CompanyDomain:
        domain = None
        if data is not None and error is None:
            result = data.get("result")
            if isinstance(result, dict) and isinstance(result.get("domain"), str):
                domain = result["domain"].strip().lower() or None
        return CompanyDomain(
            index=index, input=raw, name=item, domain=domain, error=error, task_hash=task_hash
        )


class EmailFinderResource(Resource):
    """``snov.email_finder``: emails by name and domain; domains by company name."""

    __slots__ = ()
    find_spec = FindEmailsSpec()
    domain_spec = CompanyDomainSpec()

    async def find_emails(
        self,
        rows: Iterable[Any] | AsyncIterable[Any],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[EmailSearch]:
        """Find the email of any number of people; one `EmailSearch` per row, in order.

        A row is a mapping with ``first_name``, ``last_name`` and ``domain``, a
        ``(first, last, domain)`` tuple or a `NameDomain`. Domains are normalised
        (``https://www.Acme.com/`` -> ``acme.com``); duplicate rows are searched once;
        rows with an empty name or a malformed domain get a `ValidationError` unsent.

        Cost: 1 credit per valid or unknown email found; nothing when nothing is found.
        Reference line 330.
        """
        check_bulk(rows, "rows", progress)
        return await self._runner.run(self.find_spec, rows, progress=progress)

    def find_emails_iter(
        self,
        rows: Iterable[Any] | AsyncIterable[Any],
        *,
        progress: ProgressCallback | None = None,
    ) -> AsyncIterator[EmailSearch]:
        """Like `find_emails`, yielding each result as it completes."""
        check_bulk(rows, "rows", progress)
        return self._runner.iterate(self.find_spec, rows, progress=progress)

    async def start_find_emails(
        self, rows: Sequence[Any], *, webhook_url: str | None = None
    ) -> TaskStart:
        """Start one search of 1 to 10 rows (low-level).

        ``POST /v2/emails-by-domain-by-name/start`` (reference line 330).
        """
        return await self._start_task(self.find_spec, rows, "rows", webhook_url)

    async def find_emails_result(
        self, task_hash: str, *, timeout: float | None = None
    ) -> EmailSearchResult:
        """The search's answer as it stands (``in_progress``, ``completed`` or
        ``not_enough_credits``). ``GET /v2/emails-by-domain-by-name/result`` (line 362)."""
        return await self._task_result(
            self.find_spec, EmailSearchResult, task_hash, timeout=timeout
        )

    async def collect_emails(
        self,
        task_hash: str,
        rows: Sequence[Any] | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> list[EmailSearch]:
        """Wait for an email search started earlier (`start_find_emails`, or a
        ``runner.unfinished`` entry) and return one `EmailSearch` per row; nothing is
        started. Without ``rows`` they are read from the answer's ``meta.rows``. Free."""
        check_progress(progress)
        return await self._runner.collect_task(
            self.find_spec, task_hash, rows, progress=progress, field="rows"
        )

    async def company_domains(
        self,
        names: Iterable[Any] | AsyncIterable[Any],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[CompanyDomain]:
        """Find the website domain of any number of companies; one `CompanyDomain` per name.

        Cost: 1 credit per domain found. Reference line 428.
        """
        check_bulk(names, "names", progress)
        return await self._runner.run(self.domain_spec, names, progress=progress)

    def company_domains_iter(
        self,
        names: Iterable[Any] | AsyncIterable[Any],
        *,
        progress: ProgressCallback | None = None,
    ) -> AsyncIterator[CompanyDomain]:
        """Like `company_domains`, yielding each result as it completes."""
        check_bulk(names, "names", progress)
        return self._runner.iterate(self.domain_spec, names, progress=progress)

    async def start_company_domains(
        self, names: Sequence[str], *, webhook_url: str | None = None
    ) -> TaskStart:
        """Start one lookup of 1 to 10 company names (low-level).

        ``POST /v2/company-domain-by-name/start`` (reference line 428).
        """
        return await self._start_task(self.domain_spec, names, "names", webhook_url)

    async def company_domains_result(
        self, task_hash: str, *, timeout: float | None = None
    ) -> CompanyDomainResult:
        """The lookup's answer as it stands. ``GET /v2/company-domain-by-name/result``
        (reference line 446)."""
        return await self._task_result(
            self.domain_spec, CompanyDomainResult, task_hash, timeout=timeout
        )

    async def collect_domains(
        self,
        task_hash: str,
        names: Sequence[Any] | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> list[CompanyDomain]:
        """Wait for a domain lookup started earlier (`start_company_domains`, or a
        ``runner.unfinished`` entry) and return one `CompanyDomain` per name; nothing is
        started. Without ``names`` the results follow the names the answer gives. Free."""
        check_progress(progress)
        return await self._runner.collect_task(
            self.domain_spec, task_hash, names, progress=progress, field="names"
        )
