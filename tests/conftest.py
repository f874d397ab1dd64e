"""Shared test configuration."""

from __future__ import annotations

import inspect
from typing import Any
from unittest import mock

import aiohttp
import aioresponses.core


def _patch_aioresponses_for_aiohttp_314() -> None:
    """aioresponses 0.7.9 predates aiohttp 3.14, whose ClientResponse requires a
    ``stream_writer`` argument (pnuckowski/aioresponses#289, fix pending in #288). Give it one
    so that the suite runs against the aiohttp users actually install."""
    params = inspect.signature(aiohttp.ClientResponse.__init__).parameters
    if "stream_writer" not in params or getattr(aioresponses.core, "_snov_patched", False):
        return

    class _CompatResponse(aiohttp.ClientResponse):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("stream_writer", mock.Mock(output_size=0))
            super().__init__(*args, **kwargs)

    aioresponses.core.ClientResponse = _CompatResponse  # type: ignore[misc]
    aioresponses.core._snov_patched = True  # type: ignore[attr-defined]


_patch_aioresponses_for_aiohttp_314()
