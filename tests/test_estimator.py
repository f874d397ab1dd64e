"""The specs' matching of answers to inputs (pure, no I/O)."""

from __future__ import annotations

import pytest

from snov_async import ResponseFormatError
from snov_async.resources.email_finder import CompanyDomainSpec, FindEmailsSpec
from snov_async.resources.enrichment import LinkedInProfilesSpec
from snov_async.resources.verification import VerifySpec


def test_verification_answers_are_matched_by_email_whatever_their_order() -> None:
    payload = {
        "status": "completed",
        "data": [
            {"email": "B@x.io", "result": {"smtp_status": "valid"}},
            {"email": "a@x.io", "result": {"smtp_status": "not_valid"}},
        ],
    }
    out = VerifySpec().split(payload, ["a@x.io", "b@x.io", "c@x.io"])
    assert out == [{"smtp_status": "not_valid"}, {"smtp_status": "valid"}, None]
    with pytest.raises(ResponseFormatError):
        VerifySpec().split({"status": "completed"}, ["a@x.io"])


def test_email_finder_answers_are_matched_by_person_then_by_order() -> None:
    spec = FindEmailsSpec()
    rows = [("John", "Doe", "a.com"), ("Jane", "Roe", "b.com")]
    by_name = {
        "data": [{"people": "jane  roe", "result": []}, {"people": "John Doe", "result": []}]
    }
    assert [e["people"] for e in spec.split(by_name, rows)] == ["John Doe", "jane  roe"]
    # Two unnamed entries could be either row's: neither is guessed by position.
    unnamed = {"data": [{"result": [1]}, {"result": [2]}]}
    assert all(isinstance(e, ResponseFormatError) for e in spec.split(unnamed, rows))
    # One unnamed entry in an answer that keeps the rows' order: the one left is its own.
    one_unnamed = {"data": [{"people": "John Doe", "result": [1]}, {"result": [2]}]}
    assert spec.split(one_unnamed, rows) == one_unnamed["data"]
    assert not spec.fits(("john", "DOE", "c.com"), rows)
    assert spec.fits(("John", "Smith", "c.com"), rows)


def test_company_and_linkedin_answers_are_matched_by_name_and_url() -> None:
    companies = {
        "data": [
            {"name": "SendPulse", "result": {"domain": "sendpulse.com"}},
            {"name": "Snov.io", "result": []},
        ]
    }
    assert CompanyDomainSpec().split(companies, ["Snov.io", "SendPulse"]) == [
        {"name": "Snov.io", "result": []},
        {"name": "SendPulse", "result": {"domain": "sendpulse.com"}},
    ]
    urls = ["https://www.linkedin.com/in/a/", "https://www.linkedin.com/in/b/"]
    answer = {
        "data": [
            {"url": "http://linkedin.com/in/B", "result": []},
            {"url": urls[0], "result": {"name": "A"}},
        ]
    }
    assert LinkedInProfilesSpec().split(answer, urls) == [answer["data"][1], answer["data"][0]]
