"""The TaskRunner: every task-based operation goes through it.

Snov.io's task operations are two calls: a ``.../start`` that takes up to 10 items and answers
a ``task_hash``, and a ``.../result`` that answers ``in_progress`` until the task is done. The
runner turns any number of inputs into batches, starts them and polls them, and hands back one
typed result per input.

How it spends the rate budget:

* **One scheduler per client.** Every bulk call of every resource feeds the same scheduler; it
  takes a pacer slot first and only then decides what to send with it — a start, or the poll
  of the oldest task that is due — so a slot is never spent on a stale decision.
* **Polls at the expected completion.** Each operation has a `LatencyEstimator` that learns,
  online, how long its tasks take (a quantile of what it saw, not a mean); a task is polled no
  earlier than that, and tasks still in progress push the estimate up for everyone.
* **Adaptive, bounded.** Tasks in flight follow Little's law (start rate times learned
  latency, with headroom) up to a memory cap, or a fixed ``max_in_flight``; inputs are read
  lazily and duplicates are remembered in a bounded window, so an iterator of any length runs
  in bounded memory.
* **Every input ends with a result or an error object.** Invalid inputs get a
  `ValidationError` without being sent; duplicates are sent once and fanned back; a failed
  batch marks only its items; ``not_enough_credits`` stops new starts; a start whose outcome is
  unknown is reported (`OutcomeUnknownError`), never resent; a task past its deadline gets
  `TaskTimeoutError` carrying its hash.

The parts, each with one job:

* `spec` — `BatchSpec`: how an operation maps inputs to calls and answers to results (no I/O);
* `policy` — `LatencyEstimator` and `PollPolicy`: when a task is due (pure arithmetic);
* `matching` — `match_entries`: which answer entry is which input's, refusing to guess;
* `job` — `Job`: one bulk call's input reading, dedupe, batching, backpressure and output;
* `ledger` — `Ledger`: everything the runner tells the journal (a no-op without one);
* `task` — `RemoteTask` and `TaskBoard`: the started tasks, and which one is due;
* `gate` — `StartBreaker`: stop starting paid work while starts end with unknown outcomes;
* `scheduler` — `Scheduler`: what each pacer slot is spent on (jobs in turn, the in-flight
  cap, closing); its two sides live in `starting` (a paid start and what a refusal means)
  and `polling` (a poll or push, and answering every input once), on `parts` (what
  they read of the scheduler, declared once);
* `runner` — `TaskRunner`: bulk calls in, typed results out; `collect` for known tasks.
"""

from .._call import Call
from ..models.tasks import Progress
from .job import OUTPUT_BACKLOG
from .policy import LatencyEstimator, PollPolicy
from .runner import TaskRunner
from .spec import BatchSpec, ProgressCallback, TaskRef

__all__ = [
    "OUTPUT_BACKLOG",
    "BatchSpec",
    "Call",
    "LatencyEstimator",
    "PollPolicy",
    "Progress",
    "ProgressCallback",
    "TaskRef",
    "TaskRunner",
]
