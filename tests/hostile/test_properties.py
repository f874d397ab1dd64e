"""Input spaces explored with hypothesis: the normalisers raise nothing but
`ValidationError`, never turn one address into another, and a path value can fill only its
own segment."""

from __future__ import annotations

import contextlib
import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snov_async import ConfigurationError, SnovClient, ValidationError, _normalize, _validate

ANYTHING = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="ascii")),
    st.binary(),
    st.integers(),
    st.floats(),
    st.none(),
    st.lists(st.text(), max_size=4),
    st.tuples(st.text(), st.text(), st.text()),
    st.dictionaries(st.sampled_from(["first_name", "last_name", "domain"]), st.text()),
)
URLISH = st.builds(
    lambda scheme, host, path: f"{scheme}{host}{path}",
    st.sampled_from(["", "http://", "https://", "//", "https://[", "http://www."]),
    st.text(min_size=0, max_size=30),
    st.text(min_size=0, max_size=30),
)
NORMALISERS = [
    _normalize.email,
    _normalize.domain,
    _normalize.linkedin_url,
    _normalize.company_name,
    lambda v: _normalize.person_name(v, "first_name"),
    _normalize.name_domain,
]


@pytest.mark.parametrize("normalise", NORMALISERS)
@given(value=st.one_of(ANYTHING, URLISH))
@settings(max_examples=60, deadline=None)
def test_normalisers_raise_only_validation_errors(normalise: Any, value: Any) -> None:
    with contextlib.suppress(ValidationError):
        normalise(value)


@given(value=st.one_of(st.text(), st.emails().map(lambda e: e.upper())))
@settings(max_examples=100, deadline=None)
def test_an_email_is_only_ever_trimmed_and_lower_cased(value: str) -> None:
    try:
        clean = _normalize.email(value)
    except ValidationError:
        return
    assert value.isascii()  # non-ASCII is refused, never folded into another address
    assert clean == " ".join(value.split()).lower()
    assert _normalize.email(clean) == clean


@given(value=st.one_of(st.text(), URLISH, st.from_regex(r"[A-Za-z0-9-]{1,20}\.[a-z]{2,5}")))
@settings(max_examples=100, deadline=None)
def test_a_domain_is_ascii_and_stable(value: str) -> None:
    try:
        clean = _normalize.domain(value)
    except ValidationError:
        return
    assert clean.isascii() and clean == clean.lower()
    assert clean in value.lower()  # cut out of the input, never invented
    assert _normalize.domain(clean) == clean


TEMPLATE = "/v2/x/{task_hash}/y/{campaign_id}/z/{step_id}"


@given(
    task_hash=st.one_of(st.text(), st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True)),
    campaign_id=st.one_of(st.integers(), st.text(), st.floats(), st.booleans()),
    step_id=st.one_of(st.integers(), st.text(), st.from_regex(r"[0-9]{1,25}", fullmatch=True)),
)
@settings(max_examples=150, deadline=None)
def test_a_path_value_fills_only_its_own_segment(
    task_hash: Any, campaign_id: Any, step_id: Any
) -> None:
    try:
        out = _validate.path(
            TEMPLATE, task_hash=task_hash, campaign_id=campaign_id, step_id=step_id
        )
    except ValidationError as err:
        assert err.field in ("task_hash", "campaign_id", "step_id")
        return
    parts = out.split("/")
    assert parts[:3] == ["", "v2", "x"] and parts[4] == "y" and parts[6] == "z"
    assert len(parts) == 8
    assert parts[3] == task_hash and re.fullmatch(r"[A-Za-z0-9_-]+", parts[3])
    assert parts[5] == str(campaign_id) and 1 <= int(parts[5]) < 2**63
    assert 1 <= int(parts[7]) < 2**63 and parts[7].isascii()


@given(value=st.one_of(st.floats(), st.integers(), st.text(), st.none(), st.booleans()))
@settings(max_examples=80, deadline=None)
def test_a_timing_setting_is_finite_and_positive_or_refused(value: Any) -> None:
    try:
        SnovClient("id", "secret", task_timeout=value, initial_task_latency=value)
    except ConfigurationError as err:
        assert err.field in ("task_timeout", "initial_task_latency")
        return
    assert not isinstance(value, bool)
    assert isinstance(value, (int, float)) and math.isfinite(value) and value > 0
