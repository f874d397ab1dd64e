"""Deterministic fake data: the same input (and seed) always gives the same answer.

Every generator takes the sandbox seed and the input, derives a private `random.Random` from
their hash, and builds a payload shaped like the reference's examples. Nothing here touches
state or time.
"""

from __future__ import annotations

import hashlib
import random
import re
from typing import Any

__all__ = [
    "company_domain",
    "company_info",
    "domain_emails",
    "domain_emails_count",
    "emails_by_name",
    "generic_contacts",
    "is_email",
    "is_linkedin_profile_url",
    "li_profile",
    "profile_by_email",
    "prospect_emails",
    "prospects_page",
    "rng_for",
    "task_hash",
    "verify_email",
]

WEBMAIL = frozenset({"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "mail.ru", "aol.com"})
DISPOSABLE = frozenset({"mailinator.com", "10minutemail.com", "guerrillamail.com", "yopmail.com"})
UNKNOWN_REASONS = ("catchall", "greylist", "connection_error", "banned", "hidden_by_owner")
_EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_DOMAIN_RE = re.compile(r"^(?=.{3,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$")
_LI_RE = re.compile(r"^https?://([a-z]{2,3}\.)?linkedin\.com/in/[^/?#\s]+/?$", re.I)

FIRST = ("John", "Jane", "Alex", "Maria", "Oleh", "Priya", "Chen", "Lena", "Tom", "Ana", "Ravi")
LAST = ("Doe", "Smith", "Kovalenko", "Garcia", "Nguyen", "Muller", "Rossi", "Tanaka", "Silva")
POSITIONS = (
    "CEO",
    "CTO",
    "Web developer",
    "QA Engineer",
    "Head of Sales",
    "Marketing Manager",
    "Product Manager",
    "Software Engineer",
    "Recruiter",
    "Account Executive",
)
INDUSTRIES = ("Computer Software", "Internet", "Marketing and Advertising", "Higher Education")
CITIES = (
    ("New York", "United States", "New York, New York, United States"),
    ("Kyiv", "Ukraine", "Kyiv, Kyiv City, Ukraine"),
    ("Berlin", "Germany", "Berlin, Berlin, Germany"),
    ("Vancouver", "Canada", "Vancouver, British Columbia, Canada"),
    ("Singapore", "Singapore", "Singapore"),
)
SIZES = ("1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000")
GENERIC = ("info", "sales", "support", "help", "admin", "orders", "hello", "jobs", "press")


def rng_for(seed: int, *parts: object) -> random.Random:
    """A private random generator for ``parts`` under ``seed``."""
    digest = hashlib.sha256(repr((seed, *parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def task_hash(seed: int, counter: int) -> str:
    """A 32-hex-digit task hash like the reference's."""
    return hashlib.md5(f"{seed}:{counter}".encode(), usedforsecurity=False).hexdigest()


def long_hash(*parts: object) -> str:
    """A long hex id like the reference's prospect hashes and cursors."""
    raw = repr(parts).encode()
    return hashlib.sha512(raw).hexdigest()[:100]


def is_email(value: str) -> bool:
    return bool(_EMAIL_RE.match(value)) and len(value) <= 254


def is_domain(value: str) -> bool:
    return bool(_DOMAIN_RE.match(value.lower()))


def is_linkedin_profile_url(value: str) -> bool:
    return bool(_LI_RE.match(value.strip()))


def _gibberish(local: str) -> bool:
    letters = [c for c in local.lower() if c.isalpha()]
    vowels = sum(c in "aeiouy" for c in letters)
    digits = sum(c.isdigit() for c in local)
    return digits >= 5 or (len(letters) >= 6 and vowels == 0) or local.lower() == "test"


def verify_email(seed: int, email: str) -> dict[str, Any]:
    """The ``result`` object of an email verification (reference line 767)."""
    email = email.strip()
    if not is_email(email):
        return {
            "is_webmail": False,
            "smtp_status": "not_valid",
            "is_gibberish": False,
            "is_disposable": False,
            "is_valid_format": False,
        }
    local, domain = email.lower().rsplit("@", 1)
    rng = rng_for(seed, "verify", email.lower())
    roll = rng.random()
    out: dict[str, Any] = {
        "is_webmail": domain in WEBMAIL,
        "smtp_status": "valid",
        "is_gibberish": _gibberish(local),
        "is_disposable": domain in DISPOSABLE,
        "is_valid_format": True,
    }
    if domain in DISPOSABLE or roll < 0.15:
        out["smtp_status"] = "not_valid"
    elif out["is_gibberish"] or roll < 0.45:
        out["smtp_status"] = "unknown"
        out["unknown_status_reason"] = (
            "banned" if out["is_gibberish"] else rng.choice(UNKNOWN_REASONS)
        )
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def emails_by_name(seed: int, first: str, last: str, domain: str) -> list[dict[str, Any]]:
    """The ``result`` list for one row of emails-by-domain-by-name (reference line 362).

    Empty when nothing is found (then the row costs nothing).
    """
    domain = domain.strip().lower()
    if not first.strip() or not last.strip() or not is_domain(domain):
        return []
    rng = rng_for(seed, "find", first.lower(), last.lower(), domain)
    if domain in WEBMAIL or rng.random() < 0.25:
        return []
    local = f"{_slug(first)}.{_slug(last)}" if rng.random() < 0.7 else f"{_slug(first)}"
    item: dict[str, Any] = {
        "email": f"{local}@{domain}",
        "smtp_status": "valid",
        "is_valid_format": True,
        "is_disposable": False,
        "is_webmail": False,
        "is_gibberish": False,
    }
    if rng.random() < 0.3:
        item["smtp_status"] = "unknown"
        item["unknown_status_reason"] = rng.choice(("catchall", "greylist", "connection_error"))
    return [item]


def company_domain(seed: int, name: str) -> str | None:
    """The domain of a company name, or ``None`` when none is found."""
    slug = _slug(name)
    if not slug:
        return None
    rng = rng_for(seed, "company", slug)
    if rng.random() < 0.15:
        return None
    return f"{slug}{rng.choice(('.com', '.com', '.io', '.net', '.co'))}"


def li_profile(seed: int, url: str) -> dict[str, Any] | list[Any]:
    """A LinkedIn profile for ``url`` (reference line 500), or ``[]`` when not found."""
    if not is_linkedin_profile_url(url):
        return []
    handle = url.rstrip("/").rsplit("/", 1)[-1]
    rng = rng_for(seed, "li", handle.lower())
    if rng.random() < 0.2:
        return []
    first, last = rng.choice(FIRST), rng.choice(LAST)
    _city, country, location = rng.choice(CITIES)
    positions = []
    for _ in range(rng.randint(1, 3)):
        company = f"{rng.choice(LAST)} {rng.choice(('Labs', 'Group', 'Systems', 'Studio'))}"
        positions.append(
            {
                "name": company,
                "title": rng.choice(POSITIONS),
                "linkedin_url": f"https://www.linkedin.com/company/{rng.randint(1000, 99999999)}",
                "url": f"https://www.{_slug(company)}.com",
                "industry": rng.choice(INDUSTRIES),
                "country": country,
                "location": location,
            }
        )
    profile: dict[str, Any] = {
        "name": f"{first} {last}",
        "first_name": first,
        "last_name": last,
        "industry": rng.choice(INDUSTRIES),
        "location": location,
        "country": country,
        "skills": rng.sample(["communication", "java", "python", "sales", "seo", "sql"], 2),
        "positions": positions,
    }
    return profile


def company_info(seed: int, domain: str) -> tuple[dict[str, Any], dict[str, int]]:
    """Company data and the meta counts for a domain search (reference line 50)."""
    rng = rng_for(seed, "company-info", domain)
    stem = domain.split(".")[0]
    city, _country, _location = rng.choice(CITIES)
    data = {
        "company_name": stem.capitalize(),
        "city": city,
        "founded": str(rng.randint(1990, 2022)),
        "website": domain,
        "hq_phone": str(rng.randint(10**10, 10**11 - 1)),
        "industry": rng.choice(INDUSTRIES),
        "size": rng.choice(SIZES),
        "related_domains": [f"{stem}.{tld}" for tld in rng.sample(["me", "com", "nl", "cl"], 2)],
    }
    counts = {
        "prospects_count": rng.randint(0, 60),
        "emails_count": rng.randint(0, 120),
        "generic_contacts_count": rng.randint(0, 9),
    }
    return data, counts


def prospects_page(
    seed: int, domain: str, positions: list[str], page: int, per_page: int = 20
) -> tuple[list[dict[str, Any]], int]:
    """One page of prospects of a domain (reference line 129) and the total count."""
    _, counts = company_info(seed, domain)
    everyone = []
    for i in range(counts["prospects_count"]):
        rng = rng_for(seed, "prospect", domain, i)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        position = rng.choice(POSITIONS)
        everyone.append((first, last, position, i))
    wanted = {p.lower() for p in positions}
    if wanted:
        everyone = [p for p in everyone if p[2].lower() in wanted]
    total = len(everyone)
    chunk = everyone[(page - 1) * per_page : page * per_page]
    rows = [
        {
            "first_name": first,
            "last_name": last,
            "position": position,
            "source_page": f"https://www.linkedin.com/in/{_slug(first)}-{_slug(last)}-{i}/",
            "prospect_hash": long_hash(seed, domain, i),
        }
        for first, last, position, i in chunk
    ]
    return rows, total


def prospect_emails(seed: int, prospect_hash: str) -> list[dict[str, Any]]:
    """Emails found for one prospect (reference line 185)."""
    rng = rng_for(seed, "prospect-emails", prospect_hash)
    if rng.random() < 0.2:
        return []
    return [
        {
            "email": f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}@example.com",
            "smtp_status": rng.choice(("valid", "valid", "unknown")),
        }
    ]


def _domain_addresses(seed: int, domain: str, kind: str, count: int) -> list[str]:
    rng = rng_for(seed, kind, domain)
    out: list[str] = []
    seen: set[str] = set()
    for i in range(count):
        if kind == "generic":
            local = GENERIC[i % len(GENERIC)] + ("" if i < len(GENERIC) else str(i))
        else:
            local = f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}{i}"
        if local not in seen:
            seen.add(local)
            out.append(f"{local}@{domain}")
    return out


def domain_emails(seed: int, domain: str) -> list[str]:
    """Every (unverified) email of a domain, in a stable order (reference line 230)."""
    _, counts = company_info(seed, domain)
    return _domain_addresses(seed, domain, "domain", counts["emails_count"])


def generic_contacts(seed: int, domain: str) -> list[str]:
    """Every generic contact of a domain (reference line 283)."""
    _, counts = company_info(seed, domain)
    return _domain_addresses(seed, domain, "generic", counts["generic_contacts_count"])


def domain_emails_count(seed: int, domain: str) -> dict[str, Any]:
    """``/v1/get-domain-emails-count`` (reference line 317)."""
    domain = domain.strip().lower()
    webmail = domain in WEBMAIL
    _, counts = company_info(seed, domain)
    return {
        "domain": domain,
        "webmail": webmail,
        "result": 0 if webmail else counts["emails_count"],
    }


def profile_by_email(seed: int, email: str, *, live: bool = False) -> dict[str, Any] | None:
    """``/v1/get-profile-by-email`` (reference line 625), or ``None`` when nothing is known.

    ``live``: as the live API answers (recorded in tests/samples/live): a long hex string id,
    no ``logo``, and ``hqPhone``/``hashDomain`` in each job."""
    email = email.strip().lower()
    if not is_email(email):
        return None
    rng = rng_for(seed, "profile", email)
    if rng.random() < 0.3:
        return None
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, country, location = rng.choice(CITIES)
    domain = email.rsplit("@", 1)[1]
    handle = f"{_slug(first)}{_slug(last)}"

    def job(current: bool) -> dict[str, Any]:
        return {
            "companyName": domain.split(".")[0].capitalize() if current else rng.choice(LAST),
            "position": rng.choice(POSITIONS),
            "socialLink": f"https://www.linkedin.com/company/{rng.randint(1000, 999999)}",
            "site": f"www.{domain}" if current else None,
            "locality": location,
            "state": None,
            "city": city,
            "street": None,
            "street2": None,
            "postal": None,
            "founded": str(rng.randint(1980, 2020)),
            "startDate": f"{rng.randint(2010, 2023)}-01-31",
            "endDate": None if current else f"{rng.randint(2005, 2009)}-12-31",
            "size": rng.choice(SIZES),
            "industry": rng.choice(INDUSTRIES),
            "companyType": rng.choice(("Public Company", "Privately Held", None)),
            "country": country,
        }

    profile: dict[str, Any] = {
        "success": True,
        "id": rng.randint(100000, 999999),
        "source": "linkedIn",
        "name": f"{first} {last}",
        "firstName": first,
        "lastName": last,
        "logo": f"https://app.snov.io/img/peoples/{long_hash(email)[:32]}.jpg",
        "industry": None,
        "country": country,
        "locality": location,
        "social": [
            {
                "link": f"https://www.linkedin.com/in/{handle}/",
                "type": "linkedIn",
            }
        ],
        "currentJobs": [job(True)],
        "previousJobs": [job(False)],
        "lastUpdateDate": "2024-02-07 10:12:28",
    }
    if live:
        profile["id"] = long_hash("profile", seed, email)[:74]
        del profile["logo"]
        for row in (*profile["currentJobs"], *profile["previousJobs"]):
            site = row["site"] or row["companyName"]
            row["hqPhone"] = None
            row["hashDomain"] = hashlib.md5(site.encode(), usedforsecurity=False).hexdigest()
    return profile
