"""Live shapes by default, the reference's with ``shapes="reference"`` (``--shapes reference``).

The live shapes imitate the corpus of recorded live answers (tests/samples/live): the sandbox's
answers are compared with those recordings, key by key and type by type, and equal where the
live API's words are fixed (not-found messages, out of credits).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from snov_async.sandbox import Sandbox, SandboxConfig, data
from tests.sandbox.conftest import Raw

LIVE = Path(__file__).resolve().parents[1] / "samples" / "live"
KNOWN = next(
    f"person{i}@acme.com" for i in range(50) if data.profile_by_email(0, f"person{i}@acme.com")
)
UNKNOWN = next(
    f"person{i}@acme.com" for i in range(50) if not data.profile_by_email(0, f"person{i}@acme.com")
)


def recorded(name: str) -> Any:
    return json.loads((LIVE / name).read_text(encoding="utf-8"))["body"]


@pytest.fixture(params=["live", "reference"])
async def shaped(request: pytest.FixtureRequest) -> AsyncIterator[Raw]:
    extra = {} if request.param == "live" else {"shapes": "reference"}  # live is the default
    async with (
        Sandbox(rate_limit=None, task_latency=0.0, **extra) as sb,
        aiohttp.ClientSession() as s,
    ):
        raw = Raw(sb, s)
        await raw.login()
        yield raw


def is_live(raw: Raw) -> bool:
    return raw.sb.config.shapes == "live"


def test_live_is_the_default() -> None:
    assert SandboxConfig().shapes == "live"
    with pytest.raises(ValueError, match="shapes"):
        SandboxConfig(shapes="lively")


async def test_profile_found(shaped: Raw) -> None:
    status, body = await shaped.call("POST", "/v1/get-profile-by-email", data={"email": KNOWN})
    assert status == 200 and body["success"] is True
    if is_live(shaped):
        sample = recorded("get-profile-by-email/uysp-found-1.json")
        assert isinstance(body["id"], str) and len(body["id"]) == len(sample["id"])
        int(body["id"], 16)  # hex
        assert "logo" not in body and "logo" not in sample
        job_keys = set(sample["currentJobs"][0])
        assert set(body["currentJobs"][0]) == job_keys  # hqPhone and hashDomain included
        assert set(body) - {"previousJobs"} <= set(sample) | {"previousJobs"}
    else:
        assert isinstance(body["id"], int) and "logo" in body
        assert "hashDomain" not in body["currentJobs"][0]


async def test_profile_not_found(shaped: Raw) -> None:
    status, body = await shaped.call("POST", "/v1/get-profile-by-email", data={"email": UNKNOWN})
    assert status == 200
    if is_live(shaped):
        assert body == recorded("get-profile-by-email/uysp-not-found-result.json")
    else:
        assert body == {"success": False, "errors": ["Profile not found"]}


async def test_prospects_not_found_and_found(shaped: Raw) -> None:
    status, body = await shaped.call(
        "POST", "/v1/get-prospects-by-email", data={"email": "nobody@example.com"}
    )
    assert status == 200
    if is_live(shaped):
        assert body == recorded("get-prospects-by-email/nexl-not-found-errors-string.json")
    else:
        assert body == {"success": True, "data": []}
    _, made = await shaped.call(
        "POST", "/v1/add-prospect-to-list", data={"listId": 1818597, "email": "p@x.io"}
    )
    if is_live(shaped):  # 24 hex digits, as the live ids
        assert len(made["id"]) == 24 and int(made["id"], 16) >= 0
    else:  # the reference's "xusD3-T_K5IktGoaa8Jc8A==" form
        assert len(made["id"]) == 24 and made["id"].endswith("==")
    _, found = await shaped.call("POST", "/v1/get-prospects-by-email", data={"email": "p@x.io"})
    assert found["success"] is True and found["data"][0]["id"] == made["id"]


async def test_out_of_credits(shaped: Raw) -> None:
    shaped.sb.state.default.balance = Decimal(0)
    v2 = await shaped.call("POST", "/v2/email-verification/start", data={"emails[]": ["a@x.io"]})
    v1 = await shaped.call("POST", "/v1/get-profile-by-email", data={"email": KNOWN})
    if is_live(shaped):
        assert v2 == (400, recorded("errors/live-400-errors-user-id.json"))
        assert v1 == (400, recorded("errors/nexl-400-ran-out-of-credits.json"))
    else:
        assert v2 == (400, {"success": False, "errors": ["not_enough_credits"]})
        assert v1 == (400, {"success": False, "errors": ["not_enough_credits"]})


async def test_domain_count_without_a_domain(shaped: Raw) -> None:
    status, body = await shaped.call("POST", "/v1/get-domain-emails-count", data={})
    assert status == 400
    if is_live(shaped):
        assert body == recorded("get-domain-emails-count/domain-parameter-required.json")
    else:
        assert body == {"success": False, "errors": ["domain is required"]}


async def test_balance_and_lists_have_the_recorded_keys(shaped: Raw) -> None:
    _, balance = await shaped.call("GET", "/v1/get-balance")
    assert set(balance["data"]) == set(recorded("get-balance/docstring-balance.json")["data"])
    _, lists = await shaped.call("GET", "/v1/get-user-lists")
    assert set(lists[0]) == set(recorded("get-user-lists/nexl-default.json")[0])
    _, page = await shaped.call("POST", "/v1/prospect-list", data={"listId": 1818597})
    sample = recorded("prospect-list/nexl-list-page.json")
    assert set(page) == set(sample) and set(page["list"]) == set(sample["list"])


def test_the_command_line_chooses_the_shapes() -> None:
    from snov_async.sandbox.__main__ import build_parser, config_from_args

    assert config_from_args(build_parser().parse_args([])).shapes == "live"
    reference = config_from_args(build_parser().parse_args(["--shapes", "reference"]))
    assert reference.shapes == "reference"
