"""Checks the reference imposes on inputs, run before any request is sent.

Each function returns the clean value or raises `ValidationError` naming the field (the
settings checks raise `ConfigurationError` instead). Where the reference sets no limit, the
SDK sets one, so that a runaway value (a 1 MB company name, a 100,000-character hash) is
refused here instead of being sent:

=========================  =====================================================
what                       limit
=========================  =====================================================
ids in paths and lists     integers 1 .. 2**63-1 (``bool`` is not an integer)
task / prospect hashes     1-256 characters of ``A-Z a-z 0-9 _ -`` (hex in practice)
cursors (``next``)         1-1,024 characters of ``A-Z a-z 0-9 _ - . ~``
person names               1-100 characters, no control characters
company names, titles      1-255 characters (list names, campaign titles too)
short texts                at most 1,000 characters (position, locality, country...)
email subject              1-1,000 characters; body 1-500,000 characters
emails                     ASCII only, at most 254 characters (``recipients.check``: 100)
domains                    ASCII only (pass an IDN as ``xn--...``), at most 253 characters
URLs                       at most 2,048 characters, http(s) with a host
id lists                   at most 100 ids (``campaign_ids``, ``sender_emails``...)
=========================  =====================================================

Paths are built by `path` only: every ``{placeholder}`` is checked (an id, a hash) and then
percent-encoded, so no value can add a segment, a query or a fragment.
"""

from __future__ import annotations

import datetime
import math
import os
import re
from collections.abc import AsyncIterable, Collection, Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from ._tables import CURRENCIES, TIMEZONES
from .errors import ConfigurationError, SnovError, ValidationError

__all__ = [
    "MAX_BODY",
    "MAX_COMPANY",
    "MAX_HASH",
    "MAX_ID",
    "MAX_IDS",
    "MAX_NAME",
    "MAX_SUBJECT",
    "MAX_TEXT",
    "MAX_TITLE",
    "MAX_URL",
    "bulk_inputs",
    "cursor",
    "currency",
    "date",
    "datetime_text",
    "file_path",
    "flag",
    "hash_ref",
    "id_list",
    "integer",
    "number",
    "one_of",
    "path",
    "positive_id",
    "redis_url",
    "sized",
    "step_id",
    "text",
    "timezone",
    "sendable",
    "timezone_id",
    "unsendable",
    "web_url",
]

#: The largest id accepted (a signed 64-bit integer).
MAX_ID = 2**63 - 1
#: Task and prospect hashes: at most this many characters.
MAX_HASH = 256
#: Cursors (``next`` of domain emails and generic contacts).
MAX_CURSOR = 1024
#: First and last names.
MAX_NAME = 100
#: Company names.
MAX_COMPANY = 255
#: Titles and list names.
MAX_TITLE = 255
#: Other short texts (position, locality, country, phone, custom field value...).
MAX_TEXT = 1000
#: Email subjects.
MAX_SUBJECT = 1000
#: Email bodies (HTML).
MAX_BODY = 500_000
#: URLs (endpoints, LinkedIn profiles, base URLs).
MAX_URL = 2048
#: Ids in one list argument.
MAX_IDS = 100

