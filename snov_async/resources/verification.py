"""Email verification (reference lines 746-850)."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping, Sequence
from typing import Any

from .. import _normalize, _validate
from .._convert import structure
from .._runner import BatchSpec, Call, ProgressCallback
from .._runner.matching import address_key, match_entries
from ..errors import SnovError, ValidationError
from ..models.tasks import TaskStart
from ..models.verification import EmailCheck, EmailVerification, VerificationResult
from ._base import Resource
from ._tasks import check_batch, check_bulk, check_progress, data_list, task_start

__all__ = ["VerificationResource", "VerifySpec"]

START = "/v2/email-verification/start"
RESULT = "/v2/email-verification/result"


class VerifySpec(BatchSpec[str, EmailVerification]):
    """Emails in, one `EmailVerification` per email out."""

    name = "email-verification"
    supports_webhook = True
    discoverable = True

    def prepare(self, raw: Any) -> str:
        return _normalize.email(raw)

    def start_call(self, items: list[str], webhook_url: str | None = None) -> Call:
        return Call("POST", START, form={"emails": items, "webhook_url": webhook_url})

    def result_call(self, task_hash: str) -> Call:
        return Call("GET", RESULT, params={"task_hash": task_hash})

    def split(self, payload: Any, items: list[str], *, ordered: bool = True) -> list[Any]:
        # Answers do not come back in input order (reference line 767): match by address.
        entries = [e for e in data_list(payload) if isinstance(e, dict)]
        matched = match_entries(
            [address_key(item) for item in items],
            entries,
            lambda e: address_key(e["email"]) if isinstance(e.get("email"), str) else None,
            what="email",
            by_position=ordered,
        )
        return [m.get("result") if isinstance(m, dict) else m for m in matched]

    def echoed(self, payload: Any) -> list[Any]:
        return [e["email"] for e in data_list(payload) if isinstance(e, dict) and e.get("email")]

    def make(
        self,
        *,
        index: int,
        raw: Any,
        item: str | None,
        data: Any,
        error: SnovError | None,
        task_hash: str | None,
    ) -> EmailVerification:
        check = None
        if error is None and (isinstance(data, Mapping) or data == []):
            check = structure(data, EmailCheck)  # [] is PHP's empty object
        return EmailVerification(
            index=index, input=raw, email=item, result=check, error=error, task_hash=task_hash
        )


class VerificationResource(Resource):
    """``snov.verification``: is this mailbox real?"""

    __slots__ = ()
    spec = VerifySpec()

    async def verify(
        self,
        emails: Iterable[Any] | AsyncIterable[Any],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[EmailVerification]:
        """Verify any number of emails; one `EmailVerification` per input, in input order.

        Emails are trimmed and lower-cased; duplicates are verified once and the answer given
        to each position; malformed addresses get a `ValidationError` without being sent.
        Batches of 10 go through the client's task runner, paced with everything else.

        Cost: 1 credit per address verified. Reference line 746.
        """
        check_bulk(emails, "emails", progress)
        return await self._runner.run(self.spec, emails, progress=progress)

    def verify_iter(
        self,
        emails: Iterable[Any] | AsyncIterable[Any],
        *,
        progress: ProgressCallback | None = None,
    ) -> AsyncIterator[EmailVerification]:
        """Like `verify`, yielding each result as it completes (``.index`` says which)."""
        check_bulk(emails, "emails", progress)
        return self._runner.iterate(self.spec, emails, progress=progress)

    async def start_verify(
        self, emails: Sequence[str], *, webhook_url: str | None = None
    ) -> TaskStart:
        """Start one verification task of 1 to 10 emails (low-level).

        Each email is sent as given, trimmed (ASCII letters lower-cased). The server judges
        the format: the reference's own example batch includes ``ivalid_format_snov.io``,
        answered ``not_valid`` with ``is_valid_format: false``. Only what cannot be sent is
        refused: no emails, more than 10, an item that is not a non-empty string.

        ``POST /v2/email-verification/start`` (reference line 746). Not retried once it may
        have reached the server: a failure then raises `OutcomeUnknownError`.
        """
        clean = []
        for n, email in enumerate(check_batch(emails, "emails")):
            text = email.strip() if isinstance(email, str) else ""
            if not text or any(ord(c) < 32 or ord(c) == 127 for c in text):
                raise ValidationError(
                    f"emails[{n}] must be a non-empty string without control characters",
                    field="emails",
                )
            _validate.unsendable(text, "emails")
            clean.append("".join(c.lower() if c.isascii() else c for c in text))
        if webhook_url is not None:
            _validate.web_url(webhook_url, "webhook_url")
        return task_start(await self._http.send(self.spec.start_call(clean, webhook_url)))

    async def verify_result(
        self, task_hash: str, *, timeout: float | None = None
    ) -> VerificationResult:
        """The verification task's answer as it stands (``in_progress`` or ``completed``).

        ``GET /v2/email-verification/result`` (reference line 767). Free.
        """
        return await self._task_result(self.spec, VerificationResult, task_hash, timeout=timeout)

    async def collect(
        self,
        task_hash: str,
        emails: Sequence[Any] | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> list[EmailVerification]:
        """Wait for a verification task started earlier (a low-level `start_verify`, or a
        ``runner.unfinished`` entry) and return one `EmailVerification` per email.

        Polled by the client's task runner like any bulk call (paced, with a deadline);
        nothing is started. Give ``emails`` as they were started to get results in their
        order; without them, the results follow the emails the answer names. Free.
        """
        check_progress(progress)
        return await self._runner.collect_task(
            self.spec, task_hash, emails, progress=progress, field="emails"
        )
