"""The exception tree: shape, public names, pickling, no secrets."""

from __future__ import annotations

import pickle

import snov_async
from snov_async import errors


def test_all_is_pinned() -> None:
    assert sorted(errors.__all__) == [
        "AuthenticationError",
        "BackendError",
        "ClientStateError",
        "ConfigurationError",
        "JournalError",
        "NotEnoughCreditsError",
        "NotFoundError",
        "OutcomeUnknownError",
        "RateLimitError",
        "ResponseFormatError",
        "ServerError",
        "ServiceFailingError",
        "SnovError",
        "TaskTimeoutError",
        "TransportError",
        "ValidationError",
    ]
    for name in errors.__all__:
        assert getattr(snov_async, name) is getattr(errors, name)


def test_package_all_is_pinned() -> None:
    assert set(snov_async.__all__) == {
        *errors.__all__,
        "OPERATIONS",
        "UNSET",
        "Balance",
        "CallKind",
        "CampaignCreate",
        "CompanyDomain",
        "ConnectionSettings",
        "Delay",
        "Email",
        "EmailSearch",
        "EmailVerification",
        "Goal",
        "LinkedIn",
        "LinkedInProfile",
        "NameDomain",
        "Operation",
        "Progress",
        "SenderAccountCreate",
        "Sequence",
        "Trigger",
        "WarmUpCreate",
        "EvenPacer",
        "OpenEnum",
        "Pacer",
        "RequestStats",
        "RetryPolicy",
        "SnovClient",
        "SnovModel",
        "__version__",
    }


def test_every_error_is_a_snov_error_and_the_docstring_draws_them_all() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.SnovError)
        assert name in doc
    assert issubclass(errors.ValidationError, ValueError)


def test_errors_carry_status_operation_and_messages_and_survive_pickling() -> None:
    err = errors.RateLimitError(
        "slow down", status=429, method="GET", path="/v1/get-balance", messages=["too many"]
    )
    err.retry_after = 2.0
    assert str(err) == "GET /v1/get-balance HTTP 429: slow down (too many)"
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is errors.RateLimitError
    assert (back.status, back.method, back.path, back.messages, back.retry_after) == (
        429,
        "GET",
        "/v1/get-balance",
        ("too many",),
        2.0,
    )
    assert str(back) == str(err)
