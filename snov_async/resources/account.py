"""The account section: credit balance."""

from __future__ import annotations

from ..models.account import Balance
from ._base import Resource

__all__ = ["AccountResource"]


class AccountResource(Resource):
    """``snov.account``: the state of the Snov.io account."""

    __slots__ = ()

    async def balance(self, *, timeout: float | None = None) -> Balance:
        """The credit balance and plan counters.

        ``GET /v1/get-balance`` (reference line 3692). Free: costs no credits, but like every
        call it uses one request of the 60-per-minute budget.
        """
        return await self._call(Balance, "GET", "/v1/get-balance", timeout=timeout)
