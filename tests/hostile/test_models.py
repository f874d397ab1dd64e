"""Request models are checked when they are made: a hostile field raises `ValidationError`
naming it, so a bad body can never reach ``campaigns.create``, ``senders.create`` or
``warmup.create``."""

from __future__ import annotations

import math
from typing import Any

import pytest

from snov_async import ValidationError
from snov_async.models.campaigns import CampaignCreate, Email, Goal, Sequence
from snov_async.models.senders import ConnectionSettings, SenderAccountCreate
from snov_async.models.warmup import WarmUpCreate

SEQ = Sequence.linear(Email(content_slots=1), Goal("done"))
CAMPAIGN: dict[str, Any] = {
    "title": "T",
    "priority": "low",
    "list_id": 1,
    "sequence": SEQ,
    "complete_campaign_after_last_step": True,
    "archive_in_months": 1,
    "email_accounts": [1, 2],
    "tracking": {"open": True},
    "sending_settings": {},
    "provider_matching": False,
}
SMTP = ConnectionSettings("smtp.acme.com", 465, "ssl")
SENDER: dict[str, Any] = {
    "sender_name": "Jo",
    "email_from": "jo@acme.com",
    "password": "pw",
    "smtp": SMTP,
}
WARMUP: dict[str, Any] = {"email_account_id": 1, "per_day": 10, "from_": 1, "increase": 1}
ID = [None, "1", 0, -1, 1.5, True, 2**63, math.nan]
MODELS: dict[str, tuple[type[Any], dict[str, Any], dict[str, list[Any]]]] = {
    "campaign": (
        CampaignCreate,
        CAMPAIGN,
        {
            "title": [None, 5, "", "x" * 256, "a\x00b"],
            "priority": ["urgent", None, 5],
            "list_id": ID,
            "sequence": [None, [], "graph"],
            "complete_campaign_after_last_step": [None, 1, "yes"],
            "archive_in_months": [0, 4, "1", True],
            "email_accounts": ["1", ["abc", -1], [0], list(range(1, 102))],
            "linkedin_accounts": [[True], "5"],
            "tracking": ["yes", ["open"]],
            "schedule_id": [0, "1", True],
            "black_list_id": [-1, "x"],
            "start_campaign_at": ["tomorrow", 5],
            "timezone": ["Mars/Base", 5],
            "provider_matching": [1, "true"],
        },
    ),
    "sender": (
        SenderAccountCreate,
        SENDER,
        {
            "sender_name": [None, 5, "", "x" * 101, "a\x00"],
            "email_from": [None, 5, "jo", "\u212aate@acme.com"],
            "password": [None, 5, "", "x" * 1001],
            "smtp": [None, "smtp.acme.com", ConnectionSettings("h", 587, "ssl")],
            "imap": ["imap.acme.com", ConnectionSettings("h", 25, "none")],
            "reply_to": ["nope", 5],
            "limitation": [0, 1201, "30"],
            "delay_fixed": [4, 3601, "60"],
            "tags": ["tag", [5], ["x" * 101]],
            "timezoneId": [0, 459, "1"],
        },
    ),
    "warmup": (
        WarmUpCreate,
        WARMUP,
        {
            "email_account_id": ID,
            "per_day": [0, 1001, "10", None, True],
            "from_": [0, 6, "1"],
            "increase": [0, 6, "1"],
            "strategy": ["fast", 5],
            "reply_rate": [9, 46, "10"],
            "providers": ["gmail", ["yahoo"], [5]],
            "send_to_paid_domain": [1, "yes"],
            "schedule_id": [0, "1"],
            "template_name": [5, "x" * 256],
        },
    ),
}
CASES = [
    pytest.param(model, field, value, id=f"{model}:{field}={str(value)[:20]!r}")
    for model, (_, _, bad) in MODELS.items()
    for field, values in bad.items()
    for value in values
]
FIELD = {"from_": "from"}


@pytest.mark.parametrize("model", sorted(MODELS))
def test_the_good_model_is_accepted(model: str) -> None:
    cls, good, _ = MODELS[model]
    cls(**good)


@pytest.mark.parametrize(("model", "field", "value"), CASES)
def test_a_hostile_field_is_refused_when_the_model_is_made(
    model: str, field: str, value: Any
) -> None:
    cls, good, _ = MODELS[model]
    with pytest.raises(ValidationError) as info:
        cls(**{**good, field: value})
    named = info.value.field or ""
    expected = FIELD.get(field, field)
    assert named == expected or named.startswith(f"{expected}."), (value, str(info.value))
