"""Helpers shared by the resources whose operations are tasks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import _validate
from .._constants import MAX_BATCH
from .._convert import structure
from .._sansio import read_task_hash
from ..errors import ResponseFormatError, ValidationError
from ..models.tasks import TaskStart

__all__ = [
    "check_batch",
    "check_bulk",
    "check_progress",
    "data_list",
    "prepare_batch",
    "task_start",
]


def check_batch(items: Any, field: str) -> list[Any]:
    """A low-level start takes a list (or tuple) of 1 to 10 items."""
    try:
        return _validate.sized(items, field, low=1, high=MAX_BATCH)
    except ValidationError as err:
        raise ValidationError(
            f"{err.message}; the bulk methods take any number", field=field
        ) from None


def prepare_batch(spec: Any, items: Any, field: str) -> list[Any]:
    """The items of a low-level start, each normalised by ``spec.prepare``; the first bad
    one raises a `ValidationError` naming ``field`` and its position."""
    clean = []
    for n, item in enumerate(check_batch(items, field)):
        try:
            clean.append(spec.prepare(item))
        except ValidationError as err:
            raise ValidationError(f"{field}[{n}]: {err.message}", field=field) from None
    return clean


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


def check_bulk(inputs: Any, field: str, progress: Any) -> Any:
    """The arguments of a bulk method: ``inputs`` any iterable (not a single string, bytes,
    a mapping or ``None``) and ``progress`` a callable or ``None``. Bad *items* are not
    checked here: each gets its own `ValidationError` result."""
    check_progress(progress)
    return _validate.bulk_inputs(inputs, field)


def check_progress(progress: Any) -> None:
    """``progress`` is a callable or ``None``."""
    if progress is not None and not callable(progress):
        raise ValidationError("progress must be a callable or None", field="progress")
