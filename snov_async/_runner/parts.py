"""What the two sides of the scheduler (`Starting`, `Polling`) read of it: its state and the
methods they call on each other, declared once for the type checker. Nothing here runs:
`Scheduler.__init__` sets the state and the parts define the methods."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._call import Call, Slot
    from .._http import HTTPCore
    from ..errors import NotEnoughCreditsError, SnovError
    from ..webhooks.events import TaskResult
    from ..webhooks.receiver import WebhookReceiver
    from .gate import StartBreaker
    from .job import Job
    from .policy import PollPolicy
    from .spec import TaskRef
    from .task import RemoteTask, TaskBoard

__all__ = ["SchedulerPart"]


class SchedulerPart:
    """The base of the scheduler's parts (see the module docstring)."""

    if TYPE_CHECKING:
        _http: HTTPCore
        policy: PollPolicy
        breaker: StartBreaker
        task_timeout: float
        webhook: WebhookReceiver | None
        push_timeout: float
        tasks: TaskBoard
        unfinished: list[TaskRef]
        pushed: int
        blocked: bool
        _starting: int
        _proven: bool
        _auth_failures: int

        def poke(self) -> None: ...
        def ready(self, job: Job[Any, Any]) -> None: ...
        def halt_all(self, error: SnovError) -> None: ...
        def _spawn(self, coro: Any, *, start: bool = False) -> None: ...
        async def _send(self, call: Call, slot: Slot) -> Any: ...
        def _fail(
            self,
            job: Job[Any, Any],
            keys: list[Hashable],
            error: SnovError,
            task_hash: str | None,
        ) -> None: ...
        def _take_push(self, task: RemoteTask, event: TaskResult) -> None: ...
        def _give_up(self, task: RemoteTask, err: SnovError) -> None: ...
        def _out_of_credits(self, job: Job[Any, Any], err: NotEnoughCreditsError) -> None: ...
