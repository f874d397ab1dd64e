"""The one HTTP path every call takes.

``request`` → retries (`_retry.py`) → auth (token, replay with a new one on 401) → pacer →
aiohttp → decoding and error mapping (`_sansio.py`). Each layer is one method here; none of
them knows about resources or models.
"""

from __future__ import annotations

import asyncio
import contextvars
import enum
import inspect
import logging
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
import attrs

from . import _sansio, _secrets, _validate
from ._auth import Secret, TokenManager, clamp_lifetime
from ._call import Call, Slot
from ._constants import DEFAULT_MAX_RESPONSE_SIZE, TOKEN_PATH, USER_AGENT_PREFIX
from ._pacing import Pacer
from ._retry import CallKind, RetryPolicy
from ._version import __version__
from .errors import (
    AuthenticationError,
    ClientStateError,
    ConfigurationError,
    NotFoundError,
    RateLimitError,
    ResponseFormatError,
    SnovError,
    TransportError,
    ValidationError,
)

__all__ = ["HTTPCore", "RequestStats", "as_client_timeout"]

logger = logging.getLogger("snov_async")


#: A per-call ``timeout=`` of the request being sent (see ``request(timeout=...)``).
_CALL_TIMEOUT: contextvars.ContextVar[aiohttp.ClientTimeout | None] = contextvars.ContextVar(
    "snov_async_call_timeout", default=None
)


def as_client_timeout(
    value: float | aiohttp.ClientTimeout, field: str = "timeout"
) -> aiohttp.ClientTimeout:
    """``value`` (seconds, or an ``aiohttp.ClientTimeout``) as a ``ClientTimeout``; a
    `ConfigurationError` for anything else, before any request."""
    if isinstance(value, aiohttp.ClientTimeout):
        return value
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 < value < float("inf")  # NaN and infinities too
    ):
        raise ConfigurationError(
            f"{field} must be a positive number of seconds or an aiohttp.ClientTimeout, "
            f"got {value!r}",
            field=field,
        )
    return aiohttp.ClientTimeout(total=float(value))


#: Replays of one call after 401s (each with a new token); see `_send_authenticated`.
MAX_AUTH_REPLAYS = 3


class _TokenUnavailable(Exception):
    """Carries a token-fetch failure past the retry loop: the fetch had its own retries."""

    def __init__(self, error: SnovError) -> None:
        super().__init__(str(error))
        self.error = error


class _State(enum.Enum):
    NEW = "new"
    OPEN = "open"
    CLOSED = "closed"


@attrs.define
class RequestStats:
    """Counters of what one client sent, for tests, benchmarks and the curious."""

    #: HTTP requests that left the client (token requests and retries included).
    requests: int = 0
    #: Of those, requests for a token.
    token_requests: int = 0
    #: Attempts that were a retry of an earlier attempt.
    retries: int = 0
    #: 429 answers received.
    rate_limited: int = 0
    #: Replays after a 401.
    auth_replays: int = 0
    #: GETs aiohttp sent again by itself on a new connection after a kept-alive one dropped
    #: (counted in ``requests`` too; each waited for the pacer like any other request).
    resent: int = 0


class _Departure:
    """Whether a request is waiting in the pacer's `before_wire`: one that fails there (its
    timeout ran out while it waited) sent nothing, whatever aiohttp says."""

    __slots__ = ("waiting",)

    def __init__(self) -> None:
        self.waiting = False


def _detached(exc: BaseException) -> BaseException:
    """``exc`` without its traceback, nor its causes' tracebacks: aiohttp's frames hold the
    request's headers and body (the token, the client secret) in their local variables, which
    an error reporter capturing locals would collect. The exception itself (type, message)
    stays as the ``__cause__`` of the SDK's error."""
    stack, seen = [exc], set()
    while stack:
        err = stack.pop()
        if id(err) in seen:
            continue
        seen.add(id(err))
        err.__traceback__ = None
        stack.extend(e for e in (err.__cause__, err.__context__) if e is not None)
    return exc


