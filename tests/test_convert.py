"""The one converter: camelCase keys, unknown fields, open enums, decimals."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from snov_async import Balance, OpenEnum, ResponseFormatError, SnovModel
from snov_async._convert import camel_to_snake, structure
from tests.helpers import sample


class Colour(OpenEnum):
    RED = "red"
    BLUE = "blue"


@attrs.frozen
class Job(SnovModel):
    company_name: str | None = None
    start_date: str | None = None


@attrs.frozen
class Person(SnovModel):
    first_name: str
    last_name: str | None = None
    colour: Colour | None = None
    current_jobs: list[Job] = attrs.field(factory=list)


def test_camel_to_snake() -> None:
    assert camel_to_snake("firstName") == "first_name"
    assert camel_to_snake("lastUpdateDate") == "last_update_date"
    assert camel_to_snake("first_name") == "first_name"
    assert camel_to_snake("linkedIn") == "linked_in"


def test_v1_camel_case_fields_fill_snake_case_attributes_recursively() -> None:
    p = structure(
        {
            "firstName": "Lizi",
            "lastName": "Hamer",
            "currentJobs": [{"companyName": "Octagon", "startDate": "2016-01-31", "size": "1-10"}],
        },
        Person,
    )
    assert p.first_name == "Lizi" and p.last_name == "Hamer"
    assert p.current_jobs == [Job(company_name="Octagon", start_date="2016-01-31")]
    assert p.current_jobs[0].extra == {"size": "1-10"}


def test_unknown_fields_never_crash_and_stay_reachable() -> None:
    payload = dict(sample("account/get-balance.json")["data"])
    payload["brand_new_counter"] = 7
    payload["nested"] = {"a": [1, 2]}
    b = structure(payload, Balance)
    assert b.balance == Decimal("25000.00")
    assert b.extra == {"brand_new_counter": 7, "nested": {"a": [1, 2]}}


def test_missing_optional_fields_default() -> None:
    b = structure({"balance": "3.5"}, Balance)
    assert b == Balance(balance=Decimal("3.5"))
    assert b.teamwork is False and b.expires_in is None


def test_open_enums_accept_unknown_values() -> None:
    assert structure({"first_name": "a", "colour": "red"}, Person).colour is Colour.RED
    odd = structure({"first_name": "a", "colour": "ultraviolet"}, Person).colour
    assert odd is not None
    assert odd.value == "ultraviolet" and odd == "ultraviolet"
    assert odd.known is False and Colour.RED.known is True
    assert str(odd) == "ultraviolet"


def test_a_body_of_the_wrong_shape_is_a_response_format_error() -> None:
    with pytest.raises(ResponseFormatError, match="Balance"):
        structure(["not", "an", "object"], Balance)
    with pytest.raises(ResponseFormatError):
        structure({"balance": "lots"}, Balance)


def test_models_are_frozen_and_slotted() -> None:
    b = Balance(balance=Decimal(1))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        b.balance = Decimal(2)  # type: ignore[misc]
    assert not hasattr(b, "__dict__")
