"""Path parameters against every path-templated operation of OPERATIONS: traversal,
separators, encoded dots, NUL and unicode are refused unsent with a `ValidationError` naming
the parameter; what is accepted is percent-encoded into exactly one segment."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from aioresponses import aioresponses

from snov_async import ResponseFormatError, SnovClient, ValidationError, _validate
from snov_async._retry import RetryPolicy
from snov_async.operations import OPERATIONS
from snov_async.resources.domain_search import DomainSearchResource

from .support import invoke, recorded, sent

HOSTILE = [
    "..",
    "../../B?",
    "../..",
    "/",
    "?",
    "#",
    "%2e%2e",
    "%2F",
    ".%2e",
    "\x00",
    "1\x00",
    "ü",
    "\uff11",  # a fullwidth digit: int() would read it as 1
    "1/2",
    "1?x=2",
    "1#f",
    "1;x",
    "\u2024\u2024",  # one-dot leaders
    " 1",
    "1\n",
    "",
    None,
    -1,
    0,
    True,
    1.5,
    2**64,
    "9" * 40,
    "x" * 100_000,
    ["1"],
    b"1",
]
DS = DomainSearchResource
#: The task operations' result paths take a hash the server gave (checked in the spec).
SERVER_HASHES: dict[int, Callable[[str], Any]] = {
    3: DS._company.result_call,
    5: DS._prospects.result_call,
    7: DS._prospect_emails.result_call,
    9: DS._domain_emails.result_call,
    11: DS._generic.result_call,
}


def caller(number: int, name: str) -> tuple[str, Callable[[SnovClient, Any], Any]]:
    """(the parameter the error must name, a call putting ``value`` in path parameter
    ``name`` of operation ``number``)."""
    ok = {"campaign_id": 1, "step_id": 2, "content_id": 3}

    def content(method: str, **extra: Any) -> Callable[[SnovClient, Any], Any]:
        def call(s: SnovClient, v: Any) -> Any:
            args = {**ok, name: v}
            return invoke(getattr(s.campaigns, method), **args, **extra)

        return call

    table: dict[tuple[int, str], tuple[str, Callable[[SnovClient, Any], Any]]] = {
        (6, "prospect_hash"): ("prospect_hash", lambda s, v: s.domain_search.prospect_emails(v)),
        (23, "id"): ("sender_id", lambda s, v: s.senders.update(v, sender_name="Jo")),
        (28, "id"): ("warmup_id", lambda s, v: s.warmup.get(v)),
        (29, "id"): ("warmup_id", lambda s, v: s.warmup.update(v, per_day=5)),
        (30, "id"): ("warmup_id", lambda s, v: s.warmup.delete(v)),
        (31, "id"): ("warmup_id", lambda s, v: s.warmup.statistics(v, period="month")),
        (34, "campaign_id"): ("campaign_id", lambda s, v: s.campaigns.get(v)),
        (35, "campaign_id"): ("campaign_id", lambda s, v: s.campaigns.update(v, title="T")),
        (36, "campaign_id"): ("campaign_id", lambda s, v: s.campaigns.action(v, "pause")),
        (37, "campaign_id"): ("campaign_id", lambda s, v: s.campaigns.delete(v)),
        (43, "campaign_id"): ("campaign_id", lambda s, v: s.recipients.check(v, ["a@acme.com"])),
        (49, "campaign_id"): ("campaign_id", lambda s, v: s.analytics.progress(v)),
        (50, "campaignId"): (
            "campaign_id",
            lambda s, v: invoke(s.analytics.recipients_activity, v, "2024-01-01", "2024-01-02"),
        ),
        (54, "campaign_id"): ("campaign_id", lambda s, v: invoke(s.analytics.all_replies, v)),
        (64, "pipeline_id"): ("pipeline_id", lambda s, v: s.pipelines.stages(v)),
        (68, "webhook_id"): ("webhook_id", lambda s, v: s.webhooks.set_status(v, "active")),
        (69, "webhook_id"): ("webhook_id", lambda s, v: s.webhooks.delete(v)),
    }
    for number_, method, extra in (
        (39, "create_content", {"subject": "S", "body": "B"}),
        (40, "get_content", {}),
        (41, "update_content", {"subject": "S"}),
        (42, "delete_content", {}),
    ):
        for param in ("campaign_id", "step_id", "content_id"):
            if number_ == 39 and param == "content_id":
                # content_id of create is a body field; still an id
                table[(39, "content_id")] = ("content_id", content(method, **extra))
                continue
            table[(number_, param)] = (param, content(method, **extra))
    return table[(number, name)]


TEMPLATED = [
    (op.number, name)
    for op in OPERATIONS
    for name in re.findall(r"\{(\w+)\}", op.path)
    if op.number not in SERVER_HASHES
]


def test_every_templated_operation_is_covered() -> None:
    numbers = {op.number for op in OPERATIONS if "{" in op.path}
    assert numbers == {n for n, _ in TEMPLATED} | set(SERVER_HASHES)
    assert len(numbers) == 26
    for number, name in TEMPLATED:
        caller(number, name)  # raises KeyError when one is missing


@pytest.mark.parametrize(("number", "name"), TEMPLATED, ids=[f"{n}:{p}" for n, p in TEMPLATED])
async def test_hostile_path_values_are_refused_unsent(number: int, name: str) -> None:
    field, call = caller(number, name)
    hostile = HOSTILE
    async with recorded() as (snov, mocked):
        for value in hostile:
            if field == "prospect_hash" and value in ("9" * 40, "1\n", " 1"):
                continue  # a valid hash once trimmed
            with pytest.raises(ValidationError) as info:
                await call(snov, value)
            assert info.value.field == field, (value, str(info.value))
            assert field in str(info.value)
            assert sent(mocked) == [], value


@pytest.mark.parametrize("number", sorted(SERVER_HASHES))
@pytest.mark.parametrize("value", [v for v in HOSTILE if v not in ("9" * 40,)])
def test_a_server_given_task_hash_never_shapes_a_path(number: int, value: Any) -> None:
    with pytest.raises(ValidationError) as info:
        SERVER_HASHES[number](value)
    assert info.value.field == "task_hash"


async def test_the_known_exploit_sends_nothing() -> None:
    """campaigns.delete_content(A, "../../B?", 1) once sent DELETE /v2/campaigns/B."""
    async with recorded() as (snov, mocked):
        with pytest.raises(ValidationError) as info:
            await snov.campaigns.delete_content(7, "../../8?", 1)
        assert info.value.field == "step_id"
        with pytest.raises(ValidationError):
            await snov.domain_search.prospect_emails("..")
        assert sent(mocked) == []


async def test_a_malformed_task_hash_from_the_server_is_a_format_error() -> None:
    base = "https://api.snov.io"
    with aioresponses() as mocked:
        mocked.post(
            f"{base}/v1/oauth/access_token", payload={"access_token": "t", "expires_in": 3600}
        )
        mocked.post(f"{base}/v2/domain-search/start", payload={"meta": {"task_hash": "../../x?"}})
        async with SnovClient(
            "id", "secret", retry=RetryPolicy(max_attempts=1), requests_per_minute=60_000
        ) as snov:
            with pytest.raises(ResponseFormatError, match="malformed task_hash"):
                await snov.domain_search.company_info("acme.com")
        assert not [k for k in mocked.requests if k[0] == "GET"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"campaign_id": 12, "step_id": "34", "content_id": 5},
            "/v2/campaigns/12/steps/34/content/5",
        ),
        (
            {"campaign_id": 2**63 - 1, "step_id": 1, "content_id": 1},
            f"/v2/campaigns/{2**63 - 1}/steps/1/content/1",
        ),
    ],
)
def test_accepted_values_fill_exactly_their_segment(values: dict[str, Any], expected: str) -> None:
    template = "/v2/campaigns/{campaign_id}/steps/{step_id}/content/{content_id}"
    assert _validate.path(template, **values) == expected


def test_path_needs_every_placeholder_and_nothing_else() -> None:
    with pytest.raises(TypeError):
        _validate.path("/v2/campaigns/{campaign_id}")
    with pytest.raises(TypeError):
        _validate.path("/v2/campaigns/{campaign_id}", campaign_id=1, extra=2)
