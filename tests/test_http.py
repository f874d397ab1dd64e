"""The request path end to end on mocked HTTP and a virtual clock: tokens, pacing, retries,
error mapping, logging and redaction."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import pytest
from aioresponses import CallbackResult, aioresponses

from snov_async import (
    AuthenticationError,
    Balance,
    CallKind,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitError,
    ServerError,
    SnovClient,
    TransportError,
    ValidationError,
)
from tests.helpers import (
    BALANCE_URL,
    BASE,
    CLIENT_ID,
    CLIENT_SECRET,
    TOKEN_URL,
    calls,
    sample,
    token_payload,
)
from tests.vtime import run_virtual

START_URL = f"{BASE}/v2/email-verification/start"


def client(**kw: Any) -> SnovClient:
    kw.setdefault("requests_per_minute", 1200)
    return SnovClient(CLIENT_ID, CLIENT_SECRET, **kw)


def connector_error() -> aiohttp.ClientConnectorError:
    key = aiohttp.client_reqrep.ConnectionKey("api.snov.io", 443, True, None, None, None, None)
    return aiohttp.ClientConnectorError(key, OSError(111, "Connection refused"))


# Tokens -----------------------------------------------------------------------------------


def test_200_concurrent_first_calls_cause_exactly_one_token_request() -> None:
    async def scenario() -> tuple[list[Balance], int, float, SnovClient]:
        loop = asyncio.get_running_loop()
        with aioresponses() as m:
            m.post(TOKEN_URL, payload=token_payload())
            m.get(BALANCE_URL, payload=sample("account/get-balance.json"), repeat=True)
            async with client(requests_per_minute=1200) as snov:
                t0 = loop.time()
                results = await asyncio.gather(*(snov.account.balance() for _ in range(200)))
                elapsed = loop.time() - t0
                n_tokens = len(calls(m, "POST", TOKEN_URL))
        return results, n_tokens, elapsed, snov

    results, n_tokens, elapsed, snov = run_virtual(scenario)
    assert n_tokens == 1
    assert snov.stats.token_requests == 1
    assert snov.stats.requests == 201
    assert all(isinstance(b, Balance) and str(b.balance) == "25000.00" for b in results)
    # 201 requests evenly paced at 1200/min (+2 %): the first at once, then 200 intervals.
    assert elapsed == pytest.approx(200 * 0.05 * 1.02)


def test_token_is_refreshed_ahead_of_expiry() -> None:
    async def scenario() -> list[str]:
        seen: list[str] = []

        def record(url: Any, **kw: Any) -> CallbackResult:
            seen.append(kw["headers"]["Authorization"])
            return CallbackResult(payload=sample("account/get-balance.json"))

        with aioresponses() as m:
            m.post(TOKEN_URL, payload=token_payload("tok-1", 3600))
            m.post(TOKEN_URL, payload=token_payload("tok-2", 3600))
            m.get(BALANCE_URL, callback=record, repeat=True)
            async with client(token_refresh_margin=60) as snov:
                await snov.account.balance()
                await asyncio.sleep(3500)  # 3530 s left of the hour: still fine
                await snov.account.balance()
                await asyncio.sleep(50)  # inside the 60 s margin: refresh first
                await snov.account.balance()
        return seen

    assert run_virtual(scenario) == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


def test_401_refreshes_once_and_replays_once_for_a_whole_wave() -> None:
    async def scenario() -> SnovClient:
        with aioresponses() as m:
            m.post(TOKEN_URL, payload=token_payload("old"))
            m.post(TOKEN_URL, payload=token_payload("new"))
            for _ in range(5):
                m.get(BALANCE_URL, status=401, payload=sample("errors/gateway-401.json"))
            m.get(BALANCE_URL, payload=sample("account/get-balance.json"), repeat=True)
            async with client() as snov:
                await asyncio.gather(*(snov.account.balance() for _ in range(5)))
        return snov

    snov = run_virtual(scenario)
    assert snov.stats.token_requests == 2
    assert snov.stats.auth_replays == 5


def test_a_second_401_after_the_replay_is_raised() -> None:
    async def scenario() -> None:
        with aioresponses() as m:
            m.post(TOKEN_URL, payload=token_payload("a"), repeat=True)
            m.get(BALANCE_URL, status=401, payload=sample("errors/gateway-401.json"), repeat=True)
            async with client() as snov:
                with pytest.raises(AuthenticationError):
                    await snov.account.balance()
                assert len(calls(m, "GET", BALANCE_URL)) == 2

    run_virtual(scenario)


def test_a_token_revoked_while_a_replay_is_on_the_wire_is_replaced_again() -> None:
    # A's first try meets a revoked token; its replay goes out with the new token "t1",
    # which B is answered with; then t1 is revoked too (by another request of the same
    # account) before the server reads A's replay. A token the server has answered with was
    # revoked, not refused: A replays once more and gets its answer.
    async def scenario() -> tuple[SnovClient, list[str]]:
        revoked = {"t0"}
        seen: list[str] = []
        replay_sent, b_answered = asyncio.Event(), asyncio.Event()

        async def balance(url: Any, **kw: Any) -> CallbackResult:
            token = kw["headers"]["Authorization"].removeprefix("Bearer ")
            seen.append(token)
            if len(seen) == 2:  # A's replay: held until B was answered with t1, then revoked
                replay_sent.set()
                await b_answered.wait()
                revoked.add("t1")
            if token in revoked:
                return CallbackResult(status=401, payload=sample("errors/gateway-401.json"))
            return CallbackResult(payload=sample("account/get-balance.json"))

        with aioresponses() as m:
            for token in ("t0", "t1", "t2"):
                m.post(TOKEN_URL, payload=token_payload(token))
            m.get(BALANCE_URL, callback=balance, repeat=True)
            async with client() as snov:
                a = asyncio.ensure_future(snov.account.balance())
                await replay_sent.wait()
                await snov.account.balance()  # B
                b_answered.set()
                assert isinstance(await a, Balance)
        return snov, seen

    snov, seen = run_virtual(scenario)
    assert seen == ["t0", "t1", "t1", "t2"]
    assert snov.stats.token_requests == 3
    assert snov.stats.auth_replays == 2


def test_after_a_revocation_two_fresh_tokens_refused_are_refused_credentials() -> None:
    # The first token worked, then every new one is refused (the account was shut): one
    # replay more than for a token that never worked, then the AuthenticationError.
    async def scenario() -> None:
        with aioresponses() as m:
            m.post(TOKEN_URL, payload=token_payload("a"))
            m.post(TOKEN_URL, payload=token_payload("b"), repeat=True)
            m.get(BALANCE_URL, payload=sample("account/get-balance.json"))
            m.get(BALANCE_URL, status=401, payload=sample("errors/gateway-401.json"), repeat=True)
            async with client() as snov:
                await snov.account.balance()
                with pytest.raises(AuthenticationError):
                    await snov.account.balance()
                assert len(calls(m, "GET", BALANCE_URL)) == 1 + 3

    run_virtual(scenario)


@pytest.mark.parametrize("status", [400, 401])
def test_bad_credentials_raise_authentication_error_without_the_secret(status: int) -> None:
    async def scenario() -> AuthenticationError:
        with aioresponses() as m:
            m.post(TOKEN_URL, status=status, payload=sample("errors/oauth-invalid-client.json"))
            async with client() as snov:
                with pytest.raises(AuthenticationError) as info:
                    await snov.account.balance()
                assert len(calls(m, "GET", BALANCE_URL)) == 0
        return info.value

    err = run_virtual(scenario)
    assert "credentials were rejected" in str(err)
    assert "Client authentication failed" in err.messages
    for text in (str(err), repr(err), repr(err.__cause__)):
        assert CLIENT_SECRET not in text


def test_the_token_request_is_paced_like_any_other() -> None:
    async def scenario() -> list[float]:
        loop = asyncio.get_running_loop()
        stamps: list[float] = []

        def stamp(url: Any, **kw: Any) -> None:
            stamps.append(loop.time())

        with aioresponses() as m:
            m.post(TOKEN_URL, payload=token_payload(), callback=stamp)
            m.get(BALANCE_URL, payload=sample("account/get-balance.json"), callback=stamp)
            async with client(requests_per_minute=60, pacing_margin=0) as snov:
                await snov.account.balance()
        return stamps

    token_at, balance_at = run_virtual(scenario)
    assert balance_at - token_at == pytest.approx(1.0)


# Rate limiting ----------------------------------------------------------------------------


def test_429_cools_the_whole_client_down_honouring_retry_after() -> None:
    async def scenario() -> tuple[list[float], SnovClient]:
        loop = asyncio.get_running_loop()
        stamps: list[float] = []

        def stamp(url: Any, **kw: Any) -> None:
            stamps.append(loop.time())

        with aioresponses() as m:
            m.post(TOKEN_URL, payload=token_payload())
            m.get(BALANCE_URL, status=429, headers={"Retry-After": "20"}, callback=stamp)
            m.get(
                BALANCE_URL,
                payload=sample("account/get-balance.json"),
                callback=stamp,
                repeat=True,
            )
            async with client(requests_per_minute=60, pacing_margin=0) as snov:
                await asyncio.gather(*(snov.account.balance() for _ in range(4)))
        return stamps, snov

    stamps, snov = run_virtual(scenario)
    rel = [t - stamps[0] for t in stamps]
    # The 429 at 0; the other three had slots at 1, 2, 3 but everyone waits out the 20 s,
    # then the retry and the three others go out one interval apart.
    assert rel == pytest.approx([0.0, 20.0, 21.0, 22.0, 23.0])
    assert snov.stats.rate_limited == 1
    assert snov.stats.retries == 1


def test_persistent_429_raises_rate_limit_error_after_the_attempts() -> None:
    async def scenario() -> None:
        with aioresponses() as m:
            m.post(TOKEN_URL, payload=token_payload())
            m.get(BALANCE_URL, status=429, repeat=True)
            async with client() as snov:
                with pytest.raises(RateLimitError):
                    await snov.account.balance()
                assert len(calls(m, "GET", BALANCE_URL)) == 5

    run_virtual(scenario)


# Retries per call kind --------------------------------------------------------------------


def test_idempotent_calls_retry_5xx_timeouts_and_bad_bodies() -> None:
    async def scenario() -> int:
        with aioresponses() as m:
            m.post(TOKEN_URL, payload=token_payload())
            m.get(BALANCE_URL, status=502, body="<html>Bad Gateway</html>")
            m.get(BALANCE_URL, exception=asyncio.TimeoutError())
            m.get(BALANCE_URL, exception=aiohttp.ServerDisconnectedError())
            m.get(BALANCE_URL, body='{"success": true, "data": {"bal')
            m.get(BALANCE_URL, payload=sample("account/get-balance.json"))
            async with client() as snov:
                result = await snov.account.balance()
                assert isinstance(result, Balance)
                return len(calls(m, "GET", BALANCE_URL))

    assert run_virtual(scenario) == 5


def test_idempotent_calls_give_up_after_max_attempts() -> None:
    async def scenario() -> None:
        with aioresponses() as m:
            m.post(TOKEN_URL, payload=token_payload())
            m.get(BALANCE_URL, status=500, repeat=True)
            async with client() as snov:
                with pytest.raises(ServerError):
                    await snov.account.balance()
                assert len(calls(m, "GET", BALANCE_URL)) == 5

    run_virtual(scenario)


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500},
        {"status": 503, "body": "<html>down</html>"},
        {"exception": asyncio.TimeoutError()},
        {"exception": aiohttp.ServerDisconnectedError()},
        {"body": '{"data": {"task_ha'},
    ],
    ids=["500", "503-html", "timeout", "disconnected", "truncated-200"],
)
def test_paid_start_is_never_resent_when_the_outcome_is_unknown(failure: dict[str, Any]) -> None:
    async def scenario() -> OutcomeUnknownError:
        with aioresponses() as m:
            m.post(TOKEN_URL, payload=token_payload())
            m.post(START_URL, **failure)
            m.post(START_URL, payload={"data": {"task_hash": "h"}}, repeat=True)
            async with client() as snov:
                with pytest.raises(OutcomeUnknownError) as info:
                    await snov._http.request("POST", "/v2/email-verification/start")
                assert len(calls(m, "POST", START_URL)) == 1
        return info.value

    err = run_virtual(scenario)
    assert err.cause is not None
    assert "not retried" in str(err)
    assert (err.method, err.path) == ("POST", "/v2/email-verification/start")


def test_paid_start_is_retried_when_provably_not_processed() -> None:
    async def scenario() -> Any:
        with aioresponses() as m:
            m.post(TOKEN_URL, payload=token_payload())
            m.post(START_URL, exception=connector_error())
            m.post(START_URL, status=429)
            m.post(START_URL, payload={"data": {"task_hash": "h"}})
            async with client() as snov:
                result = await snov._http.request(
                    "POST", "/v2/email-verification/start", form={"emails": ["a@b.io"]}
                )
                assert len(calls(m, "POST", START_URL)) == 3
                return result

    assert run_virtual(scenario) == {"data": {"task_hash": "h"}}


def test_client_errors_are_not_retried_for_any_kind() -> None:
    async def scenario() -> None:
        with aioresponses() as m:
            m.post(TOKEN_URL, payload=token_payload())
            m.get(f"{BASE}/v2/campaigns/9", status=404, payload=sample("errors/gateway-404.json"))
            m.post(START_URL, status=422, payload=sample("errors/validation-422.json"))
            async with client() as snov:
                with pytest.raises(NotFoundError) as nf:
                    await snov._http.request("GET", "/v2/campaigns/9")
                assert (nf.value.method, nf.value.path, nf.value.status) == (
                    "GET",
                    "/v2/campaigns/9",
                    404,
                )
                with pytest.raises(ValidationError) as ve:
                    await snov._http.request("POST", "/v2/email-verification/start")
                assert ve.value.field == "smtp.port"
                assert snov.stats.retries == 0

    run_virtual(scenario)


def test_connection_refused_everywhere_ends_in_transport_error() -> None:
    async def scenario() -> None:
        with aioresponses() as m:
            m.post(TOKEN_URL, exception=connector_error(), repeat=True)
            async with client() as snov:
                with pytest.raises(TransportError) as info:
                    await snov.account.balance()
                assert info.value.request_sent is False
                assert len(calls(m, "POST", TOKEN_URL)) == 5

    run_virtual(scenario)


def test_an_unsafe_call_can_be_declared_idempotent() -> None:
    async def scenario() -> None:
        url = f"{BASE}/v1/get-domain-emails-count"
        with aioresponses() as m:
            m.post(TOKEN_URL, payload=token_payload())
            m.post(url, status=500)
            m.post(url, payload={"domain": "x.io", "webmail": False, "result": 3})
            async with client() as snov:
                out = await snov._http.request(
                    "POST", "/v1/get-domain-emails-count", kind=CallKind.IDEMPOTENT
                )
                assert out["result"] == 3

    run_virtual(scenario)


# Encoding ---------------------------------------------------------------------------------


def test_bearer_header_form_and_repeated_bracket_params_on_the_wire() -> None:
    async def scenario() -> None:
        with aioresponses() as m:
            m.post(TOKEN_URL, payload=token_payload("tok-9"))
            m.post(START_URL, payload={"data": {"task_hash": "h"}})
            async with client() as snov:
                await snov._http.request(
                    "POST", "/v2/email-verification/start", form={"emails": ["a@x.io", "b@x.io"]}
                )
            (token_call,) = calls(m, "POST", TOKEN_URL)
            assert dict(token_call.kwargs["data"]) == {
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            }
            (start,) = calls(m, "POST", START_URL)
            assert start.kwargs["headers"]["Authorization"] == "Bearer tok-9"
            assert start.kwargs["data"] == [("emails[]", "a@x.io"), ("emails[]", "b@x.io")]

    run_virtual(scenario)


# Logging and redaction --------------------------------------------------------------------


def test_one_debug_line_per_request_and_no_secret_anywhere(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="snov_async")
    token = "tok-very-private-123"

    async def scenario() -> SnovClient:
        with aioresponses() as m:
            m.post(TOKEN_URL, payload=token_payload(token))
            m.get(BALANCE_URL, status=401, payload=sample("errors/gateway-401.json"))
            m.post(TOKEN_URL, payload=token_payload(token + "-2"))
            m.get(BALANCE_URL, payload=sample("account/get-balance.json"))
            async with client() as snov:
                await snov.account.balance()
                assert token not in repr(snov._http.tokens)
        return snov

    snov = run_virtual(scenario)
    lines = [r.getMessage() for r in caplog.records if r.name == "snov_async"]
    request_lines = [ln for ln in lines if " -> " in ln]
    assert len(request_lines) == 4
    assert request_lines[0].startswith("POST /v1/oauth/access_token -> 200 in ")
    assert request_lines[1].startswith("GET /v1/get-balance -> 401 in ")
    assert request_lines[1].endswith("(attempt 1)")
    everything = "\n".join(lines) + repr(snov) + str(snov) + repr(snov._secret)
    for secret in (CLIENT_SECRET, token, token + "-2"):
        assert secret not in everything
