"""Secrets: values that never show themselves, and redaction of any that got out anyway.

The SDK handles three kinds of secret: the client secret, the access tokens it fetches and the
webhook receiver's path token. Inside the SDK they travel as `Secret` objects, whose repr and
str are masked, and become plain strings only as arguments of the call that puts them on the
wire (`reveal`). So no frame of the SDK holds one in a local variable that a traceback captured
with its locals (what Sentry and other error reporters collect) would show.

Every secret wrapped in a `Secret` is also remembered here — process-wide: every one a live
`Secret` holds (a client's secret and current token, however many tokens were fetched since),
and the most recent `MAX_REMEMBERED` of the others (previous tokens) — so that whatever a server
echoes back can be scrubbed:

* `redact` replaces each remembered value, and its URL- and JSON-escaped forms, with ``***``;
* `scrub` redacts every text attribute of an error in place (message, server messages, and any
  body or headers an error carries), then renders the error again;
* `RedactingFilter` redacts log records; it sits on the SDK's own loggers (``snov_async`` and
  its children), and can be put on any other logger or handler.

Real client secrets and tokens are 32 characters and more, and are redacted wherever they
appear. Values shorter than `WHOLE_WORD_BELOW` characters are redacted only where they stand
as a whole word (a test secret ``"secret"`` must not turn ``client_secret`` into
``client_***``), and values shorter than `MIN_LENGTH` are not remembered at all.
"""

from __future__ import annotations

import base64
import collections
import hmac
import json
import logging
import re
import threading
import urllib.parse
import weakref
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from . import errors

__all__ = [
    "MASK",
    "RedactingFilter",
    "Secret",
    "redact",
    "redact_bytes",
    "remember",
    "reveal",
    "scrub",
    "wire",
]

MASK = "***"
MIN_LENGTH = 6
WHOLE_WORD_BELOW = 16
MAX_REMEMBERED = 64

_lock = threading.Lock()
_known: dict[str, None] = {}
#: Values some live `Secret` holds, and how many hold each: never forgotten while held.
_held: dict[str, int] = {}
#: Values whose `Secret` was collected, to take out of `_held` (see `_release`).
_released: collections.deque[str] = collections.deque()
_pattern: re.Pattern[str] | None = None
_bytes_pattern: re.Pattern[bytes] | None = None


def _forms(value: str) -> set[str]:
    """The value as a server might echo it: plain, URL-encoded, JSON-escaped; a real-length
    secret base64-encoded too (a Basic auth header, a debug dump)."""
    forms = {
        value,
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote_plus(value),
        json.dumps(value)[1:-1],
    }
    if len(value) >= WHOLE_WORD_BELOW:
        forms |= _base64_forms(value)
    return forms


