"""`SnovClient`: configuration, lifecycle, and the resource modules as attributes."""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
import attrs

from . import _validate
from ._auth import Secret
from ._constants import (
    DEFAULT_BASE_URL,
    DEFAULT_BREAKER_COOL_DOWN,
    DEFAULT_BREAKER_THRESHOLD,
    DEFAULT_CACHE_TTL,
    DEFAULT_CLAIM_LEASE,
    DEFAULT_CLOSE_GRACE,
    DEFAULT_DEDUPE_WINDOW,
    DEFAULT_INITIAL_TASK_LATENCY,
    DEFAULT_MAX_RESPONSE_SIZE,
    DEFAULT_PACING_MARGIN,
    DEFAULT_PUSH_TIMEOUT,
    DEFAULT_REQUESTS_PER_MINUTE,
    DEFAULT_TASK_TIMEOUT,
    DEFAULT_TIMEOUT,
    DEFAULT_TOKEN_REFRESH_MARGIN,
)
from ._http import HTTPCore, RequestStats
from ._logs import setup_logging
from ._pacing import EvenPacer, Pacer
from ._retry import RetryPolicy
from ._runner import TaskRunner
from ._scope import account_scope
from .errors import ConfigurationError
from .journal import Journal, open_journal
from .resources._base import Resource
from .resources.account import AccountResource
from .resources.analytics import AnalyticsResource
from .resources.campaigns import CampaignsResource
from .resources.domain_search import DomainSearchResource
from .resources.email_finder import EmailFinderResource
from .resources.enrichment import EnrichmentResource
from .resources.pipelines import PipelinesResource
from .resources.prospects import ProspectsResource
from .resources.recipients import RecipientsResource
from .resources.senders import SendersResource
from .resources.verification import VerificationResource
from .resources.warmup import WarmUpResource
from .resources.webhooks import WebhooksResource

if TYPE_CHECKING:
    from .webhooks.receiver import WebhookReceiver

__all__ = ["SnovClient"]

ENV_CLIENT_ID = "SNOV_CLIENT_ID"
ENV_CLIENT_SECRET = "SNOV_CLIENT_SECRET"
ENV_BASE_URL = "SNOV_BASE_URL"


#: Limits of the settings (see `SnovClient`); beyond them a value is a mistake, not a choice.
MAX_CREDENTIAL = 512
MAX_TIMEOUT = 24 * 3600.0
MAX_REQUESTS_PER_MINUTE = 1_000_000.0
MAX_BURST = 10_000
MAX_TASKS_IN_FLIGHT = 100_000
MAX_DEDUPE_WINDOW = 10_000_000
MAX_TASK_SECONDS = 30 * 24 * 3600.0
MAX_CACHE_TTL = 10 * 365 * 24 * 3600.0


