"""Every answer of the corpus (tests/samples/live/, recorded from the live API by other
projects) replayed through the SDK's own resource methods.

The reference is one witness; the live API is the judge. Each sample names its source and
what it shows; the assertions compare what the SDK returns with the recorded body itself.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from aioresponses import aioresponses

from snov_async import (
    NotEnoughCreditsError,
    OutcomeUnknownError,
    ResponseFormatError,
    ServerError,
    SnovClient,
    SnovError,
    ValidationError,
)
from snov_async._convert import camel_to_snake, structure
from snov_async.models.account import Balance
from snov_async.models.domain_search import DomainEmailsCount
from snov_async.models.prospects import (
    EmailProfile,
    Job,
    Prospect,
    ProspectListInfo,
    ProspectListPage,
)
from tests.helpers import BASE, CLIENT_ID, CLIENT_SECRET, TOKEN_URL, calls, token_payload
from tests.vtime import run_virtual

LIVE = Path(__file__).parents[1] / "samples" / "live"
SAMPLES = sorted(LIVE.rglob("*.json"))


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text("utf-8"))  # type: ignore[no-any-return]


def ids(path: Path) -> str:
    return str(path.relative_to(LIVE))


def replay(
    method: str, path: str, body: Any, status: int, call: Callable[[SnovClient], Awaitable[Any]]
) -> tuple[Any, int]:
    """Serve ``body`` for ``method path`` once (and again, should the SDK retry) and run
    ``call``; returns what it returned (or raised) and how many requests reached the path."""

    async def scenario() -> tuple[Any, int]:
        with aioresponses() as m:
            for _ in range(3):
                m.post(TOKEN_URL, payload=token_payload())
            url = f"{BASE}{path}"
            for _ in range(5):
                m.add(url, method, status=status, body=json.dumps(body))
            async with SnovClient(CLIENT_ID, CLIENT_SECRET) as snov:
                try:
                    out: Any = await call(snov)
                except SnovError as err:
                    out = err
            return out, len(calls(m, method, url))

    return run_virtual(scenario)


def test_the_corpus_is_large_enough_and_every_sample_names_its_source() -> None:
    operations = set()
    for path in SAMPLES:
        doc = load(path)
        source = doc["source"]
        assert ("repository" in source and "commit" in source and "path" in source) or (
            "index_id" in source
        ), path
        assert doc["evidence"] and doc["pseudonymised"], path
        assert "body" in doc and ("status" in doc), path
        operations.add(doc["operation"])
    assert len(SAMPLES) >= 24
    assert len(operations) >= 6


# -- enrichment.profile_by_email ------------------------------------------------------------


def _check_job(job: Job, raw: dict[str, Any]) -> None:
    for key, value in raw.items():
        assert getattr(job, camel_to_snake(key)) == value, key
    assert job.extra == {}


@pytest.mark.parametrize("path", sorted((LIVE / "get-profile-by-email").glob("*.json")), ids=ids)
def test_profile_by_email(path: Path) -> None:
    doc = load(path)
    body = doc["body"]
    out, sent = replay(
        "POST",
        "/v1/get-profile-by-email",
        body,
        doc["status"],
        lambda s: s.enrichment.profile_by_email("someone@example.com"),
    )
    assert sent == 1
    if "not-found" in path.name:
        assert out is None
        return
    assert isinstance(out, EmailProfile)
    assert out.id == body["id"] and type(out.id) is type(body["id"])
    assert (out.first_name, out.last_name, out.name) == (
        body["firstName"],
        body["lastName"],
        body["name"],
    )
    assert out.last_update_date == body.get("lastUpdateDate")
    assert len(out.current_jobs) == len(body.get("currentJobs", []))
    assert len(out.previous_jobs) == len(body.get("previousJobs", []))
    for job, raw in zip(
        out.current_jobs + out.previous_jobs,
        [
            *body.get("currentJobs", []),
            *body.get("previousJobs", []),
        ],
        strict=True,
    ):
        _check_job(job, raw)
    assert [s.link for s in out.social] == [s["link"] for s in body.get("social", [])]
    assert set(out.extra) <= {"success"}


def test_live_profile_ids_are_long_hex_strings() -> None:
    """The reference says ``"id": 301592``; every live answer recorded in 2025 has a hex id
    of more than 70 characters."""
    found = [load(p)["body"] for p in (LIVE / "get-profile-by-email").glob("uysp-found-*.json")]
    assert len(found) == 4
    assert all(isinstance(b["id"], str) and len(b["id"]) > 70 for b in found)
    assert all(int(b["id"], 16) >= 0 for b in found)


# -- prospects.find_by_email ------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((LIVE / "get-prospects-by-email").glob("*.json")), ids=ids)
def test_find_prospects_by_email(path: Path) -> None:
    doc = load(path)
    body = doc["body"]
    out, sent = replay(
        "POST",
        "/v1/get-prospects-by-email",
        body,
        doc["status"],
        lambda s: s.prospects.find_by_email("someone@example.com"),
    )
    assert sent == 1
    if "not-found" in path.name:
        assert out == []
        return
    assert isinstance(out, list) and len(out) == len(body["data"])
    for prospect, raw in zip(out, body["data"], strict=True):
        assert prospect.id == raw["id"]
        assert prospect.first_name == raw["firstName"]
        assert len(prospect.current_job) == len(raw.get("currentJob", []))
        assert prospect.current_jobs is prospect.current_job
        for job, raw_job in zip(
            prospect.current_job + prospect.previous_job,
            [*raw.get("currentJob", []), *raw.get("previousJob", [])],
            strict=True,
        ):
            _check_job(job, raw_job)
        if isinstance(raw.get("lastUpdateDate"), dict):
            assert prospect.last_update_date is not None
            assert getattr(prospect.last_update_date, "date", None) == raw["lastUpdateDate"]["date"]
        assert [ref.id for ref in prospect.lists] == [r["id"] for r in raw.get("lists", [])]
        assert prospect.extra == {}


# -- prospects.lists / list_page ----------------------------------------------------------------


def test_user_lists() -> None:
    doc = load(LIVE / "get-user-lists" / "nexl-default.json")
    out, _ = replay("GET", "/v1/get-user-lists", doc["body"], 200, lambda s: s.prospects.lists())
    assert [(x.id, x.name, x.contacts, x.is_deleted) for x in out] == [
        (r["id"], r["name"], r["contacts"], r["isDeleted"]) for r in doc["body"]
    ]
    deleted = [x for x in out if x.deletion_date is not None]
    assert [x.deletion_date.date for x in deleted if x.deletion_date] == [
        r["deletionDate"]["date"] for r in doc["body"] if r["deletionDate"]
    ]
    assert all(x.extra == {} for x in out)


def test_prospect_list_page() -> None:
    doc = load(LIVE / "prospect-list" / "nexl-list-page.json")
    body = doc["body"]
    out, _ = replay(
        "POST", "/v1/prospect-list", body, 200, lambda s: s.prospects.list_page(1479070)
    )
    assert [p.id for p in out.prospects] == [p["id"] for p in body["prospects"]]
    raw_ids = [p["id"] for p in body["prospects"]]
    assert all(isinstance(i, str) and len(i) > 70 for i in raw_ids)  # hex, not the int 1
    statuses = [e.smtp_status for p in out.prospects for e in p.emails]
    assert statuses == [e["smtpStatus"] for p in body["prospects"] for e in p["emails"]]
    assert 3 in statuses  # a number, where the field table gives no type
    assert out.list_ is not None and out.list_.contacts == body["list"]["contacts"]
    assert out.list_.emails_count == []  # PHP's empty object
    assert all(p.extra == {} and all(e.extra == {} for e in p.emails) for p in out.prospects)


# -- domain_search.emails_count / account.balance ------------------------------------------------


def test_domain_emails_count() -> None:
    doc = load(LIVE / "get-domain-emails-count" / "comment-found.json")
    out, _ = replay(
        "POST",
        "/v1/get-domain-emails-count",
        doc["body"],
        200,
        lambda s: s.domain_search.emails_count("octagon.com"),
    )
    assert (out.domain, out.webmail, out.result) == ("octagon.com", False, 2506)


@pytest.mark.parametrize("status", [400, 422])
def test_domain_parameter_required_is_a_validation_error(status: int) -> None:
    doc = load(LIVE / "get-domain-emails-count" / "domain-parameter-required.json")
    out, sent = replay(
        "POST",
        "/v1/get-domain-emails-count",
        doc["body"],
        status,
        lambda s: s.domain_search.emails_count("octagon.com"),
    )
    assert isinstance(out, ValidationError) and sent == 1
    assert out.messages == ("Domain parameter is required",)


def test_balance() -> None:
    doc = load(LIVE / "get-balance" / "docstring-balance.json")
    out, _ = replay("GET", "/v1/get-balance", doc["body"], 200, lambda s: s.account.balance())
    assert out.balance == Decimal(doc["body"]["data"]["balance"])
    assert (out.limit_resets_in, out.expires_in) == (27, 27)


# -- errors: out of credits, whatever status and envelope ---------------------------------------


def _statuses(doc: dict[str, Any]) -> list[int]:
    return [doc["status"]] if doc["status"] is not None else list(doc["statuses"])


CREDITS = [
    (path, status)
    for path in sorted((LIVE / "errors").glob("*.json"))
    if "credits" in json.dumps(load(path)["body"])
    for status in _statuses(load(path))
]

PAID_CALLS: list[tuple[str, str, Callable[[SnovClient], Awaitable[Any]]]] = [
    (
        "POST",
        "/v1/get-profile-by-email",
        lambda s: s.enrichment.profile_by_email("someone@example.com"),
    ),
    ("POST", "/v2/email-verification/start", lambda s: s.verification.start_verify(["a@b.io"])),
    (
        "POST",
        "/v2/emails-by-domain-by-name/start",
        lambda s: s.email_finder.start_find_emails([("Jo", "Doe", "acme.com")]),
    ),
    (
        "POST",
        "/v2/li-profiles-by-urls/start",
        lambda s: s.enrichment.start_linkedin_profiles(["https://www.linkedin.com/in/jo/"]),
    ),
    (
        "POST",
        "/v2/company-domain-by-name/start",
        lambda s: s.email_finder.start_company_domains(["Acme"]),
    ),
    ("GET", "/v1/get-balance", lambda s: s.account.balance()),
]


@pytest.mark.parametrize(("path", "status"), CREDITS, ids=lambda v: str(v)[-40:])
@pytest.mark.parametrize(("method", "url", "call"), PAID_CALLS, ids=lambda v: str(v)[-30:])
def test_out_of_credits_is_never_an_unknown_outcome(
    path: Path,
    status: int,
    method: str,
    url: str,
    call: Callable[[SnovClient], Awaitable[Any]],
) -> None:
    out, sent = replay(method, url, load(path)["body"], status, call)
    assert isinstance(out, NotEnoughCreditsError), out
    assert not isinstance(out, (OutcomeUnknownError, ServerError))
    assert sent == 1  # an answer: not retried, and nothing was charged
    assert any("ran out of credits" in m for m in out.messages)


@pytest.mark.parametrize("status", _statuses(load(LIVE / "errors" / "free-plan.json")))
def test_free_plan_refusal_is_a_typed_error_with_the_server_message(status: int) -> None:
    doc = load(LIVE / "errors" / "free-plan.json")
    out, sent = replay(
        "POST",
        "/v1/get-domain-emails-count",
        doc["body"],
        status,
        lambda s: s.domain_search.emails_count("octagon.com"),
    )
    assert isinstance(out, SnovError) and not isinstance(out, ResponseFormatError)
    assert sent == (2 if status == 403 else 1)  # a 403 refreshes the token once, then stops
    assert out.messages and out.messages[0].startswith("To try Snov.io API for free")
    assert out.field is None


# No recorded live answer contradicts a model's type --------------------------------------


def _drifted(value: Any, where: str = "") -> list[str]:
    """Declared fields whose recorded value did not fit (kept raw in ``extra``)."""
    found: list[str] = []
    if attrs.has(type(value)):
        declared = {f.name.rstrip("_") for f in attrs.fields(type(value))}
        declared |= set(getattr(type(value), "_aliases", {}))
        for key in getattr(value, "extra", {}):
            if camel_to_snake(str(key)).strip("_") in declared:
                found.append(f"{where}{type(value).__name__}.{key}")
        for f in attrs.fields(type(value)):
            if f.name != "extra":
                found += _drifted(getattr(value, f.name), f"{where}{f.name}.")
    elif isinstance(value, (list, tuple)):
        for item in value:
            found += _drifted(item, where)
    return found


DECODERS: dict[str, tuple[Any, Callable[[Any], Any]]] = {
    "get-profile-by-email": (EmailProfile, lambda body: body),
    "get-prospects-by-email": (list[Prospect], lambda body: body["data"]),
    "get-user-lists": (list[ProspectListInfo], lambda body: body),
    "prospect-list": (ProspectListPage, lambda body: body),
    "get-domain-emails-count": (DomainEmailsCount, lambda body: body),
    "get-balance": (Balance, lambda body: body["data"]),
}


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in SAMPLES
        if p.parent.name in DECODERS and "not-found" not in p.name and load(p)["status"] == 200
    ],
    ids=ids,
)
def test_no_recorded_answer_drifts_from_its_model(path: Path) -> None:
    model, pick = DECODERS[path.parent.name]
    decoded = structure(pick(load(path)["body"]), model)
    assert _drifted(decoded) == []
