"""When to try a request again, and how long to wait first.

The whole policy lives here. Two kinds of call:

* **idempotent** (GET, task polls, the token request): retried on 429, 408/409/425, 5xx,
  timeouts, connection errors and unreadable bodies;
* **unsafe** (every POST/PATCH/PUT/DELETE, above all the ``.../start`` calls that spend
  credits): retried only when the request provably was not processed — the connection failed
  before the request was sent, or the server rejected it with 429. After a read timeout, a
  dropped connection, a 5xx or an unreadable 2xx the outcome is unknown: the call raises
  `OutcomeUnknownError` instead of risking a second charge.

"Out of credits" (`NotEnoughCreditsError`, whatever status it arrives with) is an answer, not
a failure: it is never retried and never reported as an unknown outcome — the server refused
the work, so nothing was charged.

Delays come from the ``backoff`` package's wait generators (exponential, capped, full jitter);
``wait_gen`` and ``jitter`` are plain callables, so another generator can be swapped in.
A ``Retry-After`` hint replaces the computed delay.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Generator, Iterator
from typing import Any

import attrs
import backoff

from ._constants import (
    DEFAULT_BACKOFF_BASE,
    DEFAULT_BACKOFF_MAX,
    DEFAULT_MAX_ATTEMPTS,
    MAX_RETRY_AFTER,
    RETRY_STATUSES,
)
from .errors import (
    NotEnoughCreditsError,
    OutcomeUnknownError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    SnovError,
    TransportError,
)

__all__ = ["CallKind", "RetryPolicy"]


class CallKind(enum.Enum):
    """Whether a call may be repeated without risk."""

    IDEMPOTENT = "idempotent"
    UNSAFE = "unsafe"


def _expo(base: float, max_value: float) -> Generator[float, None, None]:
    gen: Generator[Any, None, None] = backoff.expo(base=2, factor=base, max_value=max_value)
    next(gen)  # backoff's generators are primed with one send(None)
    while True:
        yield float(next(gen))


@attrs.frozen
class RetryPolicy:
    """How many attempts a call gets and how long to wait between them.

    Attributes:
        max_attempts: attempts per call, the first included (1 disables retries).
        backoff_base: the first delay before jitter, in seconds; it doubles every attempt.
        backoff_max: no delay exceeds this.
        max_retry_after: a server hint longer than this is not waited for.
        wait_gen: ``(base, max) -> iterator of delays``; defaults to backoff's ``expo``.
        jitter: applied to each computed delay; defaults to backoff's ``full_jitter``.
    """

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_base: float = DEFAULT_BACKOFF_BASE
    backoff_max: float = DEFAULT_BACKOFF_MAX
    max_retry_after: float = MAX_RETRY_AFTER
    wait_gen: Callable[[float, float], Iterator[float]] = _expo
    jitter: Callable[[float], float] | None = backoff.full_jitter

    def delays(self) -> Iterator[float]:
        """The delays before the 2nd, 3rd, ... attempts (without server hints)."""
        for value in self.wait_gen(self.backoff_base, self.backoff_max):
            yield min(self.backoff_max, self.jitter(value) if self.jitter else value)

    def should_retry(self, kind: CallKind, error: SnovError) -> bool:
        """Whether ``error`` is worth another attempt for a call of this kind."""
        if isinstance(error, NotEnoughCreditsError):
            # An answer, whatever status it came with (the live API uses 400): never retried.
            return False
        if isinstance(error, RateLimitError):
            # A 429 means the request was refused, not processed: safe for every kind.
            hint = error.retry_after
            return hint is None or hint <= self.max_retry_after
        if isinstance(error, TransportError) and not error.request_sent:
            return True
        if kind is CallKind.UNSAFE:
            return False
        if isinstance(error, ResponseFormatError) and error.too_large:
            return False
        if isinstance(error, (ServerError, TransportError, ResponseFormatError)):
            return True
        return error.status in RETRY_STATUSES

    @staticmethod
    def outcome_unknown(kind: CallKind, error: SnovError) -> bool:
        """Whether an unsafe call's failure leaves open that the server did the work.

        Never for "out of credits": the server refused the work, so nothing was charged.
        """
        if kind is not CallKind.UNSAFE or isinstance(error, NotEnoughCreditsError):
            return False
        if isinstance(error, TransportError):
            return error.request_sent
        return isinstance(error, (ServerError, ResponseFormatError))

    @staticmethod
    def as_outcome_unknown(error: SnovError) -> OutcomeUnknownError:
        """Wrap ``error`` in the error that says the paid call may have gone through."""
        wrapped = OutcomeUnknownError(
            "the request may have been processed (and credits spent); it was not retried "
            f"to avoid a double charge: {error.message}",
            status=error.status,
            method=error.method,
            path=error.path,
            messages=error.messages,
        )
        wrapped.cause = error
        return wrapped
