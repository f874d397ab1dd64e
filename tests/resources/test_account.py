"""snov.account against the reference's recorded example."""

from __future__ import annotations

from decimal import Decimal

from aioresponses import aioresponses

from snov_async import Balance, SnovClient
from tests.helpers import BALANCE_URL, CLIENT_ID, CLIENT_SECRET, TOKEN_URL, sample, token_payload
from tests.vtime import run_virtual


def test_balance_is_typed_field_for_field() -> None:
    async def scenario() -> Balance:
        with aioresponses() as m:
            m.post(TOKEN_URL, payload=token_payload())
            m.get(BALANCE_URL, payload=sample("account/get-balance.json"))
            async with SnovClient(CLIENT_ID, CLIENT_SECRET) as snov:
                return await snov.account.balance()

    b = run_virtual(scenario)
    assert b == Balance(
        balance=Decimal("25000.00"),
        teamwork=False,
        unique_recipients_used=0,
        limit_resets_in=29,
        expires_in=359,
    )
    assert b.extra == {}
