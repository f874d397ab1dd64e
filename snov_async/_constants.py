"""Every tunable default of the SDK, in one place."""

from __future__ import annotations

#: Production API root.
DEFAULT_BASE_URL = "https://api.snov.io"

#: The account-wide rate limit documented by Snov.io (all methods together).
DEFAULT_REQUESTS_PER_MINUTE = 60.0

#: Extra spacing added to every pacing interval, as a fraction of it, so that network jitter
#: between our clock and the server's cannot push two requests into the same slot.
DEFAULT_PACING_MARGIN = 0.02

#: Total time allowed for one HTTP exchange, in seconds.
DEFAULT_TIMEOUT = 30.0

#: Refresh an access token this many seconds before its ``expires_in`` runs out.
DEFAULT_TOKEN_REFRESH_MARGIN = 60.0

#: Token lifetime assumed when the token answer carries no ``expires_in``.
DEFAULT_TOKEN_LIFETIME = 3600.0

#: A token answer's ``expires_in`` is clamped to this range (seconds), with a warning: 0, a
#: negative number or NaN would otherwise cost a token request before every call.
MIN_TOKEN_LIFETIME = 60.0
MAX_TOKEN_LIFETIME = 24 * 3600.0

#: Answers larger than this (bytes, after decompression) are refused with
#: ``ResponseFormatError`` without being read whole; ``SnovClient(max_response_size=...)``.
DEFAULT_MAX_RESPONSE_SIZE = 32 * 1024 * 1024

#: Path of the OAuth client-credentials endpoint.
TOKEN_PATH = "/v1/oauth/access_token"

#: At most this many items per batch ``.../start`` call.
MAX_BATCH = 10

# Task runner -------------------------------------------------------------------------------

#: Tasks started and not yet collected, at most, per client, when ``max_tasks_in_flight`` is
#: not set: below it the runner keeps in flight what the rate keeps busy for the learned task
#: latency (Little's law). 2,000 tasks hold at most 20,000 inputs.
DEFAULT_MAX_TASKS_IN_FLIGHT = 2000
#: Within one bulk call, the results of the latest this-many unique inputs are kept so that a
#: duplicate input gets a copy of its first answer without a new start. A duplicate further
#: apart is answered from the journal when one is configured (no new charge); without a
#: journal it is started again. Bounds the call's memory for any input length.
DEFAULT_DEDUPE_WINDOW = 10_000
#: An async input source that pauses this many seconds leaves no part-full batch waiting: it
#: is started as it is (a trickling source is answered without waiting for ten inputs).
BATCH_LINGER = 1.0
#: A task still in progress this many seconds after its start is given up.
DEFAULT_TASK_TIMEOUT = 600.0
#: First guess of a task's latency, in seconds, before the runner has seen any.
DEFAULT_INITIAL_TASK_LATENCY = 3.0
#: Answers in the journal younger than this are reused instead of paid for again (7 days).
DEFAULT_CACHE_TTL = 7 * 24 * 3600.0
#: In push mode, seconds to wait for a task's webhook before polling it.
DEFAULT_PUSH_TIMEOUT = 60.0
#: On close, seconds to wait for starts already on the wire to answer (their hashes are kept).
DEFAULT_CLOSE_GRACE = 5.0
#: Consecutive starts of unknown outcome after which no start is sent until a probe succeeds.
DEFAULT_BREAKER_THRESHOLD = 3
#: Seconds without starts, after the breaker opens, before one probe start.
DEFAULT_BREAKER_COOL_DOWN = 30.0
#: Seconds a job's journal claims outlive its last heartbeat (renewed every third of it): a
#: worker that dies frees its inputs for the others this long after.
DEFAULT_CLAIM_LEASE = 30.0
#: Seconds between two looks at inputs another worker holds in a shared journal.
HELD_POLL_INTERVAL = 2.0

# Retries -----------------------------------------------------------------------------------

#: Attempts per call, the first one included.
DEFAULT_MAX_ATTEMPTS = 5
#: First back-off delay, in seconds (jittered).
DEFAULT_BACKOFF_BASE = 0.5
#: No single back-off delay is longer than this, in seconds.
DEFAULT_BACKOFF_MAX = 30.0
#: A Retry-After longer than this is not waited for: the error is raised instead.
MAX_RETRY_AFTER = 300.0
#: HTTP statuses worth retrying for calls that are safe to repeat.
RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})

#: User-Agent sent with every request.
USER_AGENT_PREFIX = "snov-async"
