"""The command line's jobs: input rows in, one output row per input row, in input order.

Each job streams rows into the client's bulk ``_iter`` methods and writes a row as soon as it
and every row before it are answered, so memory stays bounded by the runner's window.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

import attrs

from .. import _normalize
from .._client import SnovClient
from ..errors import SnovError, ValidationError
from ..models.email_finder import CompanyDomain, EmailSearch
from ..models.enrichment import LinkedInProfile
from ..models.verification import EmailVerification, SmtpStatus
from .rows import Row, RowWriter

__all__ = ["COMMANDS", "Command", "Estimate", "Tally", "estimate", "run_job"]

T = TypeVar("T")

VERIFY_COLUMNS = (
    "smtp_status",
    "unknown_status_reason",
    "is_valid_format",
    "is_disposable",
    "is_webmail",
    "is_gibberish",
)


@attrs.frozen
class Command:
    """What a job reads, what it adds, and what it may cost."""

    name: str
    help: str
    fields: tuple[str, ...]
    columns: tuple[str, ...]
    #: Most credits one unique input can cost (the dry run's ceiling).
    max_credits: int
    #: Task operations per unique input (batches of 10 each): 2 for enrich.
    stages: int = 1


COMMANDS: dict[str, Command] = {
    "verify": Command(
        "verify",
        "verify email addresses (column: email)",
        ("email",),
        (*VERIFY_COLUMNS, "error"),
        1,
    ),
    "find-emails": Command(
        "find-emails",
        "find emails by first name, last name and domain",
        ("first_name", "last_name", "domain"),
        ("email", "smtp_status", "unknown_status_reason", "emails", "error"),
        1,
    ),
    "domains": Command(
        "domains",
        "find the website domain of company names (column: company or name)",
        ("company",),
        ("domain", "error"),
        1,
    ),
    "profiles": Command(
        "profiles",
        "fetch LinkedIn profiles by URL (column: linkedin or url)",
        ("linkedin",),
        (
            "found",
            "name",
            "first_name",
            "last_name",
            "position",
            "company",
            "industry",
            "location",
            "country",
            "error",
        ),
        1,
    ),
    "enrich": Command(
        "enrich",
        "name + domain -> email -> verification, in one pipeline",
        ("first_name", "last_name", "domain"),
        ("email", *VERIFY_COLUMNS, "error"),
        2,
        stages=2,
    ),
}


@attrs.define
class Tally:
    """What a job did so far (for the progress display and the summary)."""

    read: int = 0
    written: int = 0
    errors: int = 0
    credits: int = 0
    exhausted: bool = False


def _error(err: SnovError | None) -> str:
    if err is None:
        return ""
    return f"{type(err).__name__}: {err.message}"


def _verdict(v: EmailVerification | None) -> dict[str, Any]:
    check = v.result if v is not None else None
    if check is None:
        return dict.fromkeys(VERIFY_COLUMNS)
    return {
        "smtp_status": check.smtp_status,
        "unknown_status_reason": check.unknown_status_reason,
        "is_valid_format": check.is_valid_format,
        "is_disposable": check.is_disposable,
        "is_webmail": check.is_webmail,
        "is_gibberish": check.is_gibberish,
    }


def _verify_fields(r: EmailVerification) -> tuple[dict[str, Any], int]:
    return {**_verdict(r), "error": _error(r.error)}, 1 if r.ok else 0


def _find_fields(r: EmailSearch) -> tuple[dict[str, Any], int]:
    best = next((e for e in r.emails if e.email == r.email), None)
    cost = sum(1 for e in r.emails if e.smtp_status in (SmtpStatus.VALID, SmtpStatus.UNKNOWN))
    return {
        "email": r.email,
        "smtp_status": best.smtp_status if best else None,
        "unknown_status_reason": best.unknown_status_reason if best else None,
        "emails": [e.email for e in r.emails],
        "error": _error(r.error),
    }, cost


def _domain_fields(r: CompanyDomain) -> tuple[dict[str, Any], int]:
    return {"domain": r.domain, "error": _error(r.error)}, 1 if r.found else 0


def _profile_fields(r: LinkedInProfile) -> tuple[dict[str, Any], int]:
    p = r.profile
    first = p.positions[0] if p and p.positions else None
    return {
        "found": r.found if r.error is None else None,
        "name": p.name if p else None,
        "first_name": p.first_name if p else None,
        "last_name": p.last_name if p else None,
        "position": first.title if first else None,
        "company": first.name if first else None,
        "industry": p.industry if p else None,
        "location": p.location if p else None,
        "country": p.country if p else None,
        "error": _error(r.error),
    }, 1 if r.found else 0


def _value(command: Command, row: Row, columns: dict[str, str]) -> Any:
    if command.fields == ("first_name", "last_name", "domain"):
        return tuple(str(row.fields.get(columns[f]) or "") for f in command.fields)
    return str(row.fields.get(columns[command.fields[0]]) or "")


class _Ordered:
    """Writes each row once it and every row before it are answered."""

    def __init__(self, writer: RowWriter, names: dict[str, str], tally: Tally) -> None:
        self.writer = writer
        self.names = names
        self.tally = tally
        self.rows: dict[int, Row] = {}
        self.done: dict[int, dict[str, Any]] = {}
        self.next = 0

    def read(self, row: Row) -> None:
        self.rows[row.index] = row
        self.tally.read += 1

    def answer(self, index: int, fields: dict[str, Any], credits: int = 0) -> None:
        self.done[index] = fields
        self.tally.credits += credits
        if fields.get("error"):
            self.tally.errors += 1
        while self.next in self.done:
            row = self.rows.pop(self.next)
            result = self.done.pop(self.next)
            out = dict(row.fields)
            for key, value in result.items():
                out[self.names[key]] = value
            self.writer.write(out)
            self.tally.written += 1
            self.next += 1


def _bad_row(command: Command, row: Row, problem: str) -> dict[str, Any]:
    fields: dict[str, Any] = dict.fromkeys(command.columns)
    fields["error"] = f"InputError: {problem}"
    return fields


async def run_job(
    client: SnovClient,
    command: Command,
    rows: Iterator[Row],
    columns: dict[str, str],
    writer: RowWriter,
    names: dict[str, str],
    tally: Tally,
) -> None:
    """Run ``command`` over ``rows``, writing one output row per input row, in order."""
    ordered = _Ordered(writer, names, tally)
    runner_row: dict[int, int] = {}  # the runner's input index -> row index
    sent = itertools.count()

    def inputs() -> Iterator[Any]:
        for row in rows:
            ordered.read(row)
            if row.problem is not None:
                ordered.answer(row.index, _bad_row(command, row, row.problem))
                continue
            runner_row[next(sent)] = row.index
            yield _value(command, row, columns)
        tally.exhausted = True

    if command.name == "enrich":
        await _enrich(client, inputs(), runner_row, ordered)
        return
    if command.name == "verify":
        stream = client.verification.verify_iter(inputs())
        await _drain(stream, _verify_fields, runner_row, ordered)
    elif command.name == "find-emails":
        found = client.email_finder.find_emails_iter(inputs())
        await _drain(found, _find_fields, runner_row, ordered)
    elif command.name == "domains":
        domains = client.email_finder.company_domains_iter(inputs())
        await _drain(domains, _domain_fields, runner_row, ordered)
    else:
        profiles = client.enrichment.linkedin_profiles_iter(inputs())
        await _drain(profiles, _profile_fields, runner_row, ordered)


async def _drain(
    stream: AsyncIterator[T],
    fields: Callable[[T], tuple[dict[str, Any], int]],
    runner_row: dict[int, int],
    ordered: _Ordered,
) -> None:
    async for result in stream:
        values, credits = fields(result)
        ordered.answer(runner_row.pop(getattr(result, "index")), values, credits)  # noqa: B009


async def _enrich(
    client: SnovClient,
    rows: Iterator[Any],
    runner_row: dict[int, int],
    ordered: _Ordered,
) -> None:
    """find_emails for every row; verify every email found, as soon as it is found."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    verify_row: dict[int, int] = {}
    queued = itertools.count()
    found: dict[int, EmailSearch] = {}

    async def emails() -> AsyncIterator[str]:
        while (email := await queue.get()) is not None:
            yield email

    async def find() -> None:
        try:
            async for r in client.email_finder.find_emails_iter(rows):
                index = runner_row.pop(r.index)
                if r.email is None:
                    values, credits = _find_fields(r)
                    verdict = dict.fromkeys(VERIFY_COLUMNS)
                    ordered.answer(
                        index,
                        {"email": None, **verdict, "error": values["error"]},
                        credits,
                    )
                    continue
                found[index] = r
                verify_row[next(queued)] = index
                await queue.put(r.email)
        finally:
            await queue.put(None)

    async def verify() -> None:
        async for v in client.verification.verify_iter(emails()):
            index = verify_row.pop(v.index)
            search = found.pop(index)
            _, find_credits = _find_fields(search)
            ordered.answer(
                index,
                {"email": search.email, **_verdict(v), "error": _error(v.error)},
                find_credits + (1 if v.ok else 0),
            )

    await asyncio.gather(find(), verify())


