"""Input normalisation, as the API treats inputs: trimmed, emails and domains lower-cased.

Each function returns the normalised value or raises `ValidationError` naming the field, so
that a bad input is answered before any request is sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from .errors import ValidationError

__all__ = ["company_name", "domain", "email", "linkedin_url", "name_domain", "person_name"]

_EMAIL = re.compile(
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$"
)
_DOMAIN = re.compile(r"^(?=.{3,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_LI_PATH = re.compile(r"^/in/([^/?#\s]+)/?$")
_SPACES = re.compile(r"\s+")


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string, got {type(value).__name__}", field=field)
    return _SPACES.sub(" ", value).strip()


def email(value: Any, field: str = "email") -> str:
    """``"  John.Doe@Acme.COM "`` -> ``"john.doe@acme.com"``."""
    text = _text(value, field).lower()
    if not text:
        raise ValidationError("email is empty", field=field)
    if len(text) > 254 or not _EMAIL.match(text):
        raise ValidationError(f"malformed email address: {text!r}", field=field)
    return text


def domain(value: Any, field: str = "domain") -> str:
    """``"https://www.Acme.com/about"`` -> ``"acme.com"``."""
    text = _text(value, field).lower()
    host = urlsplit(text).hostname if "://" in text else text.split("/", 1)[0]
    text = (host or "").removeprefix("www.").rstrip(".")
    if not text:
        raise ValidationError("domain is empty", field=field)
    if not _DOMAIN.match(text):
        raise ValidationError(f"malformed domain: {text!r}", field=field)
    return text


def person_name(value: Any, field: str) -> str:
    text = _text(value, field)
    if not text:
        raise ValidationError(f"{field} is empty", field=field)
    return text


def company_name(value: Any, field: str = "name") -> str:
    text = _text(value, field)
    if not text:
        raise ValidationError("company name is empty", field=field)
    return text


def linkedin_url(value: Any, field: str = "url") -> str:
    """A LinkedIn member URL in the one form ``https://www.linkedin.com/in/<handle>/``."""
    text = _text(value, field)
    if not text:
        raise ValidationError("LinkedIn URL is empty", field=field)
    candidate = text if "://" in text else "https://" + text
    parts = urlsplit(candidate)
    host = (parts.hostname or "").lower()
    match = _LI_PATH.match(parts.path)
    if not (host == "linkedin.com" or host.endswith(".linkedin.com")) or match is None:
        raise ValidationError(f"not a LinkedIn profile URL: {text!r}", field=field)
    return f"https://www.linkedin.com/in/{match.group(1)}/"


def name_domain(value: Any) -> tuple[str, str, str]:
    """A row as a mapping, a ``(first, last, domain)`` sequence or an object with those
    attributes -> normalised ``(first_name, last_name, domain)``."""
    if isinstance(value, Mapping):
        get = value.get
        first, last, dom = get("first_name"), get("last_name"), get("domain")
    elif isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 3:
            raise ValidationError(
                "a row must have 3 items: first_name, last_name, domain", field="row"
            )
        first, last, dom = value
    elif all(hasattr(value, a) for a in ("first_name", "last_name", "domain")):
        first, last, dom = value.first_name, value.last_name, value.domain
    else:
        raise ValidationError(
            "a row must be a mapping, a (first, last, domain) tuple or a NameDomain",
            field="row",
        )
    return (
        person_name(first, "first_name"),
        person_name(last, "last_name"),
        domain(dom, "domain"),
    )
