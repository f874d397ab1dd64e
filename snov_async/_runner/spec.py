"""What a task operation is, as data: how inputs become calls and answers become results.

A `BatchSpec` does no I/O: the scheduler asks it for the ``.../start`` and ``.../result``
calls of a batch, and for the per-input share of a completed answer.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import attrs

from .._call import Call
from .._sansio import read_task_hash
from ..errors import ResponseFormatError, SnovError
from ..models.tasks import Progress

__all__ = ["BatchSpec", "Call", "ProgressCallback", "TaskRef"]

I = TypeVar("I")  # noqa: E741 - a prepared input
R = TypeVar("R")  # a result per input

ProgressCallback = Callable[[Progress], Any]


@attrs.frozen
class TaskRef:
    """A task that was started but whose result was not collected (e.g. after a cancel).

    Collect it with ``runner.collect(ref)`` (typed per-input results) or the operation's
    low-level ``..._result(task_hash)``. ``task_hash`` is ``None`` for a start that was cut
    off on the wire when the client closed: it may have been started (and charged), and
    nothing can collect it.
    """

    operation: str
    task_hash: str | None
    inputs: tuple[Any, ...]


class BatchSpec(abc.ABC, Generic[I, R]):
    """How one task operation maps inputs to calls and answers to results. No I/O here."""

    #: Name used in logs and `TaskRef` (e.g. ``"email-verification"``).
    name: str = "task"
    #: Items per start call.
    max_batch: int = 10
    #: Whether the start call takes a ``webhook_url`` (push mode).
    supports_webhook: bool = False
    #: Whether `echoed` can name a completed task's inputs (to collect a bare task hash).
    discoverable: bool = False

    @abc.abstractmethod
    def prepare(self, raw: Any) -> I:
        """Normalise one input as the API would; raise `ValidationError` if it is unusable."""

    def key(self, item: I) -> Hashable:
        """Inputs with the same key are sent once and share the answer."""
        return item

    def fits(self, item: I, batch: list[I]) -> bool:
        """Whether ``item`` may join ``batch`` (for answers that could not be told apart)."""
        return True

    @abc.abstractmethod
    def start_call(self, items: list[I], webhook_url: str | None = None) -> Call:
        """The ``.../start`` call for a batch (with ``webhook_url`` in push mode)."""

    def task_hash(self, payload: Any) -> str:
        """Read the task hash from a start answer (``data.task_hash`` or ``meta.task_hash``)."""
        return read_task_hash(payload)

    @abc.abstractmethod
    def result_call(self, task_hash: str) -> Call:
        """The ``.../result`` call for a task."""

    def status(self, payload: Any) -> str:
        if isinstance(payload, dict) and isinstance(payload.get("status"), str):
            return str(payload["status"])
        raise ResponseFormatError("the result answer has no status")

    def answers_for(self, payload: Any) -> str | None:
        """The task a result answer says it is about (``meta.task_hash``), if it says (a
        blank one says nothing)."""
        meta = payload.get("meta") if isinstance(payload, dict) else None
        named = meta.get("task_hash") if isinstance(meta, dict) else None
        return named if isinstance(named, str) and named.strip() else None

    @abc.abstractmethod
    def split(self, payload: Any, items: list[I], *, ordered: bool = True) -> list[Any]:
        """The completed answer's data for each item, aligned with ``items``: ``None`` when
        the answer says nothing about an item, a `SnovError` when what it says cannot be
        told to be that item's (see `matching.match_entries`). ``ordered``: ``items`` are
        the task's inputs in the order they were sent (false for a task resumed from a hash:
        the caller or a rerun names them, so positions prove nothing)."""

    def echoed(self, payload: Any) -> list[Any]:
        """The inputs a completed answer names, in its order (for `discoverable` specs)."""
        return []

    @abc.abstractmethod
    def make(
        self,
        *,
        index: int,
        raw: Any,
        item: I | None,
        data: Any,
        error: SnovError | None,
        task_hash: str | None,
    ) -> R:
        """Build the typed result of one input."""
