"""The one converter: camelCase keys, unknown fields, open enums, decimals."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import ClassVar

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
        structure("a string", Balance)
    with pytest.raises(ResponseFormatError):
        structure({"a": 1}, list[Balance])


def test_a_field_that_does_not_fit_keeps_its_raw_value_and_spares_its_siblings(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="snov_async.drift")
    b = structure({"balance": "lots", "teamwork": True, "expires_in": 30}, Balance)
    assert b.balance is None and b.extra == {"balance": "lots"}
    assert b.teamwork is True and b.expires_in == 30
    assert "Balance.balance" in caplog.text
    caplog.clear()
    structure({"balance": "lots"}, Balance)
    assert "Balance.balance" not in caplog.text  # said once per model field and kind of value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"first_name": 42}, "42"),  # a number where text belongs
        ({"first_name": 4.5}, "4.5"),
        ({"first_name": "Jo"}, "Jo"),
    ],
)
def test_numbers_for_text_are_widened(raw: dict[str, object], expected: str) -> None:
    assert structure(raw, Person).first_name == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("30", 30), (" 7 ", 7), (3.0, 3), (-2, -2), ("3.5", None), (True, None), ([], None)],
)
def test_integers_accept_numeric_text_and_refuse_the_rest(value: object, expected: int) -> None:
    b = structure({"balance": "1", "expires_in": value}, Balance)
    assert b.expires_in == expected
    assert ("expires_in" in b.extra) is (expected is None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (0, False), (1, True), ("true", True), ("0", False), ("maybe", False)],
)
def test_flags_accept_the_usual_spellings(value: object, expected: bool) -> None:
    b = structure({"balance": "1", "teamwork": value}, Balance)
    assert b.teamwork is expected
    assert ("teamwork" in b.extra) is (value == "maybe")


def test_null_and_php_empty_arrays_stand_for_empty_containers() -> None:
    assert structure({"first_name": "a", "current_jobs": None}, Person).current_jobs == []
    assert structure({"first_name": "a", "current_jobs": {}}, Person).current_jobs == []
    assert structure([], Job) == Job()  # PHP writes an empty object as []
    p = structure({"first_name": "a", "current_jobs": [[], {"companyName": "X"}]}, Person)
    assert p.current_jobs == [Job(), Job(company_name="X")]


def test_a_list_keeps_the_items_that_fit() -> None:
    p = structure(
        {"first_name": "a", "current_jobs": [{"companyName": "X"}, "garbage", 7, None]}, Person
    )
    assert p.current_jobs == [Job(company_name="X")]
    assert p.extra == {"current_jobs": [{"companyName": "X"}, "garbage", 7, None]}


def test_nested_drift_stays_in_the_nested_model() -> None:
    p = structure(
        {"first_name": "a", "colour": 3, "current_jobs": [{"companyName": {"x": 1}}]}, Person
    )
    assert p.colour is None and p.extra == {"colour": 3}
    assert p.current_jobs[0].company_name is None
    assert p.current_jobs[0].extra == {"companyName": {"x": 1}}


def test_a_missing_or_garbled_required_field_becomes_none() -> None:
    assert structure({"last_name": "b"}, Person).first_name is None
    assert structure({"first_name": ["x"]}, Person).extra == {"first_name": ["x"]}


@attrs.frozen
class Aliased(SnovModel):
    _aliases: ClassVar[Mapping[str, str]] = {"current_job": "current_jobs"}

    current_jobs: list[Job] = attrs.field(factory=list)
    id: str | int | None = None
    when: str | Job | None = None


def test_aliases_and_wide_unions() -> None:
    a = structure({"currentJob": [{"companyName": "X"}], "id": 301592, "when": "2020"}, Aliased)
    assert a.current_jobs == [Job(company_name="X")] and a.id == 301592 and a.when == "2020"
    b = structure({"currentJobs": [], "currentJob": [{}], "id": "ab" * 37}, Aliased)
    assert b.current_jobs == [] and b.extra == {"currentJob": [{}]}  # the first spelling wins
    assert b.id == "ab" * 37
    assert structure({"when": {"companyName": "Y"}}, Aliased).when == Job(company_name="Y")
    odd = structure({"id": [1], "when": 5}, Aliased)
    assert odd.id is None and odd.when == "5"
    assert odd.extra == {"id": [1]}


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1,000.00", "", None, True, {"v": 1}])
def test_decimals_refuse_what_is_not_a_finite_number(value: object) -> None:
    b = structure({"balance": value}, Balance)
    assert b.balance is None
    assert ("balance" in b.extra) is (value is not None)


def test_deeply_nested_garbage_does_not_crash() -> None:
    deep: object = "x"
    for _ in range(200):
        deep = {"a": [deep, None, 1]}
    p = structure({"first_name": "a", "current_jobs": [deep], "colour": deep}, Person)
    assert p.first_name == "a" and p.colour is None


def test_models_are_frozen_and_slotted() -> None:
    b = Balance(balance=Decimal(1))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        b.balance = Decimal(2)  # type: ignore[misc]
    assert not hasattr(b, "__dict__")
