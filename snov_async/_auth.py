"""OAuth client-credentials tokens: one shared token, refreshed ahead of expiry, one refresh
at a time."""

from __future__ import annotations

import asyncio
import collections
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

from ._constants import (
    DEFAULT_TOKEN_LIFETIME,
    DEFAULT_TOKEN_REFRESH_MARGIN,
    MAX_TOKEN_LIFETIME,
    MIN_TOKEN_LIFETIME,
)
from ._secrets import Secret

__all__ = ["Secret", "TokenManager", "clamp_lifetime"]

logger = logging.getLogger("snov_async")


def clamp_lifetime(expires_in: float | None) -> float:
    """A token lifetime the client can live with, from the server's ``expires_in``.

    ``None`` (not said) is the documented hour; NaN, infinities, 0, negative and absurdly
    large values are clamped to `MIN_TOKEN_LIFETIME` .. `MAX_TOKEN_LIFETIME` with a warning.
    A token that really dies sooner is refreshed after its first 401, as any revoked one.
    """
    if expires_in is None:
        return DEFAULT_TOKEN_LIFETIME
    lifetime = float(expires_in)
    if math.isnan(lifetime):
        clamped = DEFAULT_TOKEN_LIFETIME
    else:
        clamped = min(max(lifetime, MIN_TOKEN_LIFETIME), MAX_TOKEN_LIFETIME)
    if clamped != lifetime:
        logger.warning(
            "the token answer said expires_in=%r; using %g seconds instead", expires_in, clamped
        )
    return clamped


#: Fetches a new token: returns ``(access_token, expires_in_seconds_or_None)``. Its argument
#: is what the caller of `TokenManager.get` passed on (the HTTP core: the pacer slot it holds).
TokenFetcher = Callable[[Any], Awaitable[tuple[Secret, "float | None"]]]


class TokenManager:
    """Holds the access token shared by every concurrent call of a client.

    * ``get()`` returns a token that is valid for at least ``refresh_margin`` more seconds,
      fetching a new one when needed. However many calls ask at once, one fetch runs.
    * ``invalidate(token)`` drops the token after a 401, unless another call has already
      replaced it, so that a wave of 401s still causes a single refresh.
    * ``accepted(token)`` records that the server answered a call made with it: a token
      refused after that was revoked, which says nothing against the credentials.
    """

    __slots__ = (
        "_accepted",
        "_expires_at",
        "_fetch",
        "_lock",
        "_loop",
        "_token",
        "fetch_count",
        "on_invalidate",
        "refresh_margin",
    )

    def __init__(
        self, fetch: TokenFetcher, *, refresh_margin: float = DEFAULT_TOKEN_REFRESH_MARGIN
    ) -> None:
        self._fetch = fetch
        #: Called with a token dropped after a 401: shared caches drop it too.
        self.on_invalidate: Callable[[Secret], None] | None = None
        self.refresh_margin = refresh_margin
        self._token: Secret | None = None
        self._expires_at = 0.0
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        #: How many tokens were fetched over the manager's life.
        self.fetch_count = 0
        self._accepted: collections.deque[Secret] = collections.deque(maxlen=4)

    def __repr__(self) -> str:
        state = "no token" if self._token is None else "token cached"
        return f"<TokenManager {state} fetches={self.fetch_count}>"

    @property
    def fetching(self) -> bool:
        """Whether a token request is under way."""
        return self._lock is not None and self._lock.locked()

    def _valid(self, now: float) -> bool:
        return self._token is not None and now < self._expires_at

    async def get(self, context: Any = None) -> Secret:
        """A usable access token (fetched at most once however many callers wait).

        ``context`` is handed to the fetcher if this caller is the one that fetches.
        """
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # First use, or reused on another event loop (a new test, a new asyncio.run): a
            # lock belongs to one loop, and the token's expiry was read on the old loop's
            # clock. Start afresh here, as aiolimiter does.
            self._loop = loop
            self._lock = asyncio.Lock()
            self._token = None
            self._expires_at = 0.0
        if self._valid(loop.time()):
            assert self._token is not None
            return self._token
        assert self._lock is not None
        async with self._lock:
            if not self._valid(loop.time()):
                token, expires_in = await self._fetch(context)
                self.fetch_count += 1
                lifetime = DEFAULT_TOKEN_LIFETIME if expires_in is None else expires_in
                if not math.isfinite(lifetime):
                    lifetime = DEFAULT_TOKEN_LIFETIME
                # Refresh ahead of expiry, but never spend more than half a lifetime on it.
                margin = min(self.refresh_margin, lifetime / 2)
                self._token = token
                self._expires_at = loop.time() + lifetime - margin
            assert self._token is not None
            return self._token

    def use_fetcher(self, fetch: TokenFetcher) -> None:
        """Fetch tokens through ``fetch`` from now on (a shared cache wraps the fetcher)."""
        self._fetch = fetch

    @property
    def fetcher(self) -> TokenFetcher:
        return self._fetch

    def accepted(self, token: Secret) -> None:
        """The server answered a call made with ``token``."""
        if not self._accepted or self._accepted[-1] != token:
            self._accepted.append(token)

    def was_accepted(self, token: Secret) -> bool:
        """Whether the server answered a call made with ``token`` (among the latest tokens)."""
        return token in self._accepted

    def invalidate(self, token: Secret) -> None:
        """Forget ``token`` (after a 401) if it is still the current one."""
        if self._token is not None and self._token == token:
            self._token = None
            self._expires_at = 0.0
            if self.on_invalidate is not None:
                self.on_invalidate(token)
