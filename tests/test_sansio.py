"""The pure protocol layer: encoding, decoding, error mapping — plain dicts and bytes."""

from __future__ import annotations

import email.utils
import json

import pytest

from snov_async import _sansio, errors
from tests.helpers import sample, sample_bytes

M, P = "GET", "/v2/x"


def decode(status: int, body: bytes | str, headers: dict[str, str] | None = None) -> object:
    raw = body.encode() if isinstance(body, str) else body
    return _sansio.decode_response(status, headers or {}, raw, method=M, path=P, now=1000.0)


def test_join_url_has_exactly_one_slash() -> None:
    assert _sansio.join_url("https://api.snov.io/", "/v1/get-balance") == (
        "https://api.snov.io/v1/get-balance"
    )
    assert _sansio.join_url("http://127.0.0.1:8080", "v2/x") == "http://127.0.0.1:8080/v2/x"


def test_encode_params_repeats_list_items_as_brackets_like_the_reference() -> None:
    pairs = _sansio.encode_params(
        {
            "emails": ["a@x.io", "b@x.io"],
            "positions[]": ["CEO"],
            "page": 2,
            "webhook_url": None,
            "updateContact": True,
            "socialLinks": {"linkedIn": "https://linkedin.com/in/x"},
        }
    )
    assert pairs == [
        ("emails[]", "a@x.io"),
        ("emails[]", "b@x.io"),
        ("positions[]", "CEO"),
        ("page", "2"),
        ("updateContact", "true"),
        ("socialLinks[linkedIn]", "https://linkedin.com/in/x"),
    ]
    assert _sansio.encode_params(None) == []


def test_retry_after_seconds_milliseconds_and_http_date() -> None:
    assert _sansio.parse_retry_after({"Retry-After": "7"}, 0) == 7.0
    assert _sansio.parse_retry_after({"retry-after-ms": "1500"}, 0) == 1.5
    date = email.utils.formatdate(1030.0, usegmt=True)
    assert _sansio.parse_retry_after({"Retry-After": date}, 1000.0) == pytest.approx(30.0)
    assert _sansio.parse_retry_after({"Retry-After": date}, 2000.0) == 0.0
    assert _sansio.parse_retry_after({"Retry-After": "soon"}, 0) is None
    assert _sansio.parse_retry_after({}, 0) is None


def test_v2_and_v1_success_envelopes_and_bare_lists_decode_as_json() -> None:
    assert decode(200, json.dumps(sample("account/get-balance.json"))) == sample(
        "account/get-balance.json"
    )
    assert decode(200, '[{"id": 1}]') == [{"id": 1}]
    assert decode(200, '{"data": [], "meta": {"task_hash": "h"}}') == {
        "data": [],
        "meta": {"task_hash": "h"},
    }
    assert decode(204, b"") is None


def test_gateway_envelope_maps_status_and_title() -> None:
    with pytest.raises(errors.NotFoundError) as info:
        decode(404, json.dumps(sample("errors/gateway-404.json")))
    err = info.value
    assert (err.status, err.method, err.path) == (404, M, P)
    assert err.messages == ("Not Found",)
    assert "GET /v2/x" in str(err) and "HTTP 404" in str(err)

    with pytest.raises(errors.AuthenticationError):
        decode(401, json.dumps(sample("errors/gateway-401.json")))


def test_gateway_envelope_inside_a_200_is_still_an_error() -> None:
    with pytest.raises(errors.NotFoundError):
        decode(200, json.dumps(sample("errors/gateway-404.json")))


def test_operation_envelope_success_false_raises_with_messages() -> None:
    with pytest.raises(errors.NotFoundError) as info:
        decode(200, json.dumps(sample("errors/operation-failed.json")))
    assert info.value.messages == ("Campaign not found",)
    with pytest.raises(errors.ValidationError):
        decode(200, '{"success": false, "errors": ["Email is invalid"]}')


