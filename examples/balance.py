"""Print the account's credit balance.

Needs SNOV_CLIENT_ID and SNOV_CLIENT_SECRET (and optionally SNOV_BASE_URL) in the environment.
"""

from __future__ import annotations

import asyncio

from snov_async import SnovClient


async def main() -> None:
    async with SnovClient.from_env() as snov:
        balance = await snov.account.balance()
        print(f"{balance.balance} credits left; subscription ends in {balance.expires_in} days")


if __name__ == "__main__":
    asyncio.run(main())