@attrs.frozen
class Estimate:
    """The dry run's answer: requests, time and the most credits the job can spend."""

    rows: int
    unusable: int
    unique: int
    requests: int
    seconds: float
    max_credits: int


def estimate(
    command: Command, rows: Iterator[Row], columns: dict[str, str], requests_per_minute: float
) -> Estimate:
    """Count what a run would send, without sending anything."""
    prepare: Callable[[Any], Any]
    if command.fields == ("first_name", "last_name", "domain"):

        def prepare(value: Any) -> Any:
            first, last, domain = _normalize.name_domain(value)
            return (first.casefold(), last.casefold(), domain)
    elif command.name == "verify":
        prepare = _normalize.email
    elif command.name == "domains":

        def prepare(value: Any) -> Any:
            return _normalize.company_name(value).casefold()
    else:
        prepare = _normalize.linkedin_url
    total = unusable = 0
    keys: set[Any] = set()
    for row in rows:
        total += 1
        if row.problem is not None:
            unusable += 1
            continue
        try:
            keys.add(prepare(_value(command, row, columns)))
        except ValidationError:
            unusable += 1
    batches = math.ceil(len(keys) / 10)
    # A token, a balance check, then one start and one result per batch and stage.
    requests = 2 + 2 * batches * command.stages
    seconds = requests * 60.0 / requests_per_minute * 1.02
    return Estimate(
        rows=total,
        unusable=unusable,
        unique=len(keys),
        requests=requests,
        seconds=seconds,
        max_credits=len(keys) * command.max_credits,
    )
