"""The command line's jobs: input rows in, one output row per input row, in input order.

Each job streams rows into the client's bulk ``_iter`` methods and writes a row as soon as it
and every row before it are answered, so memory stays bounded by the runner's window.

Every output row gets a ``status``:

* ``found`` — the API answered with something: an email, a domain, a profile, or (``verify``)
  a verdict (see ``smtp_status``);
* ``not_found`` — the API answered, and found nothing (this costs no credits);
* ``invalid`` — the row cannot be sent (no email, a malformed address, a missing last name,
  a line that is not JSON ...): decided before any request, costs nothing, and the same on
  every rerun;
* ``error`` — the row was tried and failed (``error`` says why: out of credits, a timeout,
  an outcome that is unknown ...): rerun it;
* ``skipped`` — the run stopped (interrupted, or a fatal error) before this row was answered.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import math
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

import attrs

from .. import _normalize
from .._client import SnovClient
from ..errors import SnovError, ValidationError
from ..models.email_finder import CompanyDomain, EmailSearch
from ..models.enrichment import LinkedInProfile
from ..models.verification import EmailVerification, SmtpStatus
from .output import RowWriter
from .rows import Row

__all__ = [
    "COMMANDS",
    "STATUSES",
    "Answer",
    "Command",
    "Estimate",
    "Ordered",
    "Tally",
    "estimate",
    "run_job",
]

T = TypeVar("T")

STATUSES = ("found", "not_found", "invalid", "error", "skipped")

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
    #: The result columns (``status`` comes before them; ``error`` and ``source`` after).
    columns: tuple[str, ...]
    #: Most credits one unique input can cost (the dry run's ceiling).
    max_credits: int
    #: Task operations per unique input (batches of 10 each): 2 for enrich.
    stages: int = 1
    #: Whether ``--sample`` makes sense (the bundled sample has names, domains, companies).
    sample: bool = False

    @property
    def output_columns(self) -> tuple[str, ...]:
        return ("status", *self.columns, "error", "source")


COMMANDS: dict[str, Command] = {
    "verify": Command(
        "verify",
        "verify email addresses (column: email)",
        ("email",),
        VERIFY_COLUMNS,
        1,
    ),
    "find-emails": Command(
        "find-emails",
        "find emails by first name, last name and domain",
        ("first_name", "last_name", "domain"),
        ("email", "smtp_status", "unknown_status_reason", "emails"),
        1,
        sample=True,
    ),
    "domains": Command(
        "domains",
        "find the website domain of company names (column: company or name)",
        ("company",),
        ("domain",),
        1,
        sample=True,
    ),
    "profiles": Command(
        "profiles",
        "fetch LinkedIn profiles by URL (column: linkedin or url)",
        ("linkedin",),
        (
            "name",
            "first_name",
            "last_name",
            "position",
            "company",
            "industry",
            "location",
            "country",
        ),
        1,
    ),
    "enrich": Command(
        "enrich",
        "name + domain -> email -> verification, in one pipeline",
        ("first_name", "last_name", "domain"),
        ("email", *VERIFY_COLUMNS),
        2,
        stages=2,
        sample=True,
    ),
}


@attrs.frozen
class Answer:
    """What one input row got: its result columns, status, credits and error."""

    fields: dict[str, Any]
    status: str
    credits: int = 0
    error: SnovError | None = None
    problem: str | None = None

    @property
    def error_text(self) -> str:
        if self.problem is not None:
            return f"InputError: {self.problem}"
        if self.error is None:
            return ""
        return f"{type(self.error).__name__}: {self.error.message}"


@attrs.define
class Tally:
    """What a job did so far (for the progress display, the summary and the exit code)."""

    #: Rows in the input (counted when it was checked).
    total: int = 0
    read: int = 0
    answered: int = 0
    written: int = 0
    found: int = 0
    not_found: int = 0
    invalid: int = 0
    failed: int = 0
    skipped: int = 0
    credits: int = 0
    exhausted: bool = False
    #: Failed rows by error class name (``NotEnoughCreditsError``: 3, ...).
    failures: collections.Counter[str] = attrs.field(factory=collections.Counter)
    started: float = attrs.field(factory=time.monotonic)
    first_answer: float | None = None

    def count(self, answer: Answer) -> None:
        self.answered += 1
        self.credits += answer.credits
        if self.first_answer is None:
            self.first_answer = time.monotonic()
        if answer.status == "found":
            self.found += 1
        elif answer.status == "not_found":
            self.not_found += 1
        elif answer.status == "invalid":
            self.invalid += 1
        elif answer.status == "skipped":
            self.skipped += 1
        else:
            self.failed += 1
            self.failures[type(answer.error).__name__ if answer.error else "Error"] += 1


def _failure(err: SnovError | None) -> str:
    return "invalid" if isinstance(err, ValidationError) else "error"


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


def _verify_answer(r: EmailVerification) -> Answer:
    if r.error is not None:
        return Answer(_verdict(None), _failure(r.error), 0, r.error)
    status = "found" if r.result is not None else "not_found"
    return Answer(_verdict(r), status, 1)


def _find_cost(r: EmailSearch) -> int:
    return sum(1 for e in r.emails if e.smtp_status in (SmtpStatus.VALID, SmtpStatus.UNKNOWN))


def _find_answer(r: EmailSearch) -> Answer:
    best = next((e for e in r.emails if e.email == r.email), None)
    fields = {
        "email": r.email,
        "smtp_status": best.smtp_status if best else None,
        "unknown_status_reason": best.unknown_status_reason if best else None,
        "emails": [e.email for e in r.emails],
    }
    if r.error is not None:
        return Answer(fields, _failure(r.error), 0, r.error)
    return Answer(fields, "found" if r.email else "not_found", _find_cost(r))


def _domain_answer(r: CompanyDomain) -> Answer:
    if r.error is not None:
        return Answer({"domain": None}, _failure(r.error), 0, r.error)
    return Answer({"domain": r.domain}, "found" if r.found else "not_found", 1 if r.found else 0)


def _profile_answer(r: LinkedInProfile) -> Answer:
    p = r.profile
    first = p.positions[0] if p and p.positions else None
    fields = {
        "name": p.name if p else None,
        "first_name": p.first_name if p else None,
        "last_name": p.last_name if p else None,
        "position": first.title if first else None,
        "company": first.name if first else None,
        "industry": p.industry if p else None,
        "location": p.location if p else None,
        "country": p.country if p else None,
    }
    if r.error is not None:
        return Answer(fields, _failure(r.error), 0, r.error)
    return Answer(fields, "found" if r.found else "not_found", 1 if r.found else 0)


def _value(command: Command, row: Row) -> Any:
    values = [str(row.fields.get(row.columns.get(f, "")) or "") for f in command.fields]
    return tuple(values) if len(values) > 1 else values[0]


class Ordered:
    """Writes each row once it and every row before it are answered."""

    def __init__(
        self,
        command: Command,
        writer: RowWriter,
        names: dict[str, str],
        tally: Tally,
        source: str,
    ) -> None:
        self.command = command
        self.writer = writer
        self.names = names
        self.tally = tally
        self.source = source
        self.rows: dict[int, Row] = {}
        self.done: dict[int, Answer] = {}
        self.next = 0

    def read(self, row: Row) -> None:
        self.rows[row.index] = row
        self.tally.read += 1

    def answer(self, index: int, answer: Answer) -> None:
        self.done[index] = answer
        self.tally.count(answer)
        while self.next in self.done:
            self._write(self.rows.pop(self.next), self.done.pop(self.next))
            self.next += 1

    def _write(self, row: Row, answer: Answer) -> None:
        out = dict(row.fields)
        values = {
            "status": answer.status,
            **answer.fields,
            "error": answer.error_text,
            "source": self.source,
        }
        for key in self.command.output_columns:
            out[self.names[key]] = values.get(key)
        self.writer.write(out)
        self.tally.written += 1

    def skip_the_rest(self) -> None:
        """The run stopped: write every row read so far, ``skipped`` where unanswered."""
        for index in sorted(self.rows):
            answer = self.done.pop(index, None)
            if answer is None:
                answer = Answer(dict.fromkeys(self.command.columns), "skipped")
                self.tally.count(answer)
            self._write(self.rows[index], answer)
        self.rows.clear()
        self.next = -1


def _bad_row(command: Command, row: Row) -> Answer:
    return Answer(dict.fromkeys(command.columns), "invalid", problem=row.problem)


async def run_job(
    client: SnovClient, command: Command, rows: Iterator[Row], ordered: Ordered
) -> None:
    """Run ``command`` over ``rows``, writing one output row per input row, in order."""
    runner_row: dict[int, int] = {}  # the runner's input index -> row index
    sent = itertools.count()
    tally = ordered.tally

    def inputs() -> Iterator[Any]:
        for row in rows:
            ordered.read(row)
            if row.problem is not None:
                ordered.answer(row.index, _bad_row(command, row))
                continue
            runner_row[next(sent)] = row.index
            yield _value(command, row)
        tally.exhausted = True

    if command.name == "enrich":
        await _enrich(client, inputs(), runner_row, ordered)
        return
    if command.name == "verify":
        stream = client.verification.verify_iter(inputs())
        await _drain(stream, _verify_answer, runner_row, ordered)
    elif command.name == "find-emails":
        found = client.email_finder.find_emails_iter(inputs())
        await _drain(found, _find_answer, runner_row, ordered)
    elif command.name == "domains":
        domains = client.email_finder.company_domains_iter(inputs())
        await _drain(domains, _domain_answer, runner_row, ordered)
    else:
        profiles = client.enrichment.linkedin_profiles_iter(inputs())
        await _drain(profiles, _profile_answer, runner_row, ordered)


async def _drain(
    stream: AsyncIterator[T],
    answer: Callable[[T], Answer],
    runner_row: dict[int, int],
    ordered: Ordered,
) -> None:
    async for result in stream:
        ordered.answer(runner_row.pop(getattr(result, "index")), answer(result))  # noqa: B009


async def _enrich(
    client: SnovClient,
    rows: Iterator[Any],
    runner_row: dict[int, int],
    ordered: Ordered,
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
                if r.email is None or r.error is not None:
                    first = _find_answer(r)
                    fields = {"email": None, **_verdict(None)}
                    ordered.answer(index, attrs.evolve(first, fields=fields))
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
            checked = _verify_answer(v)
            ordered.answer(
                index,
                Answer(
                    {"email": search.email, **checked.fields},
                    "found" if checked.status in ("found", "not_found") else checked.status,
                    _find_cost(search) + checked.credits,
                    checked.error,
                ),
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


def estimate(command: Command, rows: Iterator[Row], requests_per_minute: float) -> Estimate:
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
            keys.add(prepare(_value(command, row)))
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
