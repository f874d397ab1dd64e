"""What every resource module shares: the client's one request path and its converter."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .. import _validate
from .._convert import UNSET, note_drift, structure
from .._retry import CallKind
from ..errors import ResponseFormatError, ValidationError
from ._tasks import prepare_batch, task_start

if TYPE_CHECKING:
    from .._http import HTTPCore
    from .._runner import BatchSpec, TaskRunner
    from ..models.tasks import TaskStart

__all__ = ["Resource", "changed", "read_id", "rows_of", "section"]

T = TypeVar("T")


def changed(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of an update call that were given (not `UNSET`); at least one must be."""
    given = {k: v for k, v in changes.items() if v is not UNSET}
    if not given:
        raise ValidationError("give at least one field to change", field="body")
    return given


def section(payload: Any, key: str) -> Mapping[str, Any]:
    """``payload[key]`` as an object (``meta``, ``pagination``, ``links``...); anything else
    (missing, ``null``, ``[]``, a stray scalar) is an empty one, noted on the drift log."""
    value = payload.get(key) if isinstance(payload, Mapping) else None
    if isinstance(value, Mapping):
        return value
    if value is not None and value != []:
        note_drift("answer", key, value, "not an object")
    return {}


def rows_of(payload: Any, key: str | None = "data") -> list[Any]:
    """The rows of a list answer: ``payload[key]`` (or a bare list). Missing, ``null`` and
    ``{}`` are no rows; anything else that is not a list is an envelope the SDK cannot read."""
    value = payload if key is None or isinstance(payload, list) else None
    if key is not None and isinstance(payload, Mapping):
        value = payload.get(key)
    if value is None or (isinstance(value, Mapping) and not value):
        return []
    if not isinstance(value, list):
        raise ResponseFormatError(
            f"the answer's {key or 'body'} is {type(value).__name__}, not a list"
        )
    return value


def read_id(payload: Any) -> int | None:
    """``data.id`` of a create/update/delete answer (the first item of a bare list too), as an
    integer; ``None`` when the answer does not say."""
    first = payload[0] if isinstance(payload, list) and payload else payload
    value = section(first, "data").get("id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


class Resource:
    """A thin section of the API that borrows its client's HTTP core."""

    __slots__ = ("_http", "_runner")

    def __init__(self, http: HTTPCore, runner: TaskRunner) -> None:
        self._http = http
        self._runner = runner

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        form: Mapping[str, Any] | None = None,
        json: Any = None,
        kind: CallKind | None = None,
        timeout: float | None = None,
    ) -> Any:
        return await self._http.request(
            method, path, params=params, form=form, json=json, kind=kind, timeout=timeout
        )

    async def _call(
        self,
        model: type[T],
        method: str,
        path: str,
        *,
        key: str | None = "data",
        params: Mapping[str, Any] | None = None,
        form: Mapping[str, Any] | None = None,
        json: Any = None,
        kind: CallKind | None = None,
        timeout: float | None = None,
    ) -> T:
        """Send the operation and structure ``payload[key]`` (or the payload) into ``model``.

        A missing or ``null`` ``key`` is an empty object (or list); a bare list answers a list
        model as it is. Only an answer that is neither raises `ResponseFormatError`.
        """
        payload = await self._request(
            method, path, params=params, form=form, json=json, kind=kind, timeout=timeout
        )
        data = payload
        many = typing.get_origin(model) is list
        if key is not None and isinstance(payload, Mapping):
            data = payload.get(key)
        elif key is not None and not (many and isinstance(payload, list)):
            raise ResponseFormatError(
                f"the answer is {type(payload).__name__}, not an object with {key!r}",
                method=method,
                path=path,
            )
        if data is None:
            data = [] if many else {}
        return structure(data, model, what=f"{method} {path}")

    async def _start_task(
        self, spec: BatchSpec[Any, Any], items: Any, field: str, webhook_url: str | None
    ) -> TaskStart:
        """The low-level start of a batch operation: 1-10 inputs, normalised and encoded
        exactly as the bulk methods send them."""
        clean = prepare_batch(spec, items, field)
        if webhook_url is not None:
            _validate.web_url(webhook_url, "webhook_url")
        return task_start(await self._http.send(spec.start_call(clean, webhook_url)))

    async def _task_result(
        self,
        spec: BatchSpec[Any, Any],
        model: type[T],
        task_hash: str,
        timeout: float | None = None,
    ) -> T:
        """The low-level result of a task, as it stands."""
        if isinstance(task_hash, str):
            task_hash = task_hash.strip()
        call = spec.result_call(_validate.hash_ref(task_hash, "task_hash"))
        return await self._call(
            model, call.method, call.path, key=None, params=call.params, timeout=timeout
        )
