"""LatencyEstimator and the specs' matching of answers to inputs (pure, no I/O)."""

from __future__ import annotations

import pytest

from snov_async import ResponseFormatError
from snov_async._runner import LatencyEstimator
from snov_async.resources.email_finder import CompanyDomainSpec, FindEmailsSpec
from snov_async.resources.enrichment import LinkedInProfilesSpec
from snov_async.resources.verification import VerifySpec


def test_estimator_starts_from_the_initial_guess_and_learns_upwards() -> None:
    est = LatencyEstimator(2.0)
    assert est.expected() == 2.0 and not est.confident
    est.in_progress(2.0)  # still running at 2 s: it takes longer
    assert est.expected() == pytest.approx(2.6)
    est.completed(6.0, due_age=6.0, last_in_progress=4.0)
    assert est.confident
    # Done somewhere in (4, 6]: lean late, three quarters of the way -> 5.5; the 0.9
    # quantile of (2.6, 5.5) is 5.5.
    assert est.expected() == pytest.approx(5.5)


def test_estimator_probes_downwards_when_tasks_are_always_done_at_first_poll() -> None:
    est = LatencyEstimator(10.0)
    seen = []
    for _ in range(20):
        due = est.expected()
        seen.append(due)
        est.completed(due, due_age=due, last_in_progress=None)
    assert seen == sorted(seen, reverse=True)
    # Deliberately slow (a high quantile of the history): it never undershoots in one step.
    assert 10.0 * 0.5 < est.expected() < 10.0 * 0.85


def test_estimator_ignores_how_late_a_poll_was_sent() -> None:
    est = LatencyEstimator(1.0)
    # Polled 50 s late because the budget was busy: says nothing about the latency.
    est.completed(51.0, due_age=1.0, last_in_progress=None)
    assert est.expected() == pytest.approx(0.9)


def test_estimator_uses_a_quantile_not_the_mean() -> None:
    est = LatencyEstimator(1.0)
    for value in (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 100):
        est.completed(value / 0.9, due_age=value / 0.9, last_in_progress=None)
    assert est.expected() == pytest.approx(1.0)


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