def test_validation_envelope_names_the_field() -> None:
    with pytest.raises(errors.ValidationError) as info:
        decode(422, json.dumps(sample("errors/validation-422.json")))
    err = info.value
    assert err.field == "smtp.port"
    assert "smtp.port: The selected smtp.port is invalid." in err.messages
    assert "sender_name: The sender name field is required." in err.messages
    with pytest.raises(errors.ValidationError) as info2:
        decode(400, '{"message": "domain is required"}')
    assert info2.value.messages == ("domain is required",)


def test_not_enough_credits_is_recognised_in_any_envelope() -> None:
    with pytest.raises(errors.NotEnoughCreditsError):
        decode(200, json.dumps(sample("errors/not-enough-credits.json")))
    with pytest.raises(errors.NotEnoughCreditsError):
        decode(402, "{}")
    with pytest.raises(errors.NotEnoughCreditsError):
        decode(400, '{"errors": {"code": 400, "title": "Not enough credits", "source": ""}}')


def test_oauth_error_body_is_parsed() -> None:
    with pytest.raises(errors.AuthenticationError) as info:
        decode(401, json.dumps(sample("errors/oauth-invalid-client.json")))
    assert info.value.messages == ("invalid_client", "Client authentication failed")


def test_429_carries_retry_after_and_5xx_is_a_server_error() -> None:
    with pytest.raises(errors.RateLimitError) as info:
        decode(429, "", {"Retry-After": "3"})
    assert info.value.retry_after == 3.0
    with pytest.raises(errors.ServerError) as info5:
        decode(503, '{"message": "maintenance"}')
    assert info5.value.status == 503


def test_html_error_page_with_an_error_status_keeps_the_status_class() -> None:
    with pytest.raises(errors.ServerError) as info:
        decode(502, sample_bytes("errors/bad-gateway.html"))
    assert "HTML page" in str(info.value)


def test_html_or_truncated_body_on_200_is_a_response_format_error() -> None:
    with pytest.raises(errors.ResponseFormatError, match="HTML page"):
        decode(200, sample_bytes("errors/bad-gateway.html"))
    with pytest.raises(errors.ResponseFormatError, match="truncated or invalid JSON"):
        decode(200, sample_bytes("errors/truncated.json"))


def test_parse_token() -> None:
    assert _sansio.parse_token(
        {"access_token": "abc", "token_type": "Bearer", "expires_in": 3600}, method="POST", path=P
    ) == ("abc", 3600.0)
    assert _sansio.parse_token({"access_token": "abc"}, method="POST", path=P) == ("abc", None)
    with pytest.raises(errors.ResponseFormatError):
        _sansio.parse_token({"token_type": "Bearer"}, method="POST", path=P)


# Live answers: not found, out of credits, and bodies production clients had to mend by hand.

RAN_OUT = "Sorry, you ran out of credits, please order more credits"


@pytest.mark.parametrize(
    "body",
    [
        {"success": False, "result": "We couldn't find profile with this email"},
        {"success": False, "message": "We couldn't find profile with this email"},
        {"success": False, "errors": "Prospect with email 'x@example.com' not found"},
        {"success": False, "errors": ["Campaign not found"]},
    ],
)
def test_not_found_answers_are_answer_level_not_found_errors(body: dict[str, object]) -> None:
    with pytest.raises(errors.NotFoundError) as caught:
        decode(200, json.dumps(body))
    assert caught.value.answer is True
    assert caught.value.messages and caught.value.messages[0] in json.dumps(body)


def test_a_gateway_404_is_not_an_answer() -> None:
    with pytest.raises(errors.NotFoundError) as caught:
        decode(404, json.dumps(sample("errors/gateway-404.json")))
    assert caught.value.answer is False
    with pytest.raises(errors.NotFoundError) as caught:
        decode(404, '{"success": false, "message": "We couldn\'t find profile with this email"}')
    assert caught.value.answer is True


