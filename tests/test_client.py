"""SnovClient: configuration, lifecycle, sessions, environment, repr."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aioresponses import aioresponses

from snov_async import (
    ClientStateError,
    ConfigurationError,
    EvenPacer,
    SnovClient,
)
from tests.helpers import BALANCE_URL, CLIENT_ID, CLIENT_SECRET, TOKEN_URL, sample, token_payload
from tests.vtime import run_virtual


def mock_balance(m: aioresponses) -> None:
    m.post(TOKEN_URL, payload=token_payload(), repeat=True)
    m.get(BALANCE_URL, payload=sample("account/get-balance.json"), repeat=True)


def test_construction_binds_to_no_loop_and_use_happens_later() -> None:
    snov = SnovClient(CLIENT_ID, CLIENT_SECRET)  # no running loop here

    async def use() -> str:
        with aioresponses() as m:
            mock_balance(m)
            async with snov:
                return str((await snov.account.balance()).balance)

    assert run_virtual(use) == "25000.00"
    assert snov.closed


def test_own_session_is_closed_and_borrowed_session_is_left_open() -> None:
    async def scenario() -> None:
        with aioresponses() as m:
            mock_balance(m)
            async with aiohttp.ClientSession() as session:
                async with SnovClient(CLIENT_ID, CLIENT_SECRET, session=session) as snov:
                    await snov.account.balance()
                assert not session.closed
            own = SnovClient(CLIENT_ID, CLIENT_SECRET)
            async with own:
                await own.account.balance()
                inner = own._http._session
                assert inner is not None and not inner.closed
            assert inner.closed

    run_virtual(scenario)


def test_first_use_without_async_with_opens_lazily_and_close_is_idempotent() -> None:
    async def scenario() -> None:
        with aioresponses() as m:
            mock_balance(m)
            snov = SnovClient(CLIENT_ID, CLIENT_SECRET)
            await snov.account.balance()
            await snov.close()
            await snov.close()
            with pytest.raises(ClientStateError):
                await snov.account.balance()

    run_virtual(scenario)


def test_missing_credentials_fail_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SNOV_CLIENT_ID", raising=False)
    monkeypatch.delenv("SNOV_CLIENT_SECRET", raising=False)
    with pytest.raises(ConfigurationError, match="client_id"):
        SnovClient()
    with pytest.raises(ConfigurationError, match="client_secret"):
        SnovClient("id")
    with pytest.raises(ConfigurationError, match="SNOV_CLIENT_ID, SNOV_CLIENT_SECRET"):
        SnovClient.from_env()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base_url": "ftp://x"},
        {"timeout": 0},
        {"requests_per_minute": 0},
        {"burst": 0},
        {"token_refresh_margin": -1},
        {"pacer": object()},
    ],
)
def test_bad_settings_raise_configuration_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        SnovClient(CLIENT_ID, CLIENT_SECRET, **kwargs)  # type: ignore[arg-type]


def test_from_env_reads_id_secret_and_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNOV_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SNOV_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("SNOV_BASE_URL", "http://127.0.0.1:8080/")
    snov = SnovClient.from_env(requests_per_minute=120)
    assert snov.client_id == CLIENT_ID
    assert snov.base_url == "http://127.0.0.1:8080"
    assert isinstance(snov.pacer, EvenPacer) and snov.pacer.rpm == 120
    # None arguments fall back to the same variables.
    assert SnovClient().client_id == CLIENT_ID


def test_repr_never_shows_the_secret() -> None:
    snov = SnovClient(CLIENT_ID, CLIENT_SECRET)
    text = repr(snov) + str(snov) + repr(snov._http.tokens) + repr(snov._secret)
    assert CLIENT_SECRET not in text
    assert CLIENT_ID not in text  # only a prefix of the id is shown
    assert repr(snov).startswith("<SnovClient https://api.snov.io client_id=c57a")


def test_two_clients_share_one_pacer() -> None:
    pacer = EvenPacer(60, margin=0)
    a = SnovClient(CLIENT_ID, CLIENT_SECRET, pacer=pacer)
    b = SnovClient(CLIENT_ID, CLIENT_SECRET, pacer=pacer)
    assert a.pacer is b.pacer

    async def scenario() -> float:
        loop = asyncio.get_running_loop()
        with aioresponses() as m:
            mock_balance(m)
            t0 = loop.time()
            async with a, b:
                await asyncio.gather(
                    *(a.account.balance() for _ in range(5)),
                    *(b.account.balance() for _ in range(5)),
                )
            return loop.time() - t0

    # 2 tokens + 10 balances through one 60/min pacer: 11 intervals after the first.
    assert run_virtual(scenario) == pytest.approx(11.0)
