"""Shapes shared by every task-based operation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..errors import SnovError
from .common import OpenEnum, SnovModel

__all__ = ["BulkResult", "Progress", "TaskStart", "TaskStatus"]


class TaskStatus(OpenEnum):
    """The ``status`` of a task result."""

    COMPLETED = "completed"
    IN_PROGRESS = "in_progress"
    NOT_ENOUGH_CREDITS = "not_enough_credits"


@attrs.frozen
class TaskStart(SnovModel):
    """The answer of a ``.../start`` call.

    Attributes:
        task_hash: the id to fetch the result with.
        meta: what the server echoed back (the inputs it accepted).
    """

    task_hash: str
    meta: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Progress:
    """Where a bulk call stands, passed to ``progress=`` callbacks.

    Attributes:
        done: inputs answered so far (results and errors alike).
        failed: of those, inputs answered with an error.
        total: inputs read so far, or all of them once the input is exhausted.
        exhausted: whether every input has been read (then ``total`` is final).
        requests: HTTP requests the client has sent so far (all calls, token included).
    """

    done: int
    failed: int
    total: int
    exhausted: bool
    requests: int


@attrs.frozen
class BulkResult:
    """What every per-input result of a bulk method carries.

    Attributes:
        index: the input's position in the call.
        input: the input exactly as given.
        error: why there is no answer (validation, credits, timeout, unknown outcome...).
        task_hash: the task that answered (or may answer) this input.
    """

    index: int
    input: Any
    error: SnovError | None = attrs.field(default=None, kw_only=True)
    task_hash: str | None = attrs.field(default=None, kw_only=True)

    @property
    def ok(self) -> bool:
        return self.error is None