_DIGITS = re.compile(r"[0-9]{1,19}")
_HASH = re.compile(r"[A-Za-z0-9_-]+")
_CURSOR = re.compile(r"[A-Za-z0-9_.~-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Lone surrogates: a Python string may hold them, UTF-8 cannot encode them (the form encoder
#: raised a bare UnicodeEncodeError after the token was fetched; JSON sent invalid Unicode).
_SURROGATE = re.compile("[\ud800-\udfff]")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")

T = TypeVar("T")
ZONES = {zone.replace(" ", "_"): zone for zone, _ in TIMEZONES.values()}


def _shown(value: Any) -> str:
    """A short, safe rendering of a refused value for an error message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def integer(
    value: Any,
    field: str,
    low: int | None = None,
    high: int | None = None,
    *,
    error: type[SnovError] = ValidationError,
) -> int:
    """An integer within ``[low, high]`` (``bool`` is refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(f"{field} must be an integer, got {_shown(value)}", field=field)
    if low is not None and value < low:
        raise error(f"{field} must be at least {low} (got {_shown(value)})", field=field)
    if high is not None and value > high:
        raise error(f"{field} must be at most {high} (got {_shown(value)})", field=field)
    return int(value)


def one_of(value: T, field: str, allowed: Collection[Any]) -> T:
    """``value`` (or its ``.value`` for enums) must be one of ``allowed``."""
    raw = getattr(value, "value", value)
    try:
        known = not isinstance(raw, bool) and raw in allowed
        # 1.0 == 1, but a float is not an integer choice (it would be sent as 1.0).
        if isinstance(raw, float) and not any(isinstance(a, float) for a in allowed):
            known = False
    except TypeError:  # an unhashable value against a set
        known = False
    if not known:
        options = ", ".join(repr(a) for a in allowed)
        raise ValidationError(f"{field} must be one of {options} (got {_shown(raw)})", field=field)
    return value


def date(value: Any, field: str) -> str:
    """A ``YYYY-MM-DD`` date, from a `datetime.date` or a string."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValidationError(
        f"{field} must be a date as YYYY-MM-DD (got {_shown(value)})", field=field
    )


def datetime_text(value: Any, field: str) -> str:
    """A ``YYYY-MM-DD HH:MM:SS`` date-time, from a `datetime.datetime` or a string."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str):
        try:
            datetime.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
            return value
        except ValueError:
            pass
    raise ValidationError(
        f"{field} must be a date-time as YYYY-MM-DD HH:MM:SS (got {_shown(value)})", field=field
    )


def timezone(value: Any, field: str = "timezone") -> str:
    """A campaign timezone from the reference's table (``America/New_York`` or with a space)."""
    if isinstance(value, str):
        found = ZONES.get(value.strip().replace(" ", "_"))
        if found is not None:
            return value.strip()
    raise ValidationError(
        f"{field} must be a timezone from the reference's table (got {_shown(value)})", field=field
    )


def timezone_id(value: Any, field: str = "timezoneId") -> int:
    """A sender-account timezone id (1-458)."""
    return integer(value, field, 1, 458)


def currency(value: Any, field: str = "currency") -> str:
    """A currency code from the reference's table (``USD``, ``EUR`` ...)."""
    if isinstance(value, str) and value.strip().upper() in CURRENCIES:
        return value.strip().upper()
    raise ValidationError(
        f"{field} must be a currency code from the reference's table (got {_shown(value)})",
        field=field,
    )


# Ids, hashes and paths -------------------------------------------------------------------


def positive_id(value: Any, field: str) -> int:
    """An object id: an integer from 1 to `MAX_ID`."""
    return integer(value, field, 1, MAX_ID)


def step_id(value: Any, field: str = "step_id") -> int:
    """A campaign step id: an integer, or the digits of a step's ``ref`` (``"123"``)."""
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    return positive_id(value, field)


def hash_ref(value: Any, field: str, *, max_len: int = MAX_HASH) -> str:
    """A task or prospect hash: 1 to ``max_len`` characters of ``A-Z a-z 0-9 _ -``."""
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string, got {_shown(value)}", field=field)
    if not value:
        raise ValidationError(f"{field} is empty", field=field)
    if len(value) > max_len:
        raise ValidationError(
            f"{field} is at most {max_len} characters (got {len(value)})", field=field
        )
    if not _HASH.fullmatch(value):
        raise ValidationError(
            f"{field} must be letters, digits, '_' or '-' (got {_shown(value)})", field=field
        )
    return value


def cursor(value: Any, field: str = "next") -> str | None:
    """A page cursor (``next``): ``None``/``""`` for the first page, else 1-1,024 URL-safe
    characters."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string, got {_shown(value)}", field=field)
    if len(value) > MAX_CURSOR or not _CURSOR.fullmatch(value):
        raise ValidationError(
            f"{field} must be at most {MAX_CURSOR} URL-safe characters (got {_shown(value)})",
            field=field,
        )
    return value


def _path_value(name: str, value: Any) -> str:
    if name.endswith("hash"):
        return hash_ref(value, name)
    if name == "step_id":
        return str(step_id(value, name))
    return str(positive_id(value, name))


def path(template: str, **values: Any) -> str:
    """``template`` with each ``{name}`` replaced by its checked, percent-encoded value.

    A name ending in ``hash`` takes a hash (`hash_ref`), ``step_id`` an id or a step ref,
    any other name a positive id. Every placeholder needs a value and every value a
    placeholder. Even a checked value is percent-encoded, so a path can never gain a
    segment (``/``, ``..``), a query (``?``) or a fragment (``#``).
    """
    names = _PLACEHOLDER.findall(template)
    if sorted(names) != sorted(values):
        raise TypeError(f"path {template!r} needs {names}, got {sorted(values)}")

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return quote(_path_value(name, values[name]), safe="")

    return _PLACEHOLDER.sub(fill, template)


# Texts, flags and collections --------------------------------------------------------------


def text(
    value: Any,
    field: str,
    *,
    max_len: int = MAX_TEXT,
    required: bool = True,
    multiline: bool = False,
) -> str:
    """A string of at most ``max_len`` characters without control characters (tabs and line
    breaks allowed when ``multiline``); not blank when ``required``. Returned as given."""
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string, got {_shown(value)}", field=field)
    if required and not value.strip():
        raise ValidationError(f"{field} is required", field=field)
    if len(value) > max_len:
        raise ValidationError(
            f"{field} is at most {max_len:,} characters (got {len(value):,})", field=field
        )
    if (_CONTROL_MULTILINE if multiline else _CONTROL).search(value):
        raise ValidationError(f"{field} contains control characters", field=field)
    unsendable(value, field)
    return value


def unsendable(value: str, field: str) -> None:
    """Refuse a string holding a lone surrogate (``"\\ud800"``): it cannot be encoded as
    UTF-8, so it cannot be sent."""
    if _SURROGATE.search(value):
        raise ValidationError(
            f"{field} contains a lone surrogate (U+D800-U+DFFF), which cannot be sent as UTF-8",
            field=field,
        )


def sendable(params: Any, form: Any, json: Any) -> None:
    """The last check before a request leaves: no text anywhere in the query, the form or the
    JSON body (keys included) holds a lone surrogate; the error names the top-level key."""

    def walk(value: Any, field: str) -> None:
        if isinstance(value, str):
            unsendable(value, field)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                walk(key, field)
                walk(item, field)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item, field)

    for part in (params, form, json):
        if isinstance(part, Mapping):
            for key, value in part.items():
                walk(key, str(key))
                walk(value, str(key))
        else:
            walk(part, "body")


def flag(value: Any, field: str) -> bool:
    """A real ``bool`` (``1``, ``"true"`` or ``None`` are refused)."""
    if not isinstance(value, bool):
        raise ValidationError(f"{field} must be True or False, got {_shown(value)}", field=field)
    return value


def _sized_kind(value: Any) -> bool:
    return isinstance(value, Collection) and not isinstance(
        value, (str, bytes, bytearray, memoryview, Mapping)
    )


def sized(value: Any, field: str, *, low: int = 0, high: int) -> list[Any]:
    """A list, tuple, set or other sized collection (not a string, bytes, a mapping or a
    generator) of ``low`` to ``high`` items, as a list."""
    if not _sized_kind(value):
        kind = "a single string" if isinstance(value, (str, bytes)) else type(value).__name__
        raise ValidationError(
            f"{field} must be a list (or tuple) of items, not {kind}", field=field
        )
    if not low <= len(value) <= high:
        raise ValidationError(
            f"{field} must hold {low} to {high} items (got {len(value)})", field=field
        )
    return list(value)


def id_list(value: Any, field: str, *, high: int = MAX_IDS) -> list[int]:
    """A collection of up to ``high`` positive ids; a single id is taken as a list of one."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    items = sized(value, field, high=high)
    for n, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= MAX_ID:
            raise ValidationError(
                f"{field}[{n}] must be an id (an integer >= 1), got {_shown(item)}", field=field
            )
    return [int(item) for item in items]  # plain ints: a subclass's str() may not be digits


def bulk_inputs(value: Any, field: str) -> Any:
    """The inputs of a bulk method: any iterable or async iterable of items (a list, a
    generator, a file's lines...), but not a single string, bytes, a mapping or ``None``."""
    if isinstance(value, (str, bytes, bytearray, memoryview)):
        raise ValidationError(
            f"{field} must be a list or iterable of inputs, not a single "
            f"{type(value).__name__} (wrap one input in a list)",
            field=field,
        )
    if isinstance(value, Mapping):
        raise ValidationError(
            f"{field} must be a list or iterable of inputs, not a mapping (wrap one row in a list)",
            field=field,
        )
    if not isinstance(value, (Iterable, AsyncIterable)):
        raise ValidationError(
            f"{field} must be a list or iterable of inputs, got {type(value).__name__}",
            field=field,
        )
    return value


def web_url(
    value: Any,
    field: str,
    *,
    schemes: tuple[str, ...] = ("http", "https"),
    error: type[SnovError] = ValidationError,
) -> str:
    """An absolute URL with one of ``schemes``, a host, a valid port, no whitespace or
    control characters, at most `MAX_URL` characters."""
    if not isinstance(value, str):
        raise error(f"{field} must be a URL string, got {_shown(value)}", field=field)
    bad = f"{field} must be an absolute {'/'.join(schemes)} URL with a host"
    if len(value) > MAX_URL:
        raise error(f"{field} is at most {MAX_URL} characters", field=field)
    if not value.isascii() or any(c.isspace() for c in value) or _CONTROL.search(value):
        raise error(f"{bad} (ASCII, without spaces), got {_shown(value)}", field=field)
    try:
        parts = urlsplit(value)
        host = parts.hostname
        port = parts.port
    except ValueError:
        raise error(f"{bad}, got {_shown(value)}", field=field) from None
    if parts.scheme.lower() not in schemes or not host:
        raise error(f"{bad}, got {_shown(value)}", field=field)
    if port == 0:
        raise error(f"{field} has an invalid port", field=field)
    return value


def redis_url(value: Any, field: str) -> str:
    """A ``redis://`` or ``rediss://`` URL with a host, a valid port and an optional
    numeric database (``redis://host:6379/0``); refused with `ConfigurationError`."""
    url = web_url(value, field, schemes=("redis", "rediss"), error=ConfigurationError)
    db = urlsplit(url).path.strip("/")
    if db and not _DIGITS.fullmatch(db):
        raise ConfigurationError(
            f"{field}: the database must be a number (redis://host:port/0)", field=field
        )
    return url


# Settings --------------------------------------------------------------------------------


def number(
    value: Any,
    field: str,
    *,
    low: float | None = None,
    high: float | None = None,
    above: float | None = None,
    error: type[SnovError] = ConfigurationError,
) -> float:
    """A finite real number (not ``bool``, NaN or infinite) ``>= low`` / ``> above`` /
    ``<= high``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise error(f"{field} must be a number, got {_shown(value)}", field=field)
    try:
        result = float(value)
    except OverflowError:
        raise error(f"{field} is out of range", field=field) from None
    if not math.isfinite(result):
        raise error(f"{field} must be a finite number, got {_shown(value)}", field=field)
    if low is not None and result < low:
        raise error(f"{field} must be at least {low} (got {_shown(value)})", field=field)
    if above is not None and result <= above:
        raise error(f"{field} must be greater than {above} (got {_shown(value)})", field=field)
    if high is not None and result > high:
        raise error(f"{field} must be at most {high} (got {_shown(value)})", field=field)
    return result


def file_path(value: Any, field: str) -> str:
    """A file path (``str`` or ``os.PathLike``): not empty, no NUL, not a directory."""
    if not isinstance(value, (str, os.PathLike)):
        raise ConfigurationError(
            f"{field} must be a path, a redis:// URL or a Journal, got {type(value).__name__}",
            field=field,
        )
    text = os.fspath(value)
    if not isinstance(text, str) or not text.strip() or "\x00" in text:
        raise ConfigurationError(f"{field} must be a file path, got {_shown(value)}", field=field)
    if os.path.isdir(text):
        raise ConfigurationError(f"{field} is a directory, not a file: {text}", field=field)
    return text
