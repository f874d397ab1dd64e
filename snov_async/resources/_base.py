"""What every resource module shares: the client's one request path and its converter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .._convert import structure
from .._retry import CallKind
from ..errors import ResponseFormatError

if TYPE_CHECKING:
    from .._http import HTTPCore
    from .._runner import TaskRunner

__all__ = ["Resource"]

T = TypeVar("T")


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
    ) -> Any:
        return await self._http.request(
            method, path, params=params, form=form, json=json, kind=kind
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
    ) -> T:
        """Send the operation and structure ``payload[key]`` (or the payload) into ``model``."""
        payload = await self._request(method, path, params=params, form=form, json=json, kind=kind)
        data = payload
        if key is not None:
            if not isinstance(payload, Mapping) or key not in payload:
                raise ResponseFormatError(
                    f"the answer has no {key!r} field", method=method, path=path
                )
            data = payload[key]
        return structure(data, model, what=f"{method} {path}")
