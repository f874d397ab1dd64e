"""Input normalisation, as the API treats inputs: trimmed, emails and domains lower-cased.

Each function returns the normalised value or raises `ValidationError` naming the field, so
that a bad input is answered before any request is sent. They raise nothing else, whatever
they are given (the bulk methods turn a `ValidationError` into that input's result, so one
bad input never stops a call).

Normalisation never turns one address into another: emails and domains must be ASCII
(``"\\u212aate@acme.com"`` -- a Kelvin sign -- is refused, where ``str.lower()`` would have
made it ``kate@acme.com``); pass an internationalised domain in its ``xn--`` form. Only
ASCII letters are lower-cased. Limits: emails 254 characters (local part 64), domains 253,
person names 100, company names 255, LinkedIn URLs 2,048 (handle 100).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from ._validate import MAX_COMPANY, MAX_NAME, MAX_URL, unsendable
from .errors import ValidationError

__all__ = ["company_name", "domain", "email", "linkedin_url", "name_domain", "person_name"]

_EMAIL = re.compile(
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$"
)
_DOMAIN = re.compile(r"^(?=.{3,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_LI_PATH = re.compile(r"^/in/([^/?#\s]{1,100})/?$")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Inputs longer than this are refused before any other work (whitespace included).
_RAW_MAX = 4 * MAX_URL


def _in(field: str, default: str = "") -> str:
    """`` (in <field>)`` for a message, unless the field is the one the message names."""
    return "" if field == default else f" (in {field})"


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:57]) + "..."


def _text(value: Any, field: str, max_len: int = _RAW_MAX) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string, got {type(value).__name__}", field=field)
    if len(value) > _RAW_MAX:
        raise ValidationError(f"{field} is too long ({len(value):,} characters)", field=field)
    text = _SPACES.sub(" ", value).strip()
    if len(text) > max_len:
        raise ValidationError(
            f"{field} is at most {max_len} characters (got {len(text):,})", field=field
        )
    if _CONTROL.search(text):
        raise ValidationError(f"{field} contains control characters", field=field)
    unsendable(text, field)
    return text


def _ascii_lower(text: str, field: str, what: str) -> str:
    if not text.isascii():
        raise ValidationError(
            f"{what} must be ASCII{_in(field)} (got {_shown(text)}); non-ASCII characters could "
            "turn it into another address once lower-cased",
            field=field,
        )
    return text.lower()


def email(value: Any, field: str = "email") -> str:
    """``"  John.Doe@Acme.COM "`` -> ``"john.doe@acme.com"``; ASCII only, at most 254
    characters (64 before the ``@``)."""
    text = _text(value, field, 254)
    if not text:
        raise ValidationError(f"{field} is empty", field=field)
    text = _ascii_lower(text, field, "an email address")
    if not _EMAIL.match(text) or len(text.split("@", 1)[0]) > 64:
        raise ValidationError(
            f"malformed email address{_in(field, 'email')}: {_shown(text)}", field=field
        )
    return text


def domain(value: Any, field: str = "domain") -> str:
    """``"https://www.Acme.com/about"`` -> ``"acme.com"``; ASCII only (an internationalised
    domain in its ``xn--`` form), at most 253 characters."""
    text = _text(value, field, MAX_URL)
    if not text:
        raise ValidationError(f"{field} is empty", field=field)
    text = _ascii_lower(text, field, "a domain")
    try:
        host = urlsplit(text).hostname if "://" in text else text.split("/", 1)[0]
    except ValueError:  # "http://[::1" and other URLs urllib cannot read
        raise ValidationError(
            f"malformed domain{_in(field, 'domain')}: {_shown(text)}", field=field
        ) from None
    text = (host or "").removeprefix("www.").rstrip(".")
    if not text:
        raise ValidationError(f"{field} is empty", field=field)
    if not _DOMAIN.match(text):
        raise ValidationError(
            f"malformed domain{_in(field, 'domain')}: {_shown(text)}", field=field
        )
    return text


def person_name(value: Any, field: str) -> str:
    """A first or last name: trimmed, inner spaces collapsed, 1-100 characters."""
    text = _text(value, field, MAX_NAME)
    if not text:
        raise ValidationError(f"{field} is empty", field=field)
    return text


def company_name(value: Any, field: str = "name") -> str:
    """A company name: trimmed, inner spaces collapsed, 1-255 characters."""
    text = _text(value, field, MAX_COMPANY)
    if not text:
        raise ValidationError(f"company name is empty{_in(field, 'name')}", field=field)
    return text


def linkedin_url(value: Any, field: str = "url") -> str:
    """A LinkedIn member URL in the one form ``https://www.linkedin.com/in/<handle>/``.

    The host must be ASCII (``linkedin.com`` or a subdomain); the handle is kept as given
    (1-100 characters); the whole URL is at most 2,048 characters."""
    text = _text(value, field, MAX_URL)
    if not text:
        raise ValidationError(f"LinkedIn URL is empty{_in(field, 'url')}", field=field)
    candidate = text if "://" in text else "https://" + text
    try:
        parts = urlsplit(candidate)
        raw_host = parts.netloc.rsplit("@", 1)[-1]
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:  # "https://[linkedin.com/in/x" and other URLs urllib cannot read
        raise ValidationError(
            f"not a LinkedIn profile URL{_in(field, 'url')}: {_shown(text)}", field=field
        ) from None
    match = _LI_PATH.match(parts.path)
    if (
        not raw_host.isascii()
        or parts.scheme.lower() not in ("http", "https")
        or not (host == "linkedin.com" or host.endswith(".linkedin.com"))
        or match is None
    ):
        raise ValidationError(
            f"not a LinkedIn profile URL{_in(field, 'url')}: {_shown(text)}", field=field
        )
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
