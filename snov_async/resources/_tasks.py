"""Helpers shared by the resources whose operations are tasks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._constants import MAX_BATCH
from .._convert import structure
from .._sansio import read_task_hash
from ..errors import ResponseFormatError, ValidationError
from ..models.tasks import TaskStart

__all__ = ["check_batch", "data_list", "task_start"]


def check_batch(items: Sequence[Any], field: str) -> None:
    """A low-level start takes 1 to 10 items."""
    if isinstance(items, (str, bytes)):
        raise ValidationError(f"{field} must be a list, not a single string", field=field)
    if not 1 <= len(items) <= MAX_BATCH:
        raise ValidationError(
            f"{field} must hold 1 to {MAX_BATCH} items (got {len(items)}); "
            "the bulk methods take any number",
            field=field,
        )


def task_start(payload: Any) -> TaskStart:
    """Read a start answer (``data.task_hash`` or ``meta.task_hash``) into `TaskStart`."""
    meta = payload.get("meta") if isinstance(payload, Mapping) else None
    meta = meta if isinstance(meta, Mapping) else {}
    return structure({"task_hash": read_task_hash(payload), "meta": meta}, TaskStart)


def data_list(payload: Any) -> list[Any]:
    """The ``data`` list of a completed batch result."""
    data = payload.get("data") if isinstance(payload, Mapping) else None
    if not isinstance(data, list):
        raise ResponseFormatError("the completed result has no data list")
    return data