def _base64_forms(value: str) -> set[str]:
    """The characters that encode ``value`` in any base64 text that holds it, at each of the
    three byte alignments it may have there (``"id:" + secret`` shifts it by one), in both
    alphabets; the few characters shared with the bytes around it are left out."""
    raw = value.encode()
    forms = set()
    for shift in range(3):
        encoded = base64.b64encode(bytes(shift) + raw).decode()
        core = encoded[-(-8 * shift // 6) : 8 * (shift + len(raw)) // 6]
        forms |= {core, core.replace("+", "-").replace("/", "_")}
    return forms


def remember(value: str) -> None:
    """Redact ``value`` from now on wherever the SDK produces text."""
    global _pattern, _bytes_pattern
    if not isinstance(value, str) or len(value) < MIN_LENGTH:
        return
    with _lock:
        _settle_released()
        if value in _known:
            _known[value] = _known.pop(value)  # most recent last
            return
        _known[value] = None
        while len(_known) > MAX_REMEMBERED:
            del _known[next(iter(_known))]
        _pattern = _bytes_pattern = None  # compiled again on first use


def _hold(value: str) -> None:
    """A `Secret` holds ``value``: redact it for as long as one does."""
    global _pattern, _bytes_pattern
    if len(value) < MIN_LENGTH:
        return
    with _lock:
        _settle_released()
        _held[value] = _held.get(value, 0) + 1
        if _held[value] == 1:
            _pattern = _bytes_pattern = None


def _release(value: str) -> None:
    """A `Secret` holding ``value`` is gone (it stays among the recent ones, if it is).

    Called by the garbage collector, which may run while this thread holds `_lock` (any
    allocation under it can trigger a collection): so no lock here, only a note that the
    next holder of the lock settles (`_settle_released`)."""
    _released.append(value)


def _settle_released() -> None:
    """Apply the releases noted since (with `_lock` held)."""
    global _pattern, _bytes_pattern
    while _released:
        value = _released.popleft()
        left = _held.get(value, 0) - 1
        if left > 0:
            _held[value] = left
        elif _held.pop(value, None) is not None and value not in _known:
            _pattern = _bytes_pattern = None


def _patterns() -> tuple[re.Pattern[str], re.Pattern[bytes]] | None:
    global _pattern, _bytes_pattern
    pattern, bytes_pattern = _pattern, _bytes_pattern
    if pattern is not None and bytes_pattern is not None:
        return pattern, bytes_pattern
    with _lock:
        _settle_released()
        if not _known and not _held:
            return None
        values = {*_known, *_held}
        forms = sorted({f for v in values for f in _forms(v)}, key=len, reverse=True)
        pattern = re.compile("|".join(_regex(f) for f in forms))
        bytes_pattern = re.compile("|".join(_regex(f) for f in forms).encode())
        _pattern, _bytes_pattern = pattern, bytes_pattern
        return pattern, bytes_pattern


def _regex(form: str) -> str:
    if len(form) >= WHOLE_WORD_BELOW:
        return f"(?i:{re.escape(form)})"  # a server may echo it in another case
    return rf"(?<![A-Za-z0-9_]){re.escape(form)}(?![A-Za-z0-9_])"


def redact(text: str) -> str:
    """``text`` with every remembered secret replaced by ``***``."""
    patterns = _patterns()
    if patterns is None or not isinstance(text, str):
        return text
    return patterns[0].sub(MASK, text)


def redact_bytes(data: bytes) -> bytes:
    """``data`` with every remembered secret (UTF-8 encoded) replaced by ``***``."""
    patterns = _patterns()
    if patterns is None:
        return data
    return patterns[1].sub(MASK.encode(), data)


class Secret:
    """A string that never shows itself in a repr, a str or a log line.

    Making one remembers the value for redaction (see the module docstring).
    """

    __slots__ = ("__weakref__", "_value")

    def __init__(self, value: str) -> None:
        self._value = value
        remember(value)
        if isinstance(value, str):
            # Redacted while this object lives, however many others were remembered since
            # (a client's secret must outlast its 64th token refresh).
            _hold(value)
            weakref.finalize(self, _release, value)

    def get(self) -> str:
        """The secret value itself; only as an argument of the call that sends it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(
            other._value.encode(), self._value.encode()
        )

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")


class _Wire(str):
    """A secret's text as handed to aiohttp: a plain string to everything that sends it, but
    masked in a repr, so that the locals of aiohttp's frames (``data``, ``headers``) shown by a
    traceback captured while the request is on the wire (a cancelled call) do not show it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(MASK)


def wire(text: str) -> str:
    """``text`` (which holds a secret) for the call that puts it on the wire."""
    return _Wire(text)


def reveal(pairs: Iterable[tuple[str, str | Secret]] | None) -> list[tuple[str, str]] | None:
    """Encoded pairs with their `Secret` values unwrapped, for the wire (and only for it)."""
    if pairs is None:
        return None
    return [(k, wire(v.get()) if isinstance(v, Secret) else v) for k, v in pairs]


T = TypeVar("T")


def _clean(value: T, seen: set[int]) -> T:
    """``value`` with remembered secrets redacted from every text it holds (the same object
    when there was nothing to redact)."""
    out: Any = value
    if isinstance(value, str):
        out = redact(value)
        out = value if out == value else out
    elif isinstance(value, (bytes, bytearray)):
        cleaned = redact_bytes(bytes(value))
        out = value if cleaned == value else type(value)(cleaned)
    elif isinstance(value, errors.SnovError):
        out = scrub(value, seen)
    elif isinstance(value, (list, tuple)):
        items = [_clean(v, seen) for v in value]
        if any(a is not b for a, b in zip(items, value, strict=True)):
            out = items if isinstance(value, list) else tuple(items)
    elif isinstance(value, Mapping):
        before = list(value.items())
        pairs = [(_clean(k, seen), _clean(v, seen)) for k, v in before]
        if any(a is not k or b is not v for (a, b), (k, v) in zip(pairs, before, strict=True)):
            out = dict(pairs)
    return out  # type: ignore[no-any-return]


def scrub(error: errors.SnovError, seen: set[int] | None = None) -> errors.SnovError:
    """Redact remembered secrets from every attribute of ``error`` (in place) and render its
    message again. Returns ``error``."""
    seen = set() if seen is None else seen
    if id(error) in seen:
        return error
    seen.add(id(error))
    for name, value in list(vars(error).items()):
        cleaned = _clean(value, seen)
        if cleaned is not value:
            setattr(error, name, cleaned)
    error.args = (error._render(),)
    return error


class RedactingFilter(logging.Filter):
    """A logging filter that redacts remembered secrets from a record's message, arguments,
    extra attributes and formatted traceback. It never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _known:
            return True
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {k: _clean(v, set()) for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redacted_arg(a) for a in record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        for name, value in list(vars(record).items()):
            if name not in _PLAIN_ATTRS and isinstance(value, (str, Mapping)):
                setattr(record, name, _clean(value, set()))
        return True


# Attributes every LogRecord has (extras are the other ones).
_PLAIN_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _redacted_arg(arg: Any) -> Any:
    if isinstance(arg, (str, bytes, bytearray, list, tuple, Mapping, errors.SnovError)):
        return _clean(arg, set())
    if arg is None or isinstance(arg, (int, float)):
        return arg
    # Anything else is formatted with %s or %r: if its text shows a secret, pass it on as
    # that text, redacted.
    rendered = _Rendered(arg)
    return rendered if rendered.changed else arg


class _Rendered:
    """An argument whose str and repr are computed (and redacted) once."""

    __slots__ = ("_repr", "_str", "changed")

    def __init__(self, value: Any) -> None:
        text, shown = str(value), repr(value)
        self._str = redact(text)
        self._repr = redact(shown)
        self.changed = self._str != text or self._repr != shown

    def __str__(self) -> str:
        return self._str

    def __repr__(self) -> str:
        return self._repr

    def __format__(self, spec: str) -> str:
        return format(self._str, spec)


def _install() -> None:
    """Redact on the SDK's own loggers, and in the text of every `SnovError`."""
    errors._redact = redact
    for name in ("snov_async", "snov_async.drift", "snov_async.webhooks", "snov_async.sandbox"):
        log = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in log.filters):
            log.addFilter(RedactingFilter())


_install()
