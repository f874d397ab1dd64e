"""The protocol without I/O: building requests and deciphering answers.

Everything here is a pure function of its arguments, so it is tested with plain dicts and
bytes. The I/O layer (`_http.py`) calls these and nothing else decides what an answer means.

Snov.io speaks several dialects at once (see API_INDEX.md):

* success: v2 ``{"data": ..., "meta": ..., "links": ..., "status": ...}``, v1
  ``{"success": true, ...}``, or a bare JSON list;
* errors: the gateway's ``{"errors": {"code": 404, "title": "...", "source": ""}}``, the
  operation result ``{"success": false, "errors": ["..."]}``, and validation messages in
  400/422 bodies (``{"errors": {"field": ["..."]}}``, ``{"message": "..."}``, OAuth's
  ``{"error": "...", "error_description": "..."}``).
"""

from __future__ import annotations

import email.utils
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from . import errors

__all__ = [
    "decode_response",
    "encode_params",
    "error_for",
    "extract_messages",
    "join_url",
    "parse_retry_after",
    "parse_token",
    "read_task_hash",
    "with_response",
]

_CREDITS_RE = re.compile(r"not[ _]enough[ _](credits|points|balance)|insufficient", re.I)
_NOT_FOUND_RE = re.compile(r"not found|does not exist|doesn't exist", re.I)