@pytest.mark.parametrize("status", [200, 400, 402, 403, 422, 500, 502, 503])
@pytest.mark.parametrize(
    "body",
    [
        {"success": False, "message": RAN_OUT},
        {"errors": [{"user_id": RAN_OUT}]},
        {"errors": {"code": 400, "title": RAN_OUT, "source": ""}},
        {"success": False, "errors": ["not_enough_credits"]},
        {"errors": {"type": "Credits", "message": "Not enough credits"}},
    ],
)
def test_out_of_credits_whatever_status_and_envelope(status: int, body: object) -> None:
    with pytest.raises(errors.NotEnoughCreditsError):
        decode(status, json.dumps(body))


@pytest.mark.parametrize("status", [200, 400, 500])
def test_out_of_credits_in_a_body_that_is_not_json(status: int) -> None:
    with pytest.raises(errors.NotEnoughCreditsError):
        decode(status, f"<html><body><h1>{RAN_OUT}</h1></body></html>")
    with pytest.raises(errors.NotEnoughCreditsError):
        decode(status, RAN_OUT)


def test_words_that_only_look_like_credits_are_not_credits() -> None:
    with pytest.raises(errors.AuthenticationError):
        decode(403, '{"success": false, "message": "insufficient permissions"}')
    with pytest.raises(errors.ValidationError):
        decode(400, '{"success": false, "message": "credits must be a number"}')


def test_free_plan_envelope_gives_its_message_and_no_field() -> None:
    body = {"errors": {"type": "FreePlan", "message": "To try Snov.io API for free, contact us"}}
    with pytest.raises(errors.AuthenticationError) as caught:
        decode(403, json.dumps(body))
    assert caught.value.messages == ("To try Snov.io API for free, contact us",)
    assert caught.value.field is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"success": true, "name": "Jo\x00"}\x00', {"success": True, "name": "Jo"}),
        (b'{"a": "line\nbreak\ttab\x01"}', {"a": "line\nbreak\ttab\x01"}),
        (b'\xef\xbb\xbf{"a": 1}', {"a": 1}),
        ('\ufeff{"a": 1}'.encode(), {"a": 1}),
        (b'{"a": "caf\xe9"}', {"a": "caf\ufffd"}),
        (b'  \n{"a": [1, 2.5, -3e2, null]}\n  ', {"a": [1, 2.5, -300.0, None]}),
    ],
)
def test_bodies_with_control_characters_and_bad_bytes_still_decode(
    raw: bytes, expected: object
) -> None:
    assert decode(200, raw) == expected


def test_huge_numbers_do_not_break_decoding() -> None:
    digits = "9" * 5000
    out = decode(200, '{"id": ' + digits + ', "n": 123456789012345678901234567890}')
    assert out == {"id": digits, "n": 123456789012345678901234567890}


def test_json_nested_too_deeply_is_a_format_error_not_a_crash() -> None:
    with pytest.raises(errors.ResponseFormatError, match="nested"):
        decode(200, "[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize(
    "raw", [b"\x00\x00\x00", b"\xff\xfe\xfd", b'{"a": 1', b"null garbage", b"<!doctype html>"]
)
def test_garbage_bodies_are_response_format_errors(raw: bytes) -> None:
    with pytest.raises(errors.ResponseFormatError):
        decode(200, raw)


def test_out_of_credits_is_never_retried_nor_an_unknown_outcome() -> None:
    from snov_async._retry import CallKind, RetryPolicy

    policy = RetryPolicy()
    for status in (400, 402, 500, 503):
        err = _sansio.error_for(status, {"message": RAN_OUT}, method="POST", path="/v2/x/start")
        assert isinstance(err, errors.NotEnoughCreditsError)
        for kind in CallKind:
            assert policy.should_retry(kind, err) is False
            assert policy.outcome_unknown(kind, err) is False
