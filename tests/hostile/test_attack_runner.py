"""The task runner's public methods (``snov.runner``) under the same hostile arguments as the
resources: a typed error naming the parameter, nothing sent."""

from __future__ import annotations

from typing import Any

import pytest

from snov_async import ValidationError

from .support import invoke, recorded, sent

TASK = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("progress", [5, "print", True])
async def test_collect_task_refuses_a_progress_that_is_not_callable(progress: Any) -> None:
    """It polls the task, then logs ``TypeError: 'int' object is not callable`` at every
    progress report; the resource methods (``verification.collect``...) now refuse it."""
    async with recorded() as (snov, mocked):
        with pytest.raises(ValidationError) as info:
            await snov.runner.collect_task(snov.verification.spec, TASK, progress=progress)
        assert sent(mocked) == []
    assert info.value.field == "progress"


@pytest.mark.parametrize("method", ["run", "iterate"])
async def test_run_and_iterate_refuse_a_progress_that_is_not_callable(method: str) -> None:
    async with recorded() as (snov, mocked):
        with pytest.raises(ValidationError) as info:
            await invoke(
                getattr(snov.runner, method),
                snov.verification.spec,
                ["jo@acme.com"],
                progress=5,
            )
        assert sent(mocked) == []
    assert info.value.field == "progress"


async def test_runner_collect_refuses_a_non_iterable_with_a_validation_error() -> None:
    async with recorded() as (snov, mocked):
        with pytest.raises(ValidationError) as info:
            await snov.runner.collect(5)  # type: ignore[arg-type]
        assert sent(mocked) == []
    assert info.value.field == "refs"


@pytest.mark.parametrize("spec", [None, 5, "verify"])
async def test_run_refuses_a_spec_that_is_not_one(spec: Any) -> None:
    async with recorded() as (snov, mocked):
        with pytest.raises(ValidationError):
            await snov.runner.run(spec, ["jo@acme.com"])
        assert sent(mocked) == []