def join_url(base_url: str, path: str) -> str:
    """Join the API root and an operation path with exactly one slash between them."""
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode_params(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Encode a mapping as query or form pairs, the way the reference's PHP examples do.

    * ``None`` values are left out;
    * a list or tuple becomes repeated ``key[]`` pairs (``{"emails": ["a", "b"]}`` ->
      ``emails[]=a&emails[]=b``); a key that already ends in ``[]`` is kept as it is;
    * a mapping becomes bracketed keys (``{"socialLinks": {"linkedIn": u}}`` ->
      ``socialLinks[linkedIn]=u``);
    * booleans become ``true`` / ``false``.
    """
    pairs: list[tuple[str, str]] = []
    if not params:
        return pairs
    for key, value in params.items():
        _encode_into(pairs, key, value)
    return pairs


def _encode_into(pairs: list[tuple[str, str]], key: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for sub, sub_value in value.items():
            _encode_into(pairs, f"{key}[{sub}]", sub_value)
    elif isinstance(value, (list, tuple)):
        list_key = key if key.endswith("[]") else f"{key}[]"
        for item in value:
            if item is not None:
                pairs.append((list_key, _scalar(item)))
    else:
        pairs.append((key, _scalar(value)))


def parse_retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait according to ``retry-after-ms`` or ``Retry-After``.

    ``now`` is the current wall-clock time (``time.time()``), used for HTTP-date values.
    Returns ``None`` when no usable hint is present; never a negative number.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ms = lowered.get("retry-after-ms")
    if raw_ms is not None:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:  # pragma: no cover - older Pythons returned None
        return None
    return max(0.0, when.timestamp() - now)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        if value.strip():
            yield value.strip()
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def extract_messages(payload: Any) -> tuple[list[str], str | None]:
    """Collect the server's messages from any of the error envelopes.

    Returns ``(messages, field)``; ``field`` names the first offending field when the body
    says which one.
    """
    messages: list[str] = []
    field: str | None = None
    if isinstance(payload, str):
        return ([payload.strip()] if payload.strip() else []), None
    if not isinstance(payload, Mapping):
        return messages, field
    errs = payload.get("errors")
    if isinstance(errs, Mapping) and ("title" in errs or "code" in errs):
        # Gateway envelope: {"errors": {"code": 404, "title": "...", "source": ""}}
        messages.extend(_strings(errs.get("title")))
        messages.extend(_strings(errs.get("detail")))
        source = errs.get("source")
        if isinstance(source, str) and source.strip():
            field = source.strip()
    elif isinstance(errs, Mapping):
        # Validation envelope: {"errors": {"field": ["msg", ...]}}
        for name, value in errs.items():
            texts = list(_strings(value))
            if field is None:
                field = str(name)
            messages.extend(f"{name}: {t}" for t in texts) if texts else messages.append(name)
    elif isinstance(errs, (list, tuple)):
        # Operation envelope: {"success": false, "errors": ["..."]}, or a list of objects.
        for item in errs:
            if isinstance(item, Mapping):
                name = item.get("field") or item.get("source")
                if field is None and isinstance(name, str):
                    field = name
                texts = list(_strings(item.get("message") or item.get("title") or item))
                messages.extend(f"{name}: {t}" if name else t for t in texts)
            else:
                messages.extend(_strings(item))
    elif isinstance(errs, str):
        messages.extend(_strings(errs))
    for key in ("message", "error", "error_description", "title", "detail"):
        for text in _strings(payload.get(key)):
            if text not in messages:
                messages.append(text)
    return messages, field


def error_for(
    status: int,
    payload: Any,
    *,
    method: str,
    path: str,
    retry_after: float | None = None,
) -> errors.SnovError:
    """Map an error answer to the matching exception (without raising it)."""
    messages, field = extract_messages(payload)
    summary = messages[0] if messages else _default_summary(status)
    kw: dict[str, Any] = {
        "status": status,
        "method": method,
        "path": path,
        "messages": messages,
        "field": field,
    }
    joined = " ".join(messages)
    cls: type[errors.SnovError]
    if status == 402 or _CREDITS_RE.search(joined):
        cls = errors.NotEnoughCreditsError
    elif status in (401, 403):
        cls = errors.AuthenticationError
    elif status == 404:
        cls = errors.NotFoundError
    elif status == 429:
        cls = errors.RateLimitError
    elif status in (400, 422):
        cls = errors.ValidationError
    elif status >= 500:
        cls = errors.ServerError
    elif 200 <= status < 300:
        # An operation that answered 2xx with {"success": false, "errors": [...]}.
        cls = errors.NotFoundError if _NOT_FOUND_RE.search(joined) else errors.ValidationError
    else:
        cls = errors.SnovError
    err = cls(summary, **kw)
    if isinstance(err, errors.RateLimitError):
        err.retry_after = retry_after
    return err


def _default_summary(status: int) -> str:
    if status == 429:
        return "rate limit exceeded"
    if status >= 500:
        return "server error"
    if status in (401, 403):
        return "not authorised"
    if status == 404:
        return "not found"
    return "request failed" if status >= 300 else "operation failed"


def _looks_like_html(body: bytes) -> bool:
    head = body.lstrip()[:64].lower()
    return head.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<?xml", b"<"))


def decode_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    method: str,
    path: str,
    now: float = 0.0,
) -> Any:
    """Decode an answer into JSON data, or raise the typed error it stands for.

    * 2xx with a JSON body: the decoded JSON, unless it is an error envelope
      (``{"success": false, ...}`` or a gateway ``errors`` object), which is raised;
    * 2xx with an empty body: ``None``;
    * 2xx with an HTML page, truncated or invalid JSON: `ResponseFormatError`;
    * any other status: the error `error_for` maps it to, whatever the body's format.
    """
    retry_after = parse_retry_after(headers, now) if status in (429, 503) else None
    text_body = body.strip()
    payload: Any = None
    format_problem: str | None = None
    if text_body:
        try:
            payload = json.loads(text_body)
        except (ValueError, UnicodeDecodeError):
            if _looks_like_html(text_body):
                format_problem = "the server answered with an HTML page instead of JSON"
            else:
                format_problem = "the server answered with truncated or invalid JSON"
    if not 200 <= status < 300:
        detail = payload if format_problem is None else format_problem
        err = error_for(status, detail, method=method, path=path, retry_after=retry_after)
        raise with_response(err, headers, payload, body)
    if format_problem is not None:
        err = errors.ResponseFormatError(format_problem, status=status, method=method, path=path)
        raise with_response(err, headers, payload, body)
    if isinstance(payload, Mapping):
        if payload.get("success") is False:
            err = error_for(status, payload, method=method, path=path)
            raise with_response(err, headers, payload, body)
        errs = payload.get("errors")
        if (
            isinstance(errs, Mapping)
            and isinstance(errs.get("code"), int)
            and errs["code"] >= 400
            and "data" not in payload
        ):
            err = error_for(int(errs["code"]), payload, method=method, path=path)
            raise with_response(err, headers, payload, body)
    return payload


#: Headers that may carry the request id, in the order they are tried.
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid", "x-correlation-id")
#: Header and body keys whose values are never kept on an error.
_SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})
_SECRET_KEYS = frozenset({"access_token", "refresh_token", "client_secret", "token", "password"})
#: Bodies kept on errors are cut at this many characters.
MAX_ERROR_BODY = 4000


def _redact_body(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            k: "[redacted]" if str(k).lower() in _SECRET_KEYS else _redact_body(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact_body(v) for v in value]
    return value


def with_response(
    err: errors.SnovError, headers: Mapping[str, str], payload: Any, raw: bytes
) -> errors.SnovError:
    """Attach the answer to ``err``: ``body`` (JSON, else text), ``headers`` and
    ``request_id``, with secret headers and secret-looking body fields redacted."""
    kept = {k: "[redacted]" if k.lower() in _SECRET_HEADERS else str(v) for k, v in headers.items()}
    err.headers = kept
    lowered = {k.lower(): v for k, v in kept.items()}
    err.request_id = next((lowered[h] for h in _REQUEST_ID_HEADERS if lowered.get(h)), None)
    if payload is not None:
        err.body = _redact_body(payload)
    elif raw.strip():
        err.body = raw.decode("utf-8", "replace")[:MAX_ERROR_BODY]
    return err


def parse_token(payload: Any, *, method: str, path: str) -> tuple[str, float | None]:
    """Read ``(access_token, expires_in)`` from the token endpoint's answer."""
    if isinstance(payload, Mapping):
        token = payload.get("access_token")
        if isinstance(token, str) and token:
            raw = payload.get("expires_in")
            try:
                expires_in = float(raw) if raw is not None else None
            except (TypeError, ValueError):
                expires_in = None
            return token, expires_in
    raise errors.ResponseFormatError(
        "the token answer has no access_token", method=method, path=path
    )


def read_task_hash(payload: Any) -> str:
    """The task hash of a ``.../start`` answer (``data.task_hash``, else ``meta.task_hash``)."""
    if isinstance(payload, Mapping):
        for section in (payload.get("data"), payload.get("meta")):
            if isinstance(section, Mapping) and isinstance(section.get("task_hash"), str):
                return str(section["task_hash"])
    raise errors.ResponseFormatError("the start answer has no task_hash")
