"""What every resource module shares: the client's one request path and its converter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .. import _validate
from .._convert import UNSET, structure
from .._retry import CallKind
from ..errors import ResponseFormatError, ValidationError
from ._tasks import prepare_batch, task_start

if TYPE_CHECKING:
    from .._http import HTTPCore
    from .._runner import BatchSpec, TaskRunner
    from ..models.tasks import TaskStart

__all__ = ["Resource", "changed"]

T = TypeVar("T")


def changed(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of an update call that were given (not `UNSET`); at least one must be."""
    given = {k: v for k, v in changes.items() if v is not UNSET}
    if not given:
        raise ValidationError("give at least one field to change", field="body")
    return given


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
        """Send the operation and structure ``payload[key]`` (or the payload) into ``model``."""
        payload = await self._request(
            method, path, params=params, form=form, json=json, kind=kind, timeout=timeout
        )
        data = payload
        if key is not None:
            if not isinstance(payload, Mapping) or key not in payload:
                raise ResponseFormatError(
                    f"the answer has no {key!r} field", method=method, path=path
                )
            data = payload[key]
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
