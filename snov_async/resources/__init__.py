"""One module per API section; each hangs off `SnovClient` as an attribute."""

from __future__ import annotations

from .account import AccountResource

__all__ = ["AccountResource"]
