"""Models of the account section (reference line 3692)."""

from __future__ import annotations

from decimal import Decimal

import attrs

from .common import SnovModel

__all__ = ["Balance"]


@attrs.frozen
class Balance(SnovModel):
    """The account's credit balance and plan counters (``GET /v1/get-balance``).

    Attributes:
        balance: credits left, as an exact decimal (the API sends ``"25000.00"``).
        teamwork: whether the account is a member or leader of a team.
        unique_recipients_used: unique recipients used this month.
        limit_resets_in: days until the monthly limits reset.
        expires_in: days until the subscription ends.
    """

    balance: Decimal | None = None
    teamwork: bool = False
    unique_recipients_used: int | None = None
    limit_resets_in: int | None = None
    expires_in: int | None = None
