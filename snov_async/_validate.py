"""Checks the reference imposes on inputs, run before any request is sent.

Each function returns the clean value or raises `ValidationError` naming the field.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import Any, TypeVar

from ._tables import CURRENCIES, TIMEZONES
from .errors import ValidationError

__all__ = [
    "currency",
    "date",
    "datetime_text",
    "integer",
    "one_of",
    "timezone",
    "timezone_id",
]

T = TypeVar("T")
ZONES = {zone.replace(" ", "_"): zone for zone, _ in TIMEZONES.values()}


def integer(value: Any, field: str, low: int | None = None, high: int | None = None) -> int:
    """An integer within ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{field} must be an integer, got {value!r}", field=field)
    if low is not None and value < low:
        raise ValidationError(f"{field} must be at least {low} (got {value})", field=field)
    if high is not None and value > high:
        raise ValidationError(f"{field} must be at most {high} (got {value})", field=field)
    return value


def one_of(value: T, field: str, allowed: Collection[Any]) -> T:
    """``value`` (or its ``.value`` for enums) must be one of ``allowed``."""
    raw = getattr(value, "value", value)
    if raw not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValidationError(f"{field} must be one of {options} (got {raw!r})", field=field)
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
    raise ValidationError(f"{field} must be a date as YYYY-MM-DD (got {value!r})", field=field)


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
        f"{field} must be a date-time as YYYY-MM-DD HH:MM:SS (got {value!r})", field=field
    )


def timezone(value: Any, field: str = "timezone") -> str:
    """A campaign timezone from the reference's table (``America/New_York`` or with a space)."""
    if isinstance(value, str):
        found = ZONES.get(value.strip().replace(" ", "_"))
        if found is not None:
            return value.strip()
    raise ValidationError(
        f"{field} must be a timezone from the reference's table (got {value!r})", field=field
    )


def timezone_id(value: Any, field: str = "timezoneId") -> int:
    """A sender-account timezone id (1-458)."""
    return integer(value, field, 1, 458)


def currency(value: Any, field: str = "currency") -> str:
    """A currency code from the reference's table (``USD``, ``EUR`` ...)."""
    if isinstance(value, str) and value.strip().upper() in CURRENCIES:
        return value.strip().upper()
    raise ValidationError(
        f"{field} must be a currency code from the reference's table (got {value!r})", field=field
    )
