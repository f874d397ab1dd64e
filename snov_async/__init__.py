"""snov_async: the async-first Python SDK for the Snov.io REST API.

Example::

    import asyncio
    from snov_async import SnovClient

    async def main() -> None:
        async with SnovClient.from_env() as snov:
            print(await snov.account.balance())

    asyncio.run(main())
"""

from __future__ import annotations

from ._client import SnovClient
from ._convert import UNSET
from ._http import RequestStats
from ._pacing import EvenPacer, Pacer
from ._retry import CallKind, RetryPolicy
from ._version import __version__
from .errors import (
    AuthenticationError,
    BackendError,
    ClientStateError,
    ConfigurationError,
    JournalError,
    NotEnoughCreditsError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    ServiceFailingError,
    SnovError,
    TaskTimeoutError,
    TransportError,
    ValidationError,
)
from .models import (
    Balance,
    CampaignCreate,
    CompanyDomain,
    ConnectionSettings,
    Delay,
    Email,
    EmailSearch,
    EmailVerification,
    Goal,
    LinkedIn,
    LinkedInProfile,
    NameDomain,
    OpenEnum,
    Progress,
    SenderAccountCreate,
    Sequence,
    SnovModel,
    Trigger,
    WarmUpCreate,
)
from .operations import OPERATIONS, Operation

__all__ = [
    "OPERATIONS",
    "UNSET",
    "AuthenticationError",
    "Balance",
    "CallKind",
    "CampaignCreate",
    "CompanyDomain",
    "ConnectionSettings",
    "Delay",
    "Email",
    "EmailSearch",
    "EmailVerification",
    "Goal",
    "LinkedIn",
    "LinkedInProfile",
    "NameDomain",
    "Operation",
    "Progress",
    "SenderAccountCreate",
    "Sequence",
    "Trigger",
    "WarmUpCreate",
    "BackendError",
    "ClientStateError",
    "ConfigurationError",
    "EvenPacer",
    "JournalError",
    "NotEnoughCreditsError",
    "NotFoundError",
    "OpenEnum",
    "OutcomeUnknownError",
    "Pacer",
    "RateLimitError",
    "RequestStats",
    "ResponseFormatError",
    "RetryPolicy",
    "ServerError",
    "SnovClient",
    "ServiceFailingError",
    "SnovError",
    "SnovModel",
    "TaskTimeoutError",
    "TransportError",
    "ValidationError",
    "__version__",
]
