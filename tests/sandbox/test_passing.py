"""Token and parameter passing exactly as the reference's snippets do it: a Bearer header,
``access_token`` in the query, in urlencoded bodies of any method (GET included), in multipart
bodies and in JSON bodies; lists as ``x[]``, ``x[0]`` or JSON arrays, maps as ``x[sub]``."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from tests.sandbox.conftest import Raw

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def _send(raw: Raw, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    async with raw.session.request(method, raw.sb.base_url + path, **kw) as resp:
        text = await resp.text()
        return resp.status, json.loads(text) if text else None


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_access_token_in_a_urlencoded_body_of_any_method(raw: Raw, method: str) -> None:
    # The reference's PHP snippets send GET requests with a form body (CURLOPT_POSTFIELDS).
    path = "/v1/get-balance" if method == "GET" else "/v1/get-domain-emails-count"
    body = f"access_token={raw.token}&domain=snov.io"
    status, answer = await _send(raw, method, path, data=body, headers=FORM)
    assert status == 200, answer
    status, _ = await _send(
        raw, method, path, data="access_token=nope&domain=snov.io", headers=FORM
    )
    assert status == 401


async def test_access_token_in_a_multipart_body(raw: Raw) -> None:
    for method, path in (("GET", "/v1/get-balance"), ("POST", "/v1/get-domain-emails-count")):
        form = aiohttp.FormData()
        form.add_field("access_token", raw.token)
        form.add_field("domain", "snov.io")
        status, body = await _send(raw, method, path, data=form())
        assert status == 200, (method, body)
    form = aiohttp.FormData()
    form.add_field("access_token", raw.token)
    form.add_field("emails[]", "a@snov.io")
    form.add_field("emails[]", "b@snov.io")
    status, body = await _send(raw, "POST", "/v2/email-verification/start", data=form())
    assert status == 200 and body["meta"]["emails"] == ["a@snov.io", "b@snov.io"]


async def test_access_token_in_a_json_body_and_in_the_query(raw: Raw) -> None:
    status, body = await _send(
        raw,
        "POST",
        "/v1/get-domain-emails-count",
        json={"access_token": raw.token, "domain": "x.io"},
    )
    assert status == 200 and body["domain"] == "x.io"
    status, _ = await _send(raw, "GET", "/v1/get-balance", params={"access_token": raw.token})
    assert status == 200
    status, _ = await _send(
        raw, "GET", "/v1/get-balance", headers={"Authorization": f"Bearer {raw.token}"}
    )
    assert status == 200