def _check_settings(
    *,
    base_url: Any,
    requests_per_minute: Any,
    burst: Any,
    pacing_margin: Any,
    token_refresh_margin: Any,
    max_tasks_in_flight: Any,
    task_timeout: Any,
    initial_task_latency: Any,
    push_timeout: Any,
    cache_ttl: Any,
    close_grace: Any,
    journal_lease: Any,
    breaker_threshold: Any,
    breaker_cool_down: Any,
    dedupe_window: Any,
    resend_unknown: Any,
    session: Any,
    webhook: Any,
    retry: Any,
) -> None:
    """Every setting of `SnovClient`, checked at construction: `ConfigurationError` naming
    the setting for a wrong type, NaN, an infinity, a value out of range or a malformed URL."""
    url = _validate.web_url(base_url, "base_url", error=ConfigurationError)
    parts = urlsplit(url)
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ConfigurationError(
            "base_url must be a scheme, a host and an optional path (no user, query or fragment)",
            field="base_url",
        )
    _validate.number(
        requests_per_minute, "requests_per_minute", above=0, high=MAX_REQUESTS_PER_MINUTE
    )
    _validate.integer(burst, "burst", 1, MAX_BURST, error=ConfigurationError)
    _validate.number(pacing_margin, "pacing_margin", low=0, high=0.99)
    _validate.number(token_refresh_margin, "token_refresh_margin", low=0, high=MAX_TIMEOUT)
    if max_tasks_in_flight is not None:
        _validate.integer(
            max_tasks_in_flight,
            "max_tasks_in_flight",
            1,
            MAX_TASKS_IN_FLIGHT,
            error=ConfigurationError,
        )
    _validate.number(task_timeout, "task_timeout", above=0, high=MAX_TASK_SECONDS)
    _validate.number(initial_task_latency, "initial_task_latency", above=0, high=MAX_TASK_SECONDS)
    _validate.number(push_timeout, "push_timeout", above=0, high=MAX_TASK_SECONDS)
    _validate.number(cache_ttl, "cache_ttl", low=0, high=MAX_CACHE_TTL)
    _validate.number(close_grace, "close_grace", low=0, high=MAX_TIMEOUT)
    _validate.number(journal_lease, "journal_lease", above=0, high=MAX_TIMEOUT)
    _validate.integer(breaker_threshold, "breaker_threshold", 0, 1000, error=ConfigurationError)
    _validate.number(breaker_cool_down, "breaker_cool_down", low=0, high=MAX_TIMEOUT)
    _validate.integer(
        dedupe_window, "dedupe_window", 0, MAX_DEDUPE_WINDOW, error=ConfigurationError
    )
    if not isinstance(resend_unknown, bool):
        raise ConfigurationError("resend_unknown must be True or False", field="resend_unknown")
    if session is not None and not isinstance(session, aiohttp.ClientSession):
        raise ConfigurationError("session must be an aiohttp.ClientSession", field="session")
    if webhook is not None:
        from .webhooks.receiver import WebhookReceiver  # loaded on first use (see webhooks)

        if not isinstance(webhook, WebhookReceiver):
            raise ConfigurationError("webhook must be a WebhookReceiver", field="webhook")
    if retry is not None:
        if not isinstance(retry, RetryPolicy):
            raise ConfigurationError("retry must be a RetryPolicy", field="retry")
        _validate.integer(
            retry.max_attempts, "retry.max_attempts", 1, 100, error=ConfigurationError
        )
        for field in ("backoff_base", "backoff_max", "max_retry_after"):
            _validate.number(getattr(retry, field), f"retry.{field}", low=0, high=MAX_TIMEOUT)


def _check_client_timeout(timeout: aiohttp.ClientTimeout) -> aiohttp.ClientTimeout:
    """An ``aiohttp.ClientTimeout`` whose set fields are finite positive seconds."""
    for field in ("total", "connect", "sock_read", "sock_connect"):
        value = getattr(timeout, field, None)
        if value is not None:
            _validate.number(value, f"timeout.{field}", above=0, high=MAX_TIMEOUT)
    return timeout


