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
import enum
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from . import errors
from ._secrets import Secret

__all__ = [
    "decode_response",
    "encode_params",
    "error_for",
    "extract_messages",
    "is_credits_message",
    "join_url",
    "parse_json",
    "parse_retry_after",
    "parse_token",
    "read_task_hash",
    "with_response",
]

#: "Out of credits" in every wording seen so far: the reference's ``not_enough_credits`` and
#: the live API's "Sorry, you ran out of credits, please order more credits" (which arrives
#: with HTTP 400, in a ``message`` or in ``{"errors": [{"user_id": "..."}]}``).
_CREDITS_RE = re.compile(
    r"not[ _]enough[ _](credits|points|balance)"
    r"|insufficient[ _](credits|balance|funds|points)"
    r"|(ran|run|running) out of credits|out[ _]of[ _]credits|order more credits"
    r"|no (more )?credits (left|remaining)|credits? (limit (is )?)?(exhausted|exceeded)",
    re.I,
)
#: A lookup that found nothing: "We couldn't find profile with this email", "Prospect with
#: email '...' not found", "Campaign not found".
_NOT_FOUND_RE = re.compile(
    r"not found|does not exist|doesn't exist|could ?n[o']t find|could not be found|nothing found",
    re.I,
)


def join_url(base_url: str, path: str) -> str:
    """Join the API root and an operation path with exactly one slash between them."""
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def _scalar(value: Any) -> str | Secret:
    if isinstance(value, Secret):
        return value  # stays wrapped until it is put on the wire
    if isinstance(value, enum.Enum):  # checked by its value: str() is "Period.MONTH"
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    # The value itself, not what a subclass's __str__ says (an IntEnum's on Python 3.10).
    for kind in (int, float, str):
        if isinstance(value, kind):
            return kind.__repr__(value) if kind is not str else str.__str__(value)
    return str(value)


def encode_params(params: Mapping[str, Any] | None) -> list[tuple[str, str | Secret]]:
    """Encode a mapping as query or form pairs, the way the reference's PHP examples do.

    * ``None`` values are left out;
    * a list or tuple becomes repeated ``key[]`` pairs (``{"emails": ["a", "b"]}`` ->
      ``emails[]=a&emails[]=b``); a key that already ends in ``[]`` is kept as it is;
    * a mapping becomes bracketed keys (``{"socialLinks": {"linkedIn": u}}`` ->
      ``socialLinks[linkedIn]=u``);
    * booleans become ``true`` / ``false``;
    * a `Secret` stays wrapped (``_secrets.reveal`` unwraps it for the wire).
    """
    pairs: list[tuple[str, str | Secret]] = []
    if not params:
        return pairs
    for key, value in params.items():
        _encode_into(pairs, key, value)
    return pairs


