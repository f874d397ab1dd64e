"""Typed models of Snov.io's answers, one module per API section."""

from __future__ import annotations

from .account import Balance
from .common import OpenEnum, SnovModel

__all__ = ["Balance", "OpenEnum", "SnovModel"]
