"""Hostile requests to every route: the sandbox answers each with a status below 500 (a refusal
or an answer), never a crash, and keeps serving."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from snov_async.sandbox import Sandbox
from snov_async.sandbox.tables import OPERATIONS
from tests.sandbox.conftest import Raw

WEIRD_VALUES: list[Any] = [
    None,
    "",
    " ",
    -1,
    0,
    2**63,
    1e309,
    "NaN",
    True,
    [],
    {},
    [[[]]],
    {"a": {"b": {"c": {}}}},
    "x" * 5000,
    "\u0000\ud7ff\ufffd",
    "'; DROP TABLE prospects; --",
    "../../etc/passwd",
]


def _concrete(path: str) -> list[str]:
    """The reference's path with each placeholder as a few hostile ids."""
    path = path.split("?")[0].replace("[", "{").replace("]", "}")
    if path.endswith("webhook_id"):
        path = path[: -len("webhook_id")] + "{webhook_id}"
    out = [path]
    for ident in ("-1", "99999999999999999999", "%2e%2e", "237945"):
        concrete = path
        while "{" in concrete:
            start = concrete.index("{")
            concrete = concrete[:start] + ident + concrete[concrete.index("}", start) + 1 :]
        out.append(concrete)
    return out[1:]


@pytest.fixture
async def raw() -> AsyncIterator[Raw]:
    async with (
        Sandbox(rate_limit=None, task_latency=0.0) as sb,
        aiohttp.ClientSession() as session,
    ):
        r = Raw(sb, session)
        await r.login()
        yield r


async def _no_crash(raw: Raw, method: str, path: str, **kw: Any) -> int:
    status, body = await raw.call(method, path, **kw)
    assert status < 500, (method, path, kw, status, body)
    return status


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
async def test_every_route_survives_hostile_parameters(raw: Raw, operation: str) -> None:
    method, template = operation.split(" ", 1)
    names = [n for n in OPERATIONS[operation]["params"] if "." not in n] or ["x"]
    for path in _concrete(template):
        for value in WEIRD_VALUES:
            body = {n.replace("[]", ""): value for n in names}
            await _no_crash(raw, method, path, json=body)
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                form = [(n, str(value)) for n in names]
                await _no_crash(raw, method, path, data=form)
                await _no_crash(raw, method, path, params=form)
        for raw_body, ctype in (
            (b"[1, 2, 3]", "application/json"),
            (b'"just a string"', "application/json"),
            (b"{" * 2000 + b"}" * 2000, "application/json"),
            (b"\xff\xfe\xfa", "application/x-www-form-urlencoded"),
            (b"a=%ZZ&b[=1&c]=2&[]=3", "application/x-www-form-urlencoded"),
            (b"--nope\r\n", "multipart/form-data; boundary=nope"),
        ):
            await _no_crash(raw, method, path, data=raw_body, headers={"Content-Type": ctype})
    assert (await raw.call("GET", "/v1/get-balance"))[0] == 200  # still serving


async def test_deeply_nested_campaign_bodies_are_refused_not_crashed(raw: Raw) -> None:
    weird_sequences: list[Any] = [
        {"entry": "a", "steps": [{"_ref": {"x": 1}, "type": "email"}]},
        {"entry": ["a"], "steps": [{"_ref": "a", "type": "email", "content_slots": 1}]},
        {"entry": "a", "steps": [None, 1, "x"]},
        {"entry": "a", "steps": [{"_ref": "a", "type": ["email"], "next": {"a": 1}}]},
        {
            "entry": "a",
            "steps": [
                {
                    "_ref": "a",
                    "type": "trigger",
                    "action": "open",
                    "waiting_type": "days",
                    "waiting_val": 1,
                    "yes": [],
                    "no": {},
                }
            ],
        },
    ]
    for sequence in weird_sequences:
        body = {
            "title": "T",
            "priority": "low",
            "recipients": {"list_id": 1},
            "complete_campaign_after_last_step": True,
            "archive_in_months": 1,
            "sequence": sequence,
        }
        status = await _no_crash(raw, "POST", "/v2/campaigns/create", json=body)
        assert status == 422, sequence
    for tracking in ([], "yes", {"open": "maybe"}):
        status, _ = await raw.call("PATCH", "/v2/campaigns/237956", json={"tracking": tracking})
        assert status == 422, tracking


async def test_a_huge_batch_and_a_huge_body_are_refused(raw: Raw) -> None:
    emails = [f"u{i}@x.io" for i in range(10_000)]
    status, body = await raw.call("POST", "/v2/email-verification/start", json={"emails": emails})
    assert status == 422 and "emails" in json.dumps(body)
    status, _ = await raw.call(
        "POST", "/v1/add-prospect-to-list", data={"listId": "1818597", "email": "a" * 1_000_000}
    )
    assert status < 500