def _encode_into(pairs: list[tuple[str, str | Secret]], key: str, value: Any) -> None:
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
        ms = _delay(raw_ms)
        if ms is not None:
            return ms / 1000.0
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    if raw[:1] in "+-." or raw[:1].isdigit():  # a number, never a date
        return _delay(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:  # pragma: no cover - older Pythons returned None
        return None
    return max(0.0, when.timestamp() - now)


_DELAY = re.compile(r"\s*[0-9]+(\.[0-9]+)?\s*")


def _delay(raw: str) -> float | None:
    """A delay in seconds (or ms) as servers send it: digits, perhaps a fraction. ``inf``,
    ``nan``, negative or exponent forms (which ``float()`` would take) are no usable hint,
    and neither is a number too large to be finite."""
    if not _DELAY.fullmatch(raw):
        return None
    value = float(raw)
    return value if value != float("inf") else None


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
    if isinstance(errs, Mapping) and "message" in errs and "title" not in errs:
        # Account envelope: {"errors": {"type": "FreePlan", "message": "To try Snov.io ..."}}
        messages.extend(_strings(errs.get("message")))
    elif isinstance(errs, Mapping) and ("title" in errs or "code" in errs):
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
    result = payload.get("result")
    if (
        payload.get("success") is False
        and isinstance(result, str)
        and result.strip()
        and result.strip() not in messages
    ):
        # {"success": false, "result": "We couldn't find profile with this email"}
        messages.append(result.strip())
    return messages, field


def is_credits_message(text: str) -> bool:
    """Whether a server message says the account is out of credits."""
    return bool(_CREDITS_RE.search(text))


def _gateway_envelope(payload: Any) -> bool:
    errs = payload.get("errors") if isinstance(payload, Mapping) else None
    return isinstance(errs, Mapping) and ("title" in errs or "code" in errs)


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
    if isinstance(err, errors.NotFoundError):
        # The lookup's own "nothing found" (an operation envelope), not a missing route.
        err.answer = (200 <= status < 300) or (
            isinstance(payload, Mapping)
            and not _gateway_envelope(payload)
            and bool(_NOT_FOUND_RE.search(joined))
        )
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


#: Integers longer than this stay strings (Python refuses to convert over ~4300 digits).
_MAX_INT_DIGITS = 4000


def _parse_int(text: str) -> int | str:
    return int(text) if len(text) <= _MAX_INT_DIGITS else text


def parse_json(body: bytes) -> tuple[Any, str | None]:
    """``(payload, problem)``: the JSON in ``body``, or why there is none.

    Tolerates what production clients had to strip by hand: NUL bytes and raw control
    characters inside strings, a byte-order mark, bytes that are not UTF-8 (replaced), and
    integers too long to convert (kept as strings). An empty body is ``(None, None)``.
    """
    text = body.strip()
    if not text:
        return None, None
    try:
        return json.loads(text, parse_int=_parse_int), None
    except RecursionError:
        return None, "the server answered with JSON nested too deeply to read"
    except (ValueError, UnicodeDecodeError):
        pass
    mended = text.decode("utf-8", errors="replace").lstrip("\ufeff").replace("\x00", "")
    try:
        return json.loads(mended, parse_int=_parse_int, strict=False), None
    except RecursionError:
        return None, "the server answered with JSON nested too deeply to read"
    except ValueError:
        pass
    if _looks_like_html(text):
        return None, "the server answered with an HTML page instead of JSON"
    return None, "the server answered with truncated or invalid JSON"


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
    payload, format_problem = parse_json(body)
    if format_problem is not None and _CREDITS_RE.search(
        body[:4096].decode("utf-8", errors="replace")
    ):
        # "Out of credits" is an answer whatever the envelope, even a page of text.
        credits: errors.SnovError = errors.NotEnoughCreditsError(
            "the account ran out of credits", status=status, method=method, path=path
        )
        raise with_response(credits, headers, payload, body)
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
        if not payload.get("data") and any(k in payload for k in ("errors", "error", "message")):
            # {"errors": [{"user_id": "Sorry, you ran out of credits ..."}]} with a 200.
            messages, _ = extract_messages(payload)
            if _CREDITS_RE.search(" ".join(messages)):
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
            raw: Any = payload.get("expires_in")
            try:
                expires_in = float(raw) if raw is not None else None
            except OverflowError:  # an integer beyond a float (10**400): clamped as infinity
                expires_in = math.inf if raw > 0 else -math.inf
            except (TypeError, ValueError):  # unreadable ([3600], "soon"): clamped as NaN
                expires_in = math.nan
            return token, expires_in
    raise errors.ResponseFormatError(
        "the token answer has no access_token", method=method, path=path
    )


#: What a task hash may look like (hex in practice): checked before it is put in a path.
_TASK_HASH = re.compile(r"[A-Za-z0-9_-]{1,256}")


def read_task_hash(payload: Any) -> str:
    """The task hash of a ``.../start`` answer (``data.task_hash``, else ``meta.task_hash``)."""
    if isinstance(payload, Mapping):
        for section in (payload.get("data"), payload.get("meta")):
            if isinstance(section, Mapping) and isinstance(section.get("task_hash"), str):
                task_hash = str(section["task_hash"])
                if not _TASK_HASH.fullmatch(task_hash):  # it goes into paths and queries
                    raise errors.ResponseFormatError("the start answer has a malformed task_hash")
                return task_hash
    raise errors.ResponseFormatError("the start answer has no task_hash")
