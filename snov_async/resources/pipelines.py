"""CRM pipelines (reference lines 3631-3691)."""

from __future__ import annotations

import builtins

from .. import _validate
from ..models.crm import Pipeline, Stage
from ._base import Resource

__all__ = ["PipelinesResource"]


class PipelinesResource(Resource):
    """``snov.pipelines``: the sales pipelines of the CRM (deals)."""

    __slots__ = ()

    async def list(self, *, timeout: float | None = None) -> list[Pipeline]:
        """Every pipeline, with its deal count and value.
        ``GET /v2/pipelines`` (reference line 3631). Free."""
        return await self._call(list[Pipeline], "GET", "/v2/pipelines", timeout=timeout)

    async def stages(
        self, pipeline_id: int, *, timeout: float | None = None
    ) -> builtins.list[Stage]:
        """The stages of a pipeline, in order.
        ``GET /v2/pipelines/{pipeline_id}/stages`` (reference line 3660). Free."""
        path = _validate.path("/v2/pipelines/{pipeline_id}/stages", pipeline_id=pipeline_id)
        return await self._call(builtins.list[Stage], "GET", path, timeout=timeout)
