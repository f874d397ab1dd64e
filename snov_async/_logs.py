"""``SNOV_LOG=debug|info``: turn the SDK's logging on from the environment.

The ``snov_async`` logger is silent unless the application configures logging. Setting
``SNOV_LOG`` (as ``OPENAI_LOG`` does for openai-python) gives it a handler on standard error
and that level, when the first client is made; nothing else is touched (not the root logger).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

__all__ = ["ENV_LOG", "setup_logging"]

ENV_LOG = "SNOV_LOG"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
FORMAT = "[%(asctime)s %(name)s %(levelname)s] %(message)s"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


_handler: _StderrHandler | None = None


def setup_logging() -> None:
    """Apply ``SNOV_LOG`` (``debug`` or ``info``; anything else is ignored). Idempotent."""
    global _handler
    level = LEVELS.get(os.environ.get(ENV_LOG, "").strip().lower())
    if level is None:
        return
    logger = logging.getLogger("snov_async")
    if _handler is None:
        _handler = _StderrHandler()
        _handler.setFormatter(logging.Formatter(FORMAT, datefmt="%Y-%m-%d %H:%M:%S"))
        logger.addHandler(_handler)
    logger.setLevel(level)
