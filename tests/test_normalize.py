"""Input normalisation: what the API would do to an input, or a ValidationError naming it."""

from __future__ import annotations

import pytest

from snov_async import ValidationError, _normalize
from snov_async.models.email_finder import NameDomain


def test_email_is_trimmed_and_lowercased() -> None:
    assert _normalize.email("  John.Doe@Acme.COM ") == "john.doe@acme.com"


@pytest.mark.parametrize("bad", ["", "   ", "no-at-sign", "a@b", "a b@c.com", "a@-x.com", 5])
def test_malformed_emails_are_refused(bad: object) -> None:
    with pytest.raises(ValidationError) as info:
        _normalize.email(bad)
    assert info.value.field == "email"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Acme.com", "acme.com"),
        ("https://www.Acme.com/about?x=1", "acme.com"),
        ("www.acme.co.uk/", "acme.co.uk"),
        (" acme.io. ", "acme.io"),
    ],
)
def test_domains_are_reduced_to_the_host(raw: str, clean: str) -> None:
    assert _normalize.domain(raw) == clean


@pytest.mark.parametrize("bad", ["", "acme", "not a domain", "http://", "a..com"])
def test_malformed_domains_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        _normalize.domain(bad)


@pytest.mark.parametrize(
    "raw",
    [
        "https://www.linkedin.com/in/jane-doe/",
        "http://linkedin.com/in/jane-doe",
        "linkedin.com/in/jane-doe",
        "https://uk.linkedin.com/in/jane-doe/?trk=x",
    ],
)
def test_linkedin_urls_take_one_form(raw: str) -> None:
    assert _normalize.linkedin_url(raw) == "https://www.linkedin.com/in/jane-doe/"


@pytest.mark.parametrize(
    "bad",
    ["", "https://example.com/in/jane", "https://www.linkedin.com/company/snov", "linkedin.com"],
)
def test_non_member_urls_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        _normalize.linkedin_url(bad)


def test_rows_as_mapping_tuple_or_name_domain() -> None:
    expected = ("John", "Doe", "acme.com")
    assert (
        _normalize.name_domain({"first_name": " John", "last_name": "Doe ", "domain": "ACME.com"})
        == expected
    )
    assert _normalize.name_domain(("John", "Doe", "https://acme.com")) == expected
    assert _normalize.name_domain(NameDomain("John", "Doe", "acme.com")) == expected
    with pytest.raises(ValidationError, match="3 items"):
        _normalize.name_domain(("John", "acme.com"))
    with pytest.raises(ValidationError) as info:
        _normalize.name_domain({"first_name": "John", "last_name": "", "domain": "acme.com"})
    assert info.value.field == "last_name"
    with pytest.raises(ValidationError):
        _normalize.name_domain(42)