class HTTPCore:
    """Sends requests for one client: paced, authenticated, retried, decoded."""

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: Secret,
        pacer: Pacer,
        retry: RetryPolicy,
        timeout: aiohttp.ClientTimeout,
        session: aiohttp.ClientSession | None,
        token_refresh_margin: float,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self.pacer = pacer
        self.retry = retry
        self.timeout = timeout
        #: Answers larger than this many bytes are refused (`ResponseFormatError`).
        self.max_response_size = max_response_size
        self._session = session
        self._owns_session = session is None
        #: The loop the session we made belongs to (aiohttp sessions cannot cross loops).
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._state = _State.NEW
        self.tokens = TokenManager(self._fetch_token, refresh_margin=token_refresh_margin)
        self.stats = RequestStats()
        #: Calls between a 401 and the answer to their replay with a fresh token: the task
        #: runner starts no paid work meanwhile (the credentials may have been revoked).
        self.replaying = 0
        self._user_agent = f"{USER_AGENT_PREFIX}/{__version__} aiohttp/{aiohttp.__version__}"

    # Lifecycle ---------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._state is _State.CLOSED

    async def open(self) -> None:
        """Make the session (if we own it) in the running loop. Idempotent."""
        if self._state is _State.CLOSED:
            raise ClientStateError("the client is closed; make a new SnovClient")
        loop = asyncio.get_running_loop()
        if self._owns_session and self._session is not None and self._session_loop is not loop:
            # Used again on a new event loop (asyncio.run twice with one client): the session
            # and its connections belong to the old loop; make a new one here, as the pacer
            # and the token lock start afresh.
            old, old_loop = self._session, self._session_loop
            self._session = None
            if old_loop is not None and old_loop.is_closed():
                await old.close()  # nothing left to wait for on a closed loop: just marked
        if self._session is None:
            # trust_env: HTTP(S)_PROXY / NO_PROXY and ~/.netrc apply, as in httpx and requests.
            self._session = aiohttp.ClientSession(timeout=self.timeout, trust_env=True)
            self._session_loop = loop
        self._state = _State.OPEN

    async def close(self) -> None:
        """Close the session if we made it; a borrowed session is left open."""
        if self._state is _State.CLOSED:
            return
        self._state = _State.CLOSED
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None

    # The request path --------------------------------------------------------------------

    async def send(self, call: Call, *, slot: Slot | None = None) -> Any:
        """Make ``call`` (see `request`); ``slot`` is a pacer slot the caller already took."""
        return await self.request(
            call.method,
            call.path,
            params=call.params,
            form=call.form,
            json=call.json,
            kind=call.kind,
            slot=slot,
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        form: Mapping[str, Any] | None = None,
        json: Any = None,
        kind: CallKind | None = None,
        auth: bool = True,
        slot: Slot | None = None,
        timeout: float | aiohttp.ClientTimeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> Any:
        """Send one operation and return its decoded JSON, or raise a `SnovError`.

        ``kind`` defaults to idempotent for GET and unsafe for everything else (see
        `_retry.py`). ``params`` go to the query string, ``form`` to an urlencoded body,
        ``json`` to a JSON body.

        ``slot`` is a pacer slot the caller has just taken for this call (the task runner
        decides what to send only once it holds a slot). The first request that leaves — this
        one, or a token request it needs first — spends it; anything after it waits in the
        pacer as usual.

        ``timeout`` (seconds or an ``aiohttp.ClientTimeout``) replaces the client's timeout
        for each attempt of this call; ``retry`` replaces its `RetryPolicy`.
        """
        if timeout is not None:
            reset_timeout = _CALL_TIMEOUT.set(as_client_timeout(timeout))
            try:
                return await self.request(
                    method,
                    path,
                    params=params,
                    form=form,
                    json=json,
                    kind=kind,
                    auth=auth,
                    slot=slot,
                    retry=retry,
                )
            finally:
                _CALL_TIMEOUT.reset(reset_timeout)
        _validate.sendable(params, form, json)  # before a slot or a token is spent on it
        if self._state is not _State.OPEN or (
            self._owns_session and self._session_loop is not asyncio.get_running_loop()
        ):
            await self.open()
        method = method.upper()
        if kind is None:
            kind = CallKind.IDEMPOTENT if method == "GET" else CallKind.UNSAFE
        policy = self.retry if retry is None else retry
        delays = policy.delays()
        attempt = 1
        while True:
            try:
                return await self._send_authenticated(
                    method,
                    path,
                    params=params,
                    form=form,
                    json=json,
                    auth=auth,
                    attempt=attempt,
                    slot=slot,
                )
            except _TokenUnavailable as failure:
                # Nothing was sent for this call; the token request already retried.
                raise failure.error from failure.error.__cause__
            except SnovError as err:
                hint = err.retry_after if isinstance(err, RateLimitError) else None
                if hint is not None:
                    # Whatever happens to this call, nobody sends into the 429 again before
                    # the hint is over: the whole client (and every client sharing the
                    # pacer) waits, even when the hint is too long for this call to retry.
                    self.pacer.cool_down(hint)
                if attempt >= policy.max_attempts or not policy.should_retry(kind, err):
                    if policy.outcome_unknown(kind, err):
                        raise policy.as_outcome_unknown(err) from err
                    raise
                delay = next(delays)
                if isinstance(err, RateLimitError):
                    if hint is not None:
                        delay = hint
                    else:
                        # Slow the whole client: the next attempt (and everyone else's) waits
                        # in the pacer until the cool-down is over.
                        self.pacer.cool_down(delay)
                else:
                    await asyncio.sleep(delay)
                attempt += 1
                self.stats.retries += 1
                logger.debug("retrying %s %s (attempt %d): %s", method, path, attempt, err)

    async def _send_authenticated(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        form: Mapping[str, Any] | None,
        json: Any,
        auth: bool,
        attempt: int,
        slot: Slot | None,
    ) -> Any:
        if not auth:
            return await self._send(method, path, params, form, json, None, attempt, slot)
        token = await self._token(slot)
        try:
            payload = await self._send(method, path, params, form, json, token, attempt, slot)
        except AuthenticationError:
            pass
        else:
            self.tokens.accepted(token)
            return payload
        # The token may have been revoked or expired early: refresh, replay. A refused token
        # that the server had answered other calls with was revoked (while this call was on
        # the wire, any call's revocation refuses it too), so the replays go on until two
        # tokens in a row are refused without ever having been answered: the credentials
        # are refused. At most `MAX_AUTH_REPLAYS` replays.
        self.replaying += 1
        try:
            replays = 0
            while True:
                revoked = self.tokens.was_accepted(token)
                self.tokens.invalidate(token)
                token = await self._token(slot)
                replays += 1
                self.stats.auth_replays += 1
                try:
                    payload = await self._send(
                        method, path, params, form, json, token, attempt, slot
                    )
                except AuthenticationError:
                    revoked = revoked or self.tokens.was_accepted(token)
                    if not revoked or replays >= MAX_AUTH_REPLAYS:
                        raise
                    continue
                self.tokens.accepted(token)
                return payload
        finally:
            self.replaying -= 1

    async def _token(self, slot: Slot | None) -> Secret:
        try:
            return await self.tokens.get(slot)
        except SnovError as exc:
            raise _TokenUnavailable(exc) from exc

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        form: Mapping[str, Any] | None,
        json: Any,
        token: Secret | None,
        attempt: int,
        slot: Slot | None,
    ) -> Any:
        # Secrets (the token, the client secret in the token form) stay wrapped in `Secret`
        # in every local variable here and are unwrapped only as arguments of the call that
        # sends them: a traceback captured with its locals shows none of them.
        session = self._session
        if session is None or self._state is not _State.OPEN:
            raise ClientStateError("the client is closed; make a new SnovClient")
        self._refuse_during_long_cool_down(method, path)
        if slot is None or not slot.spend():
            await self.pacer.acquire()
        loop = asyncio.get_running_loop()
        url = _sansio.join_url(self.base_url, path)
        query = _sansio.encode_params(params) or None
        body = _sansio.encode_params(form) if form is not None else None
        started = loop.time()
        self.stats.requests += 1
        if path == TOKEN_PATH:
            self.stats.token_requests += 1
        departure = _Departure()
        try:
            status, resp_headers, raw = await self._exchange(
                session, method, url, query, body, json, token, departure
            )
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            logger.debug("%s %s -> no connection (attempt %d)", method, path, attempt)
            err = TransportError(
                f"could not connect: {type(exc).__name__}", method=method, path=path
            )
            err.request_sent = False
            raise err from _detached(exc)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            elapsed = loop.time() - started
            logger.debug(
                "%s %s -> %s after %.3fs (attempt %d)",
                method,
                path,
                type(exc).__name__,
                elapsed,
                attempt,
            )
            kind = "timed out" if isinstance(exc, asyncio.TimeoutError) else "connection failed"
            if departure.waiting:
                # Still waiting for its time on the wire (`before_wire`): nothing was sent.
                failed = TransportError(
                    f"{kind} before it was sent: {type(exc).__name__}", method=method, path=path
                )
                failed.request_sent = False
                raise failed from _detached(exc)
            raise TransportError(
                f"{kind}: {type(exc).__name__}", method=method, path=path
            ) from _detached(exc)
        elapsed = loop.time() - started
        logger.debug("%s %s -> %d in %.3fs (attempt %d)", method, path, status, elapsed, attempt)
        if status == 429:
            self.stats.rate_limited += 1
        error: SnovError
        if raw is None:
            too_large = ResponseFormatError(
                f"the answer is larger than max_response_size ({self.max_response_size} bytes)",
                status=status,
                method=method,
                path=path,
            )
            too_large.too_large = True
            error = too_large
        else:
            try:
                return _sansio.decode_response(
                    status, resp_headers, raw, method=method, path=path, now=time.time()
                )
            except SnovError as exc:
                error = _secrets.scrub(exc)  # a server may echo a secret in any field
        # Neither the body nor the headers (which may echo a secret) stay in this frame's
        # locals, and the decoder's frames (which hold them too) are left out of the traceback.
        del raw, resp_headers
        raise error.with_traceback(None)

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: str,
        query: list[tuple[str, str | Secret]] | None,
        body: list[tuple[str, str | Secret]] | None,
        json: Any,
        token: Secret | None,
        departure: _Departure,
    ) -> tuple[int, dict[str, str], bytes | None]:
        """One exchange on the wire: ``(status, headers, body)``; the body is ``None`` when it
        is larger than ``max_response_size`` (the connection is then closed, not drained)."""
        async with session.request(
            method,
            url,
            params=_secrets.reveal(query),
            data=_secrets.reveal(body),
            json=json,
            headers=self._headers(token),
            timeout=_CALL_TIMEOUT.get() or self.timeout,
            allow_redirects=False,
            middlewares=(self._resend_guard(method, departure),),
        ) as resp:
            return resp.status, dict(resp.headers), await self._read_capped(resp)

    def _headers(self, token: Secret | None) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": self._user_agent}
        if token is not None:
            headers["Authorization"] = _secrets.wire(f"Bearer {token.get()}")
        return headers

    async def _read_capped(self, resp: aiohttp.ClientResponse) -> bytes | None:
        """The body, read in chunks: ``None`` as soon as it exceeds ``max_response_size``
        (decompressed bytes count), without reading the rest."""
        limit = self.max_response_size
        if resp.content_length is not None and resp.content_length > limit:
            resp.close()
            return None
        buffer = bytearray()
        async for chunk in resp.content.iter_chunked(1 << 16):
            buffer += chunk
            if len(buffer) > limit:
                resp.close()
                return None
        return bytes(buffer)

    def _resend_guard(self, method: str, departure: _Departure) -> Any:
        """An aiohttp client middleware that sees every attempt aiohttp makes for one request.

        aiohttp (``ClientSession._request``, 3.12 to 3.14 at least) sends an idempotent request
        (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) once more on a new connection when the first
        attempt fails with ``ServerDisconnectedError`` or ``ClientOSError`` — typically a
        kept-alive connection the server closed — unless the session's private
        ``_retry_connection`` is off. That second attempt would bypass the pacer. This
        middleware makes it wait for the pacer and counts it for a GET; for any other method
        it refuses it (the attempt fails as a dropped connection), so that the retry policy,
        which treats a non-GET as unsafe to repeat unless told otherwise, is the one that
        decides. Every attempt then waits for the pacer's ``before_wire`` (when it has one:
        `EvenPacer` does), as close to the wire as the SDK reaches, so that a request held up
        after its slot never leaves right before the next one.
        """
        attempts = 0

        async def guard(req: Any, handler: Any) -> Any:
            nonlocal attempts
            attempts += 1
            if attempts > 1:
                if method != "GET":
                    raise aiohttp.ServerDisconnectedError("dropped; not resent by aiohttp")
                await self.pacer.acquire()
                self.stats.requests += 1
                self.stats.resent += 1
            before_wire = getattr(self.pacer, "before_wire", None)
            if before_wire is not None:
                departure.waiting = True  # stays set if the wait fails: nothing was sent
                waited = before_wire()
                if inspect.isawaitable(waited):  # a custom pacer's may be a plain function
                    await waited
                departure.waiting = False
            return await handler(req)

        return guard

    def with_options(
        self,
        *,
        timeout: float | aiohttp.ClientTimeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> HTTPCore:
        """This core with other defaults for ``timeout`` and ``retry``; the session, tokens,
        pacer and counters stay shared (see `SnovClient.with_options`)."""
        return _OptionsCore(
            self,
            timeout=None if timeout is None else as_client_timeout(timeout),
            retry=retry,
        )

    def _refuse_during_long_cool_down(self, method: str, path: str) -> None:
        """Fail at once, unsent, while the pacer cools down for longer than any retry would
        wait (a Retry-After beyond ``retry.max_retry_after``): nothing waits that long."""
        cooling_for = getattr(self.pacer, "cooling_for", None)
        remaining = float(cooling_for()) if callable(cooling_for) else 0.0
        if remaining > self.retry.max_retry_after:
            err = RateLimitError(
                f"the server asked to wait {remaining:.0f}s (Retry-After), longer than "
                f"retry.max_retry_after={self.retry.max_retry_after:g}s; not sent",
                status=429,
                method=method,
                path=path,
            )
            err.retry_after = remaining
            raise err

    async def _fetch_token(self, slot: Slot | None = None) -> tuple[Secret, float | None]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,  # unwrapped only on the wire
        }
        try:
            payload = await self.request(
                "POST", TOKEN_PATH, form=form, kind=CallKind.IDEMPOTENT, auth=False, slot=slot
            )
        except (ValidationError, NotFoundError, AuthenticationError) as exc:
            raise AuthenticationError(
                "the client credentials were rejected",
                status=exc.status,
                method="POST",
                path=TOKEN_PATH,
                messages=exc.messages,
            ) from exc
        token, expires_in = _sansio.parse_token(payload, method="POST", path=TOKEN_PATH)
        del payload
        return Secret(token), clamp_lifetime(expires_in)


