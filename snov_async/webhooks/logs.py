"""Keeping the receiver's secret path out of access logs.

Snov.io signs nothing, so the path token *is* the receiver's credential, and a web server's
access log writes every request's path. Two ways to hide it:

* aiohttp: ``web.run_app(app, access_log_class=RedactingAccessLogger)`` (or the same argument
  to ``web.AppRunner``) — aiohttp's own access log format, with the token replaced by ``***``;
* any server that logs through :mod:`logging` (uvicorn, hypercorn, gunicorn, aiohttp too):
  ``hide_webhook_paths()`` puts a `WebhookPathFilter` on their access loggers
  (``uvicorn.access``, ``hypercorn.access``, ``gunicorn.access``, ``aiohttp.access``) and on
  ``uvicorn.asgi`` (uvicorn's ``--log-level trace`` writes every request's scope there), or
  put the filter on a logger or handler of your own.

Both rewrite ``/snov-webhooks/<token>`` to ``/snov-webhooks/***`` wherever it appears in a
record: its message, its arguments (uvicorn passes the path as one) and its extra fields
(aiohttp passes the request line as one), keeping each argument's place so that the servers'
own formatters still work. Servers log the request line as it was sent, so the path is
recognised however it is spelled (``snov%2Dwebhooks``, ``%2F``, ``//``, a backslash, any
case), and the tokens of this process's receivers are replaced wherever they appear, in any
mix of plain and percent-encoded characters.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Any, cast

from aiohttp.web_log import AccessLogger

__all__ = [
    "ACCESS_LOGGERS",
    "RedactingAccessLogger",
    "WebhookPathFilter",
    "hide_webhook_paths",
    "redact_path",
]

#: The access loggers of the usual servers.
ACCESS_LOGGERS = (
    "uvicorn.access",
    "hypercorn.access",
    "gunicorn.access",
    "aiohttp.access",
    "uvicorn.asgi",  # not an access log, but at trace level it writes every request's scope
)

# The webhook path however a client spelled it (a server logs what it was sent).
_SHAPE = r"(/snov(?:-|%2d)webhooks(?:/|\\|%2f|%5c)+)[^/?#\s\"'\\]+"
_PATH = re.compile(_SHAPE, re.IGNORECASE)
_PATH_BYTES = re.compile(_SHAPE.encode(), re.IGNORECASE)

#: Tokens of the receivers made in this process (the most recent `MAX_TOKENS`).
MAX_TOKENS = 256
_tokens: dict[str, None] = {}
_lock = threading.Lock()
_known: tuple[re.Pattern[str], re.Pattern[bytes]] | None = None


def remember_token(token: str) -> None:
    """Hide ``token`` wherever it appears in a record, in any mix of plain and
    percent-encoded characters (each receiver calls this for its own)."""
    global _known
    with _lock:
        _tokens.pop(token, None)
        _tokens[token] = None
        while len(_tokens) > MAX_TOKENS:
            del _tokens[next(iter(_tokens))]
        _known = None


def _known_patterns() -> tuple[re.Pattern[str], re.Pattern[bytes]] | None:
    global _known
    known = _known
    if known is None and _tokens:
        with _lock:
            spelled = "|".join(
                "".join(f"(?:{re.escape(c)}|%{ord(c):02x})" for c in token) for token in _tokens
            )
            known = _known = (
                re.compile(spelled, re.IGNORECASE),
                re.compile(spelled.encode(), re.IGNORECASE),
            )
    return known


def redact_path(text: str) -> str:
    """``text`` with the token of every webhook path, and every token of this process's
    receivers, replaced by ``***``."""
    text = _PATH.sub(r"\1***", text)
    known = _known_patterns()
    return known[0].sub("***", text) if known else text


def _redact_bytes(data: bytes) -> bytes:
    data = _PATH_BYTES.sub(rb"\1***", data)
    known = _known_patterns()
    return known[1].sub(b"***", data) if known else data


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact_path(value)
    if isinstance(value, bytes):
        return _redact_bytes(value)
    if isinstance(value, tuple):
        return tuple(_clean(v) for v in value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _clean(v) for k, v in value.items()}
    return value


# Attributes every LogRecord has (the extra fields are the other ones).
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class WebhookPathFilter(logging.Filter):
    """Replaces the webhook path token by ``***`` in a record's message, arguments and extra
    fields. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_path(record.msg)
        if record.args:
            record.args = cast(Any, _clean(record.args))
        for name, value in list(vars(record).items()):
            if name not in _STANDARD and isinstance(value, (str, bytes, Mapping, tuple, list)):
                setattr(record, name, _clean(value))
        return True


def hide_webhook_paths(*loggers: str) -> WebhookPathFilter:
    """Put one `WebhookPathFilter` on each named logger (by default the access loggers of
    uvicorn, hypercorn, gunicorn and aiohttp); returns the filter. Idempotent."""
    shared = WebhookPathFilter()
    for name in loggers or ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, WebhookPathFilter) for f in logger.filters):
            logger.addFilter(shared)
    return shared


class _Hiding(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The access logger aiohttp writes to, with the webhook token hidden on the way."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        if "extra" in kwargs:
            kwargs["extra"] = _clean(kwargs["extra"])
        return _clean(msg), kwargs


class RedactingAccessLogger(AccessLogger):
    """aiohttp's access logger (same format, same logger) with the receiver's path token
    replaced by ``***``::

        web.run_app(app, access_log_class=RedactingAccessLogger)
    """

    def __init__(self, logger: logging.Logger, log_format: str = AccessLogger.LOG_FORMAT) -> None:
        super().__init__(cast(logging.Logger, _Hiding(logger, {})), log_format)
