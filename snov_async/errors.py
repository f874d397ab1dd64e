"""Exceptions raised by snov_async.

This is a leaf module: it imports nothing from the rest of the package, so every other module
can import it without cycles.

The tree::

    SnovError                       base of everything this SDK raises on purpose
    ├── ConfigurationError          bad client settings (also a ValueError); raised before I/O
    ├── ClientStateError            the client was used after ``close()``
    ├── ValidationError             400/422 answers and client-side input checks (also ValueError)
    ├── AuthenticationError         401/403, bad client_id/client_secret, revoked tokens
    ├── NotFoundError               404
    ├── RateLimitError              429 after the retry budget was spent
    ├── NotEnoughCreditsError       the account ran out of credits
    ├── ServerError                 5xx after the retry budget was spent
    ├── TransportError              connection failures and timeouts (no usable HTTP answer)
    ├── ResponseFormatError         an HTML error page, truncated or otherwise invalid JSON
    ├── OutcomeUnknownError         a call that starts paid work may or may not have reached
    │                               the server (read timeout, dropped connection, 5xx); it was
    │                               deliberately *not* retried. ``.cause`` holds the original.
    ├── TaskTimeoutError            a task did not complete before its deadline
    ├── BackendError                a shared backend (the Redis pacer, token cache or
    │                               journal) failed or stayed unreachable (``.backend``)
    ├── JournalError                the journal cannot be used: not a journal file, damaged,
    │                               locked too long, or failing to write (``.path``)
    └── ServiceFailingError         not started: starts kept ending with an unknown outcome

Every error carries the HTTP ``status`` (``None`` when there was no HTTP answer), the
``method`` and ``path`` of the operation (never a query string, body or header, so no secret
can leak through them) and ``messages``: the server's own messages, parsed from whichever of
Snov.io's three error envelopes it used. Errors made from an HTTP answer also keep that
answer, as openai-python and httpx errors do: ``body`` (the decoded JSON, or the text, cut at
4,000 characters), ``headers`` and ``request_id`` (from ``X-Request-Id`` and its kin), with
secrets redacted; all three are ``None`` when no answer was read. Known secrets (the client
secret, the tokens) that a server echoes are replaced by ``***`` in every attribute and in the
rendered message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = [
    "AuthenticationError",
    "BackendError",
    "ClientStateError",
    "ConfigurationError",
    "JournalError",
    "NotEnoughCreditsError",
    "NotFoundError",
    "OutcomeUnknownError",
    "RateLimitError",
    "ResponseFormatError",
    "ServerError",
    "ServiceFailingError",
    "SnovError",
    "TaskTimeoutError",
    "TransportError",
    "ValidationError",
]

#: Applied to every rendered error message: ``snov_async._secrets`` installs the redaction of
#: known secrets here (this module imports nothing, so it is handed the function).
_redact: Callable[[str], str] = str


class SnovError(Exception):
    """Base class for every error raised by snov_async.

    Attributes:
        message: a human-readable summary (no secrets).
        status: the HTTP status code, or ``None`` when no HTTP answer was read.
        method: the HTTP method of the operation, e.g. ``"POST"``.
        path: the path template or path of the operation, e.g. ``"/v1/get-balance"``.
        messages: the server's own error messages, in the order it sent them.
        field: for validation errors, the name of the offending field when known.
        body: the answer's decoded JSON body (or its text), when the error came from one.
        headers: the answer's headers, when the error came from one.
        request_id: the server's request id (``X-Request-Id`` and kin), when it sent one.
    """

    body: object = None
    headers: dict[str, str] | None = None
    request_id: str | None = None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        path: str | None = None,
        messages: Sequence[str] = (),
        field: str | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        self.messages = tuple(messages)
        self.field = field
        super().__init__(self._render())

    def _render(self) -> str:
        parts = []
        if self.method and self.path:
            parts.append(f"{self.method} {self.path}")
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        prefix = " ".join(parts)
        text = f"{prefix}: {self.message}" if prefix else self.message
        extra = [m for m in self.messages if m and m != self.message]
        if extra:
            text += " (" + "; ".join(extra) + ")"
        return _redact(text)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._render()!r})"

    def __reduce__(self) -> tuple[object, ...]:
        # Keep the keyword-only attributes across pickling (multiprocessing, journals).
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))


def _rebuild(cls: type[SnovError], message: str, state: dict[str, object]) -> SnovError:
    err = cls.__new__(cls)
    err.__dict__.update(state)
    Exception.__init__(err, err._render())
    return err


class ConfigurationError(SnovError, ValueError):
    """The client was configured with missing or invalid settings."""


class ClientStateError(SnovError):
    """The client was used in a state that does not allow it (for example after close)."""


class ValidationError(SnovError, ValueError):
    """The request was rejected as invalid: by the server (400/422) or before sending."""


class AuthenticationError(SnovError):
    """Credentials or the access token were rejected (401/403)."""


class NotFoundError(SnovError):
    """The requested object or route does not exist (404).

    Attributes:
        answer: ``True`` when the server answered the lookup itself with "nothing found"
            (``{"success": false, "message": "We couldn't find ..."}`` and the like) rather
            than refusing the route; lookups turn such answers into ``None`` or ``[]``.
    """

    answer: bool = False


class RateLimitError(SnovError):
    """The server kept answering 429 after every retry.

    Attributes:
        retry_after: seconds the server asked us to wait, when it said so.
    """

    retry_after: float | None = None


class NotEnoughCreditsError(SnovError):
    """The account does not have enough credits for the operation."""


class ServerError(SnovError):
    """The server answered with a 5xx status."""


class TransportError(SnovError):
    """No usable HTTP answer: the connection failed, dropped, or timed out.

    Attributes:
        request_sent: ``False`` only when the connection failed before any byte of the
            request left this process (so the server cannot have processed it).
    """

    request_sent: bool = True


class ResponseFormatError(SnovError):
    """The answer could not be decoded: an HTML error page, truncated or invalid JSON — or,
    for one input of a batch, the answer had no entry that is unambiguously that input's
    (``raw`` then holds the entries nobody matched).

    Attributes:
        too_large: the answer was larger than the client's ``max_response_size`` (it was not
            read whole, and the call is not retried: the next answer would be as large).
        raw: the answer's entries that could not be matched to an input, when that is what
            went wrong.
    """

    too_large: bool = False
    raw: object = None


class OutcomeUnknownError(SnovError):
    """A call that starts paid work failed in a way that leaves its outcome unknown.

    The request may have reached Snov.io and spent credits, so it was not retried. The task
    runner reports the affected items with this error instead of sending them again.

    Attributes:
        cause: the error that made the outcome unknown.
    """

    cause: SnovError | None = None


class TaskTimeoutError(SnovError):
    """A started task did not complete before its deadline.

    Attributes:
        task_hash: the hash of the task, usable to fetch the result later.
    """

    task_hash: str | None = None


class BackendError(SnovError):
    """A shared backend failed: the Redis pacer, token cache or journal could not be reached
    within its bounded retries, or answered with an error.

    Attributes:
        backend: which one, e.g. ``"redis pacer"`` or ``"redis journal"``.
    """

    backend: str | None = None


class JournalError(SnovError):
    """The journal cannot be used: the file is not a journal (empty, garbage, another
    program's database), is damaged or truncated, stayed locked by another process, or a
    read or write failed. Nothing is sent for work the journal could not record.

    Attributes:
        path: the journal's file (or Redis prefix).
    """

    path: str | None = None


class ServiceFailingError(SnovError):
    """Not started: the task runner stopped starting paid work because starts kept ending
    with an unknown outcome (timeouts, 5xx, dropped connections) and a probe start after a
    cool-down did too. Nothing was sent for the inputs that carry it."""