class _OptionsCore(HTTPCore):
    """A view of an `HTTPCore` whose requests default to other options.

    Everything but ``request`` (and the lifecycle, which belongs to the original) is the
    original's: one session, one token, one pacer, one set of counters.
    """

    def __init__(
        self,
        core: HTTPCore,
        *,
        timeout: aiohttp.ClientTimeout | None,
        retry: RetryPolicy | None,
    ) -> None:
        # No super().__init__(): every other attribute is read from ``core``.
        self._core = core
        self._call_timeout = timeout
        self._call_retry = retry

    def __getattr__(self, name: str) -> Any:
        return getattr(self._core, name)

    def __repr__(self) -> str:
        return f"<HTTPCore view of {self._core.base_url}>"

    async def open(self) -> None:
        await self._core.open()

    async def close(self) -> None:
        """The original owns the session: closing a view closes nothing."""

    def with_options(
        self,
        *,
        timeout: float | aiohttp.ClientTimeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> HTTPCore:
        return _OptionsCore(
            self._core,
            timeout=self._call_timeout if timeout is None else as_client_timeout(timeout),
            retry=self._call_retry if retry is None else retry,
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        form: Mapping[str, Any] | None = None,
        json: Any = None,
        kind: CallKind | None = None,
        auth: bool = True,
        slot: Slot | None = None,
        timeout: float | aiohttp.ClientTimeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> Any:
        return await self._core.request(
            method,
            path,
            params=params,
            form=form,
            json=json,
            kind=kind,
            auth=auth,
            slot=slot,
            timeout=self._call_timeout if timeout is None else timeout,
            retry=self._call_retry if retry is None else retry,
        )