class SnovClient:
    """An asynchronous client for the Snov.io REST API.

    Example::

        async with SnovClient(client_id, client_secret) as snov:
            balance = await snov.account.balance()
            print(balance.balance)

    Args:
        client_id: the API user id (https://app.snov.io/account/api). ``None`` reads
            ``SNOV_CLIENT_ID`` from the environment.
        client_secret: the API secret. ``None`` reads ``SNOV_CLIENT_SECRET``. It never appears
            in a repr, a log line or an exception message.
        base_url: the API root; point it at a sandbox to work offline. ``None`` reads
            ``SNOV_BASE_URL``, else ``https://api.snov.io``.
        requests_per_minute: the account's rate limit. Requests are spaced evenly at this
            rate (plus ``pacing_margin``) so no window of any length holds more than its share.
        timeout: seconds for one HTTP exchange, or an ``aiohttp.ClientTimeout``.
        session: an ``aiohttp.ClientSession`` to borrow; it is left open on close. By default
            the client makes its own when entered (or on first use) and closes it on exit.
        pacer: a pacer to share between clients of one account (default: a new `EvenPacer`),
            or a ``redis://`` URL: every process and machine using it shares one pacer (on
            the Redis server's clock) and one access token.
        burst: requests allowed back to back after an idle period (default 1: even spacing).
        pacing_margin: extra spacing, as a fraction of the interval, against network jitter.
        retry: the `RetryPolicy` (attempts, back-off).
        token_refresh_margin: refresh the token this many seconds before it expires.
        max_tasks_in_flight: a fixed bound on tasks started and not yet collected (task
            runner). By default (``None``) the runner keeps in flight what the rate keeps busy
            for the learned task latency (Little's law, with headroom), at most 2,000 tasks.
        task_timeout: seconds after which a task still in progress is given up
            (`TaskTimeoutError` on its inputs only).
        initial_task_latency: first guess of how long a task takes, before any was seen.
        webhook: a `snov_async.webhooks.WebhookReceiver` reachable by Snov.io: batch starts
            then carry its URL and their results arrive by push instead of polling (push mode;
            one request per batch instead of two).
        push_timeout: seconds to wait for a push before polling the task anyway.
        journal: a SQLite file path (or a ``redis://`` URL, or a `Journal`) recording paid
            work: a rerun of the same bulk call after a crash resumes the tasks already started
            and starts nothing twice; answers are reused for ``cache_ttl`` seconds.
        cache_ttl: how long journaled answers are reused (default 7 days; 0: never).
        resend_unknown: resend inputs whose earlier start has an unknown outcome (risking a
            double charge) instead of reporting them.
        close_grace: on close, seconds to wait for task starts already on the wire: their
            hashes are kept (``runner.unfinished``, the journal) instead of being lost.
        max_response_size: answers larger than this many bytes (32 MiB by default) raise
            `ResponseFormatError` as soon as the limit is crossed, without being read whole.
        breaker_threshold: task starts in a row whose outcome is unknown (timeouts, 5xx,
            dropped connections) after which the task runner stops starting paid work; 0
            never stops. One probe start follows ``breaker_cool_down`` seconds later; if it
            fails too, the waiting inputs get `ServiceFailingError`, unsent.
        breaker_cool_down: seconds without starts before that probe.
        scope: the account's identity in shared state (journal records, Redis keys). By
            default a hash of ``base_url`` and ``client_id``, so accounts and APIs never share
            paid work; give a stable value only when the same account is reached through
            changing URLs (the command line does, for its built-in sandbox on a random port).
            A given value replaces ``base_url`` in that hash: the client id stays part of it.
        journal_lease: seconds each bulk call's claims in a shared journal outlive its last
            heartbeat (renewed every third of it). Workers sharing a journal never start an
            input another live worker holds; a worker that dies frees its inputs this long
            after (its unanswered starts become unknown outcomes, its tasks resumable).
        dedupe_window: within one bulk call, a duplicate input gets a copy of its first
            answer (no new start) while it is among the latest this-many unique inputs
            (10,000 by default; memory stays bounded for any input length). A duplicate
            further apart is answered from the journal when there is one (no new charge),
            else started again. 0 keeps no results: duplicates in flight still share one start.

    The environment: ``SNOV_CLIENT_ID``, ``SNOV_CLIENT_SECRET`` and ``SNOV_BASE_URL`` fill
    the arguments left out; ``SNOV_LOG=debug`` (or ``info``) logs to standard error; the
    session honours ``HTTP_PROXY`` / ``HTTPS_PROXY`` / ``NO_PROXY``.

    Every setting is checked here, before any I/O: a wrong type, NaN, an infinity, a negative
    or out-of-range number, or a malformed ``base_url``/``redis://`` URL raises
    `ConfigurationError` naming it. Ranges: ``requests_per_minute`` > 0 (at most 1,000,000),
    ``burst`` 1-10,000, ``pacing_margin`` 0-0.99, ``timeout`` and ``token_refresh_margin`` up
    to 24 h, ``max_tasks_in_flight`` 1-100,000, ``task_timeout``, ``initial_task_latency`` and
    ``push_timeout`` > 0 (at most 30 days), ``cache_ttl`` 0 to 10 years, ``close_grace`` 0 to
    24 h, ``journal_lease`` > 0 (at most 24 h), ``dedupe_window`` 0-10,000,000.

    Nothing binds to an event loop when the client is made, so it can be built at import time
    or in a FastAPI lifespan / aiohttp ``cleanup_ctx`` and used inside the running loop.
    """

    #: True for a `with_options` copy, whose close() leaves the original's session open.
    _is_copy: bool = False

    def __init__(
        self,
        client_id: str | None = None,
        client_secret: str | None = None,
        *,
        base_url: str | None = None,
        requests_per_minute: float = DEFAULT_REQUESTS_PER_MINUTE,
        timeout: float | aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
        session: aiohttp.ClientSession | None = None,
        pacer: Pacer | str | None = None,
        burst: int = 1,
        pacing_margin: float = DEFAULT_PACING_MARGIN,
        retry: RetryPolicy | None = None,
        token_refresh_margin: float = DEFAULT_TOKEN_REFRESH_MARGIN,
        max_tasks_in_flight: int | None = None,
        task_timeout: float = DEFAULT_TASK_TIMEOUT,
        initial_task_latency: float = DEFAULT_INITIAL_TASK_LATENCY,
        webhook: WebhookReceiver | None = None,
        push_timeout: float = DEFAULT_PUSH_TIMEOUT,
        journal: str | Path | Journal | None = None,
        cache_ttl: float = DEFAULT_CACHE_TTL,
        resend_unknown: bool = False,
        close_grace: float = DEFAULT_CLOSE_GRACE,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        journal_lease: float = DEFAULT_CLAIM_LEASE,
        breaker_threshold: int = DEFAULT_BREAKER_THRESHOLD,
        breaker_cool_down: float = DEFAULT_BREAKER_COOL_DOWN,
        scope: str | None = None,
        dedupe_window: int = DEFAULT_DEDUPE_WINDOW,
    ) -> None:
        setup_logging()
        client_id = client_id if client_id is not None else os.environ.get(ENV_CLIENT_ID)
        if base_url is None:
            base_url = os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
        if client_secret is None:
            client_secret = os.environ.get(ENV_CLIENT_SECRET)
        if not client_id or not isinstance(client_id, str):
            raise ConfigurationError(
                f"client_id is required (pass it, or set {ENV_CLIENT_ID})", field="client_id"
            )
        if not client_secret or not isinstance(client_secret, str):
            raise ConfigurationError(
                f"client_secret is required (pass it, or set {ENV_CLIENT_SECRET})",
                field="client_secret",
            )
        for field, value in (("client_id", client_id), ("client_secret", client_secret)):
            if len(value) > MAX_CREDENTIAL or not value.isprintable() or value != value.strip():
                raise ConfigurationError(  # never shows the value
                    f"{field} must be 1-{MAX_CREDENTIAL} printable characters without "
                    "surrounding spaces",
                    field=field,
                )
        _check_settings(
            base_url=base_url,
            requests_per_minute=requests_per_minute,
            burst=burst,
            pacing_margin=pacing_margin,
            token_refresh_margin=token_refresh_margin,
            max_tasks_in_flight=max_tasks_in_flight,
            task_timeout=task_timeout,
            initial_task_latency=initial_task_latency,
            push_timeout=push_timeout,
            cache_ttl=cache_ttl,
            close_grace=close_grace,
            journal_lease=journal_lease,
            breaker_threshold=breaker_threshold,
            breaker_cool_down=breaker_cool_down,
            dedupe_window=dedupe_window,
            resend_unknown=resend_unknown,
            session=session,
            webhook=webhook,
            retry=retry,
        )
        if isinstance(timeout, aiohttp.ClientTimeout):
            client_timeout = _check_client_timeout(timeout)
        else:
            seconds = _validate.number(timeout, "timeout", above=0, high=MAX_TIMEOUT)
            client_timeout = aiohttp.ClientTimeout(total=seconds)
        if journal is not None and not isinstance(journal, Journal):
            if isinstance(journal, str) and journal.startswith(("redis://", "rediss://")):
                _validate.redis_url(journal, "journal")
            else:
                _validate.file_path(journal, "journal")
        if scope is None:
            scope = account_scope(base_url, client_id)
        elif not (isinstance(scope, str) and 0 < len(scope) <= 100 and scope.isprintable()):
            raise ConfigurationError("scope must be 1-100 printable characters", field="scope")
        else:
            # A given scope stands in for the API; the account is always part of the id, so
            # two accounts given one scope never share paid work, a token or a rate budget.
            scope = account_scope(scope, client_id)
        if (
            isinstance(max_response_size, bool)
            or not isinstance(max_response_size, int)
            or max_response_size < 1
        ):
            raise ConfigurationError(
                "max_response_size must be a positive number of bytes", field="max_response_size"
            )
        redis_url: str | None = None
        if isinstance(pacer, str):
            if not pacer.startswith(("redis://", "rediss://")):
                raise ConfigurationError("pacer must be a Pacer or a redis:// URL", field="pacer")
            _validate.redis_url(pacer, "pacer")
            from ._redis import RedisPacer

            redis_url = pacer
            pacer = RedisPacer(
                redis_url,
                requests_per_minute,
                key=f"snov_async:{scope}:pacer",
                burst=burst,
                margin=pacing_margin,
            )
        if pacer is None:
            pacer = EvenPacer(requests_per_minute, burst=burst, margin=pacing_margin)
        elif not isinstance(pacer, Pacer):
            raise ConfigurationError("pacer must have acquire() and cool_down()", field="pacer")
        for optional in ("before_wire", "cooling_for"):  # used when present (see `Pacer`)
            method = getattr(pacer, optional, None)
            if method is not None and not callable(method):
                raise ConfigurationError(
                    f"pacer.{optional} must be a method when the pacer has it", field="pacer"
                )
        self.client_id = client_id
        #: The id of (API, account) naming this client's Redis keys and journal records.
        self.scope = scope
        self._secret = Secret(client_secret)
        self._http = HTTPCore(
            base_url=base_url,
            client_id=client_id,
            client_secret=self._secret,
            pacer=pacer,
            retry=retry or RetryPolicy(),
            timeout=client_timeout,
            session=session,
            token_refresh_margin=token_refresh_margin,
            max_response_size=max_response_size,
        )
        self._redis_tokens: Any = None
        if redis_url is not None:
            from ._redis import RedisTokenCache, shared_tokens

            cache = RedisTokenCache(
                redis_url, client_id, secret=self._secret, key=f"snov_async:{scope}:token"
            )
            tokens = self._http.tokens
            fetcher, on_invalidate = shared_tokens(cache, tokens.fetcher, token_refresh_margin)
            tokens.use_fetcher(fetcher)
            tokens.on_invalidate = on_invalidate
            self._redis_tokens = cache
        self._runner = TaskRunner(
            self._http,
            max_in_flight=max_tasks_in_flight,
            task_timeout=task_timeout,
            initial_latency=initial_task_latency,
            webhook=webhook,
            push_timeout=push_timeout,
            journal=open_journal(journal, scope=scope),
            cache_ttl=cache_ttl,
            resend_unknown=resend_unknown,
            close_grace=close_grace,
            scope=scope,
            claim_lease=journal_lease,
            breaker_threshold=breaker_threshold,
            breaker_cool_down=breaker_cool_down,
            dedupe_window=dedupe_window,
        )
        #: The account: ``await snov.account.balance()``.
        self.account = AccountResource(self._http, self._runner)
        #: Domain search: ``company_info``, ``prospects``, ``domain_emails``, ...
        self.domain_search = DomainSearchResource(self._http, self._runner)
        #: Email verification: ``await snov.verification.verify(emails)``.
        self.verification = VerificationResource(self._http, self._runner)
        #: Email finder: ``find_emails(rows)``, ``company_domains(names)``.
        self.email_finder = EmailFinderResource(self._http, self._runner)
        #: LinkedIn enrichment: ``linkedin_profiles(urls)``, ``profile_by_email(email)``.
        self.enrichment = EnrichmentResource(self._http, self._runner)
        #: Sender (email) accounts.
        self.senders = SendersResource(self._http, self._runner)
        #: Warm-ups of sender accounts.
        self.warmup = WarmUpResource(self._http, self._runner)
        #: Campaigns, sequences, content blocks, schedules.
        self.campaigns = CampaignsResource(self._http, self._runner)
        #: Campaign recipients and do-not-email lists.
        self.recipients = RecipientsResource(self._http, self._runner)
        #: Campaign analytics and event lists.
        self.analytics = AnalyticsResource(self._http, self._runner)
        #: Prospects and prospect lists.
        self.prospects = ProspectsResource(self._http, self._runner)
        #: CRM pipelines and stages.
        self.pipelines = PipelinesResource(self._http, self._runner)
        #: Webhook subscriptions.
        self.webhooks = WebhooksResource(self._http, self._runner)
        self._runner.register(
            self.verification.spec,
            self.email_finder.find_spec,
            self.email_finder.domain_spec,
            self.enrichment.li_spec,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> SnovClient:
        """Build a client from ``SNOV_CLIENT_ID``, ``SNOV_CLIENT_SECRET`` and the optional
        ``SNOV_BASE_URL``. Keyword arguments are passed on to the constructor."""
        env = os.environ if environ is None else environ
        client_id = env.get(ENV_CLIENT_ID)
        client_secret = env.get(ENV_CLIENT_SECRET)
        missing = [
            n for n, v in ((ENV_CLIENT_ID, client_id), (ENV_CLIENT_SECRET, client_secret)) if not v
        ]
        if missing:
            raise ConfigurationError(f"missing environment variable(s): {', '.join(missing)}")
        if env.get(ENV_BASE_URL) and "base_url" not in kwargs:
            kwargs["base_url"] = env[ENV_BASE_URL]
        return cls(client_id, client_secret, **kwargs)

    # Introspection -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._http.base_url

    @property
    def pacer(self) -> Pacer:
        """The pacer of this client; pass it to another client of the same account."""
        return self._http.pacer

    @property
    def runner(self) -> TaskRunner:
        """The task runner shared by every resource (``runner.unfinished`` lists tasks
        started for calls that were cancelled)."""
        return self._runner

    @property
    def stats(self) -> RequestStats:
        """Counters of the requests this client sent."""
        return self._http.stats

    @property
    def closed(self) -> bool:
        return self._http.closed

    def __repr__(self) -> str:
        shown = self.client_id[:4] + "…" if len(self.client_id) > 4 else "…"
        state = "closed" if self.closed else "open"
        return f"<SnovClient {self.base_url} client_id={shown} {state}>"

    def with_options(
        self,
        *,
        timeout: float | aiohttp.ClientTimeout | None = None,
        max_retries: int | None = None,
    ) -> SnovClient:
        """A copy of this client whose single calls use other options, as in openai-python::

            await snov.with_options(timeout=5, max_retries=0).account.balance()

        The copy shares the session, the token, the pacer (so the rate limit holds across
        both), the counters and the task runner (bulk calls keep the runner's own options).
        Closing the copy closes nothing; the original owns the session.

        Args:
            timeout: seconds (or an ``aiohttp.ClientTimeout``) for each HTTP exchange.
            max_retries: retries after the first attempt (0: none).
        """
        retry = None
        if max_retries is not None:
            # At most 100 attempts, as the constructor allows (retry.max_attempts).
            _validate.integer(max_retries, "max_retries", 0, 99, error=ConfigurationError)
            retry = attrs.evolve(self._http.retry, max_attempts=max_retries + 1)
        clone = copy.copy(self)
        clone._http = self._http.with_options(timeout=timeout, retry=retry)
        clone._is_copy = True
        for name, value in vars(self).items():
            if isinstance(value, Resource):
                setattr(clone, name, type(value)(clone._http, self._runner))
        return clone

    # Lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        """Prepare the HTTP session. Entering ``async with`` does this; so does first use."""
        await self._http.open()

    async def close(self) -> None:
        """Close the session the client made (a borrowed one stays open). Idempotent."""
        if self._is_copy:
            return  # a with_options() copy: the original owns everything
        await self._runner.aclose()
        await self._http.close()
        if self._redis_tokens is not None:
            await self._redis_tokens.aclose()
        closer = getattr(self._http.pacer, "aclose", None)
        if closer is not None and self._redis_tokens is not None:
            await closer()

    async def __aenter__(self) -> SnovClient:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
