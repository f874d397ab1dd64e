"""Two open-source Snov.io clients this project did not write, run against the sandbox.

python-snovio 0.2.1 and dd-snovio 0.2 (PyPI) are synchronous, requests-based (dd-snovio also has
aiohttp coroutines), and hard-code ``https://api.snov.io``: each test points them at a sandbox
serving on a real loopback port by patching their base URL, not by editing them. Every endpoint
they share with the reference is called the way the library calls it (access_token in the form
body of GET and POST requests, ``x[]`` lists in the query, ``socialLinks[linkedIn]`` sub-keys).

What they call that the reference does not have (v1 email finder and verification endpoints,
``/v2/domain-emails-with-info``) is left out, and so are library bugs that would fail on the
live API too: python-snovio POSTs ``get-emails-opened`` (not in its GET list) and pops a key
off list answers (``list.pop('access_token')``), dd-snovio's ``async_get_profile_by_email``
posts to ``/v1/get-emails-from-url``; dd-snovio's ``prospect_in_list`` sends ``listID`` (the
sandbox refuses it, as the reference names the parameter ``listId``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from tests.sandbox.conftest import ThreadedSandbox

snovio = pytest.importorskip("snovio")
dd_snovio = pytest.importorskip("dd_snovio.snovio")

LIVE = "https://api.snov.io"


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedSandbox]:
    with ThreadedSandbox(rate_limit=None, task_latency=0.0) as ts:
        yield ts


@pytest.fixture
def python_snovio(server: ThreadedSandbox, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(snovio, "SNOVIO_API_URL", server.base_url + "/")
    return snovio.SnovioAPI(client_id="python-snovio", client_secret="s")


@pytest.fixture
def dd(server: ThreadedSandbox, monkeypatch: pytest.MonkeyPatch) -> Any:
    cls = dd_snovio.Snovio
    for name, value in vars(cls).items():
        if isinstance(value, str) and value.startswith(LIVE):
            monkeypatch.setattr(cls, name, server.base_url + value[len(LIVE) :])
    return cls("dd-snovio", "s")


def _requests(server: ThreadedSandbox, client_id: str) -> dict[str, int]:
    assert server.sb is not None
    return dict(server.sb.stats_for(client_id).requests)


# python-snovio ------------------------------------------------------------------------------


def test_python_snovio_reads_the_account(python_snovio: Any, server: ThreadedSandbox) -> None:
    balance = python_snovio.get_balance()
    assert balance["success"] is True and balance["data"]["balance"] == "25000.00"
    count = python_snovio.get_domain_emails_count({"domain": "snov.io"})
    assert count["domain"] == "snov.io" and isinstance(count["result"], int)
    seen = _requests(server, "python-snovio")
    assert seen["GET /v1/get-balance"] == 1 and seen["POST /v1/get-domain-emails-count"] == 1
    assert seen["POST /v1/oauth/access_token"] == 1


def test_python_snovio_manages_prospects_and_lists(python_snovio: Any) -> None:
    made = python_snovio.add_prospect_to_list(
        {
            "email": "john.doe@example.com",
            "fullName": "John Doe",
            "firstName": "John",
            "lastName": "Doe",
            "socialLinks[linkedIn]": "https://www.linkedin.com/in/johndoe/",
            "customFields[specialization]": "Software Engineering",
            "position": "VP of Sales",
            "updateContact": 1,
            "listId": 1818597,
        }
    )
    assert made["success"] is True and made["added"] is True
    by_id = python_snovio.get_prospect_by_id({"id": made["id"]})
    assert by_id["data"]["name"] == "John Doe"
    by_email = python_snovio.get_prospects_by_email({"email": "john.doe@example.com"})
    assert [p["id"] for p in by_email["data"]] == [made["id"]]
    listed = python_snovio.prospect_list({"listId": 1818597, "page": 1, "perPage": 10})
    assert listed["prospects"][0]["id"] == made["id"]


def test_python_snovio_enriches_and_changes_recipients(python_snovio: Any) -> None:
    emails = [f"person{i}@acme.com" for i in range(12)]
    answers = [python_snovio.get_profile_by_email({"email": e}) for e in emails]
    found = [a for a in answers if a.get("success") is True]
    assert found and all(a["firstName"] for a in found) and len(found) < len(answers)
    # A recipient of the reference's campaign 237945, paused the v1 way.
    changed = python_snovio.change_recipient_status(
        {"email": "jane.doe1@example1.com", "campaign_id": 237945, "status": "Paused"}
    )
    assert changed == {"success": True}


def test_python_snovio_refreshes_an_expired_token(
    python_snovio: Any, server: ThreadedSandbox
) -> None:
    assert server.sb is not None
    for token in server.sb.account("python-snovio").tokens():
        server.sb.state.revoke(token)
    before = _requests(server, "python-snovio")
    balance = python_snovio.get_balance()  # 401, a new token, the call again (as a query)
    assert balance["success"] is True
    after = _requests(server, "python-snovio")
    assert after["POST /v1/oauth/access_token"] - before["POST /v1/oauth/access_token"] == 1
    # The refused call carried no valid token, so it counts for no account: only the replay.
    assert after["GET /v1/get-balance"] - before["GET /v1/get-balance"] == 1


# dd-snovio ----------------------------------------------------------------------------------


def test_dd_snovio_reads_the_account(dd: Any, server: ThreadedSandbox) -> None:
    assert dd.get_balance()["data"]["balance"] == "25000.00"
    assert dd.get_email_count("gmail.com") == {"domain": "gmail.com", "webmail": True, "result": 0}
    fields = dd.custom_fields()
    assert [f["label"] for f in fields] == ["company", "Project name", "SEO"]
    lists = dd.user_lists()
    assert 1818597 in {row["id"] for row in lists}
    seen = _requests(server, "dd-snovio")
    for operation in (
        "GET /v1/get-balance",
        "POST /v1/get-domain-emails-count",
        "GET /v1/prospect-custom-fields",
        "GET /v1/get-user-lists",
    ):
        assert seen[operation] == 1, operation


def test_dd_snovio_creates_lists_and_adds_prospects(dd: Any) -> None:
    made = dd.add_prospect_list("From dd-snovio")
    list_id = made[0]["data"]["id"]
    people = [
        {
            "email": f"p{i}@example.com",
            "fullName": f"Person {i}",
            "firstName": "Person",
            "lastName": str(i),
            "country": "United States",
            "locality": "Woodbridge, New Jersey",
            "linkedIn": f"https://www.linkedin.com/in/person{i}/",
            "twitter": f"https://twitter.com/person{i}",
            "position": "Engineer",
            "companyName": "Acme",
            "companySite": "https://acme.com",
            "updateContact": 1,
            "list_id": list_id,
        }
        for i in range(3)
    ]

    async def add_all() -> list[Any]:
        loop = asyncio.get_running_loop()
        return list(await dd.async_requests(dd.async_add_prospect_to_list, loop, people))

    added = asyncio.run(add_all())
    assert [a["added"] for a in added] == [True, True, True], added

    async def look_up() -> tuple[list[Any], list[Any]]:
        loop = asyncio.get_running_loop()
        ids = [a["id"] for a in added]
        by_id = await dd.async_requests(dd.async_get_prospect_by_id, loop, ids)
        emails = [p["email"] for p in people]
        by_email = await dd.async_requests(dd.async_get_prospect_by_email, loop, emails)
        return list(by_id), list(by_email)

    by_id, by_email = asyncio.run(look_up())
    assert [r["data"]["name"] for r in by_id] == ["Person 0", "Person 1", "Person 2"]
    assert all(len(r["data"]) == 1 for r in by_email)
    # dd-snovio sends ``listID`` where the reference says ``listId`` (line 3544): refused, as
    # the live API's case-sensitive parameters would.
    listed = dd.prospect_in_list(list_id, 1, 100)
    assert listed["success"] is False
