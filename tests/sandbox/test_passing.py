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


# The reference's own snippets, request by request ---------------------------------------------


async def test_lists_as_brackets_indexes_repeats_and_json(raw: Raw) -> None:
    path = "/v2/email-verification/start"
    styles = [
        ("emails[]=a@snov.io&emails[]=b@snov.io", FORM),  # Python snippets (requests, x[])
        ("emails%5B0%5D=a@snov.io&emails%5B1%5D=b@snov.io", FORM),  # PHP http_build_query
        ("emails=a@snov.io&emails=b@snov.io", FORM),  # requests with a list under a bare key
    ]
    for body, headers in styles:
        status, answer = await _send(
            raw,
            "POST",
            path,
            data=body,
            headers={**headers, "Authorization": f"Bearer {raw.token}"},
        )
        assert status == 200 and answer["meta"]["emails"] == ["a@snov.io", "b@snov.io"], body
    status, answer = await raw.call("POST", path, json={"emails": ["a@snov.io", "b@snov.io"]})
    assert status == 200 and answer["meta"]["emails"] == ["a@snov.io", "b@snov.io"]
    # Indexed items keep their index order, whatever order they arrive in.
    status, answer = await raw.call(
        "POST", path, params=[("emails[1]", "b@snov.io"), ("emails[0]", "a@snov.io")]
    )
    assert answer["meta"]["emails"] == ["a@snov.io", "b@snov.io"]


async def test_recipient_check_as_the_php_snippet_sends_it(raw: Raw) -> None:
    # http_build_query(['access_token' => $token, 'emails' => $emails]) in the query string.
    query = f"access_token={raw.token}&emails%5B0%5D=a%40x.io&emails%5B1%5D=b%40x.io"
    status, body = await _send(raw, "GET", f"/v2/campaigns/237945/recipient?{query}")
    assert status == 200 and [r["email"] for r in body["data"]] == ["a@x.io", "b@x.io"]


async def test_do_not_email_as_the_php_and_python_snippets_send_it(raw: Raw) -> None:
    # PHP: items in the query (http_build_query), access_token in a multipart body.
    form = aiohttp.FormData()
    form.add_field("access_token", raw.token)
    form.add_field("listId", "8")
    query = "items%5B0%5D=gavin%40octagon.com&items%5B1%5D=octagon.com"
    status, body = await _send(raw, "POST", f"/v1/do-not-email-list?{query}", data=form())
    assert status == 200 and body[0]["success"] is True
    # Python: everything in a urlencoded body, items[] repeated.
    data = [
        ("access_token", raw.token),
        ("listId", "8"),
        ("items[]", "gavin@octagon.com"),
        ("items[]", "new.io"),
    ]
    status, body = await _send(raw, "POST", "/v1/do-not-email-list", data=data)
    assert status == 200 and body[0]["data"]["duplicates"] == ["gavin@octagon.com"]


async def test_add_prospect_with_sub_keys_in_form_and_json(raw: Raw) -> None:
    _, made = await raw.call("POST", "/v1/lists", data={"name": "Snippets"})
    list_id = made[0]["data"]["id"]
    # The Python snippet: socialLinks[linkedIn], customFields[specialization], phones repeated.
    data = [
        ("access_token", raw.token),
        ("email", "john.doe@example.com"),
        ("fullName", "John Doe"),
        ("firstName", "John"),
        ("lastName", "Doe"),
        ("phones", "+18882073333"),
        ("phones", "+18882074444"),
        ("country", "United States"),
        ("socialLinks[linkedIn]", "https://www.linkedin.com/in/johndoe/&social"),
        ("social[twiiter]", "https://twitter.com/johndoe&social"),
        ("customFields[specialization]", "Software Engineering"),
        ("updateContact", "1"),
        ("listId", str(list_id)),
    ]
    status, body = await _send(raw, "POST", "/v1/add-prospect-to-list", data=data)
    assert status == 200 and body["success"] is True and body["added"] is True
    # The reference's JSON example (line 3258): nested customFields and socialLinks objects.
    example = {
        "email": "jane.doe@example.com",
        "listId": list_id,
        "createDuplicates": False,
        "updateContact": True,
        "fullName": "Jane Doe",
        "phones": ["+18882073333"],
        "customFields": {"specialization": "Software Engineering"},
        "socialLinks": {"linkedIn": "https://www.linkedin.com/in/janedoe/&social"},
    }
    status, body = await raw.call("POST", "/v1/add-prospect-to-list", json=example)
    assert status == 200 and body["added"] is True
    _, found = await raw.call(
        "POST", "/v1/get-prospects-by-email", data={"email": "jane.doe@example.com"}
    )
    assert found["data"][0]["social"][0]["link"] == "https://www.linkedin.com/in/janedoe/&social"


async def test_v1_reads_with_form_bodies_on_get_and_query_params_on_post(raw: Raw) -> None:
    # Python snippets: requests.get(url, data=params) for the v1 event lists and custom fields.
    body = f"access_token={raw.token}&campaignId=237945&offset=10000"
    status, rows = await _send(raw, "GET", "/v1/emails-sent", data=body, headers=FORM)
    assert status == 200 and len(rows) == 50
    status, fields = await _send(
        raw, "GET", "/v1/prospect-custom-fields", data=f"access_token={raw.token}", headers=FORM
    )
    assert status == 200 and isinstance(fields, list)
    # requests.post(url, params=params) for prospect-list: everything in the query of a POST.
    _, made = await raw.call("POST", "/v1/lists", data={"name": "Q"})
    query = {
        "access_token": raw.token,
        "listId": made[0]["data"]["id"],
        "page": "1",
        "perPage": "2",
    }
    status, answer = await _send(raw, "POST", "/v1/prospect-list", params=query)
    assert status == 200 and answer["success"] is True


async def test_json_bodies_of_patch_put_and_delete_carry_the_token_too(raw: Raw) -> None:
    _, hook = await raw.call(
        "POST",
        "/v2/webhooks",
        json={
            "event_object": "campaign_email",
            "event_action": "sent",
            "endpoint_url": "https://x.io/h",
            "access_token": raw.token,
        },
    )
    hook_id = hook["data"]["id"]
    status, body = await _send(
        raw,
        "PUT",
        f"/v2/webhooks/{hook_id}",
        json={"status": "deactivated", "access_token": raw.token},
    )
    assert status == 200 and body["data"]["status"] == "deactivated"
    status, _ = await _send(
        raw, "DELETE", f"/v2/webhooks/{hook_id}", json={"access_token": raw.token}
    )
    assert status == 200


async def test_hostile_token_placements_are_refused(raw: Raw) -> None:
    for kw in (
        {"headers": {"Authorization": "Bearer "}},
        {"headers": {"Authorization": "Basic " + raw.token}},
        {"params": {"access_token": ""}},
        {"data": "access_token=&domain=x.io", "headers": FORM},
        {"json": {"access_token": 12345}},
        {"json": ["access_token", raw.token]},
        {"data": b"\xff\xfe access_token", "headers": FORM},
        {"data": "{not json", "headers": {"Content-Type": "application/json"}},
    ):
        status, _ = await _send(raw, "POST", "/v1/get-domain-emails-count", **kw)
        assert status in (400, 401), kw
